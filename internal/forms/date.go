package forms

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/civica/civica/internal/locale"
)

// DateLayout is how a date answer is stored, and what <input type="date">
// posts.
const DateLayout = "2006-01-02"

var (
	isoDate   = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)
	typedDate = regexp.MustCompile(`^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$`)
	relative  = regexp.MustCompile(`^today(?:([+-])(\d{1,4})([dmy]))?$`)
)

// ValidateDate validates a date: "2026-11-22" (from <input type="date">) or
// "22/11/2026" as typed (also with "." or "-", and one-digit day or month),
// a day that exists between the years 1000 and 9999, within MinDate and
// MaxDate as of now in Europe/Rome. The normalized value is "2026-11-22".
func ValidateDate(f Field, raw string, now time.Time) (string, *Problem) {
	s := trimSpace(raw)
	if s == "" {
		return "", problem(CodeRequired)
	}
	d, ok := parseDate(s)
	if !ok {
		return "", problem(CodeDate)
	}
	if f.MinDate != "" {
		if min, err := DateBound(f.MinDate, now); err == nil && d.Before(min) {
			return "", problem(CodeDateTooEarly, "min", min.Format("02/01/2006"))
		}
	}
	if f.MaxDate != "" {
		if max, err := DateBound(f.MaxDate, now); err == nil && d.After(max) {
			return "", problem(CodeDateTooLate, "max", max.Format("02/01/2006"))
		}
	}
	return d.Format(DateLayout), nil
}

// parseDate reads a civil date, as midnight UTC so days compare simply.
func parseDate(s string) (time.Time, bool) {
	var y, m, d string
	if p := isoDate.FindStringSubmatch(s); p != nil {
		y, m, d = p[1], p[2], p[3]
	} else if p := typedDate.FindStringSubmatch(s); p != nil {
		d, m, y = p[1], p[2], p[3]
	} else {
		return time.Time{}, false
	}
	yy, _ := strconv.Atoi(y)
	mm, _ := strconv.Atoi(m)
	dd, _ := strconv.Atoi(d)
	if yy < 1000 || mm < 1 || mm > 12 || dd < 1 {
		return time.Time{}, false
	}
	t := time.Date(yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if t.Day() != dd { // 31 April rolled over into May
		return time.Time{}, false
	}
	return t, true
}

// ParseDate reads a stored date answer ("2026-11-22") as noon of that day in
// Europe/Rome, the instant to give locale's Date.
func ParseDate(s string) (time.Time, bool) {
	if !isoDate.MatchString(s) {
		return time.Time{}, false
	}
	d, ok := parseDate(s)
	if !ok {
		return time.Time{}, false
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, locale.Rome), true
}

// DateBound resolves a MinDate or MaxDate of a definition to a civil date
// (midnight UTC): "today", "today+30d", "today-18y", "today-6m" count from
// the date of now in Europe/Rome; "2026-11-22" is that day.
func DateBound(bound string, now time.Time) (time.Time, error) {
	if p := relative.FindStringSubmatch(bound); p != nil {
		r := now.In(locale.Rome)
		today := time.Date(r.Year(), r.Month(), r.Day(), 0, 0, 0, 0, time.UTC)
		if p[1] == "" {
			return today, nil
		}
		n, _ := strconv.Atoi(p[2])
		if p[1] == "-" {
			n = -n
		}
		switch p[3] {
		case "d":
			return today.AddDate(0, 0, n), nil
		case "m":
			return today.AddDate(0, n, 0), nil
		default:
			return today.AddDate(n, 0, 0), nil
		}
	}
	if d, ok := parseDate(bound); ok && isoDate.MatchString(bound) {
		return d, nil
	}
	return time.Time{}, fmt.Errorf("date bound %q: want today, today±N(d|m|y) or YYYY-MM-DD", bound)
}

// zeroNow is the instant Check resolves date bounds at: only their syntax
// matters there.
var zeroNow = time.Date(2000, 1, 1, 12, 0, 0, 0, time.UTC)
