package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/civica/civica/internal/browsertest"
)

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q", what, w)
		}
	}
}

func TestPlatformHome_ListsEveryComuneWithItsAddress(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	p := browsertest.Get(t, s.Client(t), s.PlatformURL+"/")
	if p.Status != http.StatusOK {
		t.Fatalf("status %d", p.Status)
	}
	mustContain(t, "platform page", p.Body,
		`href="`+s.ComuneURL("verdemare")+`/"`, "Città di Verdemare",
		`href="`+s.ComuneURL("roccasole")+`/"`, "Comune di Roccasole", `src="/comuni/verdemare/logo"`)
	res, err := s.Client(t).Get(s.PlatformURL + "/comuni/roccasole/logo")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("logo on the platform host: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if p := browsertest.Get(t, s.Client(t), s.PlatformURL+"/comuni/nessuno/logo"); p.Status != http.StatusNotFound {
		t.Errorf("logo of no comune: %d", p.Status)
	}
}

func TestComuneHome_ShowsItsOwnNameLogoColourAndEntryPoints(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	for _, tc := range []struct{ slug, name, other, colour string }{
		{"verdemare", "Città di Verdemare", "Comune di Roccasole", "#0b5c8e"},
		{"roccasole", "Comune di Roccasole", "Città di Verdemare", "#7a2e12"},
	} {
		base := s.ComuneURL(tc.slug)
		p := browsertest.Get(t, c, base+"/")
		if p.Status != http.StatusOK {
			t.Fatalf("%s: status %d", tc.slug, p.Status)
		}
		mustContain(t, tc.slug+" home", p.Body, tc.name, `<html lang="it">`,
			`data-element="all-services"`, `data-element="personal-area-login"`, `data-element="appointment-booking"`,
			`href="/area-personale"`, `data-element="accessibility-link"`, `data-element="privacy-policy-link"`,
			`data-element="faq"`, `data-element="report-inefficiency">Segnala disservizio<`, `data-element="legal-notes"`,
			`href="#main-container"`)
		if strings.Contains(p.Body, tc.other) {
			t.Errorf("%s home mentions %s", tc.slug, tc.other)
		}
		theme := browsertest.Get(t, c, base+"/tema.css")
		mustContain(t, tc.slug+" theme", theme.Body, tc.colour)
		res, err := c.Get(base + "/logo")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("%s logo: %d %s", tc.slug, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}

func TestUnknownHost_GetsThePlatformsHelpful404(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	p := browsertest.Get(t, s.Client(t), strings.Replace(s.ComuneURL("verdemare"), "verdemare", "nowhere", 1)+"/")
	if p.Status != http.StatusNotFound {
		t.Fatalf("status %d, want 404", p.Status)
	}
	mustContain(t, "unknown host page", p.Body, "non corrisponde a nessun comune", `href="`+s.PlatformURL+`/"`, `data-testid="request-id"`)
}

func TestNotFound_RendersTheComunesErrorPageWithRequestID(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	p := browsertest.Get(t, s.Client(t), s.ComuneURL("roccasole")+"/non-esiste")
	if p.Status != http.StatusNotFound {
		t.Fatalf("status %d", p.Status)
	}
	mustContain(t, "404", p.Body, "Pagina non trovata", "Comune di Roccasole", `data-testid="request-id"`)
}

func TestLegalNotes_CarryTheExactAgIDText(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	p := browsertest.Get(t, s.Client(t), s.ComuneURL("verdemare")+"/note-legali")
	mustContain(t, "legal notes", p.Body, `data-element="legal-notes-section"`, "Licenza dei contenuti",
		`data-element="legal-notes-body"`,
		"In applicazione del principio open by default ai sensi dell’articolo 52 del decreto legislativo 7 marzo 2005, n. 82 (CAD)",
		"anche commerciale con il solo onere di attribuzione, senza apporre restrizioni aggiuntive.")
}

func TestLanguage_FromBrowserThenFromThePersonsChoice(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	req, _ := http.NewRequest(http.MethodGet, base+"/", nil)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	body := browsertest.Get(t, c, base+"/").Body // no header: Italian by default
	mustContain(t, "default", body, `<html lang="it">`, "Servizi")
	p := browsertest.Get(t, c, base+"/lingua?to=en&next=%2Ffaq")
	if p.URL.Path != "/faq" {
		t.Errorf("language switch went to %s, want back to /faq", p.URL)
	}
	mustContain(t, "after switching", p.Body, `<html lang="en">`, "Frequently asked questions")
	p = browsertest.Get(t, c, base+"/lingua?to=xx&next=%2F")
	if p.Status != http.StatusBadRequest {
		t.Errorf("unsupported language: status %d, want 400", p.Status)
	}
	p = browsertest.Get(t, c, base+"/lingua?to=it&next=https%3A%2F%2Fevil.example%2F")
	if p.URL.Host != req.URL.Host {
		t.Errorf("language switch redirected off site to %s", p.URL)
	}

	req, _ = http.NewRequest(http.MethodGet, base+"/", nil)
	req.Header.Set("Accept-Language", "en-US,en;q=0.8")
	res, err = s.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "Accept-Language en", string(b), `<html lang="en">`)
}

func TestLogin_CitizenReachesPersonalAreaAndGetsTheWelcomeMessage(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	u, _ := url.Parse(base)

	// A session exists before login (the login's secrets live in it)...
	browsertest.Get(t, c, base+"/accedi")
	p := browsertest.LoginHTTP(t, c, base, "mario-rossi", "/area-personale")
	if p.Status != http.StatusOK || p.URL.Path != "/area-personale" || p.URL.Host != u.Host {
		t.Fatalf("landed on %d %s, want 200 %s/area-personale", p.Status, p.URL, base)
	}
	mustContain(t, "personal area", p.Body, "Mario Rossi", "RSSMRA85T10H501O")
	sessionBefore := cookie(c, u, "civica_session")

	// The welcome message is written by a job; it shows up shortly.
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(p.Body, "Benvenuta e benvenuto sul portale di Città di Verdemare") {
		if time.Now().After(deadline) {
			t.Fatalf("welcome message never appeared:\n%s", p.Body)
		}
		time.Sleep(200 * time.Millisecond)
		p = browsertest.Get(t, c, base+"/area-personale")
	}

	// A second login writes no second welcome.
	p = browsertest.LoginHTTP(t, c, base, "mario-rossi", "/area-personale")
	time.Sleep(500 * time.Millisecond)
	p = browsertest.Get(t, c, base+"/area-personale")
	if n := strings.Count(p.Body, "Benvenuta e benvenuto sul portale"); n != 1 {
		t.Errorf("%d welcome messages after two logins, want 1", n)
	}
	if after := cookie(c, u, "civica_session"); after == "" || after == sessionBefore {
		t.Errorf("session token not renewed at login")
	}

	// Logout ends the session.
	form := p.FirstPostForm(t)
	p = browsertest.PostForm(t, c, form.Action, form.Values)
	if p.URL.Path != "/" {
		t.Errorf("after logout at %s, want /", p.URL)
	}
	p = browsertest.Get(t, c, base+"/area-personale")
	if p.URL.Path != "/accedi" {
		t.Errorf("after logout /area-personale went to %s, want /accedi", p.URL)
	}
}

func TestLogin_StaffLandOnTheDeskWithTheirRole(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	for _, tc := range []struct{ base, identity, role string }{
		{s.ComuneURL("verdemare"), "paolo-conti", "operatore"},
		{s.ComuneURL("verdemare"), "sara-greco", "amministratore del comune"},
		{s.ComuneURL("roccasole"), "francesca-romano", "operatore"},
		{s.PlatformURL, "elena-ricci", "amministratore della piattaforma"},
	} {
		p := browsertest.LoginHTTP(t, s.Client(t), tc.base, tc.identity, "/")
		if p.URL.Path != "/scrivania" {
			t.Errorf("%s at %s landed on %s, want /scrivania", tc.identity, tc.base, p.URL)
			continue
		}
		mustContain(t, tc.identity+" desk", p.Body, tc.role)
	}
	// A clerk of Verdemare is a citizen in Roccasole.
	p := browsertest.LoginHTTP(t, s.Client(t), s.ComuneURL("roccasole"), "paolo-conti", "/")
	if p.URL.Path != "/area-personale" {
		t.Errorf("Verdemare's clerk in Roccasole landed on %s, want /area-personale", p.URL)
	}
	// A citizen may not enter the desk, nor the platform.
	c := s.Client(t)
	browsertest.LoginHTTP(t, c, s.ComuneURL("verdemare"), "giulia-bianchi", "/")
	if p := browsertest.Get(t, c, s.ComuneURL("verdemare")+"/scrivania"); p.Status != http.StatusForbidden {
		t.Errorf("citizen on /scrivania: %d, want 403", p.Status)
	}
	p = browsertest.LoginHTTP(t, s.Client(t), s.PlatformURL, "giulia-bianchi", "/")
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "non è abilitata") {
		t.Errorf("citizen on the platform: %d, want 403 with a clear page", p.Status)
	}
}

func TestLoginCallback_BadAnswersGiveAClearPageAndNoSession(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")

	start := func(t *testing.T, c *http.Client) browsertest.Form {
		t.Helper()
		picker := browsertest.Get(t, c, base+"/accedi/spid?next=%2Farea-personale")
		f := picker.FirstPostForm(t)
		f.Values.Set("identity", "mario-rossi")
		return f
	}
	// callbackURL performs the provider step without following the redirect.
	callbackURL := func(t *testing.T, c *http.Client, f browsertest.Form) *url.URL {
		t.Helper()
		nc := *c
		nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		res, err := nc.PostForm(f.Action, f.Values)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		u, err := url.Parse(res.Header.Get("Location"))
		if err != nil || res.StatusCode != http.StatusFound {
			t.Fatalf("provider answered %d %v", res.StatusCode, err)
		}
		return u
	}
	loggedOut := func(t *testing.T, c *http.Client) {
		t.Helper()
		if p := browsertest.Get(t, c, base+"/area-personale"); p.URL.Path != "/accedi" {
			t.Errorf("a session was created: /area-personale answered at %s", p.URL)
		}
	}

	t.Run("wrong state", func(t *testing.T) {
		c := s.Client(t)
		u := callbackURL(t, c, start(t, c))
		q := u.Query()
		q.Set("state", "forged-state-value")
		u.RawQuery = q.Encode()
		p := browsertest.Get(t, c, u.String())
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "non corrisponde all&#39;accesso avviato") {
			t.Errorf("wrong state: %d\n%s", p.Status, p.Body)
		}
		loggedOut(t, c)
	})
	t.Run("replayed callback", func(t *testing.T) {
		c := s.Client(t)
		u := callbackURL(t, c, start(t, c))
		if p := browsertest.Get(t, c, u.String()); p.URL.Path != "/area-personale" {
			t.Fatalf("first callback landed on %s", p.URL)
		}
		browsertest.PostForm(t, c, base+"/esci", browsertest.Get(t, c, base+"/area-personale").FirstPostForm(t).Values)
		p := browsertest.Get(t, c, u.String())
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Non risulta un accesso in corso") {
			t.Errorf("replayed callback: %d", p.Status)
		}
		loggedOut(t, c)
	})
	t.Run("missing code", func(t *testing.T) {
		c := s.Client(t)
		u := callbackURL(t, c, start(t, c))
		q := u.Query()
		q.Del("code")
		u.RawQuery = q.Encode()
		if p := browsertest.Get(t, c, u.String()); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Accesso non riuscito") {
			t.Errorf("missing code: %d", p.Status)
		}
		loggedOut(t, c)
	})
	t.Run("code for another login (nonce mismatch)", func(t *testing.T) {
		c1, c2 := s.Client(t), s.Client(t)
		u1 := callbackURL(t, c1, start(t, c1))
		u2 := callbackURL(t, c2, start(t, c2))
		// c2's code arrives in c1's browser with c1's state: the ID token's nonce is c2's.
		q := u1.Query()
		q.Set("code", u2.Query().Get("code"))
		u1.RawQuery = q.Encode()
		if p := browsertest.Get(t, c1, u1.String()); p.Status != http.StatusBadRequest {
			t.Errorf("foreign code: %d, want 400", p.Status)
		}
		loggedOut(t, c1)
	})
	t.Run("person cancels at the provider", func(t *testing.T) {
		c := s.Client(t)
		f := start(t, c)
		f.Values.Del("identity")
		f.Values.Set("cancel", "1")
		p := browsertest.PostForm(t, c, f.Action, f.Values)
		if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Hai annullato l&#39;accesso") {
			t.Errorf("cancel: %d", p.Status)
		}
		loggedOut(t, c)
	})
	t.Run("provider error", func(t *testing.T) {
		c := s.Client(t)
		u := callbackURL(t, c, start(t, c))
		q := url.Values{"error": {"server_error"}, "state": {u.Query().Get("state")}}
		u.RawQuery = q.Encode()
		if p := browsertest.Get(t, c, u.String()); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "non ha confermato") {
			t.Errorf("provider error: %d", p.Status)
		}
		loggedOut(t, c)
	})
	t.Run("no identity picked at the provider", func(t *testing.T) {
		c := s.Client(t)
		f := start(t, c)
		f.Values.Del("identity")
		p := browsertest.PostForm(t, c, f.Action, f.Values)
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Scegli un&#39;identità") {
			t.Errorf("no identity: %d", p.Status)
		}
	})
	if logs := s.Logs(); !strings.Contains(logs, "login callback with wrong state") || !strings.Contains(logs, "login exchange failed") {
		t.Errorf("failed logins were not logged:\n%s", logs)
	}
}

func TestSession_TamperedOrForeignCookieCountsAsLoggedOut(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	verdemare, _ := url.Parse(s.ComuneURL("verdemare"))
	roccasole, _ := url.Parse(s.ComuneURL("roccasole"))
	browsertest.LoginHTTP(t, c, verdemare.String(), "luca-esposito", "/area-personale")
	token := cookie(c, verdemare, "civica_session")

	// The same token presented to another comune's host.
	other := s.Client(t)
	other.Jar.SetCookies(roccasole, []*http.Cookie{{Name: "civica_session", Value: token, Path: "/"}})
	if p := browsertest.Get(t, other, roccasole.String()+"/area-personale"); p.URL.Path != "/accedi" || p.Status != http.StatusOK {
		t.Errorf("foreign session on roccasole: %d %s, want the login page", p.Status, p.URL)
	}
	// A tampered token.
	bad := s.Client(t)
	bad.Jar.SetCookies(verdemare, []*http.Cookie{{Name: "civica_session", Value: token[:len(token)-2] + "xx", Path: "/"}})
	if p := browsertest.Get(t, bad, verdemare.String()+"/area-personale"); p.URL.Path != "/accedi" || p.Status != http.StatusOK {
		t.Errorf("tampered session: %d %s, want the login page", p.Status, p.URL)
	}
}

func TestCSRF_PostWithoutTokenIsRefused(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	browsertest.LoginHTTP(t, c, base, "chiara-ferrari", "/area-personale")
	p := browsertest.PostForm(t, c, base+"/esci", url.Values{})
	if p.Status == http.StatusOK && p.URL.Path == "/" {
		t.Fatal("logout without CSRF token was accepted")
	}
	p = browsertest.PostForm(t, c, base+"/esci", url.Values{"_csrf": {"forged"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "La richiesta è scaduta") {
		t.Errorf("forged token: %d", p.Status)
	}
	if p := browsertest.Get(t, c, base+"/area-personale"); p.URL.Path != "/area-personale" {
		t.Errorf("refused logout still ended the session")
	}
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	res, err := s.Client(t).Get(s.ComuneURL("verdemare") + "/accedi/spid")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var sessionCookie *http.Cookie
	for r := res.Request.Response; r != nil; r = r.Request.Response {
		for _, ck := range r.Cookies() {
			if ck.Name == "civica_session" {
				sessionCookie = ck
			}
		}
	}
	if sessionCookie == nil || !sessionCookie.HttpOnly || sessionCookie.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie %+v, want HttpOnly and SameSite=Lax", sessionCookie)
	}
	res, err = s.Client(t).Get(s.ComuneURL("verdemare") + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %q", csp)
	}
	if res.Header.Get("X-Request-Id") == "" {
		t.Error("no request id header")
	}
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready"} {
		if p := browsertest.Get(t, c, s.PlatformURL+path); p.Status != http.StatusOK || p.Body != want {
			t.Errorf("%s: %d %q", path, p.Status, p.Body)
		}
	}
	browsertest.Get(t, c, s.ComuneURL("verdemare")+"/")
	p := browsertest.Get(t, c, s.PlatformURL+"/metrics")
	mustContain(t, "metrics", p.Body, `civica_http_requests_total{method="GET",route="/",status="200"}`, "go_goroutines")
}

func cookie(c *http.Client, u *url.URL, name string) string {
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// The theme and the logo come with every page, several at once: they must
// not load the session. Every request that loads it saves it back (to
// extend its idle timeout), so a slow logo request would write back the
// session as it stood before the form the person had just sent.
func TestThemeAndLogo_NeverWriteTheSessionBack(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	browsertest.LoginHTTP(t, c, base, "mario-rossi", "/area-personale")
	sessionWritten := func(path string) bool {
		t.Helper()
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		for _, ck := range res.Cookies() {
			if ck.Name == "civica_session" {
				return true
			}
		}
		return false
	}
	// A page does save the session back: the check below can fail.
	if !sessionWritten("/area-personale") {
		t.Fatal("the personal area did not write the session back: nothing to compare with")
	}
	for _, path := range []string{"/logo", "/tema.css"} {
		if sessionWritten(path) {
			t.Errorf("%s wrote the session back", path)
		}
	}
}
