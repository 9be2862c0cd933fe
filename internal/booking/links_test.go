package booking_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/db"
)

func TestByToken_RefusesForgedExpiredAndOtherComuniTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	f.desk(t, "anagrafe", nil)
	a, err := f.svc.Book(ctx, f.tenant, guest("anagrafe", rome(2027, time.March, 2, 9, 0), "anna@example.it"))
	if err != nil {
		t.Fatal(err)
	}
	token := f.svc.ManageToken(f.tenant, a)
	got, err := f.svc.ByToken(ctx, f.tenant, token)
	if err != nil || got.ID != a.ID {
		t.Fatalf("by token: %v %+v", err, got)
	}
	parts := strings.Split(token, ".")
	mac, _ := base64.RawURLEncoding.DecodeString(parts[2])
	mac[0] ^= 1
	forged := []string{
		parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(mac),
		parts[0] + ".9999999999." + parts[2], // a later expiry
		"APP-22222222." + parts[1] + "." + parts[2],
		"", "garbage", token + ".x",
	}
	for _, tok := range forged {
		if _, err := f.svc.ByToken(ctx, f.tenant, tok); !errors.Is(err, booking.ErrBadToken) {
			t.Errorf("forged %q: %v", tok, err)
		}
	}
	if _, err := f.svc.ByToken(ctx, f.other, token); !errors.Is(err, booking.ErrBadToken) {
		t.Errorf("another comune: %v", err)
	}
	f.clock.Set(a.End.Add(7*24*time.Hour + time.Minute))
	if _, err := f.svc.ByToken(ctx, f.tenant, token); !errors.Is(err, booking.ErrBadToken) {
		t.Errorf("expired: %v", err)
	}
}

func TestAppointments_AnotherComuneCannotSeeOrChangeThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	f.desk(t, "anagrafe", nil)
	a, err := f.svc.Book(ctx, f.tenant, f.request("anagrafe", rome(2027, time.March, 2, 9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(ctx, f.other, a.Reference); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("get: %v", err)
	}
	if _, err := f.svc.Desk(ctx, f.other, "anagrafe"); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("desk: %v", err)
	}
	if _, err := f.svc.FreeSlots(ctx, f.other, "anagrafe", booking.ModeInPerson, a.Start, a.Start); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("free slots: %v", err)
	}
	if _, err := f.svc.Book(ctx, f.other, f.request("anagrafe", a.Start)); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("book: %v", err)
	}
	if err := f.svc.Cancel(ctx, f.other, a.Reference, booking.Actor{Office: true}, ""); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("cancel: %v", err)
	}
	if err := f.svc.Mark(ctx, f.other, a.Reference, booking.StatusDone, "", booking.Actor{Office: true}); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("mark: %v", err)
	}
	if err := f.svc.Assign(ctx, f.other, a.Reference, ""); !errors.Is(err, booking.ErrNotFound) {
		t.Errorf("assign: %v", err)
	}
	if as, err := f.svc.Agenda(ctx, f.other, "", "", a.Start.Add(-time.Hour), a.End.Add(time.Hour)); err != nil || len(as) != 0 {
		t.Errorf("agenda: %v %+v", err, as)
	}
	if ds, err := f.svc.Desks(ctx, f.other); err != nil || len(ds) != 0 {
		t.Errorf("desks: %v %+v", err, ds)
	}
	// No filter at all: row-level security alone hides the rows.
	for _, table := range []string{"appointments", "desks", "desk_closures", "booking_settings"} {
		var n int
		err := db.InTenant(ctx, f.pool, f.other, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n)
		})
		if err != nil || n != 0 {
			t.Errorf("%s seen from another comune: %d %v", table, n, err)
		}
	}
}

// reminders counts the reminder messages in the person's inbox.
func (f *fixture) reminders(t *testing.T) int {
	t.Helper()
	var n int
	err := db.InTenant(context.Background(), f.pool, f.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM inbox_messages WHERE dedup_key LIKE 'appointment:%:reminder:%'`).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// reminderJobs are the queued reminders, by scheduled time.
func (f *fixture) reminderJobs(t *testing.T) []booking.ReminderArgs {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT args, scheduled_at FROM river_job WHERE kind = 'appointment_reminder' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []booking.ReminderArgs
	for rows.Next() {
		var raw []byte
		var at time.Time
		if err := rows.Scan(&raw, &at); err != nil {
			t.Fatal(err)
		}
		var a booking.ReminderArgs
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		if !at.Equal(a.Start.Add(-24 * time.Hour)) {
			t.Errorf("reminder for %v scheduled at %v", a.Start, at)
		}
		out = append(out, a)
	}
	return out
}

func TestReminder_ScheduledAndSkippedAfterAMoveOrCancel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	f.desk(t, "anagrafe", nil)
	worker := &booking.ReminderWorker{Service: f.svc}
	work := func(a booking.ReminderArgs) {
		t.Helper()
		if err := worker.Work(ctx, &river.Job[booking.ReminderArgs]{Args: a}); err != nil {
			t.Fatal(err)
		}
	}
	a, err := f.svc.Book(ctx, f.tenant, f.request("anagrafe", rome(2027, time.March, 4, 9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	// Too close for a reminder: none queued.
	if _, err := f.svc.Book(ctx, f.tenant, f.request("anagrafe", rome(2027, time.March, 1, 9, 0))); err != nil {
		t.Fatal(err)
	}
	jobs := f.reminderJobs(t)
	if len(jobs) != 1 || jobs[0].AppointmentID != a.ID || !jobs[0].Start.Equal(a.Start) {
		t.Fatalf("reminder jobs: %+v", jobs)
	}
	moved, err := f.svc.Move(ctx, f.tenant, a.Reference, rome(2027, time.March, 5, 9, 0), booking.Actor{FiscalCode: f.fiscal}, "")
	if err != nil {
		t.Fatal(err)
	}
	jobs = f.reminderJobs(t)
	if len(jobs) != 2 || !jobs[1].Start.Equal(moved.Start) {
		t.Fatalf("reminder jobs after the move: %+v", jobs)
	}
	f.clock.Set(rome(2027, time.March, 3, 9, 0))
	work(jobs[0])
	if n := f.reminders(t); n != 0 {
		t.Fatalf("the old start was reminded: %d", n)
	}
	f.clock.Set(rome(2027, time.March, 4, 9, 0))
	work(jobs[1])
	work(jobs[1]) // a retried job sends nothing twice
	if n := f.reminders(t); n != 1 {
		t.Fatalf("reminders after the move: %d", n)
	}
	// A cancelled appointment is not reminded.
	b, err := f.svc.Book(ctx, f.tenant, f.request("anagrafe", rome(2027, time.March, 10, 9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Cancel(ctx, f.tenant, b.Reference, booking.Actor{Office: true}, ""); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(rome(2027, time.March, 9, 9, 0))
	work(booking.ReminderArgs{TenantID: f.tenant, AppointmentID: b.ID, Start: b.Start})
	if n := f.reminders(t); n != 1 {
		t.Fatalf("a cancelled appointment was reminded: %d", n)
	}
}

func TestBook_NotifiesThePersonAndTheGuest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	f.desk(t, "anagrafe", nil)
	a, err := f.svc.Book(ctx, f.tenant, f.request("anagrafe", rome(2027, time.March, 2, 9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.svc.Book(ctx, f.tenant, guest("anagrafe", rome(2027, time.March, 2, 9, 30), "anna@example.it"))
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		var subject, body string
		if err := tx.QueryRow(ctx, `SELECT subject, body FROM inbox_messages WHERE dedup_key = $1`, "appointment:"+a.ID+":booked").Scan(&subject, &body); err != nil {
			return err
		}
		if !strings.Contains(body, "2 marzo 2027") || !strings.Contains(body, "09:00") || !strings.Contains(body, a.Reference) || !strings.Contains(body, "Ufficio anagrafe") {
			t.Errorf("inbox message: %s / %s", subject, body)
		}
		var address string
		var vars []byte
		if err := tx.QueryRow(ctx, `SELECT address, vars FROM deliveries WHERE message_key = $1 AND channel = 'email'`, "appointment:"+g.ID+":booked").Scan(&address, &vars); err != nil {
			return err
		}
		if address != "anna@example.it" || !bytes.Contains(vars, []byte("https://alfa.example.it/appuntamenti/gestisci/"+g.Reference+".")) {
			t.Errorf("guest delivery: %s %s", address, vars)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRoom_NamedUnguessablyAndSignedForJitsi(t *testing.T) {
	t.Parallel()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	a := booking.Appointment{Reference: "APP-7KQ2M9XD", Mode: booking.ModeVideo,
		Start: rome(2027, time.March, 2, 9, 0), End: rome(2027, time.March, 2, 9, 30)}
	r := f.svc.Room("alfa", booking.DefaultSettings(), a)
	if !r.Placeholder || r.URL != "" || !r.OpensAt.Equal(a.Start.Add(-10*time.Minute)) || !r.ClosesAt.Equal(a.End.Add(30*time.Minute)) {
		t.Fatalf("placeholder room: %+v", r)
	}
	if r.Open(a.Start.Add(-11*time.Minute)) || !r.Open(a.Start.Add(-9*time.Minute)) || r.Open(a.End.Add(31*time.Minute)) {
		t.Fatal("room window")
	}
	st := booking.DefaultSettings()
	st.VideoBaseURL = "https://meet.example.it"
	r = f.svc.Room("alfa", st, a)
	name := strings.TrimPrefix(r.URL, "https://meet.example.it/")
	if r.Placeholder || len(name) != len("alfa-")+16 || !strings.HasPrefix(name, "alfa-") || strings.Contains(name, a.Reference) {
		t.Fatalf("room: %+v", r)
	}
	if other := f.svc.Room("alfa", st, booking.Appointment{Reference: "APP-7KQ2M9XE", Start: a.Start, End: a.End}); other.URL == r.URL {
		t.Fatal("two appointments share a room")
	}
	st.VideoJWTAppID, st.VideoJWTSecret = "civica", "s3cret"
	r = f.svc.Room("alfa", st, a)
	base, token, ok := strings.Cut(r.URL, "?jwt=")
	if !ok || base != "https://meet.example.it/"+name {
		t.Fatalf("signed room: %s", r.URL)
	}
	parts := strings.Split(token, ".")
	m := hmac.New(sha256.New, []byte("s3cret"))
	m.Write([]byte(parts[0] + "." + parts[1]))
	if len(parts) != 3 || base64.RawURLEncoding.EncodeToString(m.Sum(nil)) != parts[2] {
		t.Fatalf("token signature: %s", token)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Iss, Aud, Sub, Room string
		Nbf, Exp            int64
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Iss != "civica" || claims.Aud != "jitsi" || claims.Sub != "meet.example.it" || claims.Room != name ||
		claims.Nbf != r.OpensAt.Unix() || claims.Exp != r.ClosesAt.Unix() {
		t.Fatalf("claims: %+v", claims)
	}
}
