package oidcrp_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/civica/civica/internal/auth/oidcrp"
	"github.com/civica/civica/internal/auth/testidp"
)

// bundle is a test provider served over real HTTP, and a relying-party
// client registered with it.
type bundle struct {
	issuer  string
	client  *oidcrp.Client
	browser *http.Client // a browser that does not follow redirects
	// up says whether the provider answers; when false, every request to
	// it fails with 503, as a provider that is down.
	up *atomic.Bool
}

func setup(t *testing.T) *bundle {
	t.Helper()
	b := &bundle{up: &atomic.Bool{}}
	b.up.Store(true)

	var idp *testidp.Provider
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !b.up.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		idp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	b.issuer = srv.URL + "/idp"
	b.browser = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}

	b.client = &oidcrp.Client{
		Provider:    oidcrp.NewProvider(b.issuer, srv.Client()),
		ClientID:    "https://civica.example/verdemare/",
		RedirectURL: "https://civica.example/verdemare/auth/callback",
		Key:         generateKey(t),
	}
	registered := b.client
	var err error
	idp, err = testidp.New(testidp.Config{
		Issuer: b.issuer,
		LookupClient: func(_ context.Context, clientID string) (testidp.Client, error) {
			if clientID != registered.ClientID {
				return testidp.Client{}, errors.New("unknown client")
			}
			return testidp.Client{
				ID:           registered.ClientID,
				RedirectURIs: []string{registered.RedirectURL},
				Keys:         registered.PublicJWKS(),
			}, nil
		},
		RenderLogin: func(w http.ResponseWriter, _ *http.Request, page testidp.LoginPage) {
			// Stands in for the host's template: the view model as JSON.
			if page.Error != "" {
				w.WriteHeader(http.StatusUnprocessableEntity)
			}
			_ = json.NewEncoder(w).Encode(page)
		},
	})
	if err != nil {
		t.Fatalf("testidp.New: %v", err)
	}
	return b
}

func generateKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	return key
}

func (b *bundle) do(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := b.browser.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// openLoginPage follows the authorization URL as a browser would and
// returns the login page the provider rendered.
func (b *bundle) openLoginPage(t *testing.T, req oidcrp.AuthRequest) testidp.LoginPage {
	t.Helper()
	authURL, err := b.client.AuthCodeURL(context.Background(), req)
	if err != nil {
		t.Fatalf("AuthCodeURL: %v", err)
	}
	httpReq, err := http.NewRequest(http.MethodGet, authURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp := b.do(t, httpReq)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET authorize: status %d", resp.StatusCode)
	}
	var page testidp.LoginPage
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatalf("decode login page: %v", err)
	}
	return page
}

// submitLoginPage posts the login form with the given fields added to the
// hidden ones, and returns the query of the callback the provider
// redirects to.
func (b *bundle) submitLoginPage(t *testing.T, page testidp.LoginPage, fields url.Values) url.Values {
	t.Helper()
	form := url.Values{}
	for k, v := range page.Hidden {
		form.Set(k, v)
	}
	for k, vs := range fields {
		form[k] = vs
	}
	req, err := http.NewRequest(http.MethodPost, page.Action, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := b.do(t, req)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("POST authorize: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != b.client.RedirectURL {
		t.Fatalf("redirected to %q, want the client's callback", got)
	}
	return loc.Query()
}

// login runs the browser's part of a login as identityID and returns the
// authorization code, after checking the callback as the web layer does.
func (b *bundle) login(t *testing.T, req oidcrp.AuthRequest, identityID string) string {
	t.Helper()
	q := b.submitLoginPage(t, b.openLoginPage(t, req), url.Values{"identity": {identityID}})
	if err := oidcrp.CallbackError(q); err != nil {
		t.Fatalf("CallbackError: %v", err)
	}
	if err := oidcrp.CheckState(q.Get("state"), req.State); err != nil {
		t.Fatalf("CheckState: %v", err)
	}
	return q.Get("code")
}

func wantProviderError(t *testing.T, err error, code string) {
	t.Helper()
	var pe *oidcrp.ProviderError
	if !errors.Is(err, oidcrp.ErrProviderError) || !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("err = %v, want a provider error %q", err, code)
	}
}
