package tenant_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/tenant"
)

// bookingStore is a Store that imports and exports desks, with the
// booking service it uses.
func bookingStore(pool *pgxpool.Pool) (*tenant.Store, *booking.Service) {
	svc := booking.New(pool, &jobs.Deferred{}, booking.Config{})
	return tenant.NewStore(pool).WithBooking(svc), svc
}

func TestParseRanges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []booking.Range
		bad  bool
	}{
		{"", nil, false},
		{"09:00-12:30", []booking.Range{{Start: 540, End: 750}}, false},
		{" 9:00 - 12:30 ,14:30-17:00 ", []booking.Range{{Start: 540, End: 750}, {Start: 870, End: 1020}}, false},
		{"08:00-24:00", []booking.Range{{Start: 480, End: 1440}}, false},
		{"9-12", nil, true},
		{"09:00", nil, true},
		{"09:60-10:00", nil, true},
		{"25:00-26:00", nil, true},
		{"mattina", nil, true},
	} {
		got, err := tenant.ParseRanges(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("ParseRanges(%q): error %v, want error %v", tc.in, err, tc.bad)
			continue
		}
		if !tc.bad && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseRanges(%q) = %v, want %v", tc.in, got, tc.want)
		}
		if !tc.bad {
			if again, _ := tenant.ParseRanges(tenant.FormatRanges(got)); !reflect.DeepEqual(again, got) {
				t.Errorf("FormatRanges(%v) = %q does not read back", got, tenant.FormatRanges(got))
			}
		}
	}
}

func TestLoadBundle_DemoDesks(t *testing.T) {
	t.Parallel()
	for _, slug := range []string{"roccasole", "verdemare"} {
		b, err := tenant.LoadBundle(filepath.Join(demoBundles, slug))
		if err != nil {
			t.Fatal(err)
		}
		if b.Booking == nil || b.Booking.Settings == nil {
			t.Fatalf("%s: no offices.yaml read", slug)
		}
		if n := len(b.Booking.Desks); n < 2 || n > 3 {
			t.Errorf("%s: %d demo desks, want 2 or 3", slug, n)
		}
		video, inPerson := false, false
		for _, d := range b.Booking.Desks {
			for _, m := range d.Modes {
				video = video || m == booking.ModeVideo
				inPerson = inPerson || m == booking.ModeInPerson
			}
			if len(d.Hours[time.Monday]) == 0 || len(d.Hours[time.Sunday]) != 0 || d.SlotMinutes < 20 || d.SlotMinutes > 30 {
				t.Errorf("%s/%s: hours %v, slot %d", slug, d.Slug, d.Hours, d.SlotMinutes)
			}
		}
		if !video || !inPerson {
			t.Errorf("%s: demo desks should offer both video and in person", slug)
		}
	}
	b, err := tenant.LoadBundle(filepath.Join(demoBundles, "verdemare"))
	if err != nil {
		t.Fatal(err)
	}
	anagrafe := b.Booking.Desks[0]
	if want := []booking.Range{{Start: 510, End: 750}, {Start: 870, End: 1020}}; anagrafe.Slug != "anagrafe" || !reflect.DeepEqual(anagrafe.Hours[time.Tuesday], want) {
		t.Errorf("verdemare anagrafe on Tuesday: %s %v, want %v", anagrafe.Slug, anagrafe.Hours[time.Tuesday], want)
	}
	if len(anagrafe.Closures) != 1 || anagrafe.Closures[0].From.Format(time.DateOnly) != "2026-12-24" {
		t.Errorf("verdemare anagrafe closures: %+v", anagrafe.Closures)
	}
}

func TestLoadBooking_ReportsEveryProblemWithTheField(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, tenant.BookingFile), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := &catalog.Catalogue{Offices: []catalog.Office{{Slug: "anagrafe"}}, Services: []catalog.Service{{Slug: "carta-identita-elettronica"}}}
	write(`
booking:
  video_base_url: "http://meet.example.it"
  cancel_cutoff_hours: -1
  reminder_hours: 24
  room_opens_minutes: 10
desks:
  - slug: anagrafe
    office: nessuno
    name: {it: ""}
    services: [carta-identita-elettronica, servizio-inventato]
    modes: [in_person, fax]
    hours:
      mon: ["9-12"]
      tue: ["09:00-12:00", "11:00-13:00"]
      fri: ["12:00-09:00"]
    slot_minutes: 0
    buffer_minutes: 0
    capacity: 0
    min_notice_hours: 0
    horizon_days: 400
    closures:
      - {from: "24/12/2026", to: "2026-12-24", reason: x}
      - {from: "2026-12-31", to: "2026-12-30", reason: y}
  - slug: anagrafe
    office: anagrafe
    name: {it: Due}
    modes: [video]
    slot_minutes: 20
    capacity: 1
    horizon_days: 30
`)
	_, err := tenant.LoadBooking(dir, c)
	if err == nil {
		t.Fatal("invalid offices.yaml accepted")
	}
	for _, want := range []string{
		tenant.BookingFile,
		"booking.video_base_url", "booking.guests_allowed: required", "booking.cancel_cutoff_hours -1",
		"desks[0] (anagrafe).office: \"nessuno\" is not an office",
		"desks[0] (anagrafe).name: required",
		"desks[0] (anagrafe).services: \"servizio-inventato\"",
		"desks[0] (anagrafe).modes: \"fax\"",
		"desks[0] (anagrafe).hours.mon[0]",
		"desks[0] (anagrafe).hours.tue: two ranges of the day overlap",
		"desks[0] (anagrafe).hours.fri: a range ends before it starts",
		"desks[0] (anagrafe).slot_minutes: between 5 and 240",
		"desks[0] (anagrafe).capacity: between 1 and 50",
		"desks[0] (anagrafe).horizon_days: between 1 and 365",
		"desks[0] (anagrafe).closures[0].from \"24/12/2026\"",
		"closure_order", // the second closure, by the domain's rule
		"desks[1] (anagrafe).slug: \"anagrafe\" is already used",
	} {
		if want == "closure_order" {
			want = "missing dates, or it ends before it starts"
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no problem reported about %q in:\n%v", want, err)
		}
	}

	write("desks:\n  - slug: x\n    colour: blue\n")
	if _, err := tenant.LoadBooking(dir, c); err == nil || !strings.Contains(err.Error(), "colour") {
		t.Errorf("unknown field not reported: %v", err)
	}

	if err := os.Remove(filepath.Join(dir, tenant.BookingFile)); err != nil {
		t.Fatal(err)
	}
	if b, err := tenant.LoadBooking(dir, c); b != nil || err != nil {
		t.Errorf("a bundle without offices.yaml: %v, %v; want nothing", b, err)
	}
}

// comuneID is the id of the comune slug.
func comuneID(t *testing.T, store *tenant.Store, slug string) string {
	t.Helper()
	tn, err := store.BySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

func TestImportDir_DesksTwiceAreTheSame(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	store, svc := bookingStore(pool)
	if _, err := tenant.ImportDir(ctx, store, demoBundles); err != nil {
		t.Fatal(err)
	}
	id := comuneID(t, store, "verdemare")
	first, err := svc.Desks(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 3 || first[0].FeedToken == "" {
		t.Fatalf("desks after import: %+v", first)
	}
	if _, err := tenant.ImportDir(ctx, store, demoBundles); err != nil {
		t.Fatal(err)
	}
	second, err := svc.Desks(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, second) {
		t.Errorf("desks changed on the second import (ids and feed tokens must be kept):\n%+v\n%+v", first, second)
	}
	desks, closures := 0, 0
	for _, slug := range []string{"roccasole", "verdemare"} {
		list, err := svc.Desks(ctx, comuneID(t, store, slug))
		if err != nil {
			t.Fatal(err)
		}
		desks += len(list)
		for _, d := range list {
			closures += len(d.Closures)
		}
	}
	if desks != 6 || closures != 3 {
		t.Errorf("%d desks and %d closures in the database, want 6 and 3", desks, closures)
	}
	after, err := svc.Settings(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if want := (booking.Settings{GuestsAllowed: true, CancelCutoffHours: 24, ReminderHours: 24, RoomOpensMinutes: 10}); after != want {
		t.Errorf("settings after import: %+v, want %+v", after, want)
	}
	// Another comune's desks are its own.
	if other, err := svc.Desks(ctx, comuneID(t, store, "roccasole")); err != nil || len(other) != 3 || other[0].ID == first[0].ID {
		t.Errorf("roccasole's desks: %v %+v", err, other)
	}
}

func TestImportMissing_GivesDesksToAComuneWithout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	// A database from before desks: comuni imported without them.
	if _, err := tenant.ImportDir(ctx, tenant.NewStore(pool), demoBundles); err != nil {
		t.Fatal(err)
	}
	store, svc := bookingStore(pool)
	id := comuneID(t, store, "roccasole")
	if d, err := svc.Desks(ctx, id); err != nil || len(d) != 0 {
		t.Fatalf("desks before: %v %v", d, err)
	}
	if _, err := tenant.ImportMissing(ctx, store, demoBundles); err != nil {
		t.Fatal(err)
	}
	desks, err := svc.Desks(ctx, id)
	if err != nil || len(desks) != 3 {
		t.Fatalf("desks after: %v %+v", err, desks)
	}
	// What the admin changes then survives the next start.
	d := desks[0]
	d.Name = "Cambiato dall'amministratore"
	if err := svc.SaveDesk(ctx, id, d); err != nil {
		t.Fatal(err)
	}
	if _, err := tenant.ImportMissing(ctx, store, demoBundles); err != nil {
		t.Fatal(err)
	}
	again, err := svc.Desk(ctx, id, d.Slug)
	if err != nil || again.Name != d.Name {
		t.Errorf("the admin's change was overwritten: %v %q", err, again.Name)
	}
}

func TestExport_DesksRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	store, svc := bookingStore(pool)
	if _, err := tenant.ImportDir(ctx, store, demoBundles); err != nil {
		t.Fatal(err)
	}
	id := comuneID(t, store, "verdemare")
	// What an admin might have changed: an inactive desk, no English
	// name, a second closure, Saturday hours; and the settings.
	d, err := svc.Desk(ctx, id, "polizia-locale")
	if err != nil {
		t.Fatal(err)
	}
	d.Active, d.NameEn, d.Services = false, "", nil
	d.Hours[time.Saturday] = []booking.Range{{Start: 540, End: 720}}
	d.Closures = append(d.Closures, booking.Closure{From: time.Date(2027, 8, 14, 0, 0, 0, 0, booking.Rome),
		To: time.Date(2027, 8, 16, 0, 0, 0, 0, booking.Rome), Reason: "Ferragosto"})
	if err := svc.SaveDesk(ctx, id, d); err != nil {
		t.Fatal(err)
	}
	st := booking.Settings{VideoBaseURL: "https://meet.verdemare.example.it", VideoJWTAppID: "civica", VideoJWTSecret: "s3greto",
		GuestsAllowed: false, CancelCutoffHours: 48, ReminderHours: 12, RoomOpensMinutes: 15}
	if err := svc.SaveSettings(ctx, id, st); err != nil {
		t.Fatal(err)
	}
	before, err := svc.Desks(ctx, id)
	if err != nil {
		t.Fatal(err)
	}

	first := filepath.Join(t.TempDir(), "verdemare")
	if err := tenant.Export(ctx, store, catalog.NewStore(pool), "verdemare", first); err != nil {
		t.Fatal(err)
	}
	written, err := os.ReadFile(filepath.Join(first, tenant.BookingFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(written), "s3greto") {
		t.Error("the export wrote the JWT secret")
	}
	for _, want := range []string{"video_base_url: https://meet.verdemare.example.it", "sat:", "- 09:00-12:00", "reason: Ferragosto", "active: false"} {
		if !strings.Contains(string(written), want) {
			t.Errorf("offices.yaml lacks %q:\n%s", want, written)
		}
	}

	// Imported back where the secret is, the app id keeps it.
	if _, err := tenant.ImportDir(ctx, store, first); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Settings(ctx, id); err != nil || got != st {
		t.Errorf("settings after importing the export back: %v %+v, want %+v", err, got, st)
	}

	fresh := dbtest.New(t)
	freshStore, freshSvc := bookingStore(fresh)
	if _, err := tenant.ImportDir(ctx, freshStore, first); err != nil {
		t.Fatal(err)
	}
	freshID := comuneID(t, freshStore, "verdemare")
	after, err := freshSvc.Desks(ctx, freshID)
	if err != nil {
		t.Fatal(err)
	}
	strip := func(ds []booking.Desk) []booking.Desk {
		out := make([]booking.Desk, len(ds))
		for i, d := range ds {
			d.ID, d.FeedToken = "", ""
			out[i] = d
		}
		return out
	}
	if !reflect.DeepEqual(strip(before), strip(after)) {
		t.Errorf("desks differ after export and import:\n%+v\n%+v", strip(before), strip(after))
	}
	gotSt, err := freshSvc.Settings(ctx, freshID)
	if err != nil {
		t.Fatal(err)
	}
	// Where there is no secret to sign with, the app id is dropped.
	st.VideoJWTSecret, st.VideoJWTAppID = "", ""
	if gotSt != st {
		t.Errorf("settings after export and import: %+v, want %+v", gotSt, st)
	}

	second := filepath.Join(t.TempDir(), "verdemare")
	if err := tenant.Export(ctx, freshStore, catalog.NewStore(fresh), "verdemare", second); err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(filepath.Join(second, tenant.BookingFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != strings.Replace(string(written), "video_jwt_app_id: civica", `video_jwt_app_id: ""`, 1) {
		t.Errorf("a second export differs:\n%s\n---\n%s", written, again)
	}
}
