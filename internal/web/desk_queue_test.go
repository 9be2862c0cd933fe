package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/db"
)

// queueApps puts n registered reports to urp in Verdemare's queue, named
// "<name> <i>", and returns their references in due-date order.
func queueApps(t *testing.T, s *browsertest.Server, tenantID, name string, n int) []string {
	t.Helper()
	ctx := context.Background()
	var refs []string
	err := db.InTenant(ctx, s.Pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `INSERT INTO applications (tenant_id, reference, service_slug, form_version, contact_email,
				status, office_slug, submitted_at, due_on, applicant_name, applicant_fiscal_code)
			SELECT $1, 'PR-' || (SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + floor(random() * 31)::int, 1), '')
					FROM generate_series(1, 8 + 0 * g)),
				s.slug, s.form_version, 'test@example.it', 'registered', 'urp', now() - interval '3 days',
				current_date + g, $3 || ' ' || g, 'RSSMRA85T10H501O'
			FROM services s, generate_series(1, $2::int) g WHERE s.tenant_id = $1 AND s.slug = 'segnalazione-disservizio'
			ORDER BY g RETURNING reference`, tenantID, n, name)
		if err != nil {
			return err
		}
		refs, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

var queueRowRef = regexp.MustCompile(`data-testid="desk-row" data-reference="(PR-[A-Z0-9]{8})"`)

func queueRefs(body string) []string {
	var out []string
	for _, m := range queueRowRef.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestDeskQueue_ShowsTheClerksQueueAndPages(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	refs := queueApps(t, s, tenantID(t, s, "verdemare"), "Giulia Bianchi", 30)
	c := s.Client(t)
	p := browsertest.LoginHTTP(t, c, base, "paolo-conti", "/scrivania")
	if p.Status != http.StatusOK || p.URL.Path != "/scrivania" {
		t.Fatalf("desk: %d at %s", p.Status, p.URL)
	}
	mustContain(t, "queue", p.Body, "Paolo Conti", "<caption", `scope="col"`, `scope="row"`, "/scrivania/pratiche/"+refs[0])
	first := queueRefs(p.Body)
	if len(first) != 25 || first[0] != refs[0] {
		t.Fatalf("first page: %d rows from %v, want 25 from %s", len(first), first[:min(1, len(first))], refs[0])
	}
	next := regexp.MustCompile(`href="(/scrivania\?[^"]*dopo=[^"]*)" rel="next"`).FindStringSubmatch(p.Body)
	if next == nil {
		t.Fatal("no next page link")
	}
	p2 := browsertest.Get(t, c, base+strings.ReplaceAll(next[1], "&amp;", "&"))
	if got := queueRefs(p2.Body); len(got) != 5 || got[0] != refs[25] {
		t.Errorf("second page: %v, want the last 5 from %s", got, refs[25])
	}
	// Luigi works on other offices: nothing of urp.
	l := s.Client(t)
	p = browsertest.LoginHTTP(t, l, base, "luigi-fontana", "/scrivania")
	if got := queueRefs(p.Body); len(got) != 0 {
		t.Errorf("Luigi sees urp's applications: %v", got)
	}
	// Search by name, with the value kept in the form.
	p = browsertest.Get(t, c, base+"/scrivania?testo=bianchi+7")
	if got := queueRefs(p.Body); len(got) != 1 || got[0] != refs[6] {
		t.Errorf("search: %v, want %s", got, refs[6])
	}
	mustContain(t, "search form", p.Body, `value="bianchi 7"`)
}

func TestDeskQueue_BadFiltersAre422WithTheValuesKept(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	c := s.Client(t)
	browsertest.LoginHTTP(t, c, base, "paolo-conti", "/scrivania")
	p := browsertest.Get(t, c, base+"/scrivania?"+url.Values{"testo": {"ab"}, "dal": {"2026-02-30"}, "giorni": {"mille"}}.Encode())
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d, want 422", p.Status)
	}
	mustContain(t, "422 page", p.Body, `data-testid="error-summary"`, `href="#f-text"`, `href="#f-from"`, `href="#f-days"`,
		`value="ab"`, `value="2026-02-30"`, `value="mille"`, "scrivi almeno 3 caratteri", `id="f-from-error"`)
}

func TestDeskQueue_SavedFilterRoundTrip(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	c := s.Client(t)
	p := browsertest.LoginHTTP(t, c, base, "paolo-conti", "/scrivania?assegnatario=mie&scadenza=scadute")
	form := formWithAction(t, p, "/scrivania/filtri")
	if form.Values.Get("filtro") != "assegnatario=mie&scadenza=scadute" {
		t.Fatalf("the save form carries %q", form.Values.Get("filtro"))
	}
	// No name: 422, the filter kept.
	if p := browsertest.PostForm(t, c, form.Action, form.Values); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, "Dai un nome al filtro") {
		t.Fatalf("saving without a name: %d", p.Status)
	}
	form.Values.Set("nome", "Mie scadute")
	p = browsertest.PostForm(t, c, form.Action, form.Values)
	if p.Status != http.StatusOK || p.URL.RawQuery != "assegnatario=mie&scadenza=scadute" {
		t.Fatalf("after saving: %d at %s", p.Status, p.URL)
	}
	mustContain(t, "saved", p.Body, "Filtro «Mie scadute» salvato.", `href="/scrivania?assegnatario=mie&amp;scadenza=scadute"`)
	// Same name again: 422 with the name kept.
	if p := browsertest.PostForm(t, c, form.Action, form.Values); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, `value="Mie scadute"`) {
		t.Errorf("the same name again: %d", p.Status)
	}
	// Another clerk cannot delete it; Paolo can.
	del := formWithAction(t, p, "/elimina")
	m := s.Client(t)
	browsertest.LoginHTTP(t, m, base, "marco-gallo", "/scrivania")
	if r := browsertest.PostForm(t, m, del.Action, url.Values{"_csrf": {csrfOf(t, m, base)}}); r.Status != http.StatusNotFound {
		t.Errorf("Marco deleting Paolo's filter: %d, want 404", r.Status)
	}
	p = browsertest.PostForm(t, c, del.Action, del.Values)
	if p.Status != http.StatusOK || strings.Contains(p.Body, "Mie scadute") || !strings.Contains(p.Body, "Filtro eliminato.") {
		t.Errorf("after deleting: %d", p.Status)
	}
}

func TestDeskQueue_BulkAssign(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	tenant := tenantID(t, s, "verdemare")
	refs := queueApps(t, s, tenant, "Anna Verdi", 3)
	c := s.Client(t)
	p := browsertest.LoginHTTP(t, c, base, "marco-gallo", "/scrivania")
	form := formWithAction(t, p, "/scrivania/assegna")

	// Nothing ticked: 422.
	form.Values.Set("assegnatario", "CNTPLA80A12H501T")
	if r := browsertest.PostForm(t, c, form.Action, form.Values); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Seleziona almeno una pratica") {
		t.Fatalf("nothing ticked: %d", r.Status)
	}
	// One of the three changes meanwhile: its revision in the form is stale.
	if err := s.App.Applications.Assign(context.Background(), tenant, refs[2], 0, clerk, clerk.FiscalCode); err != nil {
		t.Fatal(err)
	}
	form.Values["pratica"] = refs
	r := browsertest.PostForm(t, c, form.Action, form.Values)
	if r.Status != http.StatusOK {
		t.Fatalf("bulk assign: %d", r.Status)
	}
	mustContain(t, "report", r.Body, "Pratiche assegnate: 2. Non assegnate: 1.", refs[2]+": è cambiata nel frattempo")
	var n int
	err := db.InTenant(context.Background(), s.Pool, tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM applications WHERE assignee = 'CNTPLA80A12H501T'
			AND reference = ANY($1)`, refs).Scan(&n)
	})
	if err != nil || n != 3 {
		t.Errorf("%d of 3 with Paolo (%v)", n, err)
	}
	// A clerk may not give an application to someone else: reported, not a 500.
	pc := s.Client(t)
	pp := browsertest.LoginHTTP(t, pc, base, "paolo-conti", "/scrivania")
	pf := formWithAction(t, pp, "/scrivania/assegna")
	pf.Values["pratica"] = refs[:1]
	pf.Values.Set("assegnatario", "GLLMRC72D21H501W")
	if r := browsertest.PostForm(t, pc, pf.Action, pf.Values); r.Status != http.StatusOK ||
		!strings.Contains(r.Body, refs[0]+": puoi assegnare solo a te stesso") {
		t.Errorf("a clerk assigning to another: %d", r.Status)
	}
}

// formWithAction is the page's POST form whose action contains action,
// with its default values.
func formWithAction(t *testing.T, p browsertest.Page, action string) browsertest.Form {
	t.Helper()
	i := strings.Index(p.Body, `action="`)
	for i >= 0 {
		start := strings.LastIndex(p.Body[:i], "<form")
		act := p.Body[i+len(`action="`):]
		act = act[:strings.Index(act, `"`)]
		if strings.Contains(act, action) && strings.Contains(p.Body[start:i], `method="post"`) {
			sub := p
			sub.Body = p.Body[start:]
			return sub.FirstPostForm(t)
		}
		next := strings.Index(p.Body[i+1:], `action="`)
		if next < 0 {
			break
		}
		i += 1 + next
	}
	t.Fatalf("no POST form to %s on %s", action, p.URL)
	return browsertest.Form{}
}
