package booking

import (
	"context"
	"errors"
	"math/bits"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/workdays"
)

// Slots. A desk's slots on a day start at the start of each opening range
// and follow every SlotMinutes+BufferMinutes, as long as the slot ends
// within the range. Times are civil times in Rome built with time.Date, so
// an opening at 9:00 is 9:00 on both sides of a DST change; on the day
// clocks go forward a slot whose start or end does not exist is skipped,
// and on the day they go back each civil time is offered once. Holidays
// (national ones and the comune's patron saint's day) and the desk's
// closures have no slots. The earliest bookable start is now plus the
// desk's notice; the last bookable day is today plus its horizon.

// maxDays bounds one FreeSlots call (a horizon is at most 365 days).
const maxDays = 400

// window is what slot computation needs besides the desk.
type window struct {
	cal      workdays.Calendar
	earliest time.Time // the first bookable start
	lastDay  time.Time // the last bookable day, midnight in Rome
}

func (s *Service) windowFor(d Desk, patronDay string) window {
	now := s.now()
	return window{
		cal:      workdays.Calendar{PatronDay: patronDay},
		earliest: now.Add(time.Duration(d.MinNoticeHours) * time.Hour),
		lastDay:  civilDate(now).AddDate(0, 0, d.HorizonDays),
	}
}

// at is the instant of civil time minutes after midnight of day in Rome;
// ok is false when that civil time does not exist (clocks going forward).
func at(day time.Time, minutes Clock) (time.Time, bool) {
	y, m, d := day.Date()
	dd := time.Date(y, m, d+int(minutes)/(24*60), 0, 0, 0, 0, time.UTC) // the day it falls on
	y, m, d = dd.Date()
	h, mi := int(minutes)%(24*60)/60, int(minutes)%60
	t := time.Date(y, m, d, h, mi, 0, 0, Rome)
	return t, t.Day() == d && t.Hour() == h && t.Minute() == mi
}

// closed reports whether the desk has no slots at all on day.
func (d Desk) closed(w window, day time.Time) bool {
	if w.cal.IsHoliday(time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)) {
		return true
	}
	for _, c := range d.Closures {
		if !day.Before(civilDate(c.From)) && !day.After(civilDate(c.To)) {
			return true
		}
	}
	return false
}

// daySlots are the desk's slots on day (midnight in Rome), before notice,
// horizon and bookings are considered.
func (d Desk) daySlots(day time.Time, dst []Slot) []Slot {
	step := Clock(d.SlotMinutes + d.BufferMinutes)
	length := Clock(d.SlotMinutes)
	if length <= 0 {
		return dst
	}
	ranges := d.Hours[day.Weekday()]
	if !slices.IsSortedFunc(ranges, func(a, b Range) int { return int(a.Start - b.Start) }) {
		ranges = slices.Clone(ranges)
		slices.SortFunc(ranges, func(a, b Range) int { return int(a.Start - b.Start) })
	}
	// On a day of 24 hours (all but two a year) civil minutes are minutes
	// after midnight; only the DST days need each time built by itself.
	midnight := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, Rome)
	next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, Rome)
	plain := next.Sub(midnight) == 24*time.Hour
	for _, r := range ranges {
		for c := r.Start; c+length <= r.End; c += step {
			if plain {
				start := midnight.Add(time.Duration(c) * time.Minute)
				dst = append(dst, Slot{Start: start, End: start.Add(time.Duration(length) * time.Minute)})
				continue
			}
			start, ok1 := at(day, c)
			end, ok2 := at(day, c+length)
			if !ok1 || !ok2 || !end.After(start) {
				continue
			}
			dst = append(dst, Slot{Start: start, End: end})
		}
	}
	return dst
}

// booked is a live appointment's hold on a seat.
type booked struct {
	start, end time.Time
	seat       int
}

// occupancy counts the seats taken in any span, from the live
// appointments sorted by start.
type occupancy struct {
	as      []booked
	longest time.Duration
}

func newOccupancy(as []booked) occupancy {
	sort.Slice(as, func(i, j int) bool { return as[i].start.Before(as[j].start) })
	o := occupancy{as: as}
	for _, a := range as {
		o.longest = max(o.longest, a.end.Sub(a.start))
	}
	return o
}

// free is how many of capacity seats no appointment overlapping
// [start, end) holds.
func (o occupancy) free(capacity int, start, end time.Time) int {
	from := start.Add(-o.longest)
	i := sort.Search(len(o.as), func(i int) bool { return !o.as[i].start.Before(from) })
	var taken uint64
	for ; i < len(o.as) && o.as[i].start.Before(end); i++ {
		a := o.as[i]
		if a.end.After(start) && a.seat >= 1 && a.seat <= capacity && a.seat <= 64 {
			taken |= 1 << (a.seat - 1)
		}
	}
	return capacity - bits.OnesCount64(taken)
}

// freeDays are the desk's bookable slots with a free seat from day from to
// day to (midnight in Rome, both included).
func (d Desk) freeDays(w window, occ occupancy, from, to time.Time) []Day {
	if to.After(w.lastDay) {
		to = w.lastDay
	}
	if today := civilDate(w.earliest); from.Before(today) {
		from = today
	}
	var days []Day
	var all []Slot // every day's slots, in one allocation or few
	for i := 0; i < maxDays; i++ {
		day := time.Date(from.Year(), from.Month(), from.Day()+i, 0, 0, 0, 0, Rome)
		if day.After(to) {
			break
		}
		if d.closed(w, day) {
			continue
		}
		if all == nil {
			all = make([]Slot, 0, 64*(int(to.Sub(day).Hours()/24)+2))
		}
		first := len(all)
		all = d.daySlots(day, all)
		kept := first
		for _, sl := range all[first:] {
			if sl.Start.Before(w.earliest) {
				continue
			}
			if sl.Free = occ.free(d.Capacity, sl.Start, sl.End); sl.Free > 0 {
				all[kept] = sl
				kept++
			}
		}
		all = all[:kept]
		if kept > first {
			days = append(days, Day{Date: day, Slots: all[first:kept:kept]})
		}
	}
	return days
}

// FreeSlots lists the free slots of a desk for mode from day from to day
// to (civil dates in Rome, both included), clipped to notice and horizon;
// slots without a free seat and days without a free slot are left out.
// An inactive desk, or one that does not offer mode, has none.
func (s *Service) FreeSlots(ctx context.Context, tenantID, deskSlug string, mode Mode, from, to time.Time) ([]Day, error) {
	var days []Day
	err := s.inTenant(ctx, tenantID, "free slots", func(tx pgx.Tx) error {
		d, patron, err := deskForSlots(ctx, tx, tenantID, deskSlug, false)
		if err != nil {
			return err
		}
		if !d.Active || !slices.Contains(d.Modes, mode) {
			return nil
		}
		w := s.windowFor(d, patron)
		days, err = d.freeIn(ctx, tx, tenantID, w, civilDate(from), civilDate(to))
		return err
	})
	return days, err
}

// deskForSlots reads a desk with its comune's patron saint's day.
func deskForSlots(ctx context.Context, tx pgx.Tx, tenantID, slug string, lock bool) (Desk, string, error) {
	q := `SELECT ` + deskColumns + `, coalesce(t.patron_saint_day, '') FROM desks d JOIN tenants t ON t.id = d.tenant_id
		WHERE d.tenant_id = $1 AND d.slug = $2`
	if lock {
		q += ` FOR SHARE OF d`
	}
	var patron string
	d, err := scanDesk(tx.QueryRow(ctx, q, tenantID, slug), &patron)
	if errors.Is(err, pgx.ErrNoRows) {
		return Desk{}, "", ErrNotFound
	}
	return d, patron, err
}

// freeIn computes the free days from the live appointments of the span,
// read in one query.
func (d Desk) freeIn(ctx context.Context, tx pgx.Tx, tenantID string, w window, from, to time.Time) ([]Day, error) {
	if to.After(w.lastDay) {
		to = w.lastDay
	}
	if today := civilDate(w.earliest); from.Before(today) {
		from = today
	}
	if to.Before(from) {
		return nil, nil
	}
	occ, err := d.occupancyIn(ctx, tx, tenantID, from, to.AddDate(0, 0, 1), "")
	if err != nil {
		return nil, err
	}
	return d.freeDays(w, occ, from, to), nil
}

// occupancyIn reads the desk's live appointments overlapping [from, to),
// but the one with id except.
func (d Desk) occupancyIn(ctx context.Context, tx pgx.Tx, tenantID string, from, to time.Time, except string) (occupancy, error) {
	rows, err := tx.Query(ctx, `SELECT lower(during), upper(during), seat FROM appointments
		WHERE tenant_id = $1 AND desk_id = $2 AND status <> 'cancelled' AND during && tstzrange($3, $4)
		  AND id::text <> $5`, tenantID, d.ID, from, to, except)
	if err != nil {
		return occupancy{}, err
	}
	var as []booked
	for rows.Next() {
		var b booked
		if err := rows.Scan(&b.start, &b.end, &b.seat); err != nil {
			rows.Close()
			return occupancy{}, err
		}
		as = append(as, b)
	}
	rows.Close()
	return newOccupancy(as), rows.Err()
}

// nearest are up to n free slots closest to t, in time order, from the
// days around it (the bookable ones).
func (d Desk) nearest(ctx context.Context, tx pgx.Tx, tenantID string, w window, t time.Time, n int, except string) ([]Slot, error) {
	center := civilDate(t)
	if today := civilDate(w.earliest); center.Before(today) {
		center = today
	}
	if center.After(w.lastDay) {
		center = w.lastDay
	}
	from, to := center.AddDate(0, 0, -14), center.AddDate(0, 0, 21)
	if today := civilDate(w.earliest); from.Before(today) {
		from = today
	}
	if to.After(w.lastDay) {
		to = w.lastDay
	}
	occ, err := d.occupancyIn(ctx, tx, tenantID, from, to.AddDate(0, 0, 1), except)
	if err != nil {
		return nil, err
	}
	var all []Slot
	for _, day := range d.freeDays(w, occ, from, to) {
		all = append(all, day.Slots...)
	}
	dist := func(s Slot) time.Duration {
		if s.Start.Before(t) {
			return t.Sub(s.Start)
		}
		return s.Start.Sub(t)
	}
	slices.SortStableFunc(all, func(a, b Slot) int { return int((dist(a) - dist(b)) / time.Second) })
	if len(all) > n {
		all = all[:n]
	}
	slices.SortFunc(all, func(a, b Slot) int { return a.Start.Compare(b.Start) })
	return all, nil
}

// check says why start cannot be booked on the desk in mode for service
// (a SlotError code), or "" when it is one of its slots. It does not look
// at the seats.
func (d Desk) check(w window, now, start time.Time, mode Mode, service string) (Slot, string) {
	switch {
	case !d.Active:
		return Slot{}, "closed"
	case !slices.Contains(d.Modes, mode):
		return Slot{}, "mode"
	case service != "" && !slices.Contains(d.Services, service):
		return Slot{}, "service"
	case start.Before(now):
		return Slot{}, "past"
	case start.Before(w.earliest):
		return Slot{}, "too_soon"
	}
	day := civilDate(start)
	if day.After(w.lastDay) {
		return Slot{}, "beyond_horizon"
	}
	if d.closed(w, day) {
		return Slot{}, "closed"
	}
	for _, sl := range d.daySlots(day, nil) {
		if sl.Start.Equal(start) {
			return sl, ""
		}
	}
	return Slot{}, "outside_hours"
}
