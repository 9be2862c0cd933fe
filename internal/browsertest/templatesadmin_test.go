package browsertest

import (
	"net/http"
	"testing"
)

// TestTemplatesAdminInBrowser opens, in Chromium, in both languages and
// with JavaScript on and off, the comune admin's list of message
// templates, a template's editor, its preview and its refusal (422 for an
// unknown variable), and checks them as every page is checked (checkPage:
// one h1, skip link, axe with zero violations, clean console).
func TestTemplatesAdminInBrowser(t *testing.T) {
	t.Parallel()
	s := Start(t)
	base := s.ComuneURL("verdemare")
	edit := base + "/amministrazione/modelli/application.awaiting_integration/email/it"
	for _, tc := range []struct {
		name string
		lang string
		opts []Option
	}{
		{"it", "it", []Option{WithLanguage("it")}},
		{"en-no-js", "en", []Option{WithLanguage("en"), WithoutJavaScript()}},
		{"it-no-js", "it", []Option{WithLanguage("it"), WithoutJavaScript()}},
		{"en", "en", []Option{WithLanguage("en")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBrowser(t, tc.opts...)
			b.LogIn(t, base, SaraGreco)
			t.Run("list", func(t *testing.T) {
				b.Visit(t, base+"/amministrazione/modelli")
				checkPage(t, b, tc.lang, http.StatusOK)
				if n := b.Count(t, `[data-testid="template-row"]`); n < 15 {
					t.Errorf("%d events listed", n)
				}
				if n := b.Count(t, `[data-testid="template-cell"]`); n < 15*8 {
					t.Errorf("%d templates listed", n)
				}
			})
			t.Run("edit", func(t *testing.T) {
				b.Visit(t, edit)
				checkPage(t, b, tc.lang, http.StatusOK)
				if n := b.Count(t, `[data-testid="template-vars"] tbody tr`); n < 5 {
					t.Errorf("%d variables listed", n)
				}
			})
			t.Run("preview", func(t *testing.T) {
				b.Visit(t, edit)
				typeIn(t, b, "#template-subject", "Documenti per {{.Reference}}")
				b.Follow(t, `[data-testid="template-preview-submit"]`)
				checkPage(t, b, tc.lang, http.StatusOK)
				if got := b.Text(t, `[data-testid="template-preview-subject"]`); got != "Documenti per PR-7KXQ4M2W" {
					t.Errorf("preview subject %q", got)
				}
				if got := valueOf(t, b, "template-subject"); got != "Documenti per {{.Reference}}" {
					t.Errorf("after the preview the subject field holds %q", got)
				}
			})
			t.Run("refused", func(t *testing.T) {
				b.Visit(t, edit)
				typeIn(t, b, "#template-subject", "Documenti per {{.Targa}}")
				b.Follow(t, `[data-testid="template-save"]`)
				checkPage(t, b, tc.lang, http.StatusUnprocessableEntity)
				if n := b.Count(t, `#template-subject-error`); n != 1 {
					t.Error("no error beside the subject")
				}
				if got := valueOf(t, b, "template-subject"); got != "Documenti per {{.Targa}}" {
					t.Errorf("after the refusal the subject field holds %q", got)
				}
			})
			b.Visit(t, base+"/scrivania")
			b.LogOut(t)
		})
	}
}
