package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/db"
)

var referenceInPath = regexp.MustCompile(`/area-personale/pratiche/(PR-[0-9A-Z]{8})/`)

// startApplication logs in as identity, opens the service's start page
// from its card and starts a draft; it returns the draft's reference and
// the first step's page.
func startApplication(t *testing.T, s *browsertest.Server, c *http.Client, base, identity, service string) (string, browsertest.Page) {
	t.Helper()
	card := browsertest.Get(t, c, base+"/servizi/"+service)
	mustContain(t, "card", card.Body, `href="/servizi/`+service+`/domanda"`, `data-element="service-online-access"`)
	// "Accedi al servizio" asks to log in and lands back in the service.
	start := browsertest.LoginHTTP(t, c, base, identity, "/servizi/"+service+"/domanda")
	if start.Status != http.StatusOK || start.URL.Path != "/servizi/"+service+"/domanda" {
		t.Fatalf("after login: %d at %s", start.Status, start.URL)
	}
	mustContain(t, "start page", start.Body, `data-testid="apply-start"`, `data-testid="apply-booking"`)
	step := browsertest.PostForm(t, c, base+"/servizi/"+service+"/domanda", url.Values{"_csrf": {pageCSRF(t, start.Body)}})
	m := referenceInPath.FindStringSubmatch(step.URL.Path + "/")
	if step.Status != http.StatusOK || m == nil {
		t.Fatalf("start: %d at %s", step.Status, step.URL)
	}
	return m[1], step
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func pageCSRF(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	return m[1]
}

// postStep posts a step's answers as an ordinary form.
func postStep(t *testing.T, c *http.Client, page browsertest.Page, values url.Values) browsertest.Page {
	t.Helper()
	values.Set("_csrf", pageCSRF(t, page.Body))
	if values.Get("_action") == "" {
		values.Set("_action", "next")
	}
	return browsertest.PostForm(t, c, page.URL.String(), values)
}

// postMultipartStep posts a step's answers and files as the browser does:
// multipart, the CSRF token first.
func postMultipartStep(t *testing.T, c *http.Client, page browsertest.Page, values url.Values, files map[string][]byte) browsertest.Page {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("_csrf", pageCSRF(t, page.Body))
	for k, vs := range values {
		for _, v := range vs {
			w.WriteField(k, v)
		}
	}
	for name, content := range files {
		// "field|" is a file input left empty, as browsers send it.
		fw, err := w.CreateFormFile(strings.SplitN(name, "|", 2)[0], strings.SplitN(name, "|", 2)[1])
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	w.Close()
	res, err := c.Post(page.URL.String(), w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return browsertest.Page{Status: res.StatusCode, URL: res.Request.URL, Body: string(b)}
}

// tinyPNG is a valid 1×1 PNG.
var tinyPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa\x00\x00\x00\x00IEND\xaeB`\x82")

// waitFor polls until check is true, for jobs.
func waitFor(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestApply_ReportAProblem_WholeJourneyOverHTTP(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	ref, step1 := startApplication(t, s, c, base, "mario-rossi", "segnalazione-disservizio")
	mustContain(t, "step 1", step1.Body, `aria-current="step"`, `name="category"`, `data-testid="apply-booking"`,
		`href="/prenota?pratica=`+ref+`&amp;servizio=segnalazione-disservizio"`)

	// Everything wrong: 422, an error summary linking to the fields, the
	// messages beside them, and what was typed kept.
	bad := postStep(t, c, step1, url.Values{"category": {""}, "subject": {"Buca"}, "description": {"troppo corta"}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid step: status %d", bad.Status)
	}
	mustContain(t, "invalid step", bad.Body, `data-testid="error-summary"`, `href="#f-category"`, `href="#f-subject"`,
		`href="#f-description"`, "Questo campo è obbligatorio.", `value="Buca"`, "troppo corta", `aria-invalid="true"`)

	step2 := postStep(t, c, bad, url.Values{"category": {"roads"}, "subject": {"Buca in via Roma"},
		"description": {"Una buca profonda davanti al civico 12, pericolosa per chi va in bicicletta."}})
	if step2.Status != http.StatusOK || !strings.HasSuffix(step2.URL.Path, "/passo/2") {
		t.Fatalf("step 1 → %d at %s", step2.Status, step2.URL)
	}
	// Back keeps what was entered.
	back := browsertest.Get(t, c, base+"/area-personale/pratiche/"+ref+"/passo/1")
	mustContain(t, "step 1 again", back.Body, `value="Buca in via Roma"`)

	step3 := postStep(t, c, step2, url.Values{"place": {"Via Roma 12"}, "place_address.street": {""},
		"place_address.number": {""}, "place_address.postal_code": {""}, "place_address.comune": {""}})
	if !strings.HasSuffix(step3.URL.Path, "/passo/3") {
		t.Fatalf("step 2 → %d at %s\n%s", step3.Status, step3.URL, step3.Body)
	}
	mustContain(t, "step 3", step3.Body, `enctype="multipart/form-data"`)
	// Answering "yes" brings up the email question: shown, not an error.
	more := postMultipartStep(t, c, step3, url.Values{"_action": {"next"}, "_visible": {"photos,wants_reply"}, "wants_reply": {"yes"}},
		map[string][]byte{"photos|buca.png": tinyPNG})
	if more.Status != http.StatusOK {
		t.Fatalf("step 3 with a new question: %d\n%s", more.Status, more.Body)
	}
	mustContain(t, "step 3 with the email question", more.Body, `data-testid="apply-appeared"`, `name="reply_email"`, "mario.rossi@", "buca.png")
	// A file of the wrong kind is refused by its content.
	refused := postMultipartStep(t, c, more, url.Values{"_action": {"next"}, "_visible": {"photos,wants_reply,reply_email"},
		"wants_reply": {"yes"}, "reply_email": {"mario@example.it"}, "photos": idsOf(more.Body, "photos")}, map[string][]byte{"photos|finta.png": []byte("MZ\x90\x00 not an image at all")})
	if refused.Status != http.StatusUnprocessableEntity {
		t.Fatalf("refused file: %d", refused.Status)
	}
	mustContain(t, "refused file", refused.Body, "finta.png", "non è di un formato accettato")
	summary := postMultipartStep(t, c, refused, url.Values{"_action": {"next"}, "_visible": {"photos,wants_reply,reply_email"},
		"wants_reply": {"yes"}, "reply_email": {"mario@example.it"}, "photos": idsOf(refused.Body, "photos")},
		map[string][]byte{"photos|": nil})
	if !strings.HasSuffix(summary.URL.Path, "/riepilogo") {
		t.Fatalf("step 3 → %d at %s\n%s", summary.Status, summary.URL, summary.Body)
	}
	mustContain(t, "summary", summary.Body, "Buca in via Roma", "Strade, marciapiedi e segnaletica", "Via Roma 12", "buca.png",
		"mario@example.it", `href="/area-personale/pratiche/`+ref+`/passo/1?riepilogo=1"`)

	// Without the declaration: 422 on the summary, nothing sent.
	noDecl := browsertest.PostForm(t, c, base+"/area-personale/pratiche/"+ref+"/riepilogo", url.Values{"_csrf": {pageCSRF(t, summary.Body)}})
	if noDecl.Status != http.StatusUnprocessableEntity {
		t.Fatalf("without declarations: %d", noDecl.Status)
	}
	mustContain(t, "summary without declarations", noDecl.Body, `href="#declaration-privacy"`)

	// A double click: two submissions at once make one application.
	form := url.Values{"_csrf": {pageCSRF(t, summary.Body)}, "declaration": {"privacy"}}
	var wg sync.WaitGroup
	pages := make([]browsertest.Page, 2)
	for i := range pages {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.PostForm(base+"/area-personale/pratiche/"+ref+"/riepilogo", form)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			pages[i] = browsertest.Page{Status: res.StatusCode, URL: res.Request.URL, Body: string(b)}
		}()
	}
	wg.Wait()
	for _, p := range pages {
		if p.Status != http.StatusOK || !strings.HasSuffix(p.URL.Path, "/conferma") {
			t.Fatalf("submit: %d at %s", p.Status, p.URL)
		}
	}
	conf := pages[0]
	mustContain(t, "confirmation", conf.Body, ref, "Quanto è stato facile usare questo servizio?",
		`name="page" value="/servizi/segnalazione-disservizio/domanda"`)
	// A replayed POST later: the same confirmation, still one application.
	again := browsertest.PostForm(t, c, base+"/area-personale/pratiche/"+ref+"/riepilogo", form)
	if !strings.HasSuffix(again.URL.Path, "/conferma") {
		t.Errorf("replayed submit lands at %s", again.URL)
	}
	ctx := context.Background()
	n := count(t, s, "verdemare", `SELECT count(*) FROM applications WHERE reference = $1`, ref)
	events := count(t, s, "verdemare", `SELECT count(*) FROM application_events e JOIN applications a ON a.id = e.application_id
		WHERE a.reference = $1 AND e.kind = 'submitted'`, ref)
	if n != 1 || events != 1 {
		t.Errorf("after double and replayed submit: %d applications, %d submitted events", n, events)
	}

	// The jobs: protocol number, receipt, acknowledgement in the inbox and by email.
	waitFor(t, "protocol and receipt", func() bool {
		p := browsertest.Get(t, c, base+"/area-personale/pratiche/"+ref+"/conferma")
		return strings.Contains(p.Body, `data-testid="confirm-receipt"`) && !strings.Contains(p.Body, "In corso di assegnazione")
	})
	res, err := c.Get(base + "/area-personale/pratiche/" + ref + "/documenti/receipt")
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("receipt: %d %q", res.StatusCode, pdf[:min(len(pdf), 8)])
	}
	waitFor(t, "acknowledgements", func() bool {
		inbox := count(t, s, "verdemare", `SELECT count(*) FROM inbox_messages m JOIN applications a ON a.id = m.application_id WHERE a.reference = $1`, ref)
		mails := count(t, s, "verdemare", `SELECT count(*) FROM email_messages m JOIN applications a ON a.id = m.application_id
			WHERE a.reference = $1 AND m.status = 'outbox'`, ref)
		return inbox >= 2 && mails >= 2 // submitted and registered
	})
	var protocol string
	inComune(t, s, "verdemare", func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT protocol_number FROM applications WHERE reference = $1`, ref).Scan(&protocol)
	})
	if !regexp.MustCompile(`^\d{4}/\d{7}$`).MatchString(protocol) {
		t.Errorf("protocol number %q", protocol)
	}

	home := browsertest.Get(t, c, base+"/area-personale")
	mustContain(t, "personal area", home.Body, "Pratiche in corso: 1. Domande in bozza: 0.")

	// Someone else's application is not found.
	other := s.Client(t)
	browsertest.LoginHTTP(t, other, base, "giulia-bianchi", "/area-personale")
	for _, path := range []string{"/conferma", "/riepilogo", "/passo/1", "/documenti/receipt"} {
		if p := browsertest.Get(t, other, base+"/area-personale/pratiche/"+ref+path); p.Status != http.StatusNotFound {
			t.Errorf("another citizen at %s: %d", path, p.Status)
		}
	}
}

func idsOf(body, field string) []string {
	var ids []string
	re := regexp.MustCompile(fmt.Sprintf(`type="hidden" name="%s" value="([^"]+)"`, regexp.QuoteMeta(field)))
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// inComune runs fn in the comune's tenant transaction.
func inComune(t *testing.T, s *browsertest.Server, slug string, fn func(pgx.Tx) error) {
	t.Helper()
	ctx := context.Background()
	var id string
	if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = $1`, slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := db.InTenant(ctx, s.Pool, id, fn); err != nil {
		t.Fatal(err)
	}
}

// count runs a count query in the comune's transaction.
func count(t *testing.T, s *browsertest.Server, slug, sql string, args ...any) int {
	t.Helper()
	var n int
	inComune(t, s, slug, func(tx pgx.Tx) error { return tx.QueryRow(context.Background(), sql, args...).Scan(&n) })
	return n
}

var visibleField = regexp.MustCompile(`name="_visible" value="([^"]*)"`)

// pageVisible is the _visible list the step page posts back: the questions
// the person was shown.
func pageVisible(t *testing.T, body string) string {
	t.Helper()
	m := visibleField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no _visible field on the step page")
	}
	return m[1]
}

// mustNotContain fails for each unwanted string the body holds.
func mustNotContain(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Errorf("%s: unexpected %q", what, u)
		}
	}
}

// TestApply_AccessToDocuments_WholeJourneyOverHTTP walks accesso-agli-atti:
// four steps whose questions depend on earlier answers (the kind of access
// decides what step 2 asks; acting for another person asks for a
// delegation), a changed mind in between, errors, and the declarations.
func TestApply_AccessToDocuments_WholeJourneyOverHTTP(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	ref, step1 := startApplication(t, s, c, base, "mario-rossi", "accesso-agli-atti")
	stepURL := func(n int) string { return fmt.Sprintf("%s/area-personale/pratiche/%s/passo/%d", base, ref, n) }
	mustContain(t, "step 1", step1.Body, `aria-current="step"`, `name="access_kind"`, `value="documentary"`, `value="civic_simple"`,
		`value="civic_general"`, "controinteressati")
	mustNotContain(t, "step 1", step1.Body, `enctype="multipart/form-data"`)

	// No kind chosen: 422.
	bad := postStep(t, c, step1, url.Values{"_visible": {pageVisible(t, step1.Body)}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("step 1 unanswered: status %d", bad.Status)
	}
	mustContain(t, "step 1 unanswered", bad.Body, `data-testid="error-summary"`, `href="#f-access_kind"`, "Questo campo è obbligatorio.")

	// Simple civic access: step 2 asks where the document should have been
	// published, not why it is needed.
	step2 := postStep(t, c, bad, url.Values{"_visible": {pageVisible(t, bad.Body)}, "access_kind": {"civic_simple"}})
	if step2.Status != http.StatusOK || step2.URL.Path != "/area-personale/pratiche/"+ref+"/passo/2" {
		t.Fatalf("step 1 → %d at %s", step2.Status, step2.URL)
	}
	mustContain(t, "step 2 (civic access)", step2.Body, `name="transparency_section"`, `name="documents_requested"`)
	mustNotContain(t, "step 2 (civic access)", step2.Body, `name="motivation"`, `name="motivation_documents"`)
	shortReq := postStep(t, c, step2, url.Values{"_visible": {pageVisible(t, step2.Body)}, "documents_requested": {"Bandi 2024"},
		"transparency_section": {"Bandi di gara e contratti"}})
	if shortReq.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a request too short: status %d", shortReq.Status)
	}
	mustContain(t, "a request too short", shortReq.Body, `href="#f-documents_requested"`, "Scrivi almeno 20 caratteri.",
		">Bandi 2024</textarea>", `value="Bandi di gara e contratti"`)
	step3 := postStep(t, c, shortReq, url.Values{"_visible": {pageVisible(t, shortReq.Body)},
		"documents_requested":  {"I bandi di gara per la manutenzione delle strade del 2024."},
		"transparency_section": {"Bandi di gara e contratti"}})
	if step3.URL.Path != "/area-personale/pratiche/"+ref+"/passo/3" {
		t.Fatalf("step 2 → %d at %s\n%s", step3.Status, step3.URL, step3.Body)
	}

	// A change of mind: back to step 1 (the answer is kept), documentary
	// access instead; step 2 now asks why, and its answer is required.
	again1 := browsertest.Get(t, c, stepURL(1))
	mustContain(t, "step 1 again", again1.Body, `value="civic_simple" checked`)
	again2 := postStep(t, c, again1, url.Values{"_visible": {pageVisible(t, again1.Body)}, "access_kind": {"documentary"}})
	if again2.URL.Path != "/area-personale/pratiche/"+ref+"/passo/2" {
		t.Fatalf("step 1 changed → %d at %s", again2.Status, again2.URL)
	}
	mustContain(t, "step 2 (documentary access)", again2.Body, `name="motivation"`, `enctype="multipart/form-data"`,
		"I bandi di gara per la manutenzione delle strade del 2024.")
	mustNotContain(t, "step 2 (documentary access)", again2.Body, `name="transparency_section"`)
	noWhy := postMultipartStep(t, c, again2, url.Values{"_action": {"next"}, "_visible": {pageVisible(t, again2.Body)},
		"documents_requested": {"I bandi di gara per la manutenzione delle strade del 2024."}}, nil)
	if noWhy.Status != http.StatusUnprocessableEntity {
		t.Fatalf("documentary access without a reason: status %d", noWhy.Status)
	}
	mustContain(t, "documentary access without a reason", noWhy.Body, `href="#f-motivation"`)
	step3 = postMultipartStep(t, c, noWhy, url.Values{"_action": {"next"}, "_visible": {pageVisible(t, noWhy.Body)},
		"documents_requested": {"I bandi di gara per la manutenzione delle strade del 2024."},
		"motivation":          {"Ho partecipato alla gara e voglio verificare i punteggi assegnati."},
		"reference_date":      {"2024-03-15"}}, map[string][]byte{"motivation_documents|offerta.png": tinyPNG})
	if step3.URL.Path != "/area-personale/pratiche/"+ref+"/passo/3" {
		t.Fatalf("step 2 (documentary) → %d at %s\n%s", step3.Status, step3.URL, step3.Body)
	}

	// Step 3, prefilled from the identity; acting for another person brings
	// up who, and the delegation, which is required.
	mustContain(t, "step 3", step3.Body, `value="Mario"`, `value="Rossi"`, `value="RSSMRA85T10H501O"`)
	mustNotContain(t, "step 3", step3.Body, `name="represented_name"`, `name="delegation"`)
	who := url.Values{"_action": {"next"}, "given_name": {"Mario"}, "family_name": {"Rossi"}, "fiscal_code": {"RSSMRA85T10H501O"},
		"acting_as": {"person"}}
	who.Set("_visible", pageVisible(t, step3.Body))
	more := postMultipartStep(t, c, step3, who, nil)
	if more.Status != http.StatusOK {
		t.Fatalf("step 3 with new questions: %d\n%s", more.Status, more.Body)
	}
	mustContain(t, "step 3 with new questions", more.Body, `data-testid="apply-appeared"`, `name="represented_name"`,
		`name="represented_tax_code"`, `name="delegation"`)
	mustNotContain(t, "step 3 with new questions", more.Body, `name="representative_role"`, `name="powers_document"`)
	who.Set("_visible", pageVisible(t, more.Body))
	who.Set("represented_name", "Anna Rossi")
	who.Set("represented_tax_code", "RSSNNA50A41H501X")
	noDelegation := postMultipartStep(t, c, more, who, nil)
	if noDelegation.Status != http.StatusUnprocessableEntity {
		t.Fatalf("no delegation: status %d", noDelegation.Status)
	}
	mustContain(t, "no delegation", noDelegation.Body, `href="#f-delegation"`, "Allega il documento richiesto.", `value="Anna Rossi"`)
	step4 := postMultipartStep(t, c, noDelegation, who, map[string][]byte{"delegation|delega.png": tinyPNG})
	if step4.URL.Path != "/area-personale/pratiche/"+ref+"/passo/4" {
		t.Fatalf("step 3 → %d at %s\n%s", step4.Status, step4.URL, step4.Body)
	}

	// Step 4: a wrong email is refused; then to the summary.
	mustContain(t, "step 4", step4.Body, `value="mario.rossi@example.it"`)
	wrong := postStep(t, c, step4, url.Values{"_visible": {pageVisible(t, step4.Body)}, "delivery_mode": {"paper_copy"},
		"email": {"mario.rossi@"}, "pec": {""}, "phone": {""}})
	if wrong.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a wrong email: status %d", wrong.Status)
	}
	mustContain(t, "a wrong email", wrong.Body, `href="#f-email"`, `value="mario.rossi@"`, `value="paper_copy" checked`)
	summary := postStep(t, c, wrong, url.Values{"_visible": {pageVisible(t, wrong.Body)}, "delivery_mode": {"paper_copy"},
		"email": {"mario.rossi@example.it"}, "pec": {""}, "phone": {"0541 123456"}})
	if summary.URL.Path != "/area-personale/pratiche/"+ref+"/riepilogo" {
		t.Fatalf("step 4 → %d at %s\n%s", summary.Status, summary.URL, summary.Body)
	}
	mustContain(t, "summary", summary.Body, "Accesso documentale", "I bandi di gara per la manutenzione delle strade del 2024.",
		"Ho partecipato alla gara", "offerta.png", "Anna Rossi", "RSSNNA50A41H501X", "delega.png", "Copia semplice su carta",
		"mario.rossi@example.it", `name="declaration" value="truthful"`, `name="declaration" value="costs"`, `name="declaration" value="privacy"`)
	// The answer of the question no longer asked is not sent.
	mustNotContain(t, "summary", summary.Body, "Bandi di gara e contratti")

	// Two declarations of three: 422, the one made stays ticked.
	send := base + "/area-personale/pratiche/" + ref + "/riepilogo"
	partial := browsertest.PostForm(t, c, send, url.Values{"_csrf": {pageCSRF(t, summary.Body)}, "declaration": {"truthful", "privacy"}})
	if partial.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a declaration missing: %d", partial.Status)
	}
	mustContain(t, "a declaration missing", partial.Body, `href="#declaration-costs"`, `value="truthful" checked`)
	mustNotContain(t, "a declaration missing", partial.Body, `href="#declaration-truthful"`, `href="#declaration-privacy"`)
	conf := browsertest.PostForm(t, c, send, url.Values{"_csrf": {pageCSRF(t, summary.Body)}, "declaration": {"truthful", "costs", "privacy"}})
	if conf.Status != http.StatusOK || conf.URL.Path != "/area-personale/pratiche/"+ref+"/conferma" {
		t.Fatalf("submit: %d at %s", conf.Status, conf.URL)
	}
	mustContain(t, "confirmation", conf.Body, ref, "Accesso agli atti e accesso civico", "Quanto è stato facile usare questo servizio?")

	// Sent: the steps lead to the application, not back into the form.
	if p := browsertest.Get(t, c, stepURL(2)); strings.Contains(p.URL.Path, "/passo/") {
		t.Errorf("a step of a sent application is still open: %d at %s", p.Status, p.URL)
	}
	if n := count(t, s, "verdemare", `SELECT count(*) FROM applications WHERE reference = $1 AND status <> 'draft'`, ref); n != 1 {
		t.Errorf("%d sent applications %s, want 1", n, ref)
	}
}

func TestApply_ErrUploadOverTheLimitAndMalformedMultipart(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	ref, step1 := startApplication(t, s, c, base, "mario-rossi", "segnalazione-disservizio")
	step2 := postStep(t, c, step1, url.Values{"category": {"roads"}, "subject": {"Buca in via Roma"},
		"description": {"Una buca profonda davanti al civico 12, pericolosa per chi va in bicicletta."}})
	step3 := postStep(t, c, step2, url.Values{"place": {"Via Roma 12"}})
	if !strings.HasSuffix(step3.URL.Path, "/passo/3") {
		t.Fatalf("step 2 → %s", step3.URL)
	}
	// 11 MB of PNG: over the 10 MB a file may be. Refused, the answer
	// given beside it kept.
	big := append(append([]byte{}, tinyPNG...), make([]byte, 11<<20)...)
	over := postMultipartStep(t, c, step3, url.Values{"_action": {"next"}, "_visible": {"photos,wants_reply"}, "wants_reply": {"no"}},
		map[string][]byte{"photos|enorme.png": big})
	if over.Status != http.StatusUnprocessableEntity {
		t.Fatalf("over the limit: %d", over.Status)
	}
	mustContain(t, "over the limit", over.Body, "enorme.png", "supera il limite di 10 MB")
	if n := count(t, s, "verdemare", `SELECT count(*) FROM application_files f JOIN applications a ON a.id = f.application_id
		WHERE a.reference = $1`, ref); n != 0 {
		t.Errorf("%d files kept of a refused upload", n)
	}
	// A body that claims to be multipart and is not: a bad request.
	req, _ := http.NewRequest(http.MethodPost, step3.URL.String(), strings.NewReader("--nothing\r\nthis is not multipart"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed multipart: %d, want 400", res.StatusCode)
	}
}

// Every step of every standard form renders, empty and after a post with
// nothing answered (every error shown at once).
func TestApply_EveryStepOfEveryStandardFormRenders(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	browsertest.LoginHTTP(t, c, base, "mario-rossi", "/area-personale")
	for _, service := range []string{"cambio-residenza", "iscrizione-asilo-nido", "contrassegno-disabili",
		"accesso-agli-atti", "occupazione-suolo-pubblico", "segnalazione-disservizio"} {
		start := browsertest.Get(t, c, base+"/servizi/"+service+"/domanda")
		if start.Status != http.StatusOK {
			t.Fatalf("%s start: %d", service, start.Status)
		}
		step := browsertest.PostForm(t, c, base+"/servizi/"+service+"/domanda", url.Values{"_csrf": {pageCSRF(t, start.Body)}})
		m := referenceInPath.FindStringSubmatch(step.URL.Path + "/")
		if m == nil {
			t.Fatalf("%s: no draft (%s)", service, step.URL)
		}
		for n := 1; ; n++ {
			page := browsertest.Get(t, c, base+"/area-personale/pratiche/"+m[1]+"/passo/"+strconv.Itoa(n))
			if page.Status == http.StatusNotFound {
				if n < 4 {
					t.Errorf("%s has only %d steps", service, n-1)
				}
				break
			}
			if page.Status != http.StatusOK || !strings.Contains(page.Body, `aria-current="step"`) {
				t.Fatalf("%s step %d: %d", service, n, page.Status)
			}
			empty := browsertest.PostForm(t, c, page.URL.String(), url.Values{"_csrf": {pageCSRF(t, page.Body)}, "_action": {"next"}})
			if empty.Status != http.StatusUnprocessableEntity && empty.Status != http.StatusOK {
				t.Errorf("%s step %d posted empty: %d", service, n, empty.Status)
			}
			if empty.Status == http.StatusUnprocessableEntity && !strings.Contains(empty.Body, `data-testid="error-summary"`) {
				t.Errorf("%s step %d: 422 without an error summary", service, n)
			}
		}
		summary := browsertest.Get(t, c, base+"/area-personale/pratiche/"+m[1]+"/riepilogo")
		if summary.Status != http.StatusOK {
			t.Errorf("%s summary: %d", service, summary.Status)
		}
	}
}
