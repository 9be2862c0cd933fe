package browsertest

import (
	"net/http"
	"net/url"
	"testing"
)

// Pages anyone may see, on the platform and on every comune.
var publicPaths = []string{
	"/", "/accedi", "/note-legali", "/privacy", "/dichiarazione-accessibilita", "/faq", "/segnalazione-disservizio",
}

// Pages only a comune's portal has.
var comunePaths = []string{"/servizi", "/prenota", "/argomenti", "/argomenti/anagrafe", "/servizi/categoria/anagrafe-e-stato-civile",
	"/servizi/carta-identita-elettronica", "/servizi/cambio-residenza", "/servizi/permesso-di-costruire",
	"/servizi/carta-identita-elettronica/condizioni", "/uffici", "/uffici/anagrafe",
	"/cerca", "/cerca?q=carta+identita"}

var demoComuni = []string{"verdemare", "roccasole"}

// page is one page the pages test opens, and the status it must answer.
type page struct {
	name   string
	url    string
	status int
}

// publicPages lists every page a visitor who has not logged in can reach,
// error pages included.
func publicPages(s *Server) []page {
	var pages []page
	add := func(site, base string, paths ...string) {
		for _, p := range paths {
			name := site + p
			if p == "/" {
				name = site + "/home"
			}
			pages = append(pages, page{name: name, url: base + p, status: http.StatusOK})
		}
		pages = append(pages, page{name: site + "/not-found", url: base + "/nope", status: http.StatusNotFound})
	}
	add("platform", s.PlatformURL, publicPaths...)
	for _, slug := range demoComuni {
		add(slug, s.ComuneURL(slug), append(publicPaths, comunePaths...)...)
	}
	pages = append(pages, page{name: "unknown-host", url: s.ComuneURL("nowhere") + "/", status: http.StatusNotFound})
	return pages
}

// A page behind a login: who logs in where, where they land, and the page
// checked there.
type loggedInPage struct {
	name     string
	site     string // "" for the platform, else a comune's slug
	identity string
	path     string // where logging in lands
	open     string // the page to check, opened after landing; "" for path itself
	follow   string // a link or button followed from open to the page to check; "" for none
}

var loggedInPages = []loggedInPage{
	{name: "verdemare/personal-area", site: "verdemare", identity: MarioRossi, path: "/area-personale"},
	{name: "roccasole/personal-area", site: "roccasole", identity: MarioRossi, path: "/area-personale"},
	{name: "verdemare/desk-clerk", site: "verdemare", identity: PaoloConti, path: "/scrivania"},
	{name: "platform/desk-admin", site: "", identity: ElenaRicci, path: "/scrivania"},
	{name: "verdemare/admin-services", site: "verdemare", identity: SaraGreco, path: "/scrivania", open: "/amministrazione/servizi"},
	{name: "verdemare/admin-service-edit", site: "verdemare", identity: SaraGreco, path: "/scrivania",
		open: "/amministrazione/servizi/carta-identita-elettronica"},
	{name: "verdemare/admin-service-version", site: "verdemare", identity: SaraGreco, path: "/scrivania",
		open: "/amministrazione/servizi/carta-identita-elettronica/versioni/1"}, // saved by saveCardOnce
	{name: "verdemare/admin-service-preview", site: "verdemare", identity: SaraGreco, path: "/scrivania",
		open: "/amministrazione/servizi/carta-identita-elettronica", follow: "[data-testid=admin-preview]"},
}

// saveCardOnce saves Verdemare's CIE card unchanged as Sara Greco, so that
// it has a version 1 to compare.
func saveCardOnce(t *testing.T, s *Server) {
	t.Helper()
	base := s.ComuneURL("verdemare")
	c := s.Client(t)
	edit := LoginHTTP(t, c, base, "sara-greco", "/amministrazione/servizi/carta-identita-elettronica")
	form := edit.FirstPostForm(t)
	if p := PostForm(t, c, form.Action, form.Values); p.Status != http.StatusOK {
		t.Fatalf("saving the card: %d", p.Status)
	}
}

// TestPages opens every page in Chromium, in Italian and in English, and
// checks what every page owes its visitors: the language declared, one h1, a
// skip link to the content, no accessibility violation found by axe, and a
// clean console (no error, no CSP violation).
func TestPages(t *testing.T) {
	t.Parallel()
	s := Start(t)
	saveCardOnce(t, s)
	for _, lang := range []string{"it", "en"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			b := NewBrowser(t, WithLanguage(lang))
			for _, p := range publicPages(s) {
				t.Run(p.name, func(t *testing.T) {
					b.Visit(t, p.url)
					checkPage(t, b, lang, p.status)
				})
			}
			t.Run("test-provider/login", func(t *testing.T) {
				b.Visit(t, s.ComuneURL("verdemare")+"/accedi")
				b.Follow(t, "[data-testid=login-spid]")
				checkPage(t, b, lang, http.StatusOK)
			})
			for _, p := range loggedInPages {
				t.Run(p.name, func(t *testing.T) {
					site := s.PlatformURL
					if p.site != "" {
						site = s.ComuneURL(p.site)
					}
					b.LogIn(t, site, p.identity)
					if got := pathOf(t, b.Location(t)); got != p.path {
						t.Fatalf("logged in as %s on %s, landed on %s, want %s", p.identity, site, got, p.path)
					}
					if p.open != "" {
						b.Visit(t, site+p.open)
					}
					if p.follow != "" {
						b.Follow(t, p.follow)
					}
					checkPage(t, b, lang, http.StatusOK)
					if p.open != "" {
						b.Visit(t, site+p.path) // where the logout button is
					}
					b.LogOut(t)
				})
			}
		})
	}
}

// checkPage checks the page the browser shows.
func checkPage(t *testing.T, b *Browser, lang string, status int) {
	t.Helper()
	if got := b.Status(); got != status {
		t.Errorf("HTTP status %d, want %d", got, status)
	}
	if got := Eval[string](t, b, `document.documentElement.lang`); got != lang {
		t.Errorf(`<html lang=%q>, want %q`, got, lang)
	}
	if n := b.Count(t, "h1"); n != 1 {
		t.Errorf("%d h1 elements, want exactly 1", n)
	}
	if n := b.Count(t, `a[href="#main-container"]`); n != 1 {
		t.Errorf(`%d skip links a[href="#main-container"], want 1`, n)
	}
	if n := b.Count(t, "main#main-container"); n != 1 {
		t.Errorf("%d main#main-container elements (the skip link's target), want 1", n)
	}
	b.CheckAxe(t)
	b.CheckNoConsoleErrors(t)
}

func pathOf(t testing.TB, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("browser location %q: %v", rawURL, err)
	}
	return u.Path
}

// TestLanguageSwitch follows the header's language link: the page comes back
// in the other language, and stays so on the next page.
func TestLanguageSwitch(t *testing.T) {
	t.Parallel()
	s := Start(t)
	b := NewBrowser(t) // prefers Italian
	home := s.ComuneURL("verdemare") + "/"
	b.Visit(t, home)
	if got := Eval[string](t, b, `document.documentElement.lang`); got != "it" {
		t.Fatalf("home in %q, want it", got)
	}
	b.Follow(t, `a.civica-language-link[hreflang="en"]`)
	if got := b.Location(t); got != home {
		t.Errorf("after switching language the browser is at %s, want %s", got, home)
	}
	b.Follow(t, "[data-element=all-services]")
	if got := Eval[string](t, b, `document.documentElement.lang`); got != "en" {
		t.Errorf("%s in %q after choosing English, want en", b.Location(t), got)
	}
	b.CheckNoConsoleErrors(t)
}
