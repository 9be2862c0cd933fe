// Package workdays computes the legal deadlines of applications: the date by
// which the comune must conclude a procedure (L. 241/1990, art. 2), counted
// in calendar or working days from submission and suspended while the
// citizen is asked for integrations (art. 2, c. 7).
//
// # Dates
//
// A date here is a plain time.Time at 00:00 UTC holding a civil date, the
// shape pgx gives and takes for a PostgreSQL date column, so results can be
// stored and read back unchanged. Every time.Time argument is reduced to its
// civil date in Europe/Rome with [DateOf], so callers may pass either such a
// date or an instant (a timestamptz): an application submitted at 23:30 on
// 31 December in Rome (22:30 UTC) was submitted on 31 December.
//
// # Holidays and working days
//
// The holidays are Italy's national ones (L. 260/1949 and later laws):
// 1 and 6 January, Easter Sunday and Monday, 25 April, 1 May, 2 June,
// 15 August, 1 November, 8 and 25 and 26 December, and from 2026 also
// 4 October, San Francesco d'Assisi, made a national holiday again by
// L. 8 ottobre 2025, n. 151 (in force 1 January 2026). Each comune adds its
// patron saint's day ([Calendar.PatronDay]).
//
// Working days are Monday to Friday when not a holiday. Saturday counts as
// non-working: municipal offices are closed, and counting it would let a
// term in working days end on a day nobody can act on it.
//
// # Terms
//
// Day 0 is the date of submission and is not counted (art. 2963 c.c.,
// art. 155 c.p.c.: dies a quo non computatur). A term in calendar days that
// ends on a Sunday or a holiday moves to the next working day (art. 2963
// c.c., art. 155 c.p.c.); one ending on a Saturday stays there, since a
// Saturday is not a holiday. A term in working days always ends on a
// working day.
package workdays

import (
	"fmt"
	"slices"
	"time"

	"github.com/civica/civica/internal/locale"
)

// Kind says how a term's days are counted.
type Kind string

const (
	// CalendarDays counts every day.
	CalendarDays Kind = "calendar"
	// WorkingDays counts only working days.
	WorkingDays Kind = "working"
)

// ParseKind turns a stored or configured kind into a Kind. Use it at the
// boundary: the methods below panic on a Kind that is neither.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case CalendarDays, WorkingDays:
		return k, nil
	}
	return "", fmt.Errorf("workdays: unknown kind of days %q", s)
}

// DateOf returns the civil date of t in Europe/Rome, as 00:00 UTC.
func DateOf(t time.Time) time.Time {
	y, m, d := t.In(locale.Rome).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Easter returns the date of Easter Sunday in the Gregorian calendar, by the
// anonymous algorithm (Meeus/Jones/Butcher).
func Easter(year int) (month time.Month, day int) {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	n := h + l - 7*m + 114
	return time.Month(n / 31), n%31 + 1
}

// fixedHolidays are the national holidays on the same date every year.
var fixedHolidays = []struct {
	month time.Month
	day   int
	from  int // first year it applies
}{
	{time.January, 1, 0},
	{time.January, 6, 0},
	{time.April, 25, 0},
	{time.May, 1, 0},
	{time.June, 2, 0},
	{time.August, 15, 0},
	// San Francesco d'Assisi: a national holiday again from 2026
	// (L. 151/2025), after being abolished as such by L. 54/1977.
	{time.October, 4, 2026},
	{time.November, 1, 0},
	{time.December, 8, 0},
	{time.December, 25, 0},
	{time.December, 26, 0},
}

// Calendar holds one comune's holidays: the national ones and its own.
type Calendar struct {
	// PatronDay is the patron saint's day as "MM-DD" ("12-07" for Milan),
	// or "" when the comune observes none. Check it with Validate when the
	// comune is configured: a malformed value is never a holiday.
	PatronDay string
}

// Validate reports whether PatronDay is empty or a real "MM-DD" day.
func (c Calendar) Validate() error {
	if c.PatronDay == "" {
		return nil
	}
	// 2024 is a leap year, so "02-29" is accepted.
	t, err := time.Parse("2006-01-02", "2024-"+c.PatronDay)
	if err != nil || t.Format("01-02") != c.PatronDay {
		return fmt.Errorf("workdays: patron day %q is not a MM-DD day", c.PatronDay)
	}
	return nil
}

// IsHoliday reports whether the civil date of d is a national holiday or the
// comune's patron day. Sundays are not holidays unless they are one of those.
func (c Calendar) IsHoliday(d time.Time) bool {
	d = DateOf(d)
	y, m, day := d.Date()
	if c.PatronDay != "" && d.Format("01-02") == c.PatronDay {
		return true
	}
	for _, h := range fixedHolidays {
		if h.month == m && h.day == day && y >= h.from {
			return true
		}
	}
	em, ed := Easter(y)
	easter := time.Date(y, em, ed, 0, 0, 0, 0, time.UTC)
	return d.Equal(easter) || d.Equal(easter.AddDate(0, 0, 1))
}

// IsWorkingDay reports whether the civil date of d is a Monday to Friday
// that is not a holiday.
func (c Calendar) IsWorkingDay(d time.Time) bool {
	d = DateOf(d)
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !c.IsHoliday(d)
}

// Holidays returns the holidays of year in date order, the patron day
// included; a date is listed once even when two holidays fall on it.
func (c Calendar) Holidays(year int) []time.Time {
	var days []time.Time
	for _, h := range fixedHolidays {
		if year >= h.from {
			days = append(days, time.Date(year, h.month, h.day, 0, 0, 0, 0, time.UTC))
		}
	}
	em, ed := Easter(year)
	easter := time.Date(year, em, ed, 0, 0, 0, 0, time.UTC)
	days = append(days, easter, easter.AddDate(0, 0, 1))
	if c.Validate() == nil && c.PatronDay != "" {
		p, _ := time.Parse("2006-01-02", fmt.Sprintf("%04d-%s", year, c.PatronDay))
		if !p.IsZero() { // "02-29" in a year without one
			days = append(days, p)
		}
	}
	slices.SortFunc(days, time.Time.Compare)
	return slices.CompactFunc(days, time.Time.Equal)
}

// Due returns the date a term of days ends when the application was
// submitted at submitted. Calendar days are added to the submission date and
// a result on a Sunday or holiday moves to the next working day; working days
// are counted one by one after the submission date. A term of 0 days ends on
// the submission date itself. It panics if days is negative or kind invalid.
func (c Calendar) Due(submitted time.Time, days int, kind Kind) time.Time {
	if days < 0 {
		panic(fmt.Sprintf("workdays: negative term of %d days", days))
	}
	d := DateOf(submitted)
	if days == 0 {
		return d
	}
	switch kind {
	case CalendarDays:
		return c.endOfTerm(d.AddDate(0, 0, days))
	case WorkingDays:
		return c.addWorkingDays(d, days)
	}
	panic(fmt.Sprintf("workdays: unknown kind of days %q", kind))
}

// Extend returns due moved by the time the clock stood still for an
// integration request, from the date of suspendedFrom to the date of
// resumedAt. The days suspended are those after the first date up to and
// including the second, as if the application had been submitted anew on
// the day it resumed; for WorkingDays only the working ones among them
// count. A calendar result on a Sunday or holiday moves to the next working
// day. Resuming on or before the day of suspension leaves due unchanged.
//
// due is the date Due returned, possibly already moved off a holiday; the
// extension counts from it, which may grant a term a day or two more than
// recomputing from the unmoved date would. The difference favours the
// citizen and keeps the stored due date the single source of the deadline.
func (c Calendar) Extend(due, suspendedFrom, resumedAt time.Time, kind Kind) time.Time {
	due = DateOf(due)
	from, to := DateOf(suspendedFrom), DateOf(resumedAt)
	if !to.After(from) {
		return due
	}
	switch kind {
	case CalendarDays:
		return c.endOfTerm(due.AddDate(0, 0, daysBetween(from, to)))
	case WorkingDays:
		n := 0
		for d := from.AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
			if c.IsWorkingDay(d) {
				n++
			}
		}
		return c.addWorkingDays(due, n)
	}
	panic(fmt.Sprintf("workdays: unknown kind of days %q", kind))
}

// DaysLeft returns the civil days from now's date to due's: 0 on the due
// date, negative once it has passed.
func (c Calendar) DaysLeft(due, now time.Time) int {
	return daysBetween(DateOf(now), DateOf(due))
}

// endOfTerm applies the rule that a term ending on a Sunday or a holiday
// ends on the next working day instead.
func (c Calendar) endOfTerm(d time.Time) time.Time {
	if d.Weekday() != time.Sunday && !c.IsHoliday(d) {
		return d
	}
	for !c.IsWorkingDay(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// addWorkingDays returns the n-th working day after d (d itself when n is 0).
func (c Calendar) addWorkingDays(d time.Time, n int) time.Time {
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// daysBetween returns b minus a in days, both being dates at 00:00 UTC,
// where every day lasts 24 hours.
func daysBetween(a, b time.Time) int {
	return int(b.Sub(a).Hours() / 24)
}
