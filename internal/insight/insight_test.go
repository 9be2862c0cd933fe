package insight_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/insight"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/refcode"
	"github.com/civica/civica/internal/tenant"
)

// The demo comuni's staff (tenants/*/tenant.yaml).
var (
	// Verdemare: a clerk and an office manager of anagrafe, urp,
	// lavori-pubblici and ambiente, and the comune admin.
	paolo = applications.Clerk{FiscalCode: "CNTPLA80A12H501T", Name: "Paolo Conti"}
	marco = applications.Clerk{FiscalCode: "GLLMRC72D21H501W", Name: "Marco Gallo"}
	sara  = applications.Clerk{FiscalCode: "GRCSRA75P48H501B", Name: "Sara Greco"}
	// Roccasole: a clerk and the comune admin.
	francesca = applications.Clerk{FiscalCode: "RMNFNC83H59F205Z", Name: "Francesca Romano"}
	giorgio   = applications.Clerk{FiscalCode: "MRNGRG70B03L219H", Name: "Giorgio Marino"}
)

// now is the fixture's clock: Monday 2 November 2026, 10:00 in Rome. The
// twelve-month window starts on 2 November 2025 at the same instant.
var now = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// fixture is a database with the demo comuni, a citizen in each, and the
// insight store on an insert-only River client, its clock at now.
type fixture struct {
	pool      *pgxpool.Pool
	jobs      *jobs.Client
	store     *insight.Store
	verdemare string // tenant ids
	roccasole string
	people    map[string]string // tenant id → the citizen's person id
}

func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	if _, err := tenant.ImportDir(ctx, tenant.NewStore(pool), filepath.Join("..", "..", "tenants")); err != nil {
		t.Fatal(err)
	}
	client, err := jobs.New(pool, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{pool: pool, jobs: client, store: insight.New(pool, client), people: map[string]string{}}
	f.store.SetClock(func() time.Time { return now })
	for slug, into := range map[string]*string{"verdemare": &f.verdemare, "roccasole": &f.roccasole} {
		if err := pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = $1`, slug).Scan(into); err != nil {
			t.Fatal(err)
		}
	}
	for _, tenantID := range []string{f.verdemare, f.roccasole} {
		var id string
		f.asOwner(t, tenantID, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name, email)
				VALUES ($1, 'RSSMRA85T10H501O', 'Mario', 'Rossi', 'mario.rossi@example.it') RETURNING id::text`, tenantID).Scan(&id)
		})
		f.people[tenantID] = id
	}
	return f
}

// asOwner runs fn as the database owner inside the comune: row-level
// security is forced even for the owner, so app.tenant_id must be set.
// The owner may write what the tenant role may not (audit_log's at, an
// application's whole history at once).
func (f fixture) asOwner(t *testing.T, tenantID string, fn func(tx pgx.Tx) error) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, tenantID); err != nil {
			return err
		}
		return fn(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// app is an application as the figures see it.
type app struct {
	service string
	office  string // "" is the service's own office
	status  applications.Status
	// decided is when it was decided (zero: not decided); days is how
	// long before that it was submitted, in 24-hour days.
	decided time.Time
	days    int
	due     string // YYYY-MM-DD, "" for none
}

// add stores a into the comune with the form version its service
// publishes, and returns its reference.
func (f fixture) add(t *testing.T, tenantID string, a app) string {
	t.Helper()
	ref := refcode.New("PR-")
	var submitted, decided *time.Time
	switch {
	case a.status == applications.Draft:
	case a.decided.IsZero():
		s := now.AddDate(0, 0, -3)
		submitted = &s
	default:
		s := a.decided.Add(-time.Duration(a.days) * 24 * time.Hour)
		submitted, decided = &s, &a.decided
	}
	f.asOwner(t, tenantID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(context.Background(), `INSERT INTO applications
				(tenant_id, reference, service_slug, form_version, person_id, status, office_slug, submitted_at, decided_at, due_on)
			SELECT $1, $2, s.slug, s.form_version, $4, $5, coalesce(nullif($6, ''), s.office_slug), $7, $8, nullif($9, '')::date
			FROM services s WHERE s.tenant_id = $1 AND s.slug = $3 AND s.form_version IS NOT NULL`,
			tenantID, ref, a.service, f.people[tenantID], string(a.status), a.office, submitted, decided, a.due)
		if err == nil && tag.RowsAffected() != 1 {
			err = fmt.Errorf("service %s has no published form", a.service)
		}
		return err
	})
	return ref
}

func (f fixture) addAll(t *testing.T, tenantID string, apps ...app) {
	t.Helper()
	for _, a := range apps {
		f.add(t, tenantID, a)
	}
}

// rome is a wall-clock time in Rome.
func rome(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, locale.Rome)
}

func byService(services []insight.ServiceStats) map[string]insight.ServiceStats {
	out := map[string]insight.ServiceStats{}
	for _, s := range services {
		out[s.Service] = s
	}
	return out
}

func slugs(services []insight.ServiceStats) []string {
	var out []string
	for _, s := range services {
		out = append(out, s.Service)
	}
	slices.Sort(out)
	return out
}

func days(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}

// --- Dashboard ---

func TestDashboard_CountsApplicationsByStatusPerServiceWithoutDrafts(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.addAll(t, f.verdemare,
		app{service: "cambio-residenza", status: applications.Submitted},
		app{service: "cambio-residenza", status: applications.Submitted},
		app{service: "cambio-residenza", status: applications.InProgress},
		app{service: "cambio-residenza", status: applications.Draft},
		app{service: "cambio-residenza", status: applications.Accepted, decided: now.AddDate(0, -1, 0), days: 5},
		// decided long ago: out of the times' window, still an accepted one
		app{service: "cambio-residenza", status: applications.Accepted, decided: now.AddDate(-2, 0, 0), days: 5},
		app{service: "accesso-agli-atti", status: applications.Registered},
		app{service: "accesso-agli-atti", status: applications.Rejected, decided: now.AddDate(0, 0, -10), days: 5},
		app{service: "accesso-agli-atti", status: applications.Withdrawn},
	)
	d, err := f.store.Dashboard(context.Background(), f.verdemare, sara.FiscalCode, "it")
	if err != nil {
		t.Fatal(err)
	}
	got := byService(d.Services)
	want := map[string]map[applications.Status]int{
		"cambio-residenza":  {applications.Submitted: 2, applications.InProgress: 1, applications.Accepted: 2},
		"accesso-agli-atti": {applications.Registered: 1, applications.Rejected: 1, applications.Withdrawn: 1},
	}
	if !slices.Equal(slugs(d.Services), []string{"accesso-agli-atti", "cambio-residenza"}) {
		t.Fatalf("services %v", slugs(d.Services))
	}
	for slug, counts := range want {
		if fmt.Sprint(got[slug].ByStatus) != fmt.Sprint(counts) {
			t.Errorf("%s by status %v, want %v", slug, got[slug].ByStatus, counts)
		}
	}
	if open := got["cambio-residenza"].Open(); open != 3 {
		t.Errorf("cambio-residenza open %d, want 3", open)
	}
	wantTotals := map[applications.Status]int{applications.Submitted: 2, applications.InProgress: 1, applications.Accepted: 2,
		applications.Registered: 1, applications.Rejected: 1, applications.Withdrawn: 1}
	if fmt.Sprint(d.Totals) != fmt.Sprint(wantTotals) {
		t.Errorf("totals %v, want %v", d.Totals, wantTotals)
	}
	if got["cambio-residenza"].Title != "Dichiarazione di residenza e cambio di abitazione" || got["cambio-residenza"].Office != "anagrafe" {
		t.Errorf("cambio-residenza is %q of %q", got["cambio-residenza"].Title, got["cambio-residenza"].Office)
	}
}

func TestDashboard_OnTimeShareAndMedianPerService(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.addAll(t, f.verdemare,
		// Four decisions with a due date, three on time; 2, 4, 6 and 30
		// days: an even number of points, median (4+6)/2.
		app{service: "cambio-residenza", status: applications.Accepted, decided: rome(2026, 10, 15, 23, 30), days: 2, due: "2026-10-15"},
		app{service: "cambio-residenza", status: applications.Rejected, decided: rome(2026, 10, 16, 0, 30), days: 4, due: "2026-10-15"},
		app{service: "cambio-residenza", status: applications.Accepted, decided: rome(2026, 9, 1, 12, 0), days: 6, due: "2026-09-30"},
		app{service: "cambio-residenza", status: applications.Accepted, decided: rome(2026, 6, 1, 12, 0), days: 30, due: "2026-07-01"},
		// Not decisions, or not within the twelve months: none counts.
		app{service: "cambio-residenza", status: applications.Withdrawn, decided: rome(2026, 10, 1, 12, 0), days: 50, due: "2026-09-01"},
		app{service: "cambio-residenza", status: applications.Cancelled, decided: rome(2026, 10, 1, 12, 0), days: 70, due: "2026-09-01"},
		app{service: "cambio-residenza", status: applications.Accepted, decided: now.AddDate(0, -13, 0), days: 100, due: "2025-09-01"},
		app{service: "cambio-residenza", status: applications.InProgress, due: "2026-10-01"},
		// Three decisions without a due date, 1, 3 and 10 days: an odd
		// number of points, median 3, and no on-time share.
		app{service: "accesso-agli-atti", status: applications.Accepted, decided: rome(2026, 10, 20, 9, 0), days: 10},
		app{service: "accesso-agli-atti", status: applications.Rejected, decided: rome(2026, 8, 3, 9, 0), days: 1},
		app{service: "accesso-agli-atti", status: applications.Accepted, decided: rome(2026, 3, 3, 9, 0), days: 3},
	)
	d, err := f.store.Dashboard(context.Background(), f.verdemare, sara.FiscalCode, "it")
	if err != nil {
		t.Fatal(err)
	}
	got := byService(d.Services)
	res := got["cambio-residenza"]
	if res.Decided != 4 || res.WithDue != 4 || res.OnTime != 3 || res.OnTimePercent() != 75 {
		t.Errorf("cambio-residenza decided %d, with due %d, on time %d (%d%%), want 4, 4, 3 (75%%)",
			res.Decided, res.WithDue, res.OnTime, res.OnTimePercent())
	}
	if res.MedianDays == nil || *res.MedianDays != 5 {
		t.Errorf("cambio-residenza median %s days, want 5", days(res.MedianDays))
	}
	acc := got["accesso-agli-atti"]
	if acc.Decided != 3 || acc.WithDue != 0 || acc.OnTimePercent() != -1 {
		t.Errorf("accesso-agli-atti decided %d, with due %d, on time %d%%, want 3, 0, -1", acc.Decided, acc.WithDue, acc.OnTimePercent())
	}
	if acc.MedianDays == nil || *acc.MedianDays != 3 {
		t.Errorf("accesso-agli-atti median %s days, want 3", days(acc.MedianDays))
	}
	if !d.To.Equal(now) || !d.From.Equal(now.AddDate(-1, 0, 0)) {
		t.Errorf("window %v – %v, want the twelve months before %v", d.From, d.To, now)
	}
}

func TestDashboard_NothingDecidedHasNoMedianAndNoOnTimeShare(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.add(t, f.verdemare, app{service: "cambio-residenza", status: applications.Submitted, due: "2026-12-01"})
	d, err := f.store.Dashboard(context.Background(), f.verdemare, sara.FiscalCode, "it")
	if err != nil {
		t.Fatal(err)
	}
	res := byService(d.Services)["cambio-residenza"]
	if res.Decided != 0 || res.MedianDays != nil || res.OnTimePercent() != -1 {
		t.Errorf("decided %d, median %s, on time %d%%; want 0, nil, -1", res.Decided, days(res.MedianDays), res.OnTimePercent())
	}
}

// A report is routed to the office of its category (a road to
// lavori-pubblici), so one service's applications lie in several offices:
// the service is still one row, with every office's figures.
func TestDashboard_ServiceSpreadOverSeveralOfficesIsOneRowWithAllItsFigures(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.addAll(t, f.verdemare,
		app{service: "segnalazione-disservizio", office: "urp", status: applications.Accepted, decided: rome(2026, 10, 1, 9, 0), days: 1, due: "2026-10-30"},
		app{service: "segnalazione-disservizio", office: "urp", status: applications.Accepted, decided: rome(2026, 10, 2, 9, 0), days: 3, due: "2026-10-30"},
		app{service: "segnalazione-disservizio", office: "lavori-pubblici", status: applications.Accepted, decided: rome(2026, 10, 3, 9, 0), days: 5, due: "2026-10-01"},
		app{service: "segnalazione-disservizio", office: "lavori-pubblici", status: applications.Rejected, decided: rome(2026, 10, 4, 9, 0), days: 7, due: "2026-10-30"},
		app{service: "segnalazione-disservizio", office: "lavori-pubblici", status: applications.InProgress},
	)
	for _, who := range []applications.Clerk{sara, marco} {
		d, err := f.store.Dashboard(context.Background(), f.verdemare, who.FiscalCode, "it")
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Services) != 1 {
			t.Fatalf("%s: services %v, want one", who.Name, slugs(d.Services))
		}
		s := d.Services[0]
		if s.ByStatus[applications.Accepted] != 3 || s.ByStatus[applications.Rejected] != 1 || s.ByStatus[applications.InProgress] != 1 {
			t.Errorf("%s: by status %v", who.Name, s.ByStatus)
		}
		if s.Decided != 4 || s.WithDue != 4 || s.OnTime != 3 {
			t.Errorf("%s: decided %d, with due %d, on time %d; want 4, 4, 3", who.Name, s.Decided, s.WithDue, s.OnTime)
		}
		if s.MedianDays == nil || *s.MedianDays != 4 {
			t.Errorf("%s: median %s days, want 4", who.Name, days(s.MedianDays))
		}
	}
}

func TestDashboard_OfficeManagerSeesOnlyTheirOffices(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.addAll(t, f.verdemare,
		app{service: "cambio-residenza", status: applications.Submitted},
		app{service: "cambio-residenza", status: applications.Accepted, decided: rome(2026, 10, 1, 9, 0), days: 4, due: "2026-10-30"},
		// polizia-locale is not Marco's
		app{service: "contrassegno-disabili", status: applications.Submitted},
		app{service: "contrassegno-disabili", status: applications.Accepted, decided: rome(2026, 10, 1, 9, 0), days: 40, due: "2026-09-01"},
		app{service: "occupazione-suolo-pubblico", status: applications.Rejected, decided: rome(2026, 10, 1, 9, 0), days: 20},
	)
	d, err := f.store.Dashboard(context.Background(), f.verdemare, marco.FiscalCode, "it")
	if err != nil {
		t.Fatal(err)
	}
	if d.AllOffices || !slices.Equal(d.Offices, []string{"ambiente", "anagrafe", "lavori-pubblici", "urp"}) {
		t.Errorf("all offices %v, offices %v", d.AllOffices, d.Offices)
	}
	if !slices.Equal(slugs(d.Services), []string{"cambio-residenza"}) {
		t.Errorf("Marco sees %v, want only cambio-residenza", slugs(d.Services))
	}
	want := map[applications.Status]int{applications.Submitted: 1, applications.Accepted: 1}
	if fmt.Sprint(d.Totals) != fmt.Sprint(want) {
		t.Errorf("totals %v, want %v", d.Totals, want)
	}
}

func TestDashboard_AdminSeesEveryOffice(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.addAll(t, f.verdemare,
		app{service: "cambio-residenza", status: applications.Submitted},
		app{service: "contrassegno-disabili", status: applications.Accepted, decided: rome(2026, 10, 1, 9, 0), days: 40, due: "2026-09-01"},
		app{service: "occupazione-suolo-pubblico", status: applications.Rejected, decided: rome(2026, 10, 1, 9, 0), days: 20},
	)
	d, err := f.store.Dashboard(context.Background(), f.verdemare, sara.FiscalCode, "it")
	if err != nil {
		t.Fatal(err)
	}
	if !d.AllOffices {
		t.Error("an admin's dashboard is not the whole comune's")
	}
	if want := []string{"cambio-residenza", "contrassegno-disabili", "occupazione-suolo-pubblico"}; !slices.Equal(slugs(d.Services), want) {
		t.Errorf("Sara sees %v, want %v", slugs(d.Services), want)
	}
	if s := byService(d.Services)["contrassegno-disabili"]; s.Decided != 1 || s.OnTimePercent() != 0 {
		t.Errorf("contrassegno-disabili decided %d, on time %d%%; want 1, 0%%", s.Decided, s.OnTimePercent())
	}
}

func TestDashboard_ErrForbiddenForClerksAndOutsiders(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.add(t, f.verdemare, app{service: "cambio-residenza", status: applications.Submitted})
	for _, who := range []applications.Clerk{paolo, giorgio} { // a clerk; another comune's admin
		_, err := f.store.Dashboard(context.Background(), f.verdemare, who.FiscalCode, "it")
		if !errors.Is(err, applications.ErrForbidden) {
			t.Errorf("%s: err = %v, want ErrForbidden", who.Name, err)
		}
	}
}

func TestDashboard_AnotherComunesApplicationsNeverCount(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.addAll(t, f.verdemare,
		app{service: "cambio-residenza", status: applications.Accepted, decided: rome(2026, 10, 1, 9, 0), days: 2, due: "2026-10-30"},
	)
	f.addAll(t, f.roccasole,
		app{service: "cambio-residenza", status: applications.Submitted},
		app{service: "cambio-residenza", status: applications.Accepted, decided: rome(2026, 10, 1, 9, 0), days: 20, due: "2026-09-01"},
		app{service: "cambio-residenza", status: applications.Accepted, decided: rome(2026, 10, 2, 9, 0), days: 30, due: "2026-09-01"},
		app{service: "accesso-agli-atti", status: applications.Rejected, decided: rome(2026, 10, 2, 9, 0), days: 30},
	)
	d, err := f.store.Dashboard(context.Background(), f.verdemare, sara.FiscalCode, "it")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(slugs(d.Services), []string{"cambio-residenza"}) {
		t.Fatalf("Verdemare sees %v", slugs(d.Services))
	}
	s := d.Services[0]
	if fmt.Sprint(s.ByStatus) != fmt.Sprint(map[applications.Status]int{applications.Accepted: 1}) ||
		s.Decided != 1 || s.OnTimePercent() != 100 || s.MedianDays == nil || *s.MedianDays != 2 {
		t.Errorf("Verdemare's cambio-residenza: %v, decided %d, on time %d%%, median %s", s.ByStatus, s.Decided, s.OnTimePercent(), days(s.MedianDays))
	}
	d, err = f.store.Dashboard(context.Background(), f.roccasole, giorgio.FiscalCode, "it")
	if err != nil {
		t.Fatal(err)
	}
	if r := byService(d.Services)["cambio-residenza"]; r.Decided != 2 || r.OnTimePercent() != 0 || r.MedianDays == nil || *r.MedianDays != 25 {
		t.Errorf("Roccasole's cambio-residenza: decided %d, on time %d%%, median %s", r.Decided, r.OnTimePercent(), days(r.MedianDays))
	}
}

// --- ProcessingTimes ---

func processingTimes(t *testing.T, f fixture, tenantID string) map[string]insight.ProcessingTime {
	t.Helper()
	pt, err := f.store.ProcessingTimes(context.Background(), tenantID, "it")
	if err != nil {
		t.Fatal(err)
	}
	if !pt.To.Equal(now) || !pt.From.Equal(now.AddDate(-1, 0, 0)) {
		t.Errorf("window %v – %v, want the twelve months before %v", pt.From, pt.To, now)
	}
	out := map[string]insight.ProcessingTime{}
	for _, p := range pt.Services {
		if _, dup := out[p.Service]; dup {
			t.Errorf("%s listed twice", p.Service)
		}
		out[p.Service] = p
	}
	return out
}

func TestProcessingTimes_AverageAndMedianOfTheLastTwelveMonthsDecisions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.addAll(t, f.verdemare,
		// 2, 4 and 12 days: average 6, median 4.
		app{service: "segnalazione-disservizio", status: applications.Accepted, decided: rome(2026, 10, 1, 9, 0), days: 2},
		app{service: "segnalazione-disservizio", office: "lavori-pubblici", status: applications.Rejected, decided: rome(2026, 5, 1, 9, 0), days: 4},
		app{service: "segnalazione-disservizio", status: applications.Accepted, decided: now.AddDate(0, -11, 0), days: 12},
		// decided 13 months ago: out of the window
		app{service: "segnalazione-disservizio", status: applications.Accepted, decided: now.AddDate(0, -13, 0), days: 100},
		// withdrawn and cancelled applications are no decision
		app{service: "segnalazione-disservizio", status: applications.Withdrawn, decided: rome(2026, 10, 1, 9, 0), days: 50},
		app{service: "segnalazione-disservizio", status: applications.Cancelled, decided: rome(2026, 10, 1, 9, 0), days: 70},
		app{service: "segnalazione-disservizio", status: applications.InProgress},
		// 10 and 20 days: average and median 15.
		app{service: "cambio-residenza", status: applications.Accepted, decided: rome(2026, 10, 1, 9, 0), days: 10},
		app{service: "cambio-residenza", status: applications.Rejected, decided: rome(2026, 7, 1, 9, 0), days: 20},
	)
	got := processingTimes(t, f, f.verdemare)
	for slug, want := range map[string]struct {
		decided, max    int
		average, median float64
	}{
		"segnalazione-disservizio": {3, 30, 6, 4},
		"cambio-residenza":         {2, 45, 15, 15},
	} {
		p := got[slug]
		if p.Decided != want.decided || p.MaxDays != want.max || p.AverageDays == nil || *p.AverageDays != want.average ||
			p.MedianDays == nil || *p.MedianDays != want.median {
			t.Errorf("%s: decided %d, max %d, average %s, median %s; want %+v",
				slug, p.Decided, p.MaxDays, days(p.AverageDays), days(p.MedianDays), want)
		}
	}
}

func TestProcessingTimes_ListsEveryOnlineServiceEvenWithNothingDecided(t *testing.T) {
	t.Parallel()
	f := setup(t)
	got := processingTimes(t, f, f.verdemare)
	var online []string
	err := db.InTenant(context.Background(), f.pool, f.verdemare, func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT slug FROM services WHERE form_version IS NOT NULL ORDER BY slug`)
		if err != nil {
			return err
		}
		online, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for slug := range got {
		listed = append(listed, slug)
	}
	slices.Sort(listed)
	if len(online) == 0 || !slices.Equal(listed, online) {
		t.Errorf("listed %v, want the services with an online form %v", listed, online)
	}
	p := got["contrassegno-disabili"]
	if p.Decided != 0 || p.AverageDays != nil || p.MedianDays != nil || p.MaxDays != 30 {
		t.Errorf("contrassegno-disabili with nothing decided: %d, %s, %s, max %d", p.Decided, days(p.AverageDays), days(p.MedianDays), p.MaxDays)
	}
	if p.Title != "Contrassegno di parcheggio per persone con disabilità (CUDE)" {
		t.Errorf("title %q", p.Title)
	}
}

func TestProcessingTimes_OnlyTheComunesOwnDecisions(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.addAll(t, f.verdemare,
		app{service: "segnalazione-disservizio", status: applications.Accepted, decided: rome(2026, 10, 1, 9, 0), days: 8},
	)
	f.addAll(t, f.roccasole,
		app{service: "segnalazione-disservizio", status: applications.Accepted, decided: rome(2026, 10, 1, 9, 0), days: 2},
		app{service: "segnalazione-disservizio", status: applications.Rejected, decided: rome(2026, 10, 1, 9, 0), days: 4},
		app{service: "cambio-residenza", status: applications.Rejected, decided: rome(2026, 10, 1, 9, 0), days: 4},
	)
	v := processingTimes(t, f, f.verdemare)
	if p := v["segnalazione-disservizio"]; p.Decided != 1 || p.AverageDays == nil || *p.AverageDays != 8 {
		t.Errorf("Verdemare's segnalazione-disservizio: decided %d, average %s; want 1, 8", p.Decided, days(p.AverageDays))
	}
	if p := v["cambio-residenza"]; p.Decided != 0 || p.AverageDays != nil {
		t.Errorf("Verdemare's cambio-residenza counts Roccasole's decision: %d, %s", p.Decided, days(p.AverageDays))
	}
	r := processingTimes(t, f, f.roccasole)
	if p := r["segnalazione-disservizio"]; p.Decided != 2 || p.AverageDays == nil || *p.AverageDays != 3 {
		t.Errorf("Roccasole's segnalazione-disservizio: decided %d, average %s; want 2, 3", p.Decided, days(p.AverageDays))
	}
}

// --- SearchAudit ---

// auditLine is a line written straight into the log, at a chosen time.
type auditLine struct {
	at        time.Time
	by        applications.Clerk
	action    string
	reference string
}

func (f fixture) audit(t *testing.T, tenantID string, lines ...auditLine) {
	t.Helper()
	f.asOwner(t, tenantID, func(tx pgx.Tx) error {
		for _, l := range lines {
			if _, err := tx.Exec(context.Background(), `INSERT INTO audit_log (tenant_id, at, actor_kind, actor_id, actor_name, action, reference)
				VALUES ($1, $2, 'staff', $3, $4, $5, $6)`, tenantID, l.at, l.by.FiscalCode, l.by.Name, l.action, l.reference); err != nil {
				return err
			}
		}
		return nil
	})
}

// auditFixture writes four lines in Verdemare and one in Roccasole.
func auditFixture(t *testing.T) (fixture, string, string) {
	f := setup(t)
	refA, refB := refcode.New("PR-"), refcode.New("PR-")
	f.audit(t, f.verdemare,
		auditLine{rome(2026, 10, 1, 10, 0), paolo, "view", refA},
		auditLine{rome(2026, 10, 2, 23, 30), marco, "accepted", refA},
		auditLine{rome(2026, 10, 3, 0, 30), paolo, "note", refB}, // still 2 October in UTC
		auditLine{rome(2026, 10, 5, 9, 0), sara, "job_retry", ""},
	)
	f.audit(t, f.roccasole, auditLine{rome(2026, 10, 2, 10, 0), francesca, "view", refA})
	return f, refA, refB
}

// searchAudit is "action by fiscal code" of each line found, newest first.
func searchAudit(t *testing.T, f fixture, tenantID string, by applications.Clerk, filter insight.AuditFilter) []string {
	t.Helper()
	page, err := f.store.SearchAudit(context.Background(), tenantID, by.FiscalCode, filter)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range page.Lines {
		out = append(out, l.Action+" by "+l.ActorID)
	}
	return out
}

func TestSearchAudit_EverythingNewestFirst(t *testing.T) {
	t.Parallel()
	f, refA, _ := auditFixture(t)
	page, err := f.store.SearchAudit(context.Background(), f.verdemare, sara.FiscalCode, insight.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Lines) != 4 || page.Next != 0 {
		t.Fatalf("%d lines, next %d; want 4, 0", len(page.Lines), page.Next)
	}
	l := page.Lines[2]
	if l.Action != "accepted" || l.ActorKind != "staff" || l.ActorID != marco.FiscalCode || l.ActorName != marco.Name ||
		l.Reference != refA || !l.At.Equal(rome(2026, 10, 2, 23, 30)) {
		t.Errorf("line %+v", l)
	}
}

func TestSearchAudit_FiltersByStaffMemberCodeOrName(t *testing.T) {
	t.Parallel()
	f, _, _ := auditFixture(t)
	for _, tc := range []struct {
		actor string
		want  []string
	}{
		{"cntpla80a12h501t", []string{"note by " + paolo.FiscalCode, "view by " + paolo.FiscalCode}},
		{" gallo ", []string{"accepted by " + marco.FiscalCode}},
		{"%", nil}, // a LIKE wildcard is a character like any other
	} {
		if got := searchAudit(t, f, f.verdemare, sara, insight.AuditFilter{Actor: tc.actor}); !slices.Equal(got, tc.want) {
			t.Errorf("actor %q: %q, want %q", tc.actor, got, tc.want)
		}
	}
}

func TestSearchAudit_FiltersByReference(t *testing.T) {
	t.Parallel()
	f, refA, refB := auditFixture(t)
	if got, want := searchAudit(t, f, f.verdemare, sara, insight.AuditFilter{Reference: refA}),
		[]string{"accepted by " + marco.FiscalCode, "view by " + paolo.FiscalCode}; !slices.Equal(got, want) {
		t.Errorf("%s: %q, want %q", refA, got, want)
	}
	lower := []byte(refB)
	for i, c := range lower {
		if c >= 'A' && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	if got, want := searchAudit(t, f, f.verdemare, sara, insight.AuditFilter{Reference: string(lower)}),
		[]string{"note by " + paolo.FiscalCode}; !slices.Equal(got, want) {
		t.Errorf("%s: %q, want %q", lower, got, want)
	}
}

func TestSearchAudit_FiltersByAction(t *testing.T) {
	t.Parallel()
	f, _, _ := auditFixture(t)
	if got, want := searchAudit(t, f, f.verdemare, sara, insight.AuditFilter{Action: "view"}),
		[]string{"view by " + paolo.FiscalCode}; !slices.Equal(got, want) {
		t.Errorf("view: %q, want %q", got, want)
	}
}

func TestSearchAudit_FiltersByCivilDatesInRomeBothIncluded(t *testing.T) {
	t.Parallel()
	f, _, _ := auditFixture(t)
	day := func(d int) time.Time { return time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"2 October", day(2), day(2), []string{"accepted by " + marco.FiscalCode}},
		{"from 3 October", day(3), time.Time{}, []string{"job_retry by " + sara.FiscalCode, "note by " + paolo.FiscalCode}},
		{"to 1 October", time.Time{}, day(1), []string{"view by " + paolo.FiscalCode}},
		{"2 to 3 October", day(2), day(3), []string{"note by " + paolo.FiscalCode, "accepted by " + marco.FiscalCode}},
	} {
		if got := searchAudit(t, f, f.verdemare, sara, insight.AuditFilter{From: tc.from, To: tc.to}); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSearchAudit_PagesByTheLastLineSeen(t *testing.T) {
	t.Parallel()
	f := setup(t)
	lines := make([]auditLine, insight.AuditPageSize+3)
	for i := range lines {
		lines[i] = auditLine{rome(2026, 10, 1, 9, 0).Add(time.Duration(i) * time.Minute), paolo, "view", refcode.New("PR-")}
	}
	f.audit(t, f.verdemare, lines...)
	ctx := context.Background()
	first, err := f.store.SearchAudit(ctx, f.verdemare, sara.FiscalCode, insight.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Lines) != insight.AuditPageSize || first.Next != first.Lines[insight.AuditPageSize-1].ID {
		t.Fatalf("first page: %d lines, next %d", len(first.Lines), first.Next)
	}
	if first.Lines[0].Reference != lines[len(lines)-1].reference {
		t.Errorf("the first page does not start with the newest line")
	}
	second, err := f.store.SearchAudit(ctx, f.verdemare, sara.FiscalCode, insight.AuditFilter{Before: first.Next})
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Lines) != 3 || second.Next != 0 {
		t.Fatalf("second page: %d lines, next %d; want 3, 0", len(second.Lines), second.Next)
	}
	if second.Lines[2].Reference != lines[0].reference {
		t.Errorf("the last page does not end with the oldest line")
	}
}

func TestSearchAudit_AnotherComuneSeesOnlyItsOwnLog(t *testing.T) {
	t.Parallel()
	f, refA, _ := auditFixture(t)
	if got, want := searchAudit(t, f, f.roccasole, giorgio, insight.AuditFilter{}), []string{"view by " + francesca.FiscalCode}; !slices.Equal(got, want) {
		t.Errorf("Roccasole's log: %q, want %q", got, want)
	}
	if got := searchAudit(t, f, f.roccasole, giorgio, insight.AuditFilter{Actor: paolo.FiscalCode}); len(got) != 0 {
		t.Errorf("Roccasole finds Verdemare's staff: %q", got)
	}
	if got := searchAudit(t, f, f.verdemare, sara, insight.AuditFilter{Reference: refA, Action: "view"}); !slices.Equal(got, []string{"view by " + paolo.FiscalCode}) {
		t.Errorf("Verdemare's views of %s: %q", refA, got)
	}
}

func TestSearchAudit_ErrForbiddenForAllButTheComunesAdmins(t *testing.T) {
	t.Parallel()
	f, _, _ := auditFixture(t)
	for _, who := range []applications.Clerk{paolo, marco, giorgio} {
		_, err := f.store.SearchAudit(context.Background(), f.verdemare, who.FiscalCode, insight.AuditFilter{})
		if !errors.Is(err, applications.ErrForbidden) {
			t.Errorf("%s: err = %v, want ErrForbidden", who.Name, err)
		}
	}
}

// --- Jobs ---

// probeArgs is a job of a comune, as every Civica job carries tenant_id.
type probeArgs struct {
	TenantID string `json:"tenant_id"`
	N        int    `json:"n"`
}

func (probeArgs) Kind() string { return "insight_probe" }

// job inserts a job of the comune and puts it in River's state.
func (f fixture) job(t *testing.T, tenantID string, args river.JobArgs, state string) int64 {
	t.Helper()
	ctx := context.Background()
	res, err := f.jobs.Insert(ctx, args, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE river_job SET state = $2::river_job_state,
			attempt = CASE WHEN $2 = 'available' THEN 0 ELSE 3 END,
			attempted_at = CASE WHEN $2 = 'available' THEN NULL ELSE now() END,
			finalized_at = CASE WHEN $2 IN ('completed', 'discarded', 'cancelled') THEN now() END,
			errors = CASE WHEN $2 IN ('retryable', 'discarded') THEN
				ARRAY[jsonb_build_object('at', now(), 'attempt', 2, 'error', 'first'),
					jsonb_build_object('at', now(), 'attempt', 3, 'error', 'protocol register unreachable')] END
		WHERE id = $1`, res.Job.ID, state); err != nil {
		t.Fatal(err)
	}
	return res.Job.ID
}

func (f fixture) jobState(t *testing.T, id int64) string {
	t.Helper()
	var state string
	if err := f.pool.QueryRow(context.Background(), `SELECT state::text FROM river_job WHERE id = $1`, id).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return state
}

func jobIDs(list insight.JobList) []int64 {
	var out []int64
	for _, j := range list.Jobs {
		out = append(out, j.ID)
	}
	return out
}

func TestJobs_ListsTheComunesJobsOfAGroupNewestFirstWithCounts(t *testing.T) {
	t.Parallel()
	f := setup(t)
	v := func(n int, state string) int64 { return f.job(t, f.verdemare, probeArgs{f.verdemare, n}, state) }
	queued1, queued2 := v(1, "available"), v(2, "scheduled")
	v(3, "completed")
	retrying := v(4, "retryable")
	discarded, cancelled := v(5, "discarded"), v(6, "cancelled")
	f.job(t, f.roccasole, probeArgs{f.roccasole, 7}, "discarded")
	f.job(t, f.roccasole, probeArgs{f.roccasole, 8}, "available")
	ctx := context.Background()

	failed, err := f.store.Jobs(ctx, f.verdemare, sara.FiscalCode, "") // "" is the failed ones
	if err != nil {
		t.Fatal(err)
	}
	if failed.Group != insight.JobsFailed || !slices.Equal(jobIDs(failed), []int64{cancelled, discarded}) {
		t.Errorf("failed group %q: %v, want [%d %d]", failed.Group, jobIDs(failed), cancelled, discarded)
	}
	want := map[string]int{insight.JobsQueued: 2, insight.JobsRetryable: 1, insight.JobsFailed: 2, insight.JobsCompleted: 1}
	if fmt.Sprint(failed.Counts) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v", failed.Counts, want)
	}
	j := failed.Jobs[1]
	if j.Kind != "insight_probe" || j.State != "discarded" || j.Attempt != 3 || j.LastError != "protocol register unreachable" ||
		j.FinalizedAt == nil || j.AttemptedAt == nil || !j.Retryable() {
		t.Errorf("discarded job %+v", j)
	}

	queued, err := f.store.Jobs(ctx, f.verdemare, sara.FiscalCode, insight.JobsQueued)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(jobIDs(queued), []int64{queued2, queued1}) || queued.Jobs[0].Retryable() {
		t.Errorf("queued %v, want [%d %d], not retryable", jobIDs(queued), queued2, queued1)
	}
	retryable, err := f.store.Jobs(ctx, f.verdemare, sara.FiscalCode, insight.JobsRetryable)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(jobIDs(retryable), []int64{retrying}) {
		t.Errorf("retryable %v, want [%d]", jobIDs(retryable), retrying)
	}

	roc, err := f.store.Jobs(ctx, f.roccasole, giorgio.FiscalCode, insight.JobsFailed)
	if err != nil {
		t.Fatal(err)
	}
	if len(roc.Jobs) != 1 || fmt.Sprint(roc.Counts) != fmt.Sprint(map[string]int{insight.JobsQueued: 1, insight.JobsFailed: 1}) {
		t.Errorf("Roccasole: %v, counts %v", jobIDs(roc), roc.Counts)
	}
}

func TestJobs_NamesTheApplicationAJobIsAbout(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ref := f.add(t, f.verdemare, app{service: "segnalazione-disservizio", status: applications.Submitted})
	var id string
	f.asOwner(t, f.verdemare, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id::text FROM applications WHERE reference = $1`, ref).Scan(&id)
	})
	jobID := f.job(t, f.verdemare, applications.RegisterArgs{TenantID: f.verdemare, ApplicationID: id}, "discarded")
	f.job(t, f.verdemare, probeArgs{f.verdemare, 1}, "discarded")
	list, err := f.store.Jobs(context.Background(), f.verdemare, sara.FiscalCode, insight.JobsFailed)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[int64]string{}
	for _, j := range list.Jobs {
		refs[j.ID] = j.Reference
	}
	if len(refs) != 2 || refs[jobID] != ref {
		t.Errorf("references %v, want %s on job %d and none on the other", refs, ref, jobID)
	}
}

func TestJobs_UnknownGroupIsNotFound(t *testing.T) {
	t.Parallel()
	f := setup(t)
	if _, err := f.store.Jobs(context.Background(), f.verdemare, sara.FiscalCode, "exploded"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("err = %v, want db.ErrNotFound", err)
	}
}

func TestJobs_ErrForbiddenForAllButTheComunesAdmins(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, who := range []applications.Clerk{paolo, marco, giorgio} {
		_, err := f.store.Jobs(context.Background(), f.verdemare, who.FiscalCode, insight.JobsFailed)
		if !errors.Is(err, applications.ErrForbidden) {
			t.Errorf("%s: err = %v, want ErrForbidden", who.Name, err)
		}
	}
}

func TestRetryJob_RunsAFailedJobAgainAndWritesTheAuditLog(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.job(t, f.verdemare, probeArgs{f.verdemare, 1}, "discarded")
	ctx := context.Background()
	if err := f.store.RetryJob(ctx, f.verdemare, sara, id); err != nil {
		t.Fatal(err)
	}
	if state := f.jobState(t, id); state != "available" {
		t.Errorf("retried job is %s, want available", state)
	}
	page, err := f.store.SearchAudit(ctx, f.verdemare, sara.FiscalCode, insight.AuditFilter{Action: "job_retry"})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("insight_probe #%d (discarded)", id); len(page.Lines) != 1 ||
		page.Lines[0].ActorID != sara.FiscalCode || page.Lines[0].Detail != want {
		t.Errorf("audit %+v, want one line by Sara: %s", page.Lines, want)
	}
}

func TestRetryJob_AnotherComunesJobIsNotFound(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.job(t, f.roccasole, probeArgs{f.roccasole, 1}, "discarded")
	err := f.store.RetryJob(context.Background(), f.verdemare, sara, id)
	if !errors.Is(err, db.ErrNotFound) {
		t.Errorf("err = %v, want db.ErrNotFound", err)
	}
	if state := f.jobState(t, id); state != "discarded" {
		t.Errorf("Roccasole's job became %s", state)
	}
}

func TestRetryJob_ErrNotRetryableForAJobThatDidNotFail(t *testing.T) {
	t.Parallel()
	f := setup(t)
	for _, state := range []string{"available", "completed"} {
		id := f.job(t, f.verdemare, probeArgs{f.verdemare, 1}, state)
		if err := f.store.RetryJob(context.Background(), f.verdemare, sara, id); !errors.Is(err, insight.ErrNotRetryable) {
			t.Errorf("%s: err = %v, want ErrNotRetryable", state, err)
		}
		if got := f.jobState(t, id); got != state {
			t.Errorf("a %s job became %s", state, got)
		}
	}
}

func TestRetryJob_ErrForbiddenForAllButTheComunesAdmins(t *testing.T) {
	t.Parallel()
	f := setup(t)
	id := f.job(t, f.verdemare, probeArgs{f.verdemare, 1}, "discarded")
	for _, who := range []applications.Clerk{marco, giorgio} {
		if err := f.store.RetryJob(context.Background(), f.verdemare, who, id); !errors.Is(err, applications.ErrForbidden) {
			t.Errorf("%s: err = %v, want ErrForbidden", who.Name, err)
		}
	}
	if state := f.jobState(t, id); state != "discarded" {
		t.Errorf("the job became %s", state)
	}
}
