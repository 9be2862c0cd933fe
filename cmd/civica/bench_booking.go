package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
)

// The booking benchmark, on the bench server's database (Verdemare):
//
//   - free slots: FreeSlots of a desk shaped like the demo's registry
//     office (Monday to Friday mornings, two afternoons, 20-minute slots,
//     two seats) over its 60-day horizon, with about half of its seats
//     already booked, one call at a time; against a baseline of the same
//     number of empty tenant transactions (SELECT 1), in the same run.
//   - bookings: full bookings (Book: the desk read and locked, the slot
//     checked, a seat taken under the exclusion constraint, the
//     confirmation's jobs enqueued, one transaction each) from
//     -concurrency goroutines, each on a desk of its own so that nobody
//     contends for a slot; against a baseline of plain INSERTs of an
//     appointment row in tenant transactions, in the same run.
//
// It prints numbers and ratios, never fails on them.

// freeSlotsCalls is how many FreeSlots calls (and baseline transactions)
// are timed, at least.
const freeSlotsCalls = 1000

// benchBooking runs both parts on the database at dbURL. server is the
// bench server (nil: none of ours): it is paused (SIGSTOP) while free
// slots are timed, so that its workers sending the fill's confirmations
// do not take the machine's CPUs, and bookings are timed twice, with its
// workers running the jobs they enqueue and with it paused.
func benchBooking(ctx context.Context, dbURL string, concurrency int, d time.Duration, server *os.Process) error {
	pause := func(paused bool) {
		if server == nil {
			return
		}
		if paused {
			_ = server.Signal(syscall.SIGSTOP)
		} else {
			_ = server.Signal(syscall.SIGCONT)
		}
	}
	defer pause(false)
	pool, err := db.Open(ctx, dbURL, 10*time.Second)
	if err != nil {
		return err
	}
	defer pool.Close()
	var tenantID string
	if err := pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = 'verdemare'`).Scan(&tenantID); err != nil {
		return err
	}
	inserter, err := jobs.New(pool, nil, nil, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	svc := booking.New(pool, inserter, booking.Config{Secret: secret})
	baselineTx := func(ctx context.Context) error {
		return db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `SELECT 1`)
			return err
		})
	}

	// (a) Free slots over the horizon of a desk half booked.
	fmt.Printf("\nbooking: free slots over 60 days, 1 call at a time, %d calls; aim p95 ≤ 5 ms\n", freeSlotsCalls)
	desk := bookingBenchDesk("bench-anagrafe", []int{1, 2, 3, 4, 5}, [][2]booking.Clock{{510, 750}}, 20, 2)
	desk.Hours[2] = append(desk.Hours[2], booking.Range{Start: 870, End: 1020}) // Tuesday afternoon
	desk.Hours[4] = append(desk.Hours[4], booking.Range{Start: 870, End: 1020}) // Thursday afternoon
	if err := svc.SaveDesk(ctx, tenantID, desk); err != nil {
		return fmt.Errorf("bench booking: desk: %w", err)
	}
	today := civilToday(svc.Now())
	horizon := today.AddDate(0, 0, desk.HorizonDays)
	start := time.Now()
	booked, seats, err := fillDesk(ctx, svc, tenantID, desk, today, horizon)
	if err != nil {
		return err
	}
	fmt.Printf("%-28s %d appointments booked of %d seats in %s\n", "desk "+desk.Slug, booked, seats, time.Since(start).Round(time.Millisecond))
	pause(true)
	timed := func(fn func(context.Context) error) latencies {
		return sampleN(ctx, freeSlotsCalls, d, fn)
	}
	baseline := timed(baselineTx)
	baseline.print("baseline tenant tx")
	var slotsSeen int
	free := timed(func(ctx context.Context) error {
		days, err := svc.FreeSlots(ctx, tenantID, desk.Slug, booking.ModeInPerson, today, horizon)
		slotsSeen = 0
		for _, day := range days {
			slotsSeen += len(day.Slots)
		}
		return err
	})
	free.print("FreeSlots, 60 days")
	free.ratio(baseline)
	if b := baseline.pct(95); b > 0 {
		fmt.Printf("%-28s %.1f× baseline p95 (%d free slots listed per call)\n", "", float64(free.pct(95))/float64(b), slotsSeen)
	}

	pause(false)

	// (b) Bookings per second, each goroutine on its own desk.
	fmt.Printf("\nbooking: bookings without contention, %d goroutines (a desk each), %s per target\n", concurrency, d)
	slots := make([][]time.Time, concurrency)
	for g := range concurrency {
		dk := bookingBenchDesk("bench-flusso-"+strconv.Itoa(g), []int{0, 1, 2, 3, 4, 5, 6}, [][2]booking.Clock{{480, 1200}}, 5, 1)
		if err := svc.SaveDesk(ctx, tenantID, dk); err != nil {
			return fmt.Errorf("bench booking: desk: %w", err)
		}
		days, err := svc.FreeSlots(ctx, tenantID, dk.Slug, booking.ModeInPerson, today, today.AddDate(0, 0, dk.HorizonDays))
		if err != nil {
			return err
		}
		for _, day := range days {
			for _, s := range day.Slots {
				slots[g] = append(slots[g], s.Start)
			}
		}
	}
	var deskID string
	if err := db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM desks WHERE tenant_id = $1 AND slug = 'bench-flusso-0'`, tenantID).Scan(&deskID)
	}); err != nil {
		return err
	}
	var inserted atomic.Int64
	origin := horizon.AddDate(1, 0, 0) // far from every real booking
	plain := runFor(ctx, concurrency, d, func(ctx context.Context) error {
		i := inserted.Add(1)
		from := origin.Add(time.Duration(i) * 10 * time.Minute)
		return db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO appointments (tenant_id, reference, desk_id, seat, during, mode, email, name)
				VALUES ($1, $2, $3, 1, tstzrange($4, $5), 'in_person', 'bench@example.it', 'Bench')`,
				tenantID, benchReference(), deskID, from, from.Add(5*time.Minute))
			return err
		})
	})
	plain.print("baseline plain INSERT")
	// Call i books desk i mod N at its slot i div N: consecutive calls,
	// the ones running together, are on different desks, and no slot is
	// asked for twice.
	var calls atomic.Int64
	book := func(ctx context.Context) error {
		i := int(calls.Add(1) - 1)
		g, k := i%concurrency, i/concurrency
		if k >= len(slots[g]) {
			return errExhausted
		}
		_, err := svc.Book(ctx, tenantID, booking.Request{
			DeskSlug: "bench-flusso-" + strconv.Itoa(g), Start: slots[g][k], Mode: booking.ModeInPerson,
			Name: "Bench Citizen", Email: "bench@example.it", Language: "it", IdempotencyKey: "bench-" + benchReference(),
		})
		return err
	}
	for _, run := range []struct {
		label  string
		paused bool
	}{{"Book, workers running", false}, {"Book, server paused", true}} {
		pause(run.paused)
		full := runFor(ctx, concurrency, d, book)
		pause(false)
		full.print(run.label)
		if plain.rps > 0 {
			fmt.Printf("%-20s %.2f× baseline inserts/s\n", "", full.rps/plain.rps)
		}
	}
	return nil
}

// bookingBenchDesk is a desk open on days (0 is Sunday) in ranges.
func bookingBenchDesk(slug string, days []int, ranges [][2]booking.Clock, slot, capacity int) booking.Desk {
	d := booking.Desk{Slug: slug, Office: "anagrafe", Name: "Bench " + slug, Location: "Bench",
		Services: []string{"carta-identita-elettronica"}, Modes: []booking.Mode{booking.ModeInPerson, booking.ModeVideo},
		SlotMinutes: slot, Capacity: capacity, HorizonDays: 60, Active: true}
	for _, wd := range days {
		for _, r := range ranges {
			d.Hours[wd] = append(d.Hours[wd], booking.Range{Start: r[0], End: r[1]})
		}
	}
	return d
}

// fillDesk books about half of the desk's seats over [from, to]: one
// seat of every slot, through Book as citizens do. A slot already booked
// (by an earlier run on the same database) is left as it is.
func fillDesk(ctx context.Context, svc *booking.Service, tenantID string, d booking.Desk, from, to time.Time) (int, int, error) {
	days, err := svc.FreeSlots(ctx, tenantID, d.Slug, booking.ModeInPerson, from, to)
	if err != nil {
		return 0, 0, err
	}
	booked, seats := 0, 0
	for _, day := range days {
		for _, s := range day.Slots {
			seats += s.Free
			if s.Free < d.Capacity {
				continue
			}
			_, err := svc.Book(ctx, tenantID, booking.Request{DeskSlug: d.Slug, Start: s.Start, Mode: booking.ModeInPerson,
				Service: "carta-identita-elettronica", Name: "Bench Citizen", Email: "bench@example.it", Language: "it",
				IdempotencyKey: "bench-fill-" + d.Slug + "-" + s.Start.UTC().Format(time.RFC3339)})
			if err != nil {
				return booked, seats, fmt.Errorf("bench booking: fill %s: %w", d.Slug, err)
			}
			booked++
		}
	}
	return booked, seats, nil
}

// sampleN calls fn one call at a time: n times, and more until d has
// passed (at most 20n).
func sampleN(ctx context.Context, n int, d time.Duration, fn func(context.Context) error) latencies {
	var l latencies
	end := time.Now().Add(d)
	for i := 0; (i < n || time.Now().Before(end)) && i < 20*n && ctx.Err() == nil; i++ {
		t := time.Now()
		if err := fn(ctx); err != nil {
			l.errors++
			if l.first == nil {
				l.first = err
			}
			continue
		}
		l.all = append(l.all, time.Since(t))
	}
	slices.Sort(l.all)
	return l
}

// civilToday is midnight of now's day in Rome.
func civilToday(now time.Time) time.Time {
	y, m, dd := now.In(booking.Rome).Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, booking.Rome)
}

// benchReference is a random appointment reference (APP- and eight of
// the unambiguous letters and digits).
func benchReference() string {
	const alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "APP-" + string(b)
}
