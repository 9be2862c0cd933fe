package booking_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/db"
)

func TestBook_RefusesSlotsThatCannotBeBookedWithTheNearestFree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, rome(2027, time.April, 19, 10, 0)) // Monday
	f.desk(t, "anagrafe", func(d *booking.Desk) {
		d.MinNoticeHours, d.HorizonDays = 24, 30
		d.Modes = []booking.Mode{booking.ModeInPerson}
		d.Closures = []booking.Closure{{From: rome(2027, time.April, 22, 0, 0), To: rome(2027, time.April, 22, 0, 0)}}
	})
	video := f.request("anagrafe", rome(2027, time.April, 21, 9, 0))
	video.Mode = booking.ModeVideo
	other := f.request("anagrafe", rome(2027, time.April, 21, 9, 0))
	other.Service = "passaporto"
	for _, c := range []struct {
		code string
		r    booking.Request
	}{
		{"past", f.request("anagrafe", rome(2027, time.April, 19, 9, 0))},
		{"too_soon", f.request("anagrafe", rome(2027, time.April, 20, 9, 30))},
		{"beyond_horizon", f.request("anagrafe", rome(2027, time.May, 20, 9, 0))},
		{"closed", f.request("anagrafe", rome(2027, time.April, 22, 9, 0))},
		{"outside_hours", f.request("anagrafe", rome(2027, time.April, 21, 9, 15))},
		{"outside_hours", f.request("anagrafe", rome(2027, time.April, 24, 9, 0))}, // a Saturday
		{"mode", video},
		{"service", other},
	} {
		t.Run(c.code, func(t *testing.T) {
			_, err := f.svc.Book(ctx, f.tenant, c.r)
			var se *booking.SlotError
			if !errors.As(err, &se) || se.Code != c.code {
				t.Fatalf("want SlotError %s, got %v", c.code, err)
			}
			if c.code == "mode" || c.code == "service" {
				if len(se.Nearest) != 0 {
					t.Fatalf("nearest slots for a %s the desk does not offer: %+v", c.code, se.Nearest)
				}
				return
			}
			if len(se.Nearest) == 0 || len(se.Nearest) > 6 {
				t.Fatalf("nearest: %+v", se.Nearest)
			}
			for _, s := range se.Nearest {
				if s.Start.Before(rome(2027, time.April, 20, 10, 0)) || s.Start.After(rome(2027, time.May, 19, 23, 59)) {
					t.Errorf("nearest slot %v is not bookable", s.Start)
				}
			}
		})
	}
}

// race books one slot from n goroutines at once, each as another guest.
func race(t *testing.T, f *fixture, desk string, start time.Time, n int) (won []booking.Appointment, taken int) {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	ready := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			a, err := f.svc.Book(context.Background(), f.tenant, guest(desk, start, fmt.Sprintf("guest%d@example.it", i)))
			mu.Lock()
			defer mu.Unlock()
			var se *booking.SlotError
			switch {
			case err == nil:
				won = append(won, a)
			case errors.As(err, &se) && se.Code == "taken" && len(se.Nearest) > 0:
				taken++
			default:
				t.Errorf("booking %d: %v", i, err)
			}
		}()
	}
	close(ready)
	wg.Wait()
	return won, taken
}

func TestBook_ConcurrentRequestsNeverExceedCapacity(t *testing.T) {
	t.Parallel()
	for _, capacity := range []int{1, 3} {
		t.Run(fmt.Sprintf("capacity%d", capacity), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := setup(t, rome(2027, time.March, 1, 8, 0))
			f.desk(t, "affollato", func(d *booking.Desk) { d.Capacity = capacity })
			start := rome(2027, time.March, 3, 10, 0)
			won, taken := race(t, f, "affollato", start, 200)
			if len(won) != capacity || taken != 200-capacity {
				t.Fatalf("%d booked, %d told it was taken; want %d and %d", len(won), taken, capacity, 200-capacity)
			}
			seats := map[int]bool{}
			err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
				rows, err := tx.Query(ctx, `SELECT seat FROM appointments WHERE tenant_id = $1`, f.tenant)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var s int
					if err := rows.Scan(&s); err != nil {
						return err
					}
					seats[s] = true
				}
				return rows.Err()
			})
			if err != nil || len(seats) != capacity {
				t.Fatalf("seats held: %v %v", seats, err)
			}
			days := f.free(t, "affollato", start, start)
			if len(days) == 0 || days[0].Slots[0].Start.Equal(start) {
				t.Fatalf("the full slot is still offered: %+v", days)
			}
		})
	}
}

func TestBook_SameIdempotencyKeyBooksOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	f.desk(t, "anagrafe", func(d *booking.Desk) { d.Capacity = 5 })
	r := f.request("anagrafe", rome(2027, time.March, 2, 9, 0))
	r.IdempotencyKey = "form-123"
	first, err := f.svc.Book(ctx, f.tenant, r)
	if err != nil {
		t.Fatal(err)
	}
	r.Start = rome(2027, time.March, 2, 10, 0) // a second click after changing nothing that matters
	again, err := f.svc.Book(ctx, f.tenant, r)
	if err != nil || again.ID != first.ID || !again.Start.Equal(first.Start) {
		t.Fatalf("again: %v %+v", err, again)
	}
	var n int
	if err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM appointments`).Scan(&n)
	}); err != nil || n != 1 {
		t.Fatalf("appointments: %d %v", n, err)
	}
	// Someone else's key gets nothing of theirs.
	stolen := guest("anagrafe", rome(2027, time.March, 2, 11, 0), "anna@example.it")
	stolen.IdempotencyKey = "form-123"
	if got, err := f.svc.Book(ctx, f.tenant, stolen); !errors.Is(err, booking.ErrInvalid) || got.ID != "" {
		t.Fatalf("another's key: %v %+v", err, got)
	}
	// Concurrent duplicates too.
	r.IdempotencyKey, r.Start = "form-456", rome(2027, time.March, 3, 9, 0)
	ids := make(chan string, 20)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := f.svc.Book(ctx, f.tenant, r)
			if err != nil {
				t.Error(err)
			}
			ids <- a.ID
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	if len(seen) != 1 {
		t.Fatalf("concurrent duplicates booked %d appointments", len(seen))
	}
}

func TestCancel_CitizenAfterTheCutoffIsRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	f.desk(t, "anagrafe", nil)
	a, err := f.svc.Book(ctx, f.tenant, f.request("anagrafe", rome(2027, time.March, 2, 9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	citizen := booking.Actor{FiscalCode: f.fiscal}
	f.clock.Set(rome(2027, time.March, 1, 9, 1)) // 23 h 59 min before
	var re *booking.RuleError
	if err := f.svc.Cancel(ctx, f.tenant, a.Reference, citizen, ""); !errors.As(err, &re) || re.Code != "cutoff" || re.Hours != 24 {
		t.Fatalf("after the cut-off: %v", err)
	}
	if _, err := f.svc.Move(ctx, f.tenant, a.Reference, rome(2027, time.March, 3, 9, 0), citizen, ""); !errors.As(err, &re) || re.Code != "cutoff" {
		t.Fatalf("move after the cut-off: %v", err)
	}
	if got, _ := f.svc.Get(ctx, f.tenant, a.Reference); got.Status != booking.StatusBooked {
		t.Fatalf("refused cancel changed it: %+v", got)
	}
	if err := f.svc.Cancel(ctx, f.tenant, a.Reference, booking.Actor{FiscalCode: "BNCGLI92C62F205U"}, ""); !errors.Is(err, booking.ErrNotFound) {
		t.Fatalf("someone else's appointment: %v", err)
	}
	office := booking.Actor{Office: true, FiscalCode: f.staffCF}
	if err := f.svc.Cancel(ctx, f.tenant, a.Reference, office, "L'ufficio è chiuso per sciopero."); err != nil {
		t.Fatalf("office cancel: %v", err)
	}
	got, _ := f.svc.Get(ctx, f.tenant, a.Reference)
	if got.Status != booking.StatusCancelled || got.CancelledBy != "office" {
		t.Fatalf("cancelled: %+v", got)
	}
	if err := f.svc.Cancel(ctx, f.tenant, a.Reference, office, ""); !errors.As(err, &re) || re.Code != "status" {
		t.Fatalf("cancel twice: %v", err)
	}
	// The seat is free again.
	if _, err := f.svc.Book(ctx, f.tenant, guest("anagrafe", rome(2027, time.March, 2, 9, 0), "anna@example.it")); err != nil {
		t.Fatalf("book the cancelled slot: %v", err)
	}
	b, _ := f.svc.Book(ctx, f.tenant, f.request("anagrafe", rome(2027, time.March, 4, 9, 0)))
	if err := f.svc.Cancel(ctx, f.tenant, b.Reference, citizen, ""); err != nil {
		t.Fatalf("citizen cancel before the cut-off: %v", err)
	}
	if got, _ := f.svc.Get(ctx, f.tenant, b.Reference); got.CancelledBy != "citizen" {
		t.Fatalf("cancelled by: %+v", got)
	}
}

func TestMove_FreesTheOldSlotAndKeepsTheReference(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	f.desk(t, "anagrafe", nil)
	old, next := rome(2027, time.March, 3, 9, 0), rome(2027, time.March, 3, 10, 0)
	a, err := f.svc.Book(ctx, f.tenant, f.request("anagrafe", old))
	if err != nil {
		t.Fatal(err)
	}
	blocker, err := f.svc.Book(ctx, f.tenant, guest("anagrafe", rome(2027, time.March, 3, 11, 0), "anna@example.it"))
	if err != nil {
		t.Fatal(err)
	}
	var se *booking.SlotError
	if _, err := f.svc.Move(ctx, f.tenant, a.Reference, blocker.Start, booking.Actor{FiscalCode: f.fiscal}, ""); !errors.As(err, &se) || se.Code != "taken" || len(se.Nearest) == 0 {
		t.Fatalf("move onto a taken slot: %v", err)
	}
	moved, err := f.svc.Move(ctx, f.tenant, a.Reference, next, booking.Actor{FiscalCode: f.fiscal}, "")
	if err != nil {
		t.Fatal(err)
	}
	if moved.Reference != a.Reference || moved.ID != a.ID || !moved.Start.Equal(next) || !moved.End.Equal(next.Add(30*time.Minute)) {
		t.Fatalf("moved: %+v", moved)
	}
	days := f.free(t, "anagrafe", old, old)
	if got := fmt.Sprint(civilTimes(days[0].Slots)); got != "[09:00 09:30 10:30 11:30]" {
		t.Fatalf("slots after the move: %s", got)
	}
	if _, err := f.svc.Book(ctx, f.tenant, guest("anagrafe", old, "luca@example.it")); err != nil {
		t.Fatalf("book the freed slot: %v", err)
	}
	if _, err := f.svc.Move(ctx, f.tenant, a.Reference, rome(2027, time.March, 3, 9, 10), booking.Actor{Office: true}, ""); !errors.As(err, &se) || se.Code != "outside_hours" {
		t.Fatalf("move outside the hours: %v", err)
	}
}

func TestMark_AndAssign(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	f.desk(t, "anagrafe", nil)
	a, err := f.svc.Book(ctx, f.tenant, f.request("anagrafe", rome(2027, time.March, 1, 9, 0)))
	if err != nil {
		t.Fatal(err)
	}
	office := booking.Actor{Office: true, FiscalCode: f.staffCF}
	if err := f.svc.Mark(ctx, f.tenant, a.Reference, booking.StatusCheckedIn, "", office); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Mark(ctx, f.tenant, a.Reference, booking.StatusDone, "Documento consegnato", office); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Assign(ctx, f.tenant, a.Reference, f.staffCF); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Assign(ctx, f.tenant, a.Reference, "XXXXXX00X00X000X"); !errors.Is(err, booking.ErrNotFound) {
		t.Fatalf("assign to a stranger: %v", err)
	}
	got, _ := f.svc.Get(ctx, f.tenant, a.Reference)
	if got.Status != booking.StatusDone || got.StaffNote != "Documento consegnato" || got.Clerk != f.staffCF {
		t.Fatalf("marked: %+v", got)
	}
	agenda, err := f.svc.Agenda(ctx, f.tenant, "anagrafe", f.staffCF, rome(2027, time.March, 1, 0, 0), rome(2027, time.March, 2, 0, 0))
	if err != nil || len(agenda) != 1 || agenda[0].Reference != a.Reference {
		t.Fatalf("agenda: %v %+v", err, agenda)
	}
	if none, _ := f.svc.Agenda(ctx, f.tenant, "", "", rome(2027, time.March, 2, 0, 0), rome(2027, time.March, 3, 0, 0)); len(none) != 0 {
		t.Fatalf("agenda of another day: %+v", none)
	}
	var re *booking.RuleError
	if err := f.svc.Mark(ctx, f.tenant, a.Reference, booking.StatusNoShow, "", booking.Actor{FiscalCode: f.fiscal}); !errors.As(err, &re) {
		t.Fatalf("a citizen marks: %v", err)
	}
	mine, err := f.svc.ForPerson(ctx, f.tenant, f.person)
	if err != nil || len(mine) != 1 {
		t.Fatalf("for person: %v %+v", err, mine)
	}
}
