package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/db"
)

// deskApp is myApps with members of Verdemare's staff logged in: Paolo,
// clerk of the office of the applications (anagrafe), and Luigi, clerk of
// other offices.
type deskApp struct {
	myApps
	paolo, luigi *http.Client
}

func setupDeskApp(t *testing.T) deskApp {
	t.Helper()
	w := deskApp{myApps: setupMyApps(t), paolo: nil, luigi: nil}
	w.paolo = w.s.Client(t)
	browsertest.LoginHTTP(t, w.paolo, w.base, browsertest.PaoloConti, "/scrivania")
	w.luigi = w.s.Client(t)
	browsertest.LoginHTTP(t, w.luigi, w.base, "luigi-fontana", "/scrivania")
	return w
}

func (w deskApp) url(ref, rest string) string { return w.base + "/scrivania/pratiche/" + ref + rest }

var revisionField = regexp.MustCompile(`name="revision" value="(\d+)"`)

// form opens an action's page and returns it with the revision it
// carries and its CSRF token.
func (w deskApp) form(t *testing.T, c *http.Client, ref, action string) (browsertest.Page, url.Values) {
	t.Helper()
	p := browsertest.Get(t, c, w.url(ref, "/"+action))
	if p.Status != http.StatusOK {
		t.Fatalf("%s form: status %d\n%s", action, p.Status, p.Body)
	}
	m := revisionField.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("%s form carries no revision", action)
	}
	return p, url.Values{"_csrf": {pageCSRF(t, p.Body)}, "revision": {m[1]}}
}

// status is the application's state as the database has it.
func (w deskApp) status(t *testing.T, ref string) (applications.Status, int) {
	t.Helper()
	var st applications.Status
	var rev int
	err := db.InTenant(context.Background(), w.s.Pool, w.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT status, revision FROM applications WHERE reference = $1`, ref).Scan(&st, &rev)
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, rev
}

// postDecision posts a decision form as a browser streams it: the token,
// the revision, the motivation, the choice, then the file (if any).
func postDecision(t *testing.T, c *http.Client, target string, values url.Values, outcome, fileName string, file []byte) browsertest.Page {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, k := range []string{"_csrf", "revision", "motivation"} {
		if err := mw.WriteField(k, values.Get(k)); err != nil {
			t.Fatal(err)
		}
	}
	mw.WriteField("outcome", outcome)
	part, _ := mw.CreateFormFile("document", fileName)
	part.Write(file)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, target, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return browsertest.Page{Status: res.StatusCode, URL: res.Request.URL, Body: string(b)}
}

func TestDeskApplication_ShowsEverythingAndAuditsTheView(t *testing.T) {
	t.Parallel()
	w := setupDeskApp(t)
	ref := w.in(t, withdrawableService, applications.Registered)
	other := w.in(t, lockedService, applications.Submitted)
	p := browsertest.Get(t, w.paolo, w.url(ref, ""))
	if p.Status != http.StatusOK {
		t.Fatalf("status %d", p.Status)
	}
	mustContain(t, "view", p.Body, `data-testid="deskapp-reference">`+ref, "Richiesta di prova", "Mario Rossi (RSSMRA85T10H501O)",
		`data-testid="deskapp-take"`, "giorni lavorativi rimasti", `data-testid="deskapp-others"`, other,
		`data-testid="deskapp-action-cancel"`, "Protocollo in entrata")
	if strings.Contains(p.Body, `data-testid="deskapp-action-accept"`) {
		t.Error("accept is offered before the application is taken in charge")
	}
	var views int
	db.InTenant(context.Background(), w.s.Pool, w.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE reference = $1 AND action = 'view'
			AND actor_id = 'CNTPLA80A12H501T' AND remote_addr <> ''`, ref).Scan(&views)
	})
	if views != 1 {
		t.Errorf("%d audited views, want 1", views)
	}
}

func TestDeskApplication_OtherOfficeClerkGetsNotFound(t *testing.T) {
	t.Parallel()
	w := setupDeskApp(t)
	ref := w.in(t, withdrawableService, applications.Registered)
	_, rev := w.status(t, ref)
	for _, path := range []string{"", "/documenti/receipt", "/accogli", "/nota"} {
		if p := browsertest.Get(t, w.luigi, w.url(ref, path)); p.Status != http.StatusNotFound {
			t.Errorf("GET %s by another office's clerk: %d, want 404", path, p.Status)
		}
	}
	token := pageCSRF(t, browsertest.Get(t, w.luigi, w.base+"/scrivania").Body)
	p := browsertest.PostForm(t, w.luigi, w.url(ref, "/prendi-in-carico"), url.Values{"_csrf": {token}, "revision": {strconv.Itoa(rev)}})
	if p.Status != http.StatusNotFound {
		t.Errorf("take in charge by another office's clerk: %d, want 404", p.Status)
	}
	if st, _ := w.status(t, ref); st != applications.Registered {
		t.Errorf("status %s", st)
	}
	// A citizen is not staff at all.
	if p := browsertest.Get(t, w.c, w.url(ref, "")); p.Status == http.StatusOK {
		t.Errorf("a citizen opened the desk view: %d", p.Status)
	}
}

func TestDeskActions_StaleRevisionIsAConflictAndChangesNothing(t *testing.T) {
	t.Parallel()
	w := setupDeskApp(t)
	ref := w.in(t, withdrawableService, applications.InProgress)
	_, stale := w.form(t, w.paolo, ref, "integrazione")
	// Someone else writes a note and asks for integration meanwhile.
	if err := w.apps.RequestIntegration(context.Background(), w.tenant, ref, 0, clerk, "Manca la firma.", time.Now().AddDate(0, 0, 5)); err != nil {
		t.Fatal(err)
	}
	_, before := w.status(t, ref)
	stale.Set("message", "Allega la fototessera.")
	stale.Set("reply_by", time.Now().AddDate(0, 0, 10).Format(time.DateOnly))
	p := browsertest.PostForm(t, w.paolo, w.url(ref, "/integrazione"), stale)
	if p.Status != http.StatusConflict {
		t.Fatalf("stale revision: %d, want 409", p.Status)
	}
	mustContain(t, "conflict", p.Body, `data-testid="deskapp-problem"`, "Nel frattempo la pratica è stata modificata",
		`data-status="awaiting_integration"`)
	if st, rev := w.status(t, ref); st != applications.AwaitingIntegration || rev != before {
		t.Errorf("after the conflict: %s revision %d (was %d)", st, rev, before)
	}
}

func TestDeskActions_NotAllowedInTheStateSaysSoAndChangesNothing(t *testing.T) {
	t.Parallel()
	w := setupDeskApp(t)
	ref := w.in(t, withdrawableService, applications.Accepted)
	p := browsertest.Get(t, w.paolo, w.url(ref, "/annulla"))
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "Questa azione non è possibile") {
		t.Errorf("cancel form of an accepted application: %d", p.Status)
	}
	_, rev := w.status(t, ref)
	token := pageCSRF(t, browsertest.Get(t, w.paolo, w.base+"/scrivania").Body)
	p = browsertest.PostForm(t, w.paolo, w.url(ref, "/annulla"), url.Values{"_csrf": {token}, "revision": {strconv.Itoa(rev)},
		"motivation": {"Per errore."}})
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, `data-testid="deskapp-problem"`) {
		t.Errorf("cancel of an accepted application: %d", p.Status)
	}
	if st, after := w.status(t, ref); st != applications.Accepted || after != rev {
		t.Errorf("after a refused cancel: %s, revision %d (was %d)", st, after, rev)
	}
	// A form without the revision it was filled on is not ours.
	p = browsertest.PostForm(t, w.paolo, w.url(ref, "/nota"), url.Values{"_csrf": {token}, "note": {"x"}})
	if p.Status != http.StatusBadRequest {
		t.Errorf("note without revision: %d, want 400", p.Status)
	}
}

func TestDeskActions_BadInputKeepsTheForm(t *testing.T) {
	t.Parallel()
	w := setupDeskApp(t)
	ref := w.in(t, withdrawableService, applications.InProgress)

	// An integration request due yesterday.
	_, v := w.form(t, w.paolo, ref, "integrazione")
	v.Set("message", "Allega la fototessera.")
	v.Set("documents", "Fototessera\nCopia del documento")
	v.Set("reply_by", time.Now().AddDate(0, 0, -1).Format(time.DateOnly))
	p := browsertest.PostForm(t, w.paolo, w.url(ref, "/integrazione"), v)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("past reply date: %d, want 422", p.Status)
	}
	mustContain(t, "integration 422", p.Body, `data-testid="error-summary"`, `href="#deskaction-reply_by"`,
		"Allega la fototessera.", "Fototessera\nCopia del documento")

	// A decision without motivation.
	_, v = w.form(t, w.paolo, ref, "accogli")
	p = postDecision(t, w.paolo, w.url(ref, "/accogli"), v, "generate", "", nil)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("decision without motivation: %d, want 422", p.Status)
	}
	mustContain(t, "decision 422", p.Body, `href="#deskaction-motivation"`, "Scrivi la motivazione.")

	// An oversized outcome document: the motivation is kept.
	big := append([]byte("%PDF-1.7\n"), make([]byte, 10<<20+1)...)
	v.Set("motivation", "Requisiti verificati.")
	p = postDecision(t, w.paolo, w.url(ref, "/accogli"), v, "upload", "esito.pdf", big)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("oversized outcome: %d, want 422", p.Status)
	}
	mustContain(t, "oversized 422", p.Body, `data-testid="outcome-file-error"`, "supera i 10 MB", "Requisiti verificati.",
		`id="outcome-upload" name="outcome" value="upload" checked`)
	if st, _ := w.status(t, ref); st != applications.InProgress {
		t.Errorf("after refused decisions: %s", st)
	}

	// Upload chosen, no file.
	p = postDecision(t, w.paolo, w.url(ref, "/rigetta"), v, "upload", "", nil)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Scegli il file del provvedimento") {
		t.Errorf("upload without a file: %d", p.Status)
	}
}

func TestDeskActions_EachActionOverHTTP(t *testing.T) {
	t.Parallel()
	w := setupDeskApp(t)
	ctx := context.Background()
	ref := w.in(t, withdrawableService, applications.Registered)

	// Take in charge from the application's page.
	view := browsertest.Get(t, w.paolo, w.url(ref, ""))
	m := revisionField.FindStringSubmatch(view.Body)
	p := browsertest.PostForm(t, w.paolo, w.url(ref, "/prendi-in-carico"), url.Values{"_csrf": {pageCSRF(t, view.Body)}, "revision": {m[1]}})
	if p.Status != http.StatusOK || p.URL.Path != "/scrivania/pratiche/"+ref || !strings.Contains(p.Body, "Hai preso in carico la pratica.") {
		t.Fatalf("take in charge: %d at %s", p.Status, p.URL)
	}

	// Note, message, assignment (as the office manager).
	_, v := w.form(t, w.paolo, ref, "nota")
	v.Set("note", "Verificare la residenza.")
	if p = browsertest.PostForm(t, w.paolo, w.url(ref, "/nota"), v); !strings.Contains(p.Body, "Nota interna aggiunta.") {
		t.Errorf("note: %d", p.Status)
	}
	_, v = w.form(t, w.paolo, ref, "messaggio")
	v.Set("message", "Abbiamo ricevuto la domanda.")
	if p = browsertest.PostForm(t, w.paolo, w.url(ref, "/messaggio"), v); !strings.Contains(p.Body, "Messaggio inviato al cittadino.") {
		t.Errorf("message: %d", p.Status)
	}
	mustContain(t, "view after note and message", p.Body, "Verificare la residenza.", "Abbiamo ricevuto la domanda.")
	if browsertest.Get(t, w.paolo, w.url(ref, "/assegna")).Status != http.StatusConflict {
		t.Error("a clerk is offered to assign to others")
	}
	marco := w.s.Client(t)
	browsertest.LoginHTTP(t, marco, w.base, "marco-gallo", "/scrivania")
	form, v := w.form(t, marco, ref, "assegna")
	mustContain(t, "assign form", form.Body, `value="CNTPLA80A12H501T"`, `value="GRCSRA75P48H501B"`)
	v.Set("assignee", "GRCSRA75P48H501B")
	if p = browsertest.PostForm(t, marco, w.url(ref, "/assegna"), v); !strings.Contains(p.Body, "Assegnazione registrata.") ||
		!strings.Contains(p.Body, "Sara Greco") {
		t.Errorf("assign: %d", p.Status)
	}

	// Integration, with the documents wanted as lines.
	_, v = w.form(t, w.paolo, ref, "integrazione")
	v.Set("message", "Ci serve altro.")
	v.Set("documents", "Fototessera\n\nCopia della ricevuta di pagamento")
	v.Set("reply_by", time.Now().AddDate(0, 0, 10).Format(time.DateOnly))
	if p = browsertest.PostForm(t, w.paolo, w.url(ref, "/integrazione"), v); !strings.Contains(p.Body, `data-state="suspended"`) {
		t.Fatalf("integration: %d\n%s", p.Status, p.Body)
	}
	citizen := w.detail(t, ref)
	mustContain(t, "citizen's request", citizen.Body, "– Fototessera", "– Copia della ricevuta di pagamento")
	if strings.Contains(citizen.Body, "Verificare la residenza.") {
		t.Error("the citizen sees the internal note")
	}
	if err := w.apps.AnswerIntegration(ctx, w.tenant, w.mario, ref, "Ecco i documenti.", nil); err != nil {
		t.Fatal(err)
	}

	// Accept with an uploaded document; it can be previewed inline.
	_, v = w.form(t, w.paolo, ref, "accogli")
	v.Set("motivation", "Requisiti verificati.")
	p = postDecision(t, w.paolo, w.url(ref, "/accogli"), v, "upload", "provvedimento.pdf", []byte("%PDF-1.7\n% provvedimento\n"))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `data-status="accepted"`) {
		t.Fatalf("accept: %d\n%s", p.Status, p.Body)
	}
	link := regexp.MustCompile(`href="(/scrivania/pratiche/[^"]+/documenti/[^"?]+)\?inline=1"`).FindAllStringSubmatch(p.Body, -1)
	found := false
	for _, l := range link {
		res, err := w.paolo.Get(w.base + l[1] + "?inline=1")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if strings.Contains(res.Header.Get("Content-Disposition"), "provvedimento.pdf") {
			found = true
			if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline;") || res.Header.Get("Content-Type") != "application/pdf" ||
				res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("preview headers %v", res.Header)
			}
		}
		res, _ = w.paolo.Get(w.base + l[1])
		res.Body.Close()
		if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
			t.Errorf("download disposition %q", res.Header.Get("Content-Disposition"))
		}
	}
	if !found {
		t.Error("the outcome document has no preview link")
	}
	citizen = w.detail(t, ref)
	mustContain(t, "citizen after the decision", citizen.Body, `data-status="accepted"`, "provvedimento.pdf", "Requisiti verificati.")
}
