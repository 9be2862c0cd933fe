package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"
)

// TestCitizenLogsIn follows a citizen from a comune's home page through the
// test provider to the personal area and out again, with JavaScript and
// without: the portal must work the same either way.
func TestCitizenLogsIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		opts       []Option
		javaScript bool
	}{
		{name: "WithJavaScript", javaScript: true},
		{name: "WithoutJavaScript", opts: []Option{WithoutJavaScript()}, javaScript: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Start(t) // a fresh server, so the welcome message is new each time
			b := NewBrowser(t, tc.opts...)
			comune := s.ComuneURL("verdemare")

			b.Visit(t, comune+"/")
			// civica.js marks <html class="js">: proof of whether scripts ran.
			if ran := b.Count(t, "html.js") == 1; ran != tc.javaScript {
				t.Fatalf("page scripts ran: %v, want %v", ran, tc.javaScript)
			}
			b.Follow(t, "[data-element=personal-area-login]")
			if got := pathOf(t, b.Location(t)); got != "/accedi" {
				t.Fatalf("the header's login link leads to %s, want /accedi", got)
			}
			b.Follow(t, "[data-testid=login-spid]")
			b.Click(t, "label[for=identity-"+MarioRossi+"]")
			b.Follow(t, "[data-testid=idp-submit]")

			if got := b.Location(t); got != comune+"/area-personale" {
				t.Fatalf("after logging in the browser is at %s, want %s/area-personale", got, comune)
			}
			if got := b.Text(t, "[data-testid=person-name]"); got != "Mario Rossi" {
				t.Errorf("person name %q, want Mario Rossi", got)
			}
			if got := b.Text(t, "[data-testid=person-fiscal-code]"); got != "RSSMRA85T10H501O" {
				t.Errorf("fiscal code %q, want RSSMRA85T10H501O", got)
			}
			b.CheckAxe(t) // without JavaScript the page is another page: check it too
			waitForInbox(t, b)
			if got := b.Text(t, "[data-testid=inbox]"); !strings.Contains(got, "Benvenuta e benvenuto sul portale di Città di Verdemare") {
				t.Errorf("inbox shows %q, want the welcome message of Città di Verdemare", got)
			}

			b.LogOut(t)
			if got := b.Location(t); got != comune+"/" {
				t.Errorf("after logging out the browser is at %s, want the home page %s/", got, comune)
			}
			if n := b.Count(t, "[data-element=personal-area-login]"); n != 1 {
				t.Errorf("after logging out the header shows %d login links, want 1", n)
			}
			b.Visit(t, comune+"/area-personale")
			if got := pathOf(t, b.Location(t)); got != "/accedi" {
				t.Errorf("after logging out /area-personale leads to %s, want /accedi", got)
			}
			b.CheckNoConsoleErrors(t)
		})
	}
}

// waitForInbox reloads the personal area until the inbox shows a message:
// the welcome message is written by a background job a moment after the
// first login.
func waitForInbox(t *testing.T, b *Browser) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.Count(t, "[data-testid=inbox]") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no message in the inbox 10s after logging in; the page says: %s", b.Text(t, "main"))
		}
		time.Sleep(250 * time.Millisecond)
		b.Reload(t)
	}
}

// TestSkipLink checks the first thing a keyboard user meets: Tab focuses the
// skip link, which shows itself, and Enter takes focus to the main content.
func TestSkipLink(t *testing.T) {
	t.Parallel()
	s := Start(t)
	b := NewBrowser(t)
	b.Visit(t, s.ComuneURL("verdemare")+"/")

	b.Press(t, kb.Tab)
	if got := Eval[string](t, b, `document.activeElement.getAttribute("href")`); got != "#main-container" {
		t.Fatalf("the first Tab focuses %s, want the skip link", Eval[string](t, b, `document.activeElement.outerHTML`))
	}
	if visible := Eval[bool](t, b, `(() => { const r = document.activeElement.getBoundingClientRect(); return r.width > 1 && r.height > 1 })()`); !visible {
		t.Error("the focused skip link is not visible")
	}

	b.Press(t, kb.Enter)
	if got := Eval[string](t, b, `location.hash`); got != "#main-container" {
		t.Errorf("after Enter on the skip link the location hash is %q, want #main-container", got)
	}
	// The browser moves focus to main when main is focusable, else it only
	// moves its sequential focus starting point there: either way, the next
	// Tab must land inside main, past the header.
	b.Press(t, kb.Tab)
	if inMain := Eval[bool](t, b, `document.getElementById("main-container").contains(document.activeElement)`); !inMain {
		t.Errorf("after the skip link, Tab focuses %s, outside main", Eval[string](t, b, `document.activeElement.outerHTML`))
	}
	b.CheckNoConsoleErrors(t)
}

// TestClerkLogsIn logs a comune's clerk in: staff land on the desk, which
// names their role.
func TestClerkLogsIn(t *testing.T) {
	t.Parallel()
	s := Start(t)
	b := NewBrowser(t)
	comune := s.ComuneURL("verdemare")

	b.LogIn(t, comune, PaoloConti)
	if got := b.Location(t); got != comune+"/scrivania" {
		t.Fatalf("after logging in the clerk is at %s, want %s/scrivania", got, comune)
	}
	role := b.Text(t, "[data-testid=desk-role]")
	if !strings.Contains(role, "Paolo Conti") || !strings.Contains(role, "operatore") {
		t.Errorf("desk says %q, want Paolo Conti named as operatore", role)
	}
	b.CheckNoConsoleErrors(t)
}
