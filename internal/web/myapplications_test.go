package web_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/forms"
)

// myApps is a running Civica where two of Verdemare's services have a
// one-step online form, one that may be withdrawn and one that may not,
// and Mario Rossi is logged in.
type myApps struct {
	s      *browsertest.Server
	base   string
	tenant string
	c      *http.Client // Mario Rossi's browser
	mario  string       // his person id
	apps   *applications.Service
}

const (
	withdrawableService = "carta-identita-elettronica"
	lockedService       = "permesso-di-costruire"
)

// clerk is who acts for the office in these tests (anagrafe, urp,
// lavori-pubblici, ambiente); officeAdmin is the comune admin, who works on
// every office (lockedService belongs to sue).
var (
	clerk       = applications.Clerk{FiscalCode: "CNTPLA80A12H501T", Name: "Paolo Conti"}
	officeAdmin = applications.Clerk{FiscalCode: "GRCSRA75P48H501B", Name: "Sara Greco"}
)

func setupMyApps(t *testing.T) myApps {
	t.Helper()
	s := browsertest.Start(t)
	w := myApps{s: s, base: s.ComuneURL("verdemare"), tenant: tenantID(t, s, "verdemare"), c: s.Client(t), apps: s.App.Applications}
	giveForm(t, s, w.tenant, map[string]bool{withdrawableService: true, lockedService: false})
	browsertest.LoginHTTP(t, w.c, w.base, browsertest.MarioRossi, "/area-personale")
	w.mario = personID(t, s, w.tenant, "RSSMRA85T10H501O")
	return w
}

// giveForm gives services a one-step form with one optional question,
// withdrawable or not.
func giveForm(t *testing.T, s *browsertest.Server, tenantID string, services map[string]bool) {
	t.Helper()
	ctx := context.Background()
	c, err := catalog.NewStore(s.Pool).Export(ctx, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	for i, svc := range c.Services {
		withdrawable, ok := services[svc.Slug]
		if !ok {
			continue
		}
		f, err := forms.Parse([]byte(`
withdrawable: ` + map[bool]string{true: "true", false: "false"}[withdrawable] + `
steps:
  - id: request
    title: {it: "Richiesta", en: "Request"}
    fields:
      - id: note
        type: textarea
        label: {it: "Note", en: "Notes"}
`))
		if err != nil {
			t.Fatal(err)
		}
		c.Services[i].Form, c.Services[i].Status = &f, "active"
	}
	if err := db.InTenant(ctx, s.Pool, tenantID, func(tx pgx.Tx) error { return catalog.Write(ctx, tx, tenantID, c) }); err != nil {
		t.Fatal(err)
	}
}

func personID(t *testing.T, s *browsertest.Server, tenantID, fiscalCode string) string {
	t.Helper()
	var id string
	err := db.InTenant(context.Background(), s.Pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id::text FROM people WHERE fiscal_code = $1`, fiscalCode).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// draft starts a draft of the service for the person.
func (w myApps) draft(t *testing.T, person, service string) string {
	t.Helper()
	d, err := w.apps.StartDraft(context.Background(), w.tenant, person, service, "it")
	if err != nil {
		t.Fatalf("start a draft of %s: %v", service, err)
	}
	return d.Reference
}

// submitted sends a new application of the service for the person and
// returns its reference.
func (w myApps) submitted(t *testing.T, person, service string) string {
	t.Helper()
	ctx := context.Background()
	ref := w.draft(t, person, service)
	if _, err := w.apps.SaveStep(ctx, w.tenant, person, ref, 0, forms.Values{"note": {"Richiesta di prova"}}); err != nil {
		t.Fatal(err)
	}
	r, err := w.apps.Submit(ctx, w.tenant, person, ref, nil)
	if err != nil || len(r.Errors) > 0 || len(r.MissingDeclarations) > 0 {
		t.Fatalf("submit %s: %v %+v %v", ref, err, r.Errors, r.MissingDeclarations)
	}
	return ref
}

// in sends an application of Mario's and brings it to a state, the way
// the office does.
func (w myApps) in(t *testing.T, service string, to applications.Status) string {
	t.Helper()
	ctx := context.Background()
	if to == applications.Draft {
		return w.draft(t, w.mario, service)
	}
	ref := w.submitted(t, w.mario, service)
	if to == applications.Submitted {
		return ref
	}
	w.await(t, w.mario, ref, func(d applications.Detail) bool { return d.Status == applications.Registered })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s to %s: %v", ref, to, err)
		}
	}
	if to == applications.Registered {
		return ref
	}
	// Paolo works on anagrafe, not on sue: there the admin acts.
	office := clerk
	if service == lockedService {
		office = officeAdmin
	}
	must(w.apps.TakeInCharge(ctx, w.tenant, ref, 0, office))
	switch to {
	case applications.AwaitingIntegration:
		must(w.apps.RequestIntegration(ctx, w.tenant, ref, 0, office, "Allega la copia del documento d'identità.", time.Now().AddDate(0, 0, 10)))
	case applications.Accepted, applications.Rejected:
		must(w.apps.Decide(ctx, w.tenant, ref, 0, office, to == applications.Accepted, "Esito della verifica."))
	}
	return ref
}

// await waits until the person's application satisfies ok: the protocol
// and the receipt come from jobs.
func (w myApps) await(t *testing.T, person, ref string, ok func(applications.Detail) bool) applications.Detail {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		d, err := w.apps.ForPerson(context.Background(), w.tenant, person, ref)
		if err != nil {
			t.Fatal(err)
		}
		if ok(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %s after 15s", ref, d.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (w myApps) detail(t *testing.T, ref string) browsertest.Page {
	t.Helper()
	return browsertest.Get(t, w.c, w.base+"/area-personale/pratiche/"+ref)
}

var listedRef = regexp.MustCompile(`data-testid="myapps-item" data-reference="(PR-[^"]+)"`)

func listed(p browsertest.Page) []string {
	var refs []string
	for _, m := range listedRef.FindAllStringSubmatch(p.Body, -1) {
		refs = append(refs, m[1])
	}
	slices.Sort(refs)
	return refs
}

// postMultipart sends a message form as a browser does: multipart, the
// CSRF token first, then the fields in order, then the files; it follows
// redirects.
func postMultipart(t *testing.T, c *http.Client, url, token string, fields [][2]string, files ...attachment) browsertest.Page {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(mw.WriteField("_csrf", token))
	for _, f := range fields {
		must(mw.WriteField(f[0], f[1]))
	}
	if len(files) == 0 {
		_, err := mw.CreateFormFile("files", "")
		must(err)
	}
	for _, f := range files {
		part, err := mw.CreateFormFile("files", f.name)
		must(err)
		_, err = part.Write(f.content)
		must(err)
	}
	must(mw.Close())
	req, err := http.NewRequest(http.MethodPost, url, &body)
	must(err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := c.Do(req)
	must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(err)
	return browsertest.Page{Status: res.StatusCode, URL: res.Request.URL, Body: string(b)}
}

func TestMyApplications_EachFilterListsItsApplications(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	refs := map[string]string{
		"bozza":           w.in(t, withdrawableService, applications.Draft),
		"inviate":         w.in(t, withdrawableService, applications.Submitted),
		"in-elaborazione": w.in(t, withdrawableService, applications.InProgress),
		"da-integrare":    w.in(t, withdrawableService, applications.AwaitingIntegration),
		"accettate":       w.in(t, withdrawableService, applications.Accepted),
		"rifiutate":       w.in(t, lockedService, applications.Rejected),
	}
	personal := browsertest.Get(t, w.c, w.base+"/area-personale")
	mustContain(t, "personal area", personal.Body, `href="/area-personale/pratiche" data-testid="personal-applications"`)
	all := browsertest.Get(t, w.c, w.base+"/area-personale/pratiche")
	if all.Status != http.StatusOK {
		t.Fatalf("list: status %d", all.Status)
	}
	var want []string
	for _, r := range refs {
		want = append(want, r)
	}
	slices.Sort(want)
	if got := listed(all); !slices.Equal(got, want) {
		t.Errorf("all: listed %v, want %v", got, want)
	}
	mustContain(t, "all", all.Body, `href="/area-personale/pratiche" aria-current="page"`,
		`href="/area-personale/pratiche/`+refs["bozza"]+`/riprendi"`, `href="/area-personale/pratiche/`+refs["accettate"]+`"`,
		`data-status="accepted">Accolta<`, `data-status="draft">In bozza<`, "La bozza scade il")
	for query, ref := range refs {
		p := browsertest.Get(t, w.c, w.base+"/area-personale/pratiche?stato="+query)
		if got := listed(p); !slices.Equal(got, []string{ref}) {
			t.Errorf("stato=%s: listed %v, want [%s]", query, got, ref)
		}
		mustContain(t, query, p.Body, `href="/area-personale/pratiche?stato=`+query+`" aria-current="page"`)
	}
}

func TestMyApplications_EmptyFilterSaysSo(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	w.in(t, withdrawableService, applications.Draft)
	p := browsertest.Get(t, w.c, w.base+"/area-personale/pratiche?stato=accettate")
	if p.Status != http.StatusOK || len(listed(p)) != 0 {
		t.Fatalf("status %d, listed %v", p.Status, listed(p))
	}
	mustContain(t, "empty filter", p.Body, `data-testid="myapps-empty">Non hai pratiche accettate.<`)
}

func TestMyApplication_ShowsProtocolOfficeDueDateMessagesAndReceipt(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	ctx := context.Background()
	ref := w.in(t, withdrawableService, applications.InProgress)
	if err := w.apps.MessageCitizen(ctx, w.tenant, ref, clerk, "Le scriviamo per una verifica."); err != nil {
		t.Fatal(err)
	}
	d := w.await(t, w.mario, ref, func(d applications.Detail) bool {
		return slices.ContainsFunc(d.Files, func(f applications.File) bool { return f.Owner == "receipt" })
	})
	p := w.detail(t, ref)
	if p.Status != http.StatusOK {
		t.Fatalf("detail: status %d", p.Status)
	}
	mustContain(t, "detail", p.Body, `data-testid="myapp-reference">`+ref+`<`, `data-status="in_progress">In lavorazione<`,
		d.ProtocolNumber, "Numero di protocollo", "Data di protocollo", "Ufficio competente", "Presa in carico il",
		`datetime="`+d.DueOn.Format(time.DateOnly)+`"`, "Da concludere entro il",
		"Pratica inviata", "Pratica protocollata", "Pratica presa in carico", "Messaggio dall&#39;ufficio",
		"Le scriviamo per una verifica.", "L&#39;ufficio (Paolo Conti)", `data-testid="myapp-receipt"`,
		`href="/area-personale/pratiche/`+ref+`/ritira"`, `data-testid="message-form"`)
	if d.ProtocolNumber == "" {
		t.Error("no protocol number after registration")
	}

	res, err := w.c.Get(w.base + "/area-personale/pratiche/" + ref + "/documenti/receipt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF")) {
		t.Errorf("receipt: %d %s %q", res.StatusCode, res.Header.Get("Content-Type"), body[:min(len(body), 8)])
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") || !strings.Contains(cd, "filename*=UTF-8''") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("download without X-Content-Type-Options: nosniff")
	}
}

func TestMyApplication_DraftIsResumed(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	ref := w.in(t, withdrawableService, applications.Draft)
	c := w.s.Client(t)
	browsertest.LoginHTTP(t, c, w.base, browsertest.MarioRossi, "/area-personale")
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Get(w.base + "/area-personale/pratiche/" + ref)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/area-personale/pratiche/"+ref+"/riprendi" {
		t.Errorf("draft: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestMyApplication_ErrNotFoundForAnotherCitizen(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	giulia := w.s.Client(t)
	browsertest.LoginHTTP(t, giulia, w.base, "giulia-bianchi", "/area-personale")
	theirs := w.submitted(t, personID(t, w.s, w.tenant, "BNCGLI92C62F205U"), withdrawableService)
	for _, path := range []string{"", "/ritira", "/documenti/receipt", "/documenti/00000000-0000-0000-0000-000000000000"} {
		if p := browsertest.Get(t, w.c, w.base+"/area-personale/pratiche/"+theirs+path); p.Status != http.StatusNotFound {
			t.Errorf("Mario opening Giulia's %s%s: status %d, want 404", theirs, path, p.Status)
		}
	}
	token := w.detailToken(t, w.in(t, withdrawableService, applications.Submitted))
	if p := browsertest.PostForm(t, w.c, w.base+"/area-personale/pratiche/"+theirs+"/ritira",
		map[string][]string{"_csrf": {token}}); p.Status != http.StatusNotFound {
		t.Errorf("Mario withdrawing Giulia's: status %d, want 404", p.Status)
	}
	if p := postMultipart(t, w.c, w.base+"/area-personale/pratiche/"+theirs+"/messaggi", token,
		[][2]string{{"message", "Salve"}}); p.Status != http.StatusNotFound {
		t.Errorf("Mario writing about Giulia's: status %d, want 404", p.Status)
	}
	if d, _ := w.apps.ForPerson(context.Background(), w.tenant, personID(t, w.s, w.tenant, "BNCGLI92C62F205U"), theirs); d.Status != applications.Submitted && d.Status != applications.Registered {
		t.Errorf("Giulia's application is now %s", d.Status)
	}
	// Other comuni have no such application either.
	if p := browsertest.Get(t, w.c, w.s.ComuneURL("roccasole")+"/area-personale/pratiche/"+theirs); p.Status != http.StatusNotFound &&
		!strings.Contains(p.URL.Path, "/accedi") {
		t.Errorf("on Roccasole: %d at %s", p.Status, p.URL)
	}
}

// detailToken opens an application's page and returns its CSRF token.
func (w myApps) detailToken(t *testing.T, ref string) string {
	t.Helper()
	p := w.detail(t, ref)
	if p.Status != http.StatusOK {
		t.Fatalf("detail of %s: status %d", ref, p.Status)
	}
	return p.FirstPostForm(t).Values.Get("_csrf")
}

func TestMyApplication_Withdraw(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	ref := w.in(t, withdrawableService, applications.InProgress)
	confirm := browsertest.Get(t, w.c, w.base+"/area-personale/pratiche/"+ref+"/ritira")
	if confirm.Status != http.StatusOK {
		t.Fatalf("confirmation page: %d", confirm.Status)
	}
	mustContain(t, "confirmation", confirm.Body, "Vuoi ritirare la pratica?", `name="reason"`, ref)
	form := confirm.FirstPostForm(t)
	form.Values.Set("reason", "Ho cambiato idea.")
	p := browsertest.PostForm(t, w.c, form.Action, form.Values)
	if p.Status != http.StatusOK || p.URL.Path != "/area-personale/pratiche/"+ref {
		t.Fatalf("after withdrawing: %d at %s", p.Status, p.URL)
	}
	mustContain(t, "withdrawn", p.Body, `data-testid="myapp-notice">Hai ritirato la pratica.<`, `data-status="withdrawn">Ritirata<`,
		"Pratica ritirata", "Ho cambiato idea.")
	if strings.Contains(p.Body, `data-testid="myapp-withdraw"`) || strings.Contains(p.Body, `data-testid="message-form"`) {
		t.Error("a withdrawn application still offers to withdraw it or to write")
	}
	if again := w.detail(t, ref); strings.Contains(again.Body, "myapp-notice") {
		t.Error("the notice shows twice")
	}
	if again := browsertest.PostForm(t, w.c, form.Action, form.Values); again.Status != http.StatusConflict ||
		!strings.Contains(again.Body, `data-testid="myapp-problem"`) {
		t.Errorf("withdrawing twice: status %d", again.Status)
	}
}

func TestMyApplication_Withdraw_ErrNotAllowed(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	ref := w.in(t, lockedService, applications.Submitted)
	p := w.detail(t, ref)
	if strings.Contains(p.Body, `data-testid="myapp-withdraw"`) {
		t.Error("the page offers to withdraw an application whose service does not allow it")
	}
	if page := browsertest.Get(t, w.c, w.base+"/area-personale/pratiche/"+ref+"/ritira"); page.Status != http.StatusConflict {
		t.Errorf("confirmation page: status %d, want 409", page.Status)
	}
	res := browsertest.PostForm(t, w.c, w.base+"/area-personale/pratiche/"+ref+"/ritira",
		map[string][]string{"_csrf": {p.FirstPostForm(t).Values.Get("_csrf")}})
	if res.Status != http.StatusConflict {
		t.Fatalf("withdrawing: status %d, want 409", res.Status)
	}
	mustContain(t, "refused withdrawal", res.Body, `data-testid="myapp-problem">La pratica non può essere ritirata`)
}

func TestMyApplication_MessageToTheOfficeWithADocument(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	ref := w.in(t, withdrawableService, applications.InProgress)
	token := w.detailToken(t, ref)
	p := postMultipart(t, w.c, w.base+"/area-personale/pratiche/"+ref+"/messaggi", token,
		[][2]string{{"message", "Vi invio la planimetria.\nCordiali saluti"}}, attachment{"planimetria è.pdf", []byte(pdfDocument)})
	if p.Status != http.StatusOK || p.URL.Path != "/area-personale/pratiche/"+ref {
		t.Fatalf("after sending: %d at %s\n%s", p.Status, p.URL, p.Body)
	}
	mustContain(t, "message sent", p.Body, `data-testid="myapp-notice">Il messaggio è stato inviato all&#39;ufficio.<`,
		"Messaggio all&#39;ufficio", "<p class=\"mb-1\">Vi invio la planimetria.</p>", "Cordiali saluti",
		"planimetria è.pdf", "Documenti che hai inviato")
	d, err := w.apps.ForPerson(context.Background(), w.tenant, w.mario, ref)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(d.Files, func(f applications.File) bool { return f.Owner == "citizen" && f.Name == "planimetria è.pdf" })
	if i < 0 || d.Files[i].EventSeq == 0 {
		t.Fatalf("stored files %+v", d.Files)
	}
	res, err := w.c.Get(w.base + "/area-personale/pratiche/" + ref + "/documenti/" + d.Files[i].ID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != pdfDocument || res.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="planimetria _.pdf"; filename*=UTF-8''planimetria%20%C3%A8.pdf` {
		t.Errorf("Content-Disposition %q", cd)
	}
}

func TestMyApplication_MessageToTheOffice_ErrEmptyMessage(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	ref := w.in(t, withdrawableService, applications.Submitted)
	token := w.detailToken(t, ref)
	p := postMultipart(t, w.c, w.base+"/area-personale/pratiche/"+ref+"/messaggi", token,
		[][2]string{{"message", "   "}}, attachment{"allegato.png", pngImage(t)})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", p.Status)
	}
	mustContain(t, "empty message", p.Body, `data-testid="error-summary"`, `<a href="#message-text">Scrivi il messaggio.</a>`,
		`id="message-text-error" data-testid="message-text-error">Scrivi il messaggio.<`,
		`aria-describedby="message-text-hint message-text-error"`, `aria-invalid="true"`,
		// the file received waits for the message, and goes with it
		`data-testid="message-kept"`, "allegato.png")

	again := postMultipart(t, w.c, w.base+"/area-personale/pratiche/"+ref+"/messaggi", token,
		append([][2]string{{"message", "Ecco la foto."}}, keptFields(p)...))
	if again.Status != http.StatusOK || !strings.Contains(again.Body, "myapp-notice") {
		t.Fatalf("sending with the kept file: %d", again.Status)
	}
	d, err := w.apps.ForPerson(context.Background(), w.tenant, w.mario, ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Files) == 0 || !slices.ContainsFunc(d.Files, func(f applications.File) bool { return f.Name == "allegato.png" && f.EventSeq > 0 }) {
		t.Errorf("the kept file did not go with the message: %+v", d.Files)
	}
}

var keptField = regexp.MustCompile(`<input type="hidden" name="kept" value="([^"]+)"`)

func keptFields(p browsertest.Page) [][2]string {
	var out [][2]string
	for _, m := range keptField.FindAllStringSubmatch(p.Body, -1) {
		out = append(out, [2]string{"kept", m[1]})
	}
	return out
}

func TestMyApplication_MessageToTheOffice_ErrFileTypeKeepsTheMessage(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	ref := w.in(t, withdrawableService, applications.Submitted)
	token := w.detailToken(t, ref)
	p := postMultipart(t, w.c, w.base+"/area-personale/pratiche/"+ref+"/messaggi", token,
		[][2]string{{"message", "Allego il programma."}}, attachment{"programma.exe", []byte("MZ\x90\x00 not a document")})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", p.Status)
	}
	mustContain(t, "refused file", p.Body, `<a href="#message-files">`, `data-testid="message-files-error"`,
		"Il file «programma.exe» non è di un formato accettato.", ">Allego il programma.</textarea>")
}

func TestMyApplication_AnswerIntegrationResumesTheClock(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	ref := w.in(t, withdrawableService, applications.AwaitingIntegration)
	page := w.detail(t, ref)
	mustContain(t, "awaiting", page.Body, `data-status="awaiting_integration">In attesa di integrazione<`,
		`data-testid="myapp-request"`, "Allega la copia del documento d&#39;identità.", "Rispondi entro il",
		"Il termine è sospeso dal", `data-testid="integration-form"`)
	token := page.FirstPostForm(t).Values.Get("_csrf")
	p := postMultipart(t, w.c, w.base+"/area-personale/pratiche/"+ref+"/integrazione", token,
		[][2]string{{"message", "Ecco la copia."}}, attachment{"documento.pdf", []byte(pdfDocument)})
	if p.Status != http.StatusOK || p.URL.Path != "/area-personale/pratiche/"+ref {
		t.Fatalf("after answering: %d at %s", p.Status, p.URL)
	}
	mustContain(t, "answered", p.Body, `data-testid="myapp-notice">L&#39;integrazione è stata inviata`,
		`data-status="in_progress">In lavorazione<`, "Integrazione inviata", "Lavorazione ripresa", "Ecco la copia.", "documento.pdf")
	if strings.Contains(p.Body, "Il termine è sospeso") || strings.Contains(p.Body, `data-testid="integration-form"`) {
		t.Error("the clock still shows as suspended, or the office still asks")
	}
	// Answering twice is refused: the office is no longer waiting.
	if again := postMultipart(t, w.c, w.base+"/area-personale/pratiche/"+ref+"/integrazione", token,
		[][2]string{{"message", "Di nuovo."}}); again.Status != http.StatusConflict {
		t.Errorf("answering twice: status %d, want 409", again.Status)
	}
}

func TestMyApplication_AnswerIntegration_ErrEmpty(t *testing.T) {
	t.Parallel()
	w := setupMyApps(t)
	ref := w.in(t, withdrawableService, applications.AwaitingIntegration)
	token := w.detailToken(t, ref)
	p := postMultipart(t, w.c, w.base+"/area-personale/pratiche/"+ref+"/integrazione", token, [][2]string{{"message", ""}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", p.Status)
	}
	mustContain(t, "empty answer", p.Body, `<a href="#integration-text">Scrivi il messaggio.</a>`, `data-testid="integration-text-error"`)
}
