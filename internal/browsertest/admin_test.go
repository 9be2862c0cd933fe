package browsertest

import (
	"net/http"
	"testing"
)

// TestAdminServiceEdit_ErrorsConflictAndNoticeInChromium goes through the
// states of the card editor without JavaScript, as an administrator would
// meet them, and checks each with axe: the 422 error summary, the 409
// "saved meanwhile" page, the saved notice.
func TestAdminServiceEdit_ErrorsConflictAndNoticeInChromium(t *testing.T) {
	t.Parallel()
	s := Start(t)
	base := s.ComuneURL("verdemare")
	edit := base + "/amministrazione/servizi/carta-identita-elettronica"
	b := NewBrowser(t, WithoutJavaScript())
	b.LogIn(t, base, SaraGreco)
	b.Visit(t, edit)
	set := func(id, value string) {
		t.Helper()
		Eval[bool](t, b, `(() => { document.getElementById(`+jsString(id)+`).value = `+jsString(value)+`; return true })()`)
	}
	check := func(state string, status int, marker string) {
		t.Helper()
		if got := b.Status(); got != status {
			t.Errorf("%s: HTTP status %d, want %d", state, got, status)
		}
		if n := b.Count(t, marker); n != 1 {
			t.Errorf("%s: %d %s, want 1", state, n, marker)
		}
		b.CheckAxe(t)
		b.CheckNoConsoleErrors(t)
	}

	set("title-it", "")
	set("description-it", "Troppo corta")
	b.Follow(t, `[data-testid="admin-save"]`)
	check("errors", http.StatusUnprocessableEntity, `[data-testid="error-summary"]`)
	if got := Eval[string](t, b, `document.getElementById("description-it").value`); got != "Troppo corta" {
		t.Errorf("description-it %q after the errors, want what was typed", got)
	}
	if n := b.Count(t, `[data-testid="error-summary"] a[href="#title-it"]`); n != 1 {
		t.Errorf("the error summary has %d links to the title field, want 1", n)
	}

	// Someone else saves the card meanwhile.
	other := s.Client(t)
	LoginHTTP(t, other, base, SaraGreco, "/scrivania")
	form := Get(t, other, edit).FirstPostForm(t)
	form.Values.Set("title-it", "Salvato da un altro")
	if p := PostForm(t, other, form.Action, form.Values); p.Status != http.StatusOK {
		t.Fatalf("the other save: %d", p.Status)
	}
	set("title-it", "Carta di identità elettronica")
	set("description-it", "La carta di identità elettronica, documento di riconoscimento.")
	b.Follow(t, `[data-testid="admin-save"]`)
	check("conflict", http.StatusConflict, `[data-testid="admin-conflict"]`)

	b.Follow(t, `[data-testid="admin-save"]`)
	check("saved", http.StatusOK, `[data-testid="admin-saved"]`)
}
