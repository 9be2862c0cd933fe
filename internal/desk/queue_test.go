package desk_test

import (
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/desk"
	"github.com/civica/civica/internal/tenant"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// Verdemare's staff, as tenants/verdemare/tenant.yaml lists them.
var (
	paolo  = applications.Clerk{FiscalCode: "CNTPLA80A12H501T", Name: "Paolo Conti"}   // clerk: anagrafe, urp, lavori-pubblici, ambiente
	marco  = applications.Clerk{FiscalCode: "GLLMRC72D21H501W", Name: "Marco Gallo"}   // office manager of the same
	luigi  = applications.Clerk{FiscalCode: "FNTLGU85C02A944Y", Name: "Luigi Fontana"} // clerk: polizia-locale, scuola
	sara   = applications.Clerk{FiscalCode: "GRCSRA75P48H501B", Name: "Sara Greco"}    // admin
	franca = applications.Clerk{FiscalCode: "RMNFNC83H59F205Z", Name: "Francesca Romano"}
)

// today is the desk's clock in these tests: Monday 2 November 2026.
var today = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

type fixture struct {
	pool                 *pgxpool.Pool
	desk                 *desk.Desk
	verdemare, roccasole string
}

func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	if _, err := tenant.ImportDir(ctx, tenant.NewStore(pool), filepath.Join("..", "..", "tenants")); err != nil {
		t.Fatal(err)
	}
	f := fixture{pool: pool, desk: desk.New(pool)}
	f.desk.SetClock(func() time.Time { return today.Add(9 * time.Hour) })
	for slug, into := range map[string]*string{"verdemare": &f.verdemare, "roccasole": &f.roccasole} {
		if err := pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = $1`, slug).Scan(into); err != nil {
			t.Fatal(err)
		}
	}
	// A citizen, for the draft (a draft always has its person).
	err := db.InTenant(ctx, pool, f.verdemare, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name, email)
			VALUES ($1, 'RSSMRA85T10H501O', 'Mario', 'Rossi', 'mario.rossi@example.it')`, f.verdemare)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// spec describes an application to put in the database; the zero value
// is a registered report to urp, submitted on 1 October, due on 30
// November, unassigned.
type spec struct {
	tenant    string // verdemare when ""
	status    applications.Status
	office    string
	service   string
	assignee  string
	due       string // "" for 30 November; "none" for no due date
	submitted time.Time
	name      string
	code      string
	protocol  string
}

const refAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

func newReference(t *testing.T) string {
	b := []byte("PR-")
	for range 8 {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(refAlphabet))))
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, refAlphabet[n.Int64()])
	}
	return string(b)
}

// app inserts an application as spec says and returns its reference.
func (f fixture) app(t *testing.T, s spec) string {
	t.Helper()
	ctx := context.Background()
	if s.tenant == "" {
		s.tenant = f.verdemare
	}
	if s.status == "" {
		s.status = applications.Registered
	}
	if s.office == "" {
		s.office = "urp"
	}
	if s.service == "" {
		s.service = "segnalazione-disservizio"
	}
	if s.submitted.IsZero() {
		s.submitted = time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)
	}
	if s.name == "" {
		s.name = "Mario Rossi"
	}
	if s.code == "" {
		s.code = "RSSMRA85T10H501O"
	}
	var due any = "2026-11-30"
	switch s.due {
	case "none":
		due = nil
	case "":
	default:
		due = s.due
	}
	ref := newReference(t)
	var submitted any = s.submitted
	if s.status == applications.Draft {
		submitted = nil
	}
	var suspended any
	if s.status == applications.AwaitingIntegration {
		suspended = s.submitted.Add(24 * time.Hour)
	}
	err := db.InTenant(ctx, f.pool, s.tenant, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO applications (tenant_id, reference, service_slug, form_version, contact_email,
				person_id, status, office_slug, submitted_at, updated_at, assignee, due_on, suspended_at, protocol_number,
				applicant_name, applicant_fiscal_code)
			SELECT $1, $2, s.slug, s.form_version, 'test@example.it',
				CASE WHEN $4 = 'draft' THEN (SELECT id FROM people WHERE tenant_id = $1 LIMIT 1) END,
				$4, $5, $6, coalesce($6, now()), nullif($7, ''), $8::date, $9, nullif($10, ''), $11, $12
			FROM services s WHERE s.tenant_id = $1 AND s.slug = $3`,
			s.tenant, ref, s.service, string(s.status), s.office, submitted, s.assignee, due, suspended, s.protocol, s.name, s.code)
		return err
	})
	if err != nil {
		t.Fatalf("insert %+v: %v", s, err)
	}
	return ref
}

func (f fixture) queue(t *testing.T, by applications.Clerk, query string) desk.Page {
	t.Helper()
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	filter, errs := desk.ParseFilter(q)
	if len(errs) > 0 {
		t.Fatalf("filter %q: %v", query, errs)
	}
	page, err := f.desk.Queue(context.Background(), f.verdemare, by, filter)
	if err != nil {
		t.Fatalf("queue %q as %s: %v", query, by.Name, err)
	}
	return page
}

func refs(p desk.Page) []string {
	var out []string
	for _, r := range p.Rows {
		out = append(out, r.Reference)
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestQueue_EachClerkSeesTheirOfficesOnly(t *testing.T) {
	t.Parallel()
	f := setup(t)
	byOffice := map[string]string{}
	for _, office := range []string{"anagrafe", "urp", "lavori-pubblici", "ambiente", "polizia-locale", "scuola"} {
		byOffice[office] = f.app(t, spec{office: office})
	}
	f.app(t, spec{status: applications.Draft, office: "urp"})
	f.app(t, spec{tenant: f.roccasole, office: "urp"})

	if got, want := refs(f.queue(t, luigi, "")), sorted(byOffice["polizia-locale"], byOffice["scuola"]); !slices.Equal(got, want) {
		t.Errorf("Luigi sees %v, want only polizia-locale and scuola %v", got, want)
	}
	paolos := sorted(byOffice["anagrafe"], byOffice["urp"], byOffice["lavori-pubblici"], byOffice["ambiente"])
	if got := refs(f.queue(t, paolo, "")); !slices.Equal(got, paolos) {
		t.Errorf("Paolo sees %v, want %v", got, paolos)
	}
	var all []string
	for _, r := range byOffice {
		all = append(all, r)
	}
	if got := refs(f.queue(t, sara, "")); !slices.Equal(got, sorted(all...)) {
		t.Errorf("Sara (admin) sees %v, want every office's %v and no draft, nothing of Roccasole", got, sorted(all...))
	}
	// Asking for another office by name does not widen the scope.
	if got := f.queue(t, luigi, "ufficio=urp"); len(got.Rows) != 0 || got.Counters.ByStatus[applications.Registered] != 0 {
		t.Errorf("Luigi filtering on urp sees %v, counters %v", refs(got), got.Counters.ByStatus)
	}
	if _, err := f.desk.Queue(context.Background(), f.verdemare, franca, desk.Filter{}); !errors.Is(err, applications.ErrForbidden) {
		t.Errorf("Roccasole's clerk on Verdemare's queue: %v, want ErrForbidden", err)
	}
}

func TestQueue_Filters(t *testing.T) {
	t.Parallel()
	f := setup(t)
	late := f.app(t, spec{status: applications.InProgress, assignee: paolo.FiscalCode, due: "2026-10-30"})
	soon := f.app(t, spec{status: applications.Registered, due: "2026-11-05", name: "Nicolò Esposito", code: "SPSNCL90A01F205X"})
	waiting := f.app(t, spec{status: applications.AwaitingIntegration, assignee: marco.FiscalCode, due: "2026-10-20"})
	undated := f.app(t, spec{status: applications.Submitted, due: "none", office: "anagrafe", service: "cambio-residenza",
		submitted: time.Date(2026, 10, 31, 23, 30, 0, 0, time.UTC)}) // 1 November in Rome
	done := f.app(t, spec{status: applications.Accepted, protocol: "2026/0000042", office: "anagrafe"})
	rejected := f.app(t, spec{status: applications.Rejected, assignee: paolo.FiscalCode})

	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"default shows the open ones", "", []string{late, soon, waiting, undated}},
		{"one state", "stato=accepted", []string{done}},
		{"several states", "stato=accepted&stato=rejected&stato=in_progress", []string{late, done, rejected}},
		{"service", "servizio=cambio-residenza", []string{undated}},
		{"office", "ufficio=anagrafe&stato=submitted&stato=accepted", []string{undated, done}},
		{"mine", "assegnatario=mie", []string{late}},
		{"unassigned", "assegnatario=nessuno", []string{soon, undated}},
		{"a given member of staff", "assegnatario=" + marco.FiscalCode, []string{waiting}},
		{"overdue, the clock stopped not counted", "scadenza=scadute", []string{late}},
		{"due within 3 days", "scadenza=in-scadenza&giorni=3", []string{soon}},
		{"due within 2 days", "scadenza=in-scadenza&giorni=2", nil},
		{"submitted from (Rome's date)", "dal=2026-11-01", []string{undated}},
		{"submitted up to", "al=2026-10-31", []string{late, soon, waiting}},
		{"name, accents and case folded", "testo=nicolo", []string{soon}},
		{"codice fiscale", "testo=spsncl90a01f205x", []string{soon}},
		{"reference", "testo=" + late, []string{late}},
		{"protocol number, as typed short", "testo=2026/42&stato=accepted", []string{done}},
		{"a name matches nobody", "testo=zzz%25", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := refs(f.queue(t, paolo, tc.query)), sorted(tc.want...); !slices.Equal(got, want) {
				t.Errorf("%q: got %v, want %v", tc.query, got, want)
			}
		})
	}
	t.Run("default order is by due date, none last", func(t *testing.T) {
		var got []string
		for _, r := range f.queue(t, paolo, "").Rows {
			got = append(got, r.Reference)
		}
		if want := []string{waiting, late, soon, undated}; !slices.Equal(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
	})
	t.Run("rows carry what the table shows", func(t *testing.T) {
		p := f.queue(t, paolo, "testo="+late)
		r := p.Rows[0]
		if r.AssigneeName != "Paolo Conti" || r.Revision != 1 || r.Office != "urp" {
			t.Errorf("row %+v", r)
		}
		if days, ok := r.DaysLeft(p.Today); !ok || days != -3 {
			t.Errorf("days left %d %v, want -3", days, ok)
		}
		if w := f.queue(t, paolo, "testo="+waiting).Rows[0]; !w.Suspended {
			t.Errorf("the application awaiting an integration is not marked suspended")
		}
	})
}

func TestQueue_Counters(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.app(t, spec{status: applications.InProgress, assignee: paolo.FiscalCode, due: "2026-10-30"})
	f.app(t, spec{status: applications.InProgress, assignee: marco.FiscalCode})
	f.app(t, spec{status: applications.Registered, due: "2026-10-01"})
	f.app(t, spec{status: applications.Registered})
	f.app(t, spec{status: applications.Accepted, assignee: paolo.FiscalCode})
	f.app(t, spec{status: applications.Registered, office: "scuola"}) // not Paolo's

	c := f.queue(t, paolo, "").Counters
	want := map[applications.Status]int{applications.InProgress: 2, applications.Registered: 2, applications.Submitted: 0,
		applications.AwaitingIntegration: 0}
	for st, n := range want {
		if got, ok := c.ByStatus[st]; !ok || got != n {
			t.Errorf("%s: %d (counted %v), want %d (all %v)", st, got, ok, n, c.ByStatus)
		}
	}
	if _, ok := c.ByStatus[applications.Accepted]; ok {
		t.Errorf("decided applications counted without being shown: %v", c.ByStatus)
	}
	if c := f.queue(t, paolo, "stato=accepted").Counters; c.ByStatus[applications.Accepted] != 1 || c.ByStatus[applications.Registered] != 2 {
		t.Errorf("showing the accepted ones: %v, want 1 accepted and the open ones still counted", c.ByStatus)
	}
	if c.Mine != 1 || c.Unassigned != 2 || c.Overdue != 2 {
		t.Errorf("mine %d unassigned %d overdue %d, want 1 2 2", c.Mine, c.Unassigned, c.Overdue)
	}
	// Under "mine", the state counters count Paolo's; the mine counter
	// itself ignores the assignee filter, and overdue keeps it.
	c = f.queue(t, paolo, "assegnatario=mie").Counters
	if c.ByStatus[applications.InProgress] != 1 || c.ByStatus[applications.Registered] != 0 {
		t.Errorf("mine by status %v", c.ByStatus)
	}
	if c.Mine != 1 || c.Unassigned != 2 || c.Overdue != 1 {
		t.Errorf("under mine: mine %d unassigned %d overdue %d, want 1 2 1", c.Mine, c.Unassigned, c.Overdue)
	}
	if c := f.queue(t, sara, "").Counters; c.ByStatus[applications.Registered] != 3 {
		t.Errorf("the admin counts %d registered, want 3", c.ByStatus[applications.Registered])
	}
}

func TestQueue_KeysetPagesHaveNoDuplicatesOrGaps(t *testing.T) {
	t.Parallel()
	f := setup(t)
	var all []string
	for i := range 23 {
		due := []string{"2026-11-10", "2026-11-12", "none", "2026-11-03"}[i%4]
		sub := time.Date(2026, 10, 1+i%3, 10, 0, 0, 0, time.UTC) // equal keys across pages
		all = append(all, f.app(t, spec{due: due, submitted: sub}))
	}
	for _, sort := range []string{"", "ordina=invio", "ordina=modifica", "verso=desc", "ordina=invio&verso=desc"} {
		t.Run(sort, func(t *testing.T) {
			q, _ := url.ParseQuery(sort)
			filter, _ := desk.ParseFilter(q)
			filter.Limit = 5
			ctx := context.Background()
			var forward []string
			var pages []desk.Page
			for p := 0; ; p++ {
				page, err := f.desk.Queue(ctx, f.verdemare, paolo, filter)
				if err != nil {
					t.Fatal(err)
				}
				if p > 0 && page.Prev == "" {
					t.Errorf("page %d has no previous link", p+1)
				}
				pages = append(pages, page)
				for _, r := range page.Rows {
					forward = append(forward, r.Reference)
				}
				if page.Next == "" {
					break
				}
				if p > 10 {
					t.Fatal("more pages than rows")
				}
				filter.After, filter.Before = page.Next, ""
			}
			if len(pages) != 5 || len(forward) != len(all) {
				t.Fatalf("%d pages, %d rows, want 5 pages of %d rows", len(pages), len(forward), len(all))
			}
			if got := sorted(forward...); !slices.Equal(got, sorted(all...)) {
				t.Errorf("pages hold %v, want each of %v once", got, sorted(all...))
			}
			// Back from the last page, page by page, the same rows.
			last := pages[len(pages)-1]
			filter.After, filter.Before = "", last.Prev
			for p := len(pages) - 2; p >= 0; p-- {
				page, err := f.desk.Queue(ctx, f.verdemare, paolo, filter)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(refsInOrder(page), refsInOrder(pages[p])) {
					t.Errorf("page %d going back %v, going forward %v", p+1, refsInOrder(page), refsInOrder(pages[p]))
				}
				if (p == 0) != (page.Prev == "") {
					t.Errorf("page %d going back: previous link %q", p+1, page.Prev)
				}
				filter.Before = page.Prev
			}
		})
	}
}

func refsInOrder(p desk.Page) []string {
	var out []string
	for _, r := range p.Rows {
		out = append(out, r.Reference)
	}
	return out
}

func TestParseFilter(t *testing.T) {
	t.Parallel()
	t.Run("refuses bad input field by field", func(t *testing.T) {
		q, _ := url.ParseQuery("stato=draft&assegnatario=someone&scadenza=ieri&giorni=999&dal=2026-13-01&al=2026-01-01&testo=ab&ordina=x&verso=up&dopo=zz")
		f, errs := desk.ParseFilter(q)
		got := map[string]string{}
		for _, e := range errs {
			got[e.Field] = e.Code
		}
		want := map[string]string{"stato": "invalid", "assegnatario": "invalid", "scadenza": "invalid", "giorni": "days",
			"dal": "date", "testo": "text_short", "ordina": "invalid", "verso": "invalid", "dopo": "invalid"}
		for field, code := range want {
			if got[field] != code {
				t.Errorf("%s: %q, want %q (all: %v)", field, got[field], code, got)
			}
		}
		if f.Text != "ab" {
			t.Errorf("the text typed is lost: %q", f.Text)
		}
		q, _ = url.ParseQuery("dal=2026-02-01&al=2026-01-01")
		if _, errs := desk.ParseFilter(q); len(errs) != 1 || errs[0].Field != "al" || errs[0].Code != "range" {
			t.Errorf("a range ending before it starts: %v", errs)
		}
	})
	t.Run("query round trip", func(t *testing.T) {
		in := "al=2026-10-31&assegnatario=mie&dal=2026-10-01&giorni=5&ordina=invio&scadenza=in-scadenza&servizio=cambio-residenza&stato=registered&stato=in_progress&testo=Rossi&ufficio=anagrafe&verso=desc"
		q, _ := url.ParseQuery(in)
		f, errs := desk.ParseFilter(q)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if got := f.Query().Encode(); got != in {
			t.Errorf("round trip:\n got %s\nwant %s", got, in)
		}
	})
}

func TestSavedFilters(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	filter := desk.Filter{Assignee: desk.AssigneeMine, Deadline: desk.DeadlineOverdue}
	saved, err := f.desk.SaveFilter(ctx, f.verdemare, paolo, "  Le mie   scadute ", filter)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Name != "Le mie scadute" || saved.Query != "assegnatario=mie&scadenza=scadute" {
		t.Errorf("saved %+v", saved)
	}
	var fe desk.FieldError
	if _, err := f.desk.SaveFilter(ctx, f.verdemare, paolo, "Le mie scadute", filter); !errors.As(err, &fe) || fe.Code != "taken" {
		t.Errorf("the same name again: %v, want taken", err)
	}
	if _, err := f.desk.SaveFilter(ctx, f.verdemare, paolo, " ", filter); !errors.As(err, &fe) || fe.Code != "required" {
		t.Errorf("no name: %v, want required", err)
	}
	if _, err := f.desk.SaveFilter(ctx, f.verdemare, marco, "Le mie scadute", filter); err != nil {
		t.Errorf("another clerk may use the same name: %v", err)
	}
	list, err := f.desk.SavedFilters(ctx, f.verdemare, paolo)
	if err != nil || len(list) != 1 || list[0].ID != saved.ID {
		t.Fatalf("Paolo's filters: %+v %v", list, err)
	}
	if err := f.desk.DeleteFilter(ctx, f.verdemare, marco, saved.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("Marco deleted Paolo's filter: %v", err)
	}
	if err := f.desk.DeleteFilter(ctx, f.roccasole, franca, saved.ID); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another comune deleted it: %v", err)
	}
	if err := f.desk.DeleteFilter(ctx, f.verdemare, paolo, saved.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := f.desk.SavedFilters(ctx, f.verdemare, paolo); len(list) != 0 {
		t.Errorf("after deleting: %+v", list)
	}
}
