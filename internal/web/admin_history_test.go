package web_test

import (
	"html"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/civica/civica/internal/browsertest"
)

func TestAdminHistory_TwoSavesListTwoVersionsAndTheCompareMarksTheChange(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	c, _ := adminClient(t, s, base, "sara-greco", adminList)
	form := editForm(t, c, base+cieEdit)
	oldTitle := form.Values.Get("title-it")
	form.Values.Set("title-it", "Carta di identità: primo cambio")
	if p := browsertest.PostForm(t, c, form.Action, form.Values); p.Status != http.StatusOK {
		t.Fatalf("first save: %d", p.Status)
	}
	form = editForm(t, c, base+cieEdit)
	form.Values.Set("title-it", "Carta di identità: secondo cambio")
	p := browsertest.PostForm(t, c, form.Action, form.Values)
	if p.Status != http.StatusOK {
		t.Fatalf("second save: %d", p.Status)
	}
	mustContain(t, "edit page", p.Body, `data-testid="admin-history"`, "Cronologia delle modifiche",
		`href="`+cieEdit+`/versioni/1"`, `href="`+cieEdit+`/versioni/2"`, "Salvare significa pubblicare")
	if n := strings.Count(p.Body, `data-testid="admin-history-entry"`); n != 2 {
		t.Errorf("%d history entries, want 2", n)
	}
	if n := strings.Count(p.Body, "Sara Greco"); n < 2 {
		t.Errorf("Sara Greco named %d times, want in both entries", n)
	}

	v1 := browsertest.Get(t, c, base+cieEdit+"/versioni/1")
	if v1.Status != http.StatusOK {
		t.Fatalf("version 1: %d", v1.Status)
	}
	title := rowOf(t, v1.Body, "title", "it")
	mustContain(t, "version 1's title row", title, html.EscapeString(oldTitle), "Carta di identità: primo cambio", `data-testid="admin-compare-changed"`)
	if desc := rowOf(t, v1.Body, "description", "it"); strings.Contains(desc, "admin-compare-changed") {
		t.Error("the unchanged description is marked changed")
	}
	mustContain(t, "version 1", v1.Body, "versione 2", "Campi modificati: 1", "Sara Greco")
	v2 := browsertest.Get(t, c, base+cieEdit+"/versioni/2")
	mustContain(t, "version 2's title row", rowOf(t, v2.Body, "title", "it"),
		"Carta di identità: primo cambio", "Carta di identità: secondo cambio", `data-testid="admin-compare-changed"`)
	mustContain(t, "version 2", v2.Body, "versione attuale")

	for _, path := range []string{"/versioni/3", "/versioni/0", "/versioni/x"} {
		if p := browsertest.Get(t, c, base+cieEdit+path); p.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, p.Status)
		}
	}
	// Roccasole's administrator reaches none of it.
	roccasole := s.ComuneURL("roccasole")
	g, _ := adminClient(t, s, roccasole, "giorgio-marino", adminList)
	if p := browsertest.Get(t, g, roccasole+cieEdit+"/versioni/1"); p.Status != http.StatusNotFound {
		t.Errorf("Roccasole's version 1 of a card it never saved: %d, want 404", p.Status)
	}
	if p := browsertest.Get(t, g, roccasole+adminList+"/permesso-ztl/versioni/1"); p.Status != http.StatusNotFound {
		t.Errorf("Verdemare's slug on Roccasole: %d, want 404", p.Status)
	}
	// A clerk is refused.
	clerk, _ := adminClient(t, s, base, "paolo-conti", "/")
	if p := browsertest.Get(t, clerk, base+cieEdit+"/versioni/1"); p.Status != http.StatusForbidden {
		t.Errorf("clerk: %d, want 403", p.Status)
	}
}

// rowOf is the compare table's row of field in lang.
func rowOf(t *testing.T, body, field, lang string) string {
	t.Helper()
	i := strings.Index(body, `data-field="`+field+`" data-lang="`+lang+`"`)
	if i < 0 {
		t.Fatalf("no row for %s %s", field, lang)
	}
	row := body[i:]
	return row[:strings.Index(row, "</tr>")]
}

func TestAdminPreview_ShowsTheCardAsTypedAndSavesNothing(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	c, _ := adminClient(t, s, base, "sara-greco", adminList)
	form := editForm(t, c, base+cieEdit)
	mustContain(t, "edit page", browsertest.Get(t, c, base+cieEdit).Body, `name="action" value="preview"`, "Anteprima")
	form.Values.Set("title-it", "Titolo in anteprima soltanto")
	form.Values.Set("how_to-it", "Un passo nuovo.\r\n\r\n- Primo punto\r\n- Secondo punto")
	values := maps.Clone(form.Values)
	values.Set("action", "preview")
	p := browsertest.PostForm(t, c, form.Action, values)
	if p.Status != http.StatusOK {
		t.Fatalf("preview: %d", p.Status)
	}
	mustContain(t, "preview", p.Body, `data-testid="admin-preview-banner"`, "Anteprima: le modifiche non sono ancora salvate",
		`<h1 data-element="service-title">Titolo in anteprima soltanto</h1>`, "<li>Primo punto</li>",
		"Pubblica le modifiche", `name="title-it" value="Titolo in anteprima soltanto"`)
	if card := browsertest.Get(t, s.Client(t), base+cieCard); strings.Contains(card.Body, "Titolo in anteprima soltanto") {
		t.Error("the preview reached the public card")
	}
	if e := browsertest.Get(t, c, base+cieEdit); strings.Contains(e.Body, `data-testid="admin-history"`) {
		t.Error("the preview wrote a version")
	}

	// Back to the form: what was typed.
	back := p.FirstPostForm(t)
	bv := maps.Clone(back.Values)
	bv.Set("action", "edit")
	if e := browsertest.PostForm(t, c, back.Action, bv); e.Status != http.StatusOK ||
		!strings.Contains(e.Body, `value="Titolo in anteprima soltanto"`) || strings.Contains(e.Body, "Modifiche salvate") {
		t.Errorf("back to editing: %d", e.Status)
	}
	// Publishing from the preview saves.
	bv.Set("action", "publish")
	if e := browsertest.PostForm(t, c, back.Action, bv); e.Status != http.StatusOK || !strings.Contains(e.Body, "Modifiche salvate") {
		t.Errorf("publishing from the preview: %d", e.Status)
	}
	if card := browsertest.Get(t, s.Client(t), base+cieCard); !strings.Contains(card.Body, "Titolo in anteprima soltanto") {
		t.Error("the published preview is not on the public card")
	}

	// A preview breaking the rules comes back with 422, saving nothing.
	values.Set("title-it", "")
	if p := browsertest.PostForm(t, c, form.Action, values); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, `data-testid="error-summary"`) {
		t.Errorf("invalid preview: %d", p.Status)
	}
	// A clerk is refused.
	clerk, _ := adminClient(t, s, base, "paolo-conti", "/")
	values.Set("_csrf", csrfOf(t, clerk, base))
	if p := browsertest.PostForm(t, clerk, form.Action, values); p.Status != http.StatusForbidden {
		t.Errorf("clerk preview: %d, want 403", p.Status)
	}
}
