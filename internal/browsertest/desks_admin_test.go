package browsertest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDesksAdminInBrowser goes, in Chromium, with JavaScript on and off,
// through the comune admin's desks: the list, a new desk's form, its
// refusal (422: overlapping hours, shown beside the day, what was typed
// kept), its save, and the booking settings with a refusal; every page is
// checked as all pages are (checkPage: one h1, skip link, axe with zero
// violations, clean console).
func TestDesksAdminInBrowser(t *testing.T) {
	t.Parallel()
	s := Start(t)
	base := s.ComuneURL("verdemare")
	list := base + "/amministrazione/sportelli"
	for _, tc := range []struct {
		name string
		lang string
		opts []Option
	}{
		{"it", "it", []Option{WithLanguage("it")}},
		{"it-no-js", "it", []Option{WithLanguage("it"), WithoutJavaScript()}},
		{"en-no-js", "en", []Option{WithLanguage("en"), WithoutJavaScript()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBrowser(t, tc.opts...)
			b.LogIn(t, base, SaraGreco)
			slug := "prova-" + tc.name
			t.Run("list", func(t *testing.T) {
				b.Visit(t, list)
				checkPage(t, b, tc.lang, http.StatusOK)
			})
			t.Run("new, refused", func(t *testing.T) {
				b.Visit(t, list+"/nuovo")
				checkPage(t, b, tc.lang, http.StatusOK)
				typeIn(t, b, "#desk-slug", slug)
				b.do(t, "choose the office", chromedp.SetValue(chromedp.CSS("#desk-office"), "anagrafe"))
				typeIn(t, b, "#desk-name", "Sportello "+tc.name)
				b.Click(t, "label[for=desk-mode-video]")
				if !isChecked(t, b, "desk-mode-video") {
					t.Fatal("clicking its label did not tick video")
				}
				typeIn(t, b, "#desk-hours-tue", "09:00-12:00, 11:00-13:00")
				typeIn(t, b, "#desk-hours-thu", "9-12")
				b.Follow(t, `[data-testid="desk-save"]`)
				checkPage(t, b, tc.lang, http.StatusUnprocessableEntity)
				for _, id := range []string{"desk-hours-tue-error", "desk-hours-thu-error"} {
					if n := b.Count(t, "#"+id); n != 1 {
						t.Errorf("no #%s", id)
					}
				}
				if n := b.Count(t, `[data-testid="error-summary"] a[href="#desk-hours-tue"]`); n != 1 {
					t.Error("the summary does not link to Tuesday's hours")
				}
				if got := valueOf(t, b, "desk-hours-tue"); got != "09:00-12:00, 11:00-13:00" {
					t.Errorf("Tuesday's hours after the refusal: %q", got)
				}
				if got := valueOf(t, b, "desk-office"); got != "anagrafe" {
					t.Errorf("office after the refusal: %q", got)
				}
				if !isChecked(t, b, "desk-mode-video") {
					t.Error("video unticked by the refusal")
				}
			})
			t.Run("new, saved", func(t *testing.T) {
				typeIn(t, b, "#desk-hours-tue", "09:00-12:00, 14:30-17:00")
				typeIn(t, b, "#desk-hours-thu", "09:00-12:00")
				typeIn(t, b, "#closure-from-0", "")
				b.Follow(t, `[data-testid="desk-save"]`)
				checkPage(t, b, tc.lang, http.StatusOK)
				if !strings.HasSuffix(b.Location(t), "/amministrazione/sportelli/"+slug) {
					t.Errorf("after saving: %s", b.Location(t))
				}
				if n := b.Count(t, `[data-testid="desk-notice"]`); n != 1 {
					t.Error("no notice of the save")
				}
				b.Visit(t, list)
				checkPage(t, b, tc.lang, http.StatusOK)
				if n := b.Count(t, `[data-testid="desk-row"][data-slug="`+slug+`"]`); n != 1 {
					t.Error("the new desk is not listed")
				}
			})
			t.Run("settings", func(t *testing.T) {
				b.Visit(t, list+"/impostazioni")
				checkPage(t, b, tc.lang, http.StatusOK)
				typeIn(t, b, "#settings-video-base-url", "http://meet.example.it")
				b.Follow(t, `[data-testid="settings-save"]`)
				checkPage(t, b, tc.lang, http.StatusUnprocessableEntity)
				if n := b.Count(t, "#settings-video-base-url-error"); n != 1 {
					t.Error("no error beside the video address")
				}
				if got := valueOf(t, b, "settings-video-base-url"); got != "http://meet.example.it" {
					t.Errorf("video address after the refusal: %q", got)
				}
			})
			b.Visit(t, base+"/scrivania")
			b.LogOut(t)
		})
	}
}
