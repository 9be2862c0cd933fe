package workdays_test

import (
	"testing"
	"time"

	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/workdays"
)

// date is a civil date as the package returns it.
func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// rome is a wall-clock instant in Europe/Rome, "2006-01-02 15:04".
func rome(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, locale.Rome)
	if err != nil {
		panic(err)
	}
	return t
}

func day(t time.Time) string { return t.Format("2006-01-02 Mon") }

func TestEaster(t *testing.T) {
	t.Parallel()
	for _, want := range []string{
		"2000-04-23", "2019-04-21", "2024-03-31", "2025-04-20",
		"2026-04-05", "2027-03-28", "2038-04-25", "2285-03-22",
	} {
		d := date(want)
		if m, dd := workdays.Easter(d.Year()); m != d.Month() || dd != d.Day() {
			t.Errorf("Easter(%d) = %v %d, want %s", d.Year(), m, dd, want)
		}
	}
}

func TestDateOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"LateOnNewYearsEveInRome", time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC), "2026-12-31"},
		{"PastMidnightInRomeStillYesterdayInUTC", time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2027-01-01"},
		{"PastMidnightInSummerTime", time.Date(2026, 3, 29, 22, 30, 0, 0, time.UTC), "2026-03-30"},
		{"DateAtMidnightUTCIsItself", date("2026-10-25"), "2026-10-25"},
		{"DateAtMidnightInRomeIsItself", rome("2026-03-29 00:00"), "2026-03-29"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := workdays.DateOf(tt.at)
			if !got.Equal(date(tt.want)) || got.Location() != time.UTC {
				t.Errorf("DateOf(%v) = %v, want %s 00:00 UTC", tt.at, got, tt.want)
			}
		})
	}
}

func TestIsHoliday(t *testing.T) {
	t.Parallel()
	milan := workdays.Calendar{PatronDay: "12-07"}
	tests := []struct {
		name string
		cal  workdays.Calendar
		day  string
		want bool
	}{
		{"EasterSunday", workdays.Calendar{}, "2026-04-05", true},
		{"EasterMonday", workdays.Calendar{}, "2026-04-06", true},
		{"EasterMonday2025", workdays.Calendar{}, "2025-04-21", true},
		{"TuesdayAfterEaster", workdays.Calendar{}, "2026-04-07", false},
		{"Liberation", workdays.Calendar{}, "2026-04-25", true},
		{"Republic", workdays.Calendar{}, "2026-06-02", true},
		{"SanFrancescoFrom2026", workdays.Calendar{}, "2027-10-04", true},
		{"SanFrancescoNotBefore2026", workdays.Calendar{}, "2025-10-04", false},
		{"PatronDay", milan, "2026-12-07", true},
		{"PatronDayOfAnotherComune", workdays.Calendar{}, "2026-12-07", false},
		{"PlainSundayIsNoHoliday", workdays.Calendar{}, "2026-11-22", false},
		{"MalformedPatronDayNeverMatches", workdays.Calendar{PatronDay: "7 dic"}, "2026-12-07", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.cal.IsHoliday(date(tt.day)); got != tt.want {
				t.Errorf("IsHoliday(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
}

func TestIsWorkingDay(t *testing.T) {
	t.Parallel()
	cal := workdays.Calendar{PatronDay: "12-07"}
	for d, want := range map[string]bool{
		"2026-11-20": true,  // Friday
		"2026-11-21": false, // Saturday
		"2026-11-22": false, // Sunday
		"2026-11-23": true,  // Monday
		"2026-04-06": false, // Easter Monday
		"2026-12-07": false, // patron day, a Monday
		"2026-12-31": true,
	} {
		if got := cal.IsWorkingDay(date(d)); got != want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", day(date(d)), got, want)
		}
	}
	if !cal.IsWorkingDay(rome("2026-12-31 23:30")) {
		t.Error("23:30 on 31 December in Rome is 31 December, a working day")
	}
}

func TestHolidays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cal    workdays.Calendar
		year   int
		count  int
		has    string
		hasNot string
	}{
		{"Before2026", workdays.Calendar{}, 2025, 12, "2025-04-21", "2025-10-04"},
		{"From2026WithSanFrancesco", workdays.Calendar{}, 2026, 13, "2026-10-04", ""},
		{"WithPatronDay", workdays.Calendar{PatronDay: "06-29"}, 2026, 14, "2026-06-29", ""},
		{"PatronDayOnANationalHolidayListedOnce", workdays.Calendar{PatronDay: "12-08"}, 2026, 13, "2026-12-08", ""},
		{"LeapDayPatronInAnOrdinaryYear", workdays.Calendar{PatronDay: "02-29"}, 2026, 13, "", "2026-03-01"},
		{"LeapDayPatronInALeapYear", workdays.Calendar{PatronDay: "02-29"}, 2028, 14, "2028-02-29", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.cal.Holidays(tt.year)
			if len(got) != tt.count {
				t.Errorf("Holidays(%d) has %d days, want %d: %v", tt.year, len(got), tt.count, got)
			}
			seen := map[string]bool{}
			for i, d := range got {
				seen[d.Format(time.DateOnly)] = true
				if i > 0 && !d.After(got[i-1]) {
					t.Errorf("Holidays not in strictly increasing order at %v", d)
				}
				if !tt.cal.IsHoliday(d) {
					t.Errorf("Holidays lists %v, which IsHoliday denies", d)
				}
			}
			if tt.has != "" && !seen[tt.has] {
				t.Errorf("Holidays(%d) lacks %s", tt.year, tt.has)
			}
			if tt.hasNot != "" && seen[tt.hasNot] {
				t.Errorf("Holidays(%d) lists %s", tt.year, tt.hasNot)
			}
		})
	}
}

func TestDue(t *testing.T) {
	t.Parallel()
	national := workdays.Calendar{}
	milan := workdays.Calendar{PatronDay: "12-07"}
	tests := []struct {
		name      string
		cal       workdays.Calendar
		submitted time.Time
		days      int
		kind      workdays.Kind
		want      string
	}{
		{"ZeroDaysIsTheSubmissionDate", national, rome("2026-11-22 10:45"), 0, workdays.WorkingDays, "2026-11-22"},
		{"CalendarOnAWeekday", national, rome("2026-11-02 09:00"), 30, workdays.CalendarDays, "2026-12-02"},
		{"CalendarEndingOnSundayMovesToMonday", national, rome("2026-10-09 09:00"), 30, workdays.CalendarDays, "2026-11-09"},
		{"CalendarEndingOnSaturdayStays", national, rome("2026-11-20 09:00"), 1, workdays.CalendarDays, "2026-11-21"},
		{"CalendarEndingOnChristmasSkipsTheWeekend", national, rome("2026-11-25 09:00"), 30, workdays.CalendarDays, "2026-12-28"},
		{"CalendarEndingOnEasterMonday", national, rome("2026-03-07 09:00"), 30, workdays.CalendarDays, "2026-04-07"},
		{"CalendarEndingOnPatronDay", milan, rome("2026-11-07 09:00"), 30, workdays.CalendarDays, "2026-12-09"},
		{"WorkingOverChristmas", national, rome("2026-12-22 09:00"), 5, workdays.WorkingDays, "2026-12-30"},
		{"WorkingOverNewYearAndEpiphany", national, rome("2026-12-22 09:00"), 10, workdays.WorkingDays, "2027-01-08"},
		{"WorkingAcrossEasterLiberationAndMayDay", national, rome("2025-04-17 09:00"), 10, workdays.WorkingDays, "2025-05-06"},
		{"WorkingSkipsPatronDay", milan, rome("2026-12-04 09:00"), 2, workdays.WorkingDays, "2026-12-10"},
		{"WorkingWithoutPatronDay", national, rome("2026-12-04 09:00"), 2, workdays.WorkingDays, "2026-12-09"},
		{"WorkingSkipsSanFrancesco2027", national, rome("2027-10-01 09:00"), 1, workdays.WorkingDays, "2027-10-05"},
		{"WorkingCounts4October2024", national, rome("2024-10-03 09:00"), 1, workdays.WorkingDays, "2024-10-04"},
		{"LateNightOn31DecemberCountsAs31December", national, time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC), 1, workdays.WorkingDays, "2027-01-04"},
		{"LateNightOn31DecemberCalendar", national, time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC), 0, workdays.CalendarDays, "2026-12-31"},
		{"SpringDSTWeekWorking", national, rome("2026-03-27 23:30"), 2, workdays.WorkingDays, "2026-03-31"},
		{"SpringDSTWeekCalendarEndingOnTheSundayOfTheChange", national, rome("2026-03-27 23:30"), 2, workdays.CalendarDays, "2026-03-30"},
		{"JustAfterMidnightInSummerTime", national, rome("2026-03-30 00:30"), 1, workdays.CalendarDays, "2026-03-31"},
		{"AutumnDSTWeekWorking", national, rome("2026-10-23 23:30"), 5, workdays.WorkingDays, "2026-10-30"},
		{"AutumnDSTWeekCalendar", national, rome("2026-10-24 23:30"), 7, workdays.CalendarDays, "2026-10-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.cal.Due(tt.submitted, tt.days, tt.kind)
			if !got.Equal(date(tt.want)) {
				t.Errorf("Due(%v, %d, %s) = %s, want %s", tt.submitted, tt.days, tt.kind, day(got), day(date(tt.want)))
			}
		})
	}
}

func TestExtend(t *testing.T) {
	t.Parallel()
	cal := workdays.Calendar{}
	tests := []struct {
		name     string
		due      string
		from, to time.Time
		kind     workdays.Kind
		want     string
	}{
		{"CalendarByTheDaysSuspended", "2026-12-02", rome("2026-11-10 10:00"), rome("2026-11-20 16:00"), workdays.CalendarDays, "2026-12-12"},
		{"CalendarEndingOnSundayMovesToMonday", "2026-12-02", rome("2026-11-10 10:00"), rome("2026-11-21 16:00"), workdays.CalendarDays, "2026-12-14"},
		{"CalendarLateNightSuspensionIsThatDay", "2026-12-02", rome("2026-11-10 23:30"), rome("2026-11-20 00:10"), workdays.CalendarDays, "2026-12-12"},
		{"WorkingCountsOnlyWorkingDaysSuspended", "2026-12-10", rome("2026-11-13 10:00"), rome("2026-11-23 10:00"), workdays.WorkingDays, "2026-12-18"},
		{"WorkingOverChristmas", "2026-12-22", rome("2026-12-01 10:00"), rome("2026-12-04 10:00"), workdays.WorkingDays, "2026-12-28"},
		{"ResumedTheSameDayChangesNothing", "2026-12-10", rome("2026-11-13 10:00"), rome("2026-11-13 18:00"), workdays.WorkingDays, "2026-12-10"},
		{"ResumedBeforeSuspensionChangesNothing", "2026-12-10", rome("2026-11-13 10:00"), rome("2026-11-12 18:00"), workdays.CalendarDays, "2026-12-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := cal.Extend(date(tt.due), tt.from, tt.to, tt.kind)
			if !got.Equal(date(tt.want)) {
				t.Errorf("Extend(%s, %v, %v, %s) = %s, want %s", tt.due, tt.from, tt.to, tt.kind, day(got), day(date(tt.want)))
			}
		})
	}
}

func TestDaysLeft(t *testing.T) {
	t.Parallel()
	cal := workdays.Calendar{}
	tests := []struct {
		name string
		due  string
		now  time.Time
		want int
	}{
		{"TheDayBefore", "2026-12-10", rome("2026-12-09 23:30"), 1},
		{"OnTheDueDate", "2026-12-10", rome("2026-12-10 23:59"), 0},
		{"OverdueJustAfterMidnightInRome", "2026-12-10", time.Date(2026, 12, 10, 23, 30, 0, 0, time.UTC), -1},
		{"AcrossTheSpringChange", "2026-03-30", rome("2026-03-28 12:00"), 2},
		{"AcrossTheAutumnChange", "2026-10-26", rome("2026-10-24 12:00"), 2},
		{"LongOverdue", "2026-01-01", rome("2026-12-31 09:00"), -364},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := cal.DaysLeft(date(tt.due), tt.now); got != tt.want {
				t.Errorf("DaysLeft(%s, %v) = %d, want %d", tt.due, tt.now, got, tt.want)
			}
		})
	}
}

func TestParseKind(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"calendar", "working"} {
		if k, err := workdays.ParseKind(s); err != nil || string(k) != s {
			t.Errorf("ParseKind(%q) = %q, %v", s, k, err)
		}
	}
	if _, err := workdays.ParseKind("lavorativi"); err == nil {
		t.Error("ParseKind accepted an unknown kind")
	}
}

func TestCalendarValidate(t *testing.T) {
	t.Parallel()
	for patron, ok := range map[string]bool{
		"": true, "12-07": true, "02-29": true, "06-29": true,
		"13-01": false, "02-30": false, "7-12": false, "12-7": false, "San Siro": false,
	} {
		err := workdays.Calendar{PatronDay: patron}.Validate()
		if (err == nil) != ok {
			t.Errorf("Validate(%q) = %v, want ok %v", patron, err, ok)
		}
	}
}

// FuzzDueWorking checks that a term in working days always ends on a working
// day, after the submission, and later the longer the term.
func FuzzDueWorking(f *testing.F) {
	f.Add(int64(1798756200), uint16(1), "")       // 31 Dec 2026 22:30 UTC
	f.Add(int64(1797757200), uint16(30), "12-07") // Christmas season
	f.Add(int64(1774800000), uint16(5), "03-30")  // DST change
	f.Fuzz(func(t *testing.T, unix int64, days uint16, patron string) {
		cal := workdays.Calendar{PatronDay: patron}
		// Keep to about 1600-2200 and to terms the law uses.
		submitted := time.Unix(unix%(300*365*86400)-70*365*86400, 0)
		n := int(days % 400)
		start := workdays.DateOf(submitted)
		due := cal.Due(submitted, n, workdays.WorkingDays)
		next := cal.Due(submitted, n+1, workdays.WorkingDays)
		if !cal.IsWorkingDay(next) {
			t.Fatalf("Due(%v, %d, working) = %s, not a working day", submitted, n+1, day(next))
		}
		if !next.After(due) {
			t.Fatalf("Due(%v, working) for %d days is %s, for %d days %s: not increasing", submitted, n, day(due), n+1, day(next))
		}
		if n > 0 && (!cal.IsWorkingDay(due) || !due.After(start)) {
			t.Fatalf("Due(%v, %d, working) = %s", submitted, n, day(due))
		}
		cdue := cal.Due(submitted, n+1, workdays.CalendarDays)
		if cdue.Weekday() == time.Sunday || cal.IsHoliday(cdue) || cdue.Before(start.AddDate(0, 0, n+1)) {
			t.Fatalf("Due(%v, %d, calendar) = %s", submitted, n+1, day(cdue))
		}
	})
}
