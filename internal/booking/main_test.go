package booking_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/locale"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

type fixture struct {
	pool    *pgxpool.Pool
	svc     *booking.Service
	clock   *clock
	tenant  string // "alfa"
	other   string // "beta"
	person  string // a citizen of alfa
	fiscal  string // their fiscal code
	staffCF string // a clerk of alfa
}

// rome is a civil time in Rome.
func rome(y int, m time.Month, d, h, mi int) time.Time {
	return time.Date(y, m, d, h, mi, 0, 0, booking.Rome)
}

// weekdays is opening hours on Monday to Friday.
func weekdays(rs ...booking.Range) [7][]booking.Range {
	var h [7][]booking.Range
	for wd := time.Monday; wd <= time.Friday; wd++ {
		h[wd] = rs
	}
	return h
}

// everyDay is opening hours on every day of the week.
func everyDay(rs ...booking.Range) [7][]booking.Range {
	var h [7][]booking.Range
	for wd := range h {
		h[wd] = rs
	}
	return h
}

func hm(h, m int) booking.Clock { return booking.Clock(h*60 + m) }

// setup makes two comuni with an office each and a citizen and a clerk in
// the first, and a Service whose clock starts at now.
func setup(t *testing.T, now time.Time) *fixture {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	f := &fixture{pool: pool, clock: &clock{t: now}, fiscal: "RSSMRA85T10H501O", staffCF: "BNCGLI92C62F205U"}
	for i, slug := range []string{"alfa", "beta"} {
		var id string
		if err := pool.QueryRow(ctx, `INSERT INTO tenants (slug, name, istat_code, ipa_code, fiscal_code, primary_color, logo, logo_type)
			VALUES ($1, 'Comune di ' || $1, $2, $1, '80000000000', '#000000', '\x00', 'image/png') RETURNING id::text`,
			slug, fmt.Sprintf("00000%d", i+1)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		err := db.InTenant(ctx, pool, id, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO offices (tenant_id, slug, office) VALUES ($1, 'anagrafe', '{"slug": "anagrafe", "name": {"it": "Ufficio anagrafe", "en": "Registry office"}}')`, id); err != nil {
				return err
			}
			if i > 0 {
				return nil
			}
			if err := tx.QueryRow(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name, email)
				VALUES ($1, $2, 'Mario', 'Rossi', 'mario@example.it') RETURNING id::text`, id, f.fiscal).Scan(&f.person); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO staff_members (tenant_id, fiscal_code, display_name, role) VALUES ($1, $2, 'Giulia Bianchi', 'clerk')`, id, f.staffCF)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.tenant = id
		} else {
			f.other = id
		}
	}
	inserter, err := jobs.New(pool, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := locale.Load(i18n.FS, "it", "en")
	if err != nil {
		t.Fatal(err)
	}
	f.svc = booking.New(pool, inserter, booking.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), Now: f.clock.Now,
		PortalURL: func(slug string) string { return "https://" + slug + ".example.it" }, Catalog: catalog})
	return f
}

// desk saves a desk in the first comune: Monday to Friday 9:00-12:00,
// 30-minute slots, capacity 1, no notice, 60 days; change applies
// changes first.
func (f *fixture) desk(t *testing.T, slug string, change func(*booking.Desk)) booking.Desk {
	t.Helper()
	d := booking.Desk{Slug: slug, Office: "anagrafe", Name: "Sportello " + slug, Location: "Piazza Municipio 1, piano terra",
		Services: []string{"carta-identita"}, Modes: []booking.Mode{booking.ModeInPerson, booking.ModeVideo},
		Hours: weekdays(booking.Range{Start: hm(9, 0), End: hm(12, 0)}), SlotMinutes: 30, Capacity: 1,
		HorizonDays: 60, Active: true}
	if change != nil {
		change(&d)
	}
	if err := f.svc.SaveDesk(context.Background(), f.tenant, d); err != nil {
		t.Fatalf("save desk: %v", err)
	}
	got, err := f.svc.Desk(context.Background(), f.tenant, slug)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// request is a logged-in citizen's request for start.
func (f *fixture) request(desk string, start time.Time) booking.Request {
	return booking.Request{DeskSlug: desk, Start: start, Mode: booking.ModeInPerson, Service: "carta-identita",
		PersonID: f.person, Name: "Mario Rossi", FiscalCode: f.fiscal, Email: "mario@example.it", Language: "it"}
}

// guest is a guest's request for start.
func guest(desk string, start time.Time, email string) booking.Request {
	return booking.Request{DeskSlug: desk, Start: start, Mode: booking.ModeInPerson, Name: "Anna Verdi", Email: email, Language: "it"}
}

func slicesSort(ds []time.Duration) { slices.Sort(ds) }
