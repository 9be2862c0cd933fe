package web_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/civica/civica/internal/auth/testidp"
	"github.com/civica/civica/internal/browsertest"
)

// A comune that runs its own issuer for its staff: the desk's door sends
// staff there, and only staff get in.
func TestStaffLogin_AtTheComunesOwnIssuer(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	ctx := context.Background()
	verdemare := s.ComuneURL("verdemare")

	// The comune's issuer: another provider, on its own port, where Civica
	// is registered as "verdemare-desk" with the key it signs with.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	ours, err := s.App.Server.RegisteredClient(ctx, s.PlatformURL+"/c_z901/")
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	idp, err := testidp.New(testidp.Config{
		Issuer: issuer,
		LookupClient: func(_ context.Context, id string) (testidp.Client, error) {
			asked.Add(1)
			if id != "verdemare-desk" {
				return testidp.Client{}, http.ErrNoLocation
			}
			return testidp.Client{ID: id, RedirectURIs: []string{verdemare + "/accedi/callback"}, Keys: ours.Keys}, nil
		},
		RenderLogin: s.App.Server.RenderTestProviderLogin,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(idp)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	if _, err := s.Pool.Exec(ctx, `UPDATE tenants SET staff_oidc_issuer = $1, staff_oidc_client_id = 'verdemare-desk' WHERE slug = 'verdemare'`, issuer); err != nil {
		t.Fatal(err)
	}
	s.App.Tenants.Invalidate()

	login := func(t *testing.T, identity string) browsertest.Page {
		t.Helper()
		c := s.Client(t)
		picker := browsertest.Get(t, c, verdemare+"/scrivania")
		if picker.Status != http.StatusOK || picker.URL.Host != ln.Addr().String() {
			t.Fatalf("the desk sent %s to %s (%d), want the comune's issuer at %s", identity, picker.URL, picker.Status, issuer)
		}
		form := picker.FirstPostForm(t)
		form.Values.Set("identity", identity)
		return browsertest.PostForm(t, c, form.Action, form.Values)
	}
	if p := login(t, "paolo-conti"); p.Status != http.StatusOK || p.URL.Path != "/scrivania" {
		t.Errorf("Paolo Conti landed on %s (%d), want /scrivania", p.URL, p.Status)
	}
	if p := login(t, "mario-rossi"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "non fa parte del personale") {
		t.Errorf("a citizen at the desk's door: %d %s, want 403 with a clear page", p.Status, p.URL)
	}
	if asked.Load() == 0 {
		t.Error("the comune's issuer was never asked about its client")
	}
	// Citizens still log in through SPID/CIE, at the platform's provider.
	p := browsertest.LoginHTTP(t, s.Client(t), verdemare, "mario-rossi", "/")
	if p.URL.Path != "/area-personale" {
		t.Errorf("a citizen landed on %s, want /area-personale", p.URL)
	}
}

// Without an issuer of its own, the desk's pages send staff to the login
// page, which shows the desk's door: SPID/CIE at the platform's provider.
func TestStaffLogin_WithoutAnIssuerOfItsOwn(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	login := browsertest.Get(t, c, s.ComuneURL("roccasole")+"/scrivania")
	if login.URL.Path != "/accedi" || !strings.Contains(login.Body, `href="/scrivania/accedi"`) {
		t.Fatalf("the desk sent staff to %s, want the login page with the desk's door", login.URL)
	}
	picker := browsertest.Get(t, c, s.ComuneURL("roccasole")+"/scrivania/accedi")
	if picker.Status != http.StatusOK || !strings.HasPrefix(picker.URL.Path, "/idp/") {
		t.Fatalf("the desk sent staff to %s (%d), want the platform's provider", picker.URL, picker.Status)
	}
	form := picker.FirstPostForm(t)
	form.Values.Set("identity", "francesca-romano")
	if p := browsertest.PostForm(t, c, form.Action, form.Values); p.URL.Path != "/scrivania" {
		t.Errorf("Francesca Romano landed on %s, want /scrivania", p.URL)
	}
}
