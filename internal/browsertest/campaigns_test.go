package browsertest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestCampaignsInBrowser walks a comune admin through a campaign in
// Chromium, with JavaScript on and off, in Italian and English: the list,
// the empty form sent back (422), a draft with its reach and schedule
// form, and the progress page once sent; each checked as every page is
// (checkPage: one h1, skip link, axe, clean console).
func TestCampaignsInBrowser(t *testing.T) {
	t.Parallel()
	s := Start(t)
	base := s.ComuneURL("verdemare")
	LoginHTTP(t, s.Client(t), base, MarioRossi, "/area-personale") // someone to reach

	for _, js := range []bool{true, false} {
		for _, lang := range []string{"it", "en"} {
			name := lang + "-js"
			opts := []Option{WithLanguage(lang)}
			if !js {
				name = lang + "-nojs"
				opts = append(opts, WithoutJavaScript())
			}
			t.Run(name, func(t *testing.T) {
				b := NewBrowser(t, opts...)
				b.LogIn(t, base, SaraGreco)
				t.Run("list", func(t *testing.T) {
					b.Visit(t, base+"/scrivania")
					b.Follow(t, `a[href="/amministrazione/campagne"]`)
					checkPage(t, b, lang, http.StatusOK)
				})
				t.Run("form", func(t *testing.T) {
					b.Visit(t, base+"/amministrazione/campagne")
					b.Follow(t, `[data-testid="campaign-new"]`)
					checkPage(t, b, lang, http.StatusOK)
				})
				t.Run("form-invalid", func(t *testing.T) {
					b.Visit(t, base+"/amministrazione/campagne/nuova")
					b.Follow(t, `[data-testid="campaign-save"]`)
					checkPage(t, b, lang, http.StatusUnprocessableEntity)
					if n := b.Count(t, `[data-testid="error-summary"] a[href="#campaign-title"]`); n != 1 {
						t.Errorf("%d links to the title in the error summary, want 1", n)
					}
				})
				t.Run("draft-and-progress", func(t *testing.T) {
					b.Visit(t, base+"/amministrazione/campagne/nuova")
					Eval[bool](t, b, `(() => {
						document.getElementById('campaign-title').value = 'Chiusura uffici `+name+`';
						document.getElementById('campaign-subject-it').value = 'Uffici chiusi venerdì 18 dicembre';
						document.getElementById('campaign-body-it').value = 'Venerdì 18 dicembre gli uffici restano chiusi.';
						document.getElementById('campaign-segment-all').checked = true;
						return true })()`)
					b.Follow(t, `[data-testid="campaign-save"]`)
					checkPage(t, b, lang, http.StatusOK)
					if n := b.Count(t, `[data-testid="campaign-reach"]`); n != 1 {
						t.Errorf("the draft shows %d reach sentences, want 1", n)
					}
					b.Follow(t, `[data-testid="campaign-schedule"]`) // now
					for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
						if b.Count(t, `[data-testid="campaign-status"][data-status="done"]`) == 1 {
							break
						}
						b.Reload(t)
					}
					b.Reload(t)
					checkPage(t, b, lang, http.StatusOK)
					if b.Count(t, `[data-testid="campaign-status"][data-status="done"]`) != 1 || b.Count(t, `progress#campaign-progress-bar`) != 1 {
						t.Fatalf("the campaign did not finish with a progress bar: %s", b.Text(t, "main"))
					}
					if text := b.Text(t, `[data-testid="campaign-progress-text"]`); !strings.Contains(text, "100%") {
						t.Errorf("progress %q, want 100%%", text)
					}
				})
			})
		}
	}
}
