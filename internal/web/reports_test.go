package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/db"
)

// attachment is a file sent with a report.
type attachment struct {
	name    string
	content []byte
}

// reportFields are the report form's text fields, in the form's order.
var reportFields = []string{"category", "place", "subject", "description", "email"}

// typedReport is what a person types in the report form.
func typedReport() map[string]string {
	return map[string]string{
		"category":    "strade-e-marciapiedi",
		"place":       "Via Roma 12, davanti alla scuola",
		"subject":     `Buca <pericolosa> & "profonda"`,
		"description": "C'è una buca profonda\r\nin mezzo alla carreggiata: le auto la schivano all'ultimo.",
		"email":       "mario.rossi@example.it",
	}
}

func pngImage(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const pdfDocument = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

// reportToken opens the report form on base and returns its CSRF token.
func reportToken(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	p := browsertest.Get(t, c, base+"/segnalazione-disservizio")
	if p.Status != http.StatusOK {
		t.Fatalf("report form: status %d", p.Status)
	}
	return p.FirstPostForm(t).Values.Get("_csrf")
}

// postReport sends the report form as a browser does: multipart, the CSRF
// token first, the text fields, then the files; it follows redirects.
func postReport(t *testing.T, c *http.Client, base, token string, fields map[string]string, files ...attachment) browsertest.Page {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.WriteField("_csrf", token))
	for _, name := range reportFields {
		if v, ok := fields[name]; ok {
			must(w.WriteField(name, v))
		}
	}
	if len(files) == 0 { // a file input with nothing chosen
		_, err := w.CreateFormFile("files", "")
		must(err)
	}
	for _, f := range files {
		part, err := w.CreateFormFile("files", f.name)
		must(err)
		_, err = part.Write(f.content)
		must(err)
	}
	must(w.Close())
	req, err := http.NewRequest(http.MethodPost, base+"/segnalazione-disservizio", &body)
	must(err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := c.Do(req)
	must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(err)
	return browsertest.Page{Status: res.StatusCode, URL: res.Request.URL, Body: string(b)}
}

// storedReport is a report as the database holds it.
type storedReport struct {
	Reference, Category, Place, Subject, Description, Email, PersonID, Status string
}

type storedFile struct {
	Name, ContentType string
	Size              int64
	SHA256, Key       string
}

// reportsOf reads a comune's reports and their files, in its own tenant
// transaction.
func reportsOf(t *testing.T, s *browsertest.Server, slug string) ([]storedReport, []storedFile) {
	t.Helper()
	ctx := context.Background()
	var reps []storedReport
	var files []storedFile
	err := db.InTenant(ctx, s.Pool, tenantID(t, s, slug), func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT reference, category, place, subject, description, email, coalesce(person_id::text, ''), status
			FROM problem_reports ORDER BY created_at`)
		if err != nil {
			return err
		}
		if reps, err = pgx.CollectRows(rows, pgx.RowToStructByPos[storedReport]); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT name, content_type, size, sha256, storage_key FROM problem_report_files ORDER BY report_id, position`)
		if err != nil {
			return err
		}
		files, err = pgx.CollectRows(rows, pgx.RowToStructByPos[storedFile])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return reps, files
}

var receiptPath = regexp.MustCompile(`^/segnalazione-disservizio/ricevuta/(DS-[2-9A-HJKMNP-Z]{8})$`)

func TestReportProblem_StoresTheReportAndItsFilesAndShowsTheReceipt(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	img := pngImage(t)
	p := postReport(t, c, base, reportToken(t, c, base), typedReport(),
		attachment{"buca.png", img}, attachment{"verbale.pdf", []byte(pdfDocument)})
	m := receiptPath.FindStringSubmatch(p.URL.Path)
	if p.Status != http.StatusOK || m == nil {
		t.Fatalf("after sending: %d at %s, want the receipt\n%s", p.Status, p.URL, p.Body)
	}
	ref := m[1]
	mustContain(t, "receipt", p.Body, "<h1>Segnalazione ricevuta</h1>", `data-testid="report-reference">`+ref+"<",
		"buca.png (Immagine PNG, 1 KB)", "verbale.pdf (Documento PDF, 1 KB)", "mario.rossi@example.it", "Strade e marciapiedi")

	reps, files := reportsOf(t, s, "verdemare")
	want := storedReport{Reference: ref, Category: "strade-e-marciapiedi", Place: "Via Roma 12, davanti alla scuola",
		Subject: `Buca <pericolosa> & "profonda"`, Description: "C'è una buca profonda\nin mezzo alla carreggiata: le auto la schivano all'ultimo.",
		Email: "mario.rossi@example.it", Status: "received"}
	if len(reps) != 1 || reps[0] != want {
		t.Fatalf("stored %+v, want %+v", reps, want)
	}
	if len(files) != 2 || files[0].Name != "buca.png" || files[0].ContentType != "image/png" || files[0].Size != int64(len(img)) ||
		files[1].Name != "verbale.pdf" || files[1].ContentType != "application/pdf" || files[1].Size != int64(len(pdfDocument)) {
		t.Fatalf("stored files %+v", files)
	}
	for i, content := range [][]byte{img, []byte(pdfDocument)} {
		sum := sha256.Sum256(content)
		if files[i].SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: recorded SHA-256 %s, want the one of what was sent", files[i].Name, files[i].SHA256)
		}
		rc, err := s.App.Files.Open(context.Background(), files[i].Key)
		if err != nil {
			t.Fatalf("%s not in storage: %v", files[i].Name, err)
		}
		onDisk, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := sha256.Sum256(onDisk); hex.EncodeToString(got[:]) != files[i].SHA256 {
			t.Errorf("%s: the stored file does not hash to the recorded SHA-256", files[i].Name)
		}
	}
	if reps, _ := reportsOf(t, s, "roccasole"); len(reps) != 0 {
		t.Errorf("Roccasole has %d reports sent to Verdemare", len(reps))
	}
}

func TestReportReceipt_OnlyInTheSessionThatSentIt(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	p := postReport(t, c, base, reportToken(t, c, base), typedReport())
	m := receiptPath.FindStringSubmatch(p.URL.Path)
	if m == nil {
		t.Fatalf("no receipt: %d at %s", p.Status, p.URL)
	}
	mustContain(t, "receipt without files", p.Body, "Nessun allegato.")
	if again := browsertest.Get(t, c, base+p.URL.Path); again.Status != http.StatusOK {
		t.Errorf("the receipt again in the same session: %d", again.Status)
	}
	for name, get := range map[string]func() browsertest.Page{
		"another browser": func() browsertest.Page { return browsertest.Get(t, s.Client(t), base+p.URL.Path) },
		"another comune":  func() browsertest.Page { return browsertest.Get(t, c, s.ComuneURL("roccasole")+p.URL.Path) },
		"the platform":    func() browsertest.Page { return browsertest.Get(t, c, s.PlatformURL+p.URL.Path) },
		"a guessed reference": func() browsertest.Page {
			return browsertest.Get(t, c, base+"/segnalazione-disservizio/ricevuta/DS-ABCD2345")
		},
		"a malformed reference": func() browsertest.Page { return browsertest.Get(t, c, base+"/segnalazione-disservizio/ricevuta/x'--") },
	} {
		if got := get(); got.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", name, got.Status)
		}
	}
}

func TestReportProblem_ErrFileTypeKeepsWhatWasTypedAndStoresNothing(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	typed := typedReport()
	p := postReport(t, c, base, reportToken(t, c, base), typed,
		attachment{"buca.png", pngImage(t)}, attachment{"foto.png", []byte("just some text, not a picture at all")})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", p.Status)
	}
	mustContain(t, "wrong type", p.Body,
		"Il file «foto.png» non è un&#39;immagine JPEG o PNG né un documento PDF.", "Seleziona di nuovo i file.",
		`href="#report-files"`, `aria-describedby="report-files-hint report-files-error"`,
		`value="strade-e-marciapiedi" selected`,
		`value="`+html.EscapeString(typed["place"])+`"`,
		`value="`+html.EscapeString(typed["subject"])+`"`,
		`value="`+html.EscapeString(typed["email"])+`"`,
		">"+html.EscapeString("C'è una buca profonda\nin mezzo alla carreggiata")) // the textarea, line ends as the browser shows them
	if strings.Contains(p.Body, `id="report-subject-error"`) {
		t.Error("a correct field is marked wrong")
	}
	if reps, files := reportsOf(t, s, "verdemare"); len(reps) != 0 || len(files) != 0 {
		t.Errorf("stored %d reports and %d files for a refused form", len(reps), len(files))
	}
}

func TestReportProblem_ErrFileTooBig(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	big := append(pngImage(t), make([]byte, 6<<20)...)
	p := postReport(t, c, base, reportToken(t, c, base), typedReport(), attachment{"enorme.png", big})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", p.Status)
	}
	mustContain(t, "too big", p.Body, "Il file «enorme.png» supera i 5 MB.", "Seleziona di nuovo i file.",
		`value="`+html.EscapeString(typedReport()["subject"])+`"`)
	if reps, _ := reportsOf(t, s, "verdemare"); len(reps) != 0 {
		t.Errorf("stored %d reports", len(reps))
	}
}

func TestReportProblem_ErrMissingFieldsListedInTheSummary(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	token := reportToken(t, c, base)
	p := postReport(t, c, base, token, map[string]string{"category": "", "place": "", "subject": "", "description": "", "email": ""})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", p.Status)
	}
	summary := p.Body[strings.Index(p.Body, `data-testid="report-errors"`):]
	summary = summary[:strings.Index(summary, "</div>")]
	last := -1
	for _, link := range []string{`href="#report-category"`, `href="#report-place"`, `href="#report-subject"`, `href="#report-description"`} {
		i := strings.Index(summary, link)
		if i < last {
			t.Errorf("summary: %s missing or out of the form's order", link)
		}
		last = i
	}
	mustContain(t, "missing fields", p.Body, "Scegli la categoria del problema.", "Scrivi l&#39;oggetto della segnalazione.",
		`aria-describedby="report-subject-hint report-subject-error"`, `aria-invalid="true"`)
	if strings.Contains(summary, "#report-email") || strings.Contains(p.Body, "Seleziona di nuovo i file") {
		t.Error("an empty optional field is reported as an error")
	}

	// Good files with a form to correct: the files must be chosen again.
	fields := typedReport()
	fields["subject"] = "Buca"
	p = postReport(t, c, base, token, fields, attachment{"buca.png", pngImage(t)})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("short subject: status %d, want 422", p.Status)
	}
	mustContain(t, "short subject", p.Body, "L&#39;oggetto deve avere almeno 5 caratteri.", "Seleziona di nuovo i file.")
	if reps, files := reportsOf(t, s, "verdemare"); len(reps) != 0 || len(files) != 0 {
		t.Errorf("stored %d reports and %d files", len(reps), len(files))
	}
}

func TestReportProblem_LinkedToThePersonLoggedIn(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	form := browsertest.LoginHTTP(t, c, base, browsertest.MarioRossi, "/segnalazione-disservizio")
	if form.URL.Path != "/segnalazione-disservizio" {
		t.Fatalf("logged in at %s", form.URL)
	}
	mustContain(t, "form when logged in", form.Body, `data-testid="report-logged-in"`)
	if strings.Contains(form.Body, `name="email"`) {
		t.Error("the form asks a logged-in person for an email")
	}
	p := postReport(t, c, base, form.FirstPostForm(t).Values.Get("_csrf"), typedReport())
	if receiptPath.FindStringSubmatch(p.URL.Path) == nil {
		t.Fatalf("no receipt: %d at %s", p.Status, p.URL)
	}
	reps, _ := reportsOf(t, s, "verdemare")
	var person string
	err := db.InTenant(context.Background(), s.Pool, tenantID(t, s, "verdemare"), func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id::text FROM people WHERE fiscal_code = 'RSSMRA85T10H501O'`).Scan(&person)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 1 || reps[0].PersonID != person || reps[0].Email != "" {
		t.Errorf("stored %+v, want linked to person %s without an email", reps, person)
	}
}

func TestReportProblem_ErrCSRF(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	reportToken(t, c, base) // the CSRF cookie is set
	if p := postReport(t, c, base, "not-the-token", typedReport()); p.Status != http.StatusForbidden {
		t.Errorf("wrong token: %d, want 403", p.Status)
	}
	// A form whose first field is not the token is refused before anything is read.
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("subject", "Buca in via Roma")
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/segnalazione-disservizio", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("token not first: %d, want 400", res.StatusCode)
	}
	if reps, _ := reportsOf(t, s, "verdemare"); len(reps) != 0 {
		t.Errorf("stored %d reports", len(reps))
	}
}

func TestReportProblem_PlatformPointsToTheComuni(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	p := browsertest.Get(t, s.Client(t), s.PlatformURL+"/segnalazione-disservizio")
	if p.Status != http.StatusOK {
		t.Fatalf("status %d", p.Status)
	}
	mustContain(t, "platform", p.Body, "<h1>Segnalazione disservizio</h1>",
		`href="`+s.ComuneURL("verdemare")+`/segnalazione-disservizio"`, `href="`+s.ComuneURL("roccasole")+`/segnalazione-disservizio"`)
}
