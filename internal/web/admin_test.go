package web_test

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/civica/civica/internal/browsertest"
)

const (
	adminList = "/amministrazione/servizi"
	cieEdit   = adminList + "/carta-identita-elettronica"
	cieCard   = "/servizi/carta-identita-elettronica"
)

// adminClient is a client logged in to base as identity, and the page it
// landed on after asking for next.
func adminClient(t *testing.T, s *browsertest.Server, base, identity, next string) (*http.Client, browsertest.Page) {
	t.Helper()
	c := s.Client(t)
	return c, browsertest.LoginHTTP(t, c, base, identity, next)
}

// editForm opens a card's edit form and returns what submitting it
// unchanged would send.
func editForm(t *testing.T, c *http.Client, url string) browsertest.Form {
	t.Helper()
	p := browsertest.Get(t, c, url)
	if p.Status != http.StatusOK {
		t.Fatalf("GET %s: %d", url, p.Status)
	}
	return p.FirstPostForm(t)
}

func TestAdminServices_AdministratorEditsACardAndThePublicCardShowsIt(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	c, list := adminClient(t, s, base, "sara-greco", adminList)
	if list.Status != http.StatusOK || list.URL.Path != adminList {
		t.Fatalf("the administrator landed on %d %s", list.Status, list.URL)
	}
	mustContain(t, "list", list.Body, `data-testid="admin-services"`, `href="`+cieEdit+`"`, "Anagrafe e stato civile", "Servizio attivo")

	form := editForm(t, c, base+cieEdit)
	for _, field := range []string{"title-it", "title-en", "description-it", "how_to-it", "conditions-en", "status_reason-it", "version", "_csrf"} {
		if _, ok := form.Values[field]; !ok {
			t.Errorf("the form has no %s", field)
		}
	}
	if form.Values.Get("status") != "active" || form.Values.Get("how_to-it") == "" {
		t.Fatalf("the form does not start from the saved card: %v", form.Values)
	}
	form.Values.Set("title-it", "Carta di identità elettronica (CIE)")
	form.Values.Set("how_to-it", "Prenota un appuntamento.\r\n\r\n- Porta una fototessera\r\n- Porta il codice fiscale")
	form.Values.Set("status", "suspended")
	form.Values.Set("status_reason-it", "Il servizio è sospeso per il passaggio al nuovo sistema del Ministero.")
	form.Values.Set("status_reason-en", "The service is suspended while the Ministry's new system is set up.")
	p := browsertest.PostForm(t, c, form.Action, form.Values)
	if p.Status != http.StatusOK || p.URL.Path != cieEdit {
		t.Fatalf("after saving: %d %s, want back on the form", p.Status, p.URL)
	}
	mustContain(t, "after saving", p.Body, `data-testid="admin-saved"`, "Modifiche salvate", `href="`+cieCard+`"`,
		`value="Carta di identità elettronica (CIE)"`)
	if again := browsertest.Get(t, c, base+cieEdit); strings.Contains(again.Body, "Modifiche salvate") {
		t.Error("the notice shows twice")
	}

	card := browsertest.Get(t, s.Client(t), base+cieCard)
	mustContain(t, "public card", card.Body, "Carta di identità elettronica (CIE)", "<li>Porta una fototessera</li>",
		"Servizio non attivo", "Il servizio è sospeso per il passaggio al nuovo sistema del Ministero.")
	if other := browsertest.Get(t, s.Client(t), s.ComuneURL("roccasole")+cieCard); strings.Contains(other.Body, "nuovo sistema del Ministero") {
		t.Error("Verdemare's edit shows on Roccasole's card")
	}
}

func TestAdminServices_BrokenRulesComeBackWith422AndWhatWasTyped(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	c, _ := adminClient(t, s, base, "sara-greco", adminList)
	form := editForm(t, c, base+cieEdit)
	form.Values.Set("title-it", "  ")
	form.Values.Set("description-it", "Troppo corta")
	form.Values.Set("needed-it", "Un testo nuovo che deve restare nel modulo.")
	form.Values.Set("status", "suspended")
	form.Values.Set("status_reason-it", "")
	p := browsertest.PostForm(t, c, form.Action, form.Values)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", p.Status)
	}
	summary := p.Body[strings.Index(p.Body, `data-testid="error-summary"`):]
	summary = summary[:strings.Index(summary, "</div>")]
	mustContain(t, "error summary", summary, `href="#title-it"`, `href="#description-it"`, `href="#status_reason-it"`,
		`href="#status_reason-en"`, "Titolo (Italiano): il testo è obbligatorio", "Descrizione breve (Italiano): scrivi almeno 20 caratteri (ora sono 12)")
	mustContain(t, "fields", p.Body,
		`id="title-it" name="title-it" value="  " lang="it" aria-describedby="hint-title title-it-error" aria-invalid="true"`,
		`id="title-it-error"`, `id="description-it-error"`, `value="Troppo corta"`,
		">Un testo nuovo che deve restare nel modulo.</textarea>", `value="suspended" checked`,
		`aria-describedby="hint-title" aria-invalid="false"`) // title-en is fine
	if strings.Count(p.Body, `aria-invalid="true"`) != 4 {
		t.Errorf("%d invalid fields, want 4", strings.Count(p.Body, `aria-invalid="true"`))
	}
	// Nothing was saved.
	card := browsertest.Get(t, s.Client(t), base+cieCard)
	if strings.Contains(card.Body, "Un testo nuovo") || strings.Contains(card.Body, "Servizio non attivo") {
		t.Error("an invalid edit reached the public card")
	}
	// Correcting the form saves it.
	form = p.FirstPostForm(t)
	form.Values.Set("title-it", "Carta di identità")
	form.Values.Set("description-it", "La carta di identità elettronica, documento di riconoscimento.")
	form.Values.Set("status", "active")
	if p := browsertest.PostForm(t, c, form.Action, form.Values); p.Status != http.StatusOK || !strings.Contains(p.Body, "Modifiche salvate") {
		t.Errorf("corrected form: %d", p.Status)
	}
}

func TestAdminServices_OnlyForTheComunesAdministrator(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	admin, _ := adminClient(t, s, base, "sara-greco", adminList)
	form := editForm(t, admin, base+cieEdit)
	form.Values.Set("title-it", "Titolo di chi non può")

	for _, path := range []string{adminList, cieEdit} {
		p := browsertest.Get(t, s.Client(t), base+path)
		if p.URL.Path != "/accedi" || p.URL.Query().Get("next") != path {
			t.Errorf("anonymous %s: at %s, want the login page coming back", path, p.URL)
		}
	}
	for _, identity := range []string{"paolo-conti", "mario-rossi"} { // a clerk, a citizen
		c, _ := adminClient(t, s, base, identity, "/")
		for _, path := range []string{adminList, cieEdit} {
			if p := browsertest.Get(t, c, base+path); p.Status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", identity, path, p.Status)
			}
		}
		values := maps.Clone(form.Values)
		values.Set("_csrf", csrfOf(t, c, base))
		if p := browsertest.PostForm(t, c, form.Action, values); p.Status != http.StatusForbidden {
			t.Errorf("%s POST: %d, want 403", identity, p.Status)
		}
	}
	if p := browsertest.Get(t, s.Client(t), s.PlatformURL+adminList); p.Status != http.StatusNotFound {
		t.Errorf("on the platform host: %d, want 404", p.Status)
	}
	if card := browsertest.Get(t, s.Client(t), base+cieCard); strings.Contains(card.Body, "Titolo di chi non può") {
		t.Error("a refused edit reached the card")
	}
}

// Giorgio Marino administers Roccasole. Hosts are per comune: on
// Roccasole's host he reaches Roccasole's catalogue only, and his session
// means nothing on Verdemare's.
func TestAdminServices_AnotherComunesAdministratorReachesNothingOfVerdemare(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	verdemare, roccasole := s.ComuneURL("verdemare"), s.ComuneURL("roccasole")
	sara, _ := adminClient(t, s, verdemare, "sara-greco", adminList)
	ztl := editForm(t, sara, verdemare+adminList+"/permesso-ztl") // Verdemare has it, Roccasole does not

	c, list := adminClient(t, s, roccasole, "giorgio-marino", adminList)
	if list.Status != http.StatusOK || strings.Contains(list.Body, "permesso-ztl") {
		t.Fatalf("Roccasole's list: %d, lists permesso-ztl: %v", list.Status, strings.Contains(list.Body, "permesso-ztl"))
	}
	if p := browsertest.Get(t, c, roccasole+adminList+"/permesso-ztl"); p.Status != http.StatusNotFound {
		t.Errorf("GET Verdemare's slug on Roccasole: %d, want 404", p.Status)
	}
	values := maps.Clone(ztl.Values)
	values.Set("_csrf", csrfOf(t, c, roccasole))
	values.Set("title-it", "Permesso modificato da Roccasole")
	if p := browsertest.PostForm(t, c, roccasole+adminList+"/permesso-ztl", values); p.Status != http.StatusNotFound {
		t.Errorf("POST Verdemare's slug on Roccasole: %d, want 404", p.Status)
	}

	// His session token, carried to Verdemare's host, is no one's there.
	rocca, _ := url.Parse(roccasole)
	verde, _ := url.Parse(verdemare)
	moved := s.Client(t)
	moved.Jar.SetCookies(verde, []*http.Cookie{{Name: "civica_session", Value: cookie(c, rocca, "civica_session"), Path: "/"}})
	if p := browsertest.Get(t, moved, verdemare+adminList+"/permesso-ztl"); p.URL.Path != "/accedi" {
		t.Errorf("Roccasole's session on Verdemare: at %s, want the login page", p.URL)
	}
	// Logging in on Verdemare, he is a citizen there.
	there, _ := adminClient(t, s, verdemare, "giorgio-marino", "/")
	if p := browsertest.Get(t, there, verdemare+adminList); p.Status != http.StatusForbidden {
		t.Errorf("Giorgio Marino on Verdemare's list: %d, want 403", p.Status)
	}
	if card := browsertest.Get(t, s.Client(t), verdemare+"/servizi/permesso-ztl"); strings.Contains(card.Body, "modificato da Roccasole") {
		t.Error("Roccasole's admin changed Verdemare's card")
	}
}

func TestAdminServices_SavedMeanwhileComesBackWith409AndBothValues(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	first, _ := adminClient(t, s, base, "sara-greco", adminList)
	second, _ := adminClient(t, s, base, "sara-greco", adminList)
	a, b := editForm(t, first, base+cieEdit), editForm(t, second, base+cieEdit)

	a.Values.Set("title-it", "Titolo salvato per primo")
	if p := browsertest.PostForm(t, first, a.Action, a.Values); p.Status != http.StatusOK {
		t.Fatalf("first save: %d", p.Status)
	}
	b.Values.Set("title-it", "Titolo scritto per secondo")
	p := browsertest.PostForm(t, second, b.Action, b.Values)
	if p.Status != http.StatusConflict {
		t.Fatalf("second save from the same version: %d, want 409", p.Status)
	}
	mustContain(t, "409 page", p.Body, `data-testid="admin-conflict"`, "qualcun altro l&#39;ha salvata",
		`value="Titolo scritto per secondo"`, `id="title-it-current"`, "<p>Titolo salvato per primo</p>", `href="#title-it"`)
	if card := browsertest.Get(t, s.Client(t), base+cieCard); !strings.Contains(card.Body, "Titolo salvato per primo") {
		t.Error("the refused save replaced the first")
	}
	// Saving again, knowing, replaces it.
	again := p.FirstPostForm(t)
	if again.Values.Get("version") == b.Values.Get("version") {
		t.Error("the 409 form still names the old version")
	}
	if p := browsertest.PostForm(t, second, again.Action, again.Values); p.Status != http.StatusOK || !strings.Contains(p.Body, "Modifiche salvate") {
		t.Errorf("saving after the conflict: %d", p.Status)
	}
	if card := browsertest.Get(t, s.Client(t), base+cieCard); !strings.Contains(card.Body, "Titolo scritto per secondo") {
		t.Error("the second save did not reach the card")
	}
}

// csrfOf is the CSRF token of c's session on base, read from a page's form.
func csrfOf(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	tok := browsertest.Get(t, c, base+"/servizi").FirstPostForm(t).Values.Get("_csrf")
	if tok == "" {
		t.Fatal("no CSRF token on /servizi")
	}
	return tok
}
