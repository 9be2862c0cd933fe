package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// The harness's own checks must be able to fail: these tests show each one
// catching what it is for, on a small page of their own.

// fixture serves one HTML page under Civica's strict CSP, and /mark.js, a
// script the CSP allows that marks <html data-script-ran>.
func fixture(t *testing.T, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><title>Fixture</title><link rel="icon" href="data:,"></head><body><main>%s</main></body></html>`, body)
		case "/favicon.ico": // asked for by plain-text pages such as the 404 below
			w.WriteHeader(http.StatusNoContent)
		case "/mark.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `document.documentElement.dataset.scriptRan = "yes";`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// scriptRan tells whether the fixture's /mark.js ran on the current page.
func scriptRan(t *testing.T, b *Browser) bool {
	t.Helper()
	return b.Count(t, "html[data-script-ran]") == 1
}

func TestBrowserWithoutJavaScript(t *testing.T) {
	t.Parallel()
	page := fixture(t, `<h1>Fixture</h1><script src="/mark.js"></script>`)
	for _, tc := range []struct {
		name string
		opts []Option
		ran  bool
	}{
		{name: "Default", ran: true},
		{name: "WithoutJavaScript", opts: []Option{WithoutJavaScript()}, ran: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBrowser(t, tc.opts...)
			b.Visit(t, page)
			if ran := scriptRan(t, b); ran != tc.ran {
				t.Errorf("page script ran: %v, want %v", ran, tc.ran)
			}
			b.Reload(t) // the setting lasts across navigations
			if ran := scriptRan(t, b); ran != tc.ran {
				t.Errorf("after a reload, page script ran: %v, want %v", ran, tc.ran)
			}
			if got := b.Text(t, "h1"); got != "Fixture" {
				t.Errorf("h1 %q, want Fixture", got)
			}
		})
	}
}

func TestBrowserConsoleErrors(t *testing.T) {
	t.Parallel()
	b := NewBrowser(t)
	b.Visit(t, fixture(t, `<h1 style="color: red">Inline style</h1><script>console.log("inline")</script><img src="/missing.png" alt="Missing">`))
	problems := strings.Join(b.ConsoleErrors(t), "\n")
	for _, want := range []string{
		"Applying inline style violates the following Content Security Policy directive",
		"Executing inline script violates the following Content Security Policy directive",
		"404 (Not Found)", // /missing.png
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("console errors lack %q; they are:\n%s", want, problems)
		}
	}
	Eval[any](t, b, `console.error("broken", 42)`)
	if got := b.ConsoleErrors(t); !slices.Equal(got, []string{"console.error: broken 42"}) {
		t.Errorf("after console.error: %q", got)
	}
}

func TestBrowserStatusIgnoresThePageItself(t *testing.T) {
	t.Parallel()
	b := NewBrowser(t)
	url := fixture(t, `<h1>Here</h1>`)
	b.Visit(t, url+"nope")
	if b.Status() != http.StatusNotFound {
		t.Errorf("status %d, want 404", b.Status())
	}
	if got := b.ConsoleErrors(t); len(got) > 0 {
		t.Errorf("the 404 of the visited page counts as a console error: %q", got)
	}
	b.Visit(t, url)
	if b.Status() != http.StatusOK {
		t.Errorf("status %d, want 200", b.Status())
	}
}

func TestBrowserAxe(t *testing.T) {
	t.Parallel()
	fine := fixture(t, `<h1>Fine</h1><p>Nothing wrong here.</p><script src="/mark.js"></script>`)
	broken := fixture(t, `<h1>Broken</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="10" height="10"><a href="/x"></a>`)
	for _, tc := range []struct {
		name       string
		opts       []Option
		javaScript bool
	}{
		{name: "Default", javaScript: true},
		{name: "WithoutJavaScript", opts: []Option{WithoutJavaScript()}, javaScript: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBrowser(t, tc.opts...)
			b.Visit(t, fine)
			b.CheckAxe(t)
			b.Reload(t) // axe turned JavaScript on for itself only
			if ran := scriptRan(t, b); ran != tc.javaScript {
				t.Errorf("after CheckAxe, page script ran: %v, want %v", ran, tc.javaScript)
			}

			b.Visit(t, broken)
			violations, err := b.axeViolations()
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, v := range violations {
				ids = append(ids, v.ID)
			}
			slices.Sort(ids)
			if want := []string{"image-alt", "link-name"}; !slices.Equal(ids, want) {
				t.Errorf("axe found %q, want %q", ids, want)
			}
		})
	}
}
