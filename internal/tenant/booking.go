package tenant

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/catalog"
)

// The bundle's offices.yaml: the comune's booking settings and its desks
// (sportelli) with their opening hours and closures.
//
// The file maps to and from booking's own values; saving them, with the
// checks that need the database (and the desks' feed tokens), is the
// booking.Service's job. So internal/tenant imports internal/booking, as it
// imports internal/catalog, and booking never imports tenant. A Store
// reaches the booking service only when given one (Store.WithBooking):
// `civica tenant import|export`, development start-up and the bench do;
// other packages' test fixtures import comuni without desks.

// BookingFile is the name, in a bundle, of the desks' file.
const BookingFile = "offices.yaml"

// BookingBundle is a comune's offices.yaml, read and checked.
type BookingBundle struct {
	// Settings are the comune's booking rules; nil when the file has no
	// booking: section (the ones in the database are kept). The JWT
	// secret is never in the file: importing keeps the current one.
	Settings *booking.Settings
	Desks    []booking.Desk
}

// bookingFile is offices.yaml as written.
type bookingFile struct {
	Booking *bookingSettingsFile `yaml:"booking,omitempty"`
	Desks   []deskFile           `yaml:"desks"`
}

type bookingSettingsFile struct {
	VideoBaseURL      *string `yaml:"video_base_url"`
	VideoJWTAppID     *string `yaml:"video_jwt_app_id"`
	GuestsAllowed     *bool   `yaml:"guests_allowed"`
	CancelCutoffHours *int    `yaml:"cancel_cutoff_hours"`
	ReminderHours     *int    `yaml:"reminder_hours"`
	RoomOpensMinutes  *int    `yaml:"room_opens_minutes"`
}

type deskFile struct {
	Slug           string        `yaml:"slug"`
	Office         string        `yaml:"office"`
	Name           deskNameFile  `yaml:"name"`
	Location       string        `yaml:"location"`
	Services       []string      `yaml:"services"`
	Modes          []string      `yaml:"modes"`
	Hours          weekFile      `yaml:"hours"`
	SlotMinutes    int           `yaml:"slot_minutes"`
	BufferMinutes  int           `yaml:"buffer_minutes"`
	Capacity       int           `yaml:"capacity"`
	MinNoticeHours int           `yaml:"min_notice_hours"`
	HorizonDays    int           `yaml:"horizon_days"`
	Active         *bool         `yaml:"active"`
	Closures       []closureFile `yaml:"closures"`
}

type deskNameFile struct {
	It string `yaml:"it"`
	En string `yaml:"en,omitempty"`
}

// weekFile holds the ranges of each weekday, "09:00-12:30"; a day left
// out is closed.
type weekFile struct {
	Mon []string `yaml:"mon"`
	Tue []string `yaml:"tue"`
	Wed []string `yaml:"wed"`
	Thu []string `yaml:"thu"`
	Fri []string `yaml:"fri"`
	Sat []string `yaml:"sat"`
	Sun []string `yaml:"sun"`
}

// days are the week's fields in file order, with their time.Weekday.
func (w *weekFile) days() []struct {
	name string
	day  time.Weekday
	list *[]string
} {
	return []struct {
		name string
		day  time.Weekday
		list *[]string
	}{
		{"mon", time.Monday, &w.Mon}, {"tue", time.Tuesday, &w.Tue}, {"wed", time.Wednesday, &w.Wed},
		{"thu", time.Thursday, &w.Thu}, {"fri", time.Friday, &w.Fri}, {"sat", time.Saturday, &w.Sat},
		{"sun", time.Sunday, &w.Sun},
	}
}

type closureFile struct {
	From   string `yaml:"from"`
	To     string `yaml:"to"`
	Reason string `yaml:"reason"`
}

// ParseClock reads a civil time of day, "9:30" or "09:30".
func ParseClock(s string) (booking.Clock, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || len(h) < 1 || len(h) > 2 || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	return booking.Clock(hh*60 + mm), nil
}

// FormatClock writes a time of day as HH:MM.
func FormatClock(c booking.Clock) string {
	return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60)
}

// ParseRange reads one opening range, "09:00-12:30".
func ParseRange(s string) (booking.Range, error) {
	from, to, ok := strings.Cut(s, "-")
	if !ok {
		return booking.Range{}, fmt.Errorf("%q is not a range of times (09:00-12:30)", strings.TrimSpace(s))
	}
	start, err := ParseClock(from)
	if err != nil {
		return booking.Range{}, err
	}
	end, err := ParseClock(to)
	if err != nil {
		return booking.Range{}, err
	}
	return booking.Range{Start: start, End: end}, nil
}

// ParseRanges reads a day's opening ranges written on one line and
// separated by commas, "09:00-12:30, 14:30-17:00"; "" is a closed day.
func ParseRanges(s string) ([]booking.Range, error) {
	var out []booking.Range
	for part := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		r, err := ParseRange(part)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// FormatRange writes a range as "09:00-12:30".
func FormatRange(r booking.Range) string { return FormatClock(r.Start) + "-" + FormatClock(r.End) }

// FormatRanges writes a day's ranges as ParseRanges reads them.
func FormatRanges(rs []booking.Range) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = FormatRange(r)
	}
	return strings.Join(parts, ", ")
}

// LoadBooking reads and checks dir/offices.yaml against the comune's
// catalogue (offices and services must be in it; nil skips that check).
// A bundle without the file has no booking part: (nil, nil). Every
// problem is reported, one per line, naming the field.
func LoadBooking(dir string, c *catalog.Catalogue) (*BookingBundle, error) {
	file := filepath.Join(dir, BookingFile)
	raw, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	var f bookingFile
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	out, problems := f.values(c)
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s:\n  %w", file, errors.New(strings.Join(problems, "\n  ")))
	}
	return out, nil
}

// values turns the file into booking's values, with every problem found.
func (f bookingFile) values(c *catalog.Catalogue) (*BookingBundle, []string) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	out := &BookingBundle{}
	if s := f.Booking; s != nil {
		st := booking.Settings{}
		if s.VideoBaseURL != nil {
			st.VideoBaseURL = strings.TrimSpace(*s.VideoBaseURL)
			if st.VideoBaseURL != "" {
				if u, err := url.Parse(st.VideoBaseURL); err != nil || u.Scheme != "https" || u.Host == "" {
					bad("booking.video_base_url %q: an https URL, or empty", st.VideoBaseURL)
				}
			}
		}
		if s.VideoJWTAppID != nil {
			st.VideoJWTAppID = strings.TrimSpace(*s.VideoJWTAppID)
		}
		if s.GuestsAllowed != nil {
			st.GuestsAllowed = *s.GuestsAllowed
		} else {
			bad("booking.guests_allowed: required (true or false)")
		}
		for _, n := range []struct {
			name     string
			v        *int
			into     *int
			min, max int
		}{
			{"cancel_cutoff_hours", s.CancelCutoffHours, &st.CancelCutoffHours, 0, 720},
			{"reminder_hours", s.ReminderHours, &st.ReminderHours, 0, 720},
			{"room_opens_minutes", s.RoomOpensMinutes, &st.RoomOpensMinutes, 0, 120},
		} {
			if n.v == nil {
				bad("booking.%s: required", n.name)
				continue
			}
			if *n.v < n.min || *n.v > n.max {
				bad("booking.%s %d: between %d and %d", n.name, *n.v, n.min, n.max)
			}
			*n.into = *n.v
		}
		out.Settings = &st
	}
	seen := map[string]bool{}
	for i, d := range f.Desks {
		at := fmt.Sprintf("desks[%d]", i)
		if d.Slug != "" {
			at = fmt.Sprintf("desks[%d] (%s)", i, d.Slug)
		}
		desk := booking.Desk{
			Slug: d.Slug, Office: d.Office, Name: strings.TrimSpace(d.Name.It), NameEn: strings.TrimSpace(d.Name.En),
			Location: strings.TrimSpace(d.Location), Services: d.Services, SlotMinutes: d.SlotMinutes,
			BufferMinutes: d.BufferMinutes, Capacity: d.Capacity, MinNoticeHours: d.MinNoticeHours,
			HorizonDays: d.HorizonDays, Active: d.Active == nil || *d.Active,
		}
		if seen[d.Slug] {
			bad("%s.slug: %q is already used by another desk", at, d.Slug)
		}
		seen[d.Slug] = true
		if c != nil && !slices.ContainsFunc(c.Offices, func(o catalog.Office) bool { return o.Slug == d.Office }) {
			bad("%s.office: %q is not an office of the catalogue", at, d.Office)
		}
		for _, svc := range d.Services {
			if c != nil && !slices.ContainsFunc(c.Services, func(s catalog.Service) bool { return s.Slug == svc }) {
				bad("%s.services: %q is not a service of the catalogue", at, svc)
			}
		}
		for _, m := range d.Modes {
			if m != string(booking.ModeInPerson) && m != string(booking.ModeVideo) {
				bad("%s.modes: %q is not a mode (in_person, video)", at, m)
				continue
			}
			desk.Modes = append(desk.Modes, booking.Mode(m))
		}
		for _, day := range d.Hours.days() {
			for j, text := range *day.list {
				r, err := ParseRange(text)
				if err != nil {
					bad("%s.hours.%s[%d]: %v", at, day.name, j, err)
					continue
				}
				desk.Hours[day.day] = append(desk.Hours[day.day], r)
			}
		}
		for j, cl := range d.Closures {
			from, err1 := time.ParseInLocation(time.DateOnly, cl.From, booking.Rome)
			to, err2 := time.ParseInLocation(time.DateOnly, cl.To, booking.Rome)
			switch {
			case err1 != nil:
				bad("%s.closures[%d].from %q: a date (YYYY-MM-DD)", at, j, cl.From)
			case err2 != nil:
				bad("%s.closures[%d].to %q: a date (YYYY-MM-DD)", at, j, cl.To)
			default:
				desk.Closures = append(desk.Closures, booking.Closure{From: from, To: to, Reason: strings.TrimSpace(cl.Reason)})
			}
		}
		// The rules themselves are the booking domain's.
		for _, fe := range booking.ValidateDesk(desk) {
			bad("%s.%s: %s", at, fileField(fe.Field), deskRules[fe.Code])
		}
		out.Desks = append(out.Desks, desk)
	}
	return out, problems
}

// fileField names a field of booking.ValidateDesk as the file does:
// hours.1 is hours.mon, closures.0 is closures[0].
func fileField(field string) string {
	if n, ok := strings.CutPrefix(field, "hours."); ok {
		for _, day := range (&weekFile{}).days() {
			if strconv.Itoa(int(day.day)) == n {
				return "hours." + day.name
			}
		}
	}
	if n, ok := strings.CutPrefix(field, "closures."); ok {
		return "closures[" + n + "]"
	}
	return field
}

// deskRules says each of booking.ValidateDesk's codes in words.
var deskRules = map[string]string{
	"slug":           "lower-case letters, digits and hyphens",
	"office":         "required",
	"name":           "required, at most 200 characters",
	"location":       "at most 300 characters",
	"modes":          "at least one of in_person, video, each once",
	"hours_order":    "a range ends before it starts, or is outside 00:00-24:00",
	"hours_overlap":  "two ranges of the day overlap",
	"slot_length":    "between 5 and 240 minutes",
	"buffer":         "between 0 and 120 minutes",
	"capacity":       "between 1 and 50",
	"notice":         "between 0 and 720 hours",
	"horizon":        "between 1 and 365 days",
	"closure_order":  "missing dates, or it ends before it starts",
	"closure_reason": "the reason is longer than 200 characters",
}

// bookingFileOf is what Export writes for the settings and desks.
func bookingFileOf(st booking.Settings, desks []booking.Desk) bookingFile {
	f := bookingFile{Booking: &bookingSettingsFile{
		VideoBaseURL: &st.VideoBaseURL, VideoJWTAppID: &st.VideoJWTAppID, GuestsAllowed: &st.GuestsAllowed,
		CancelCutoffHours: &st.CancelCutoffHours, ReminderHours: &st.ReminderHours, RoomOpensMinutes: &st.RoomOpensMinutes,
	}, Desks: []deskFile{}}
	for _, d := range desks {
		active := d.Active
		df := deskFile{
			Slug: d.Slug, Office: d.Office, Name: deskNameFile{It: d.Name, En: d.NameEn}, Location: d.Location,
			Services: d.Services, SlotMinutes: d.SlotMinutes, BufferMinutes: d.BufferMinutes, Capacity: d.Capacity,
			MinNoticeHours: d.MinNoticeHours, HorizonDays: d.HorizonDays, Active: &active,
		}
		if len(df.Services) == 0 {
			df.Services = nil
		}
		for _, m := range d.Modes {
			df.Modes = append(df.Modes, string(m))
		}
		for _, day := range df.Hours.days() {
			for _, r := range d.Hours[day.day] {
				*day.list = append(*day.list, FormatRange(r))
			}
		}
		for _, c := range d.Closures {
			df.Closures = append(df.Closures, closureFile{From: c.From.In(booking.Rome).Format(time.DateOnly),
				To: c.To.In(booking.Rome).Format(time.DateOnly), Reason: c.Reason})
		}
		f.Desks = append(f.Desks, df)
	}
	return f
}

// WithBooking returns a Store that also imports and exports the bundles'
// offices.yaml through svc.
func (s *Store) WithBooking(svc *booking.Service) *Store {
	c := *s
	c.booking = svc
	return &c
}

// importBooking writes a bundle's settings and desks. The settings keep
// the JWT secret in force (see below); a desk keeps its id and feed token.
// Desks the file does not name are left as they are (they may hold
// appointments).
func (s *Store) importBooking(ctx context.Context, tenantID string, b *BookingBundle) error {
	if s.booking == nil || b == nil {
		return nil
	}
	if b.Settings != nil {
		cur, err := s.booking.Settings(ctx, tenantID)
		if err != nil {
			return fmt.Errorf("import booking settings: %w", err)
		}
		// The secret is never in the file and goes with the app id: an
		// app id is kept with the secret in force, dropped when there is
		// none to sign with (an admin sets both in the admin pages), and
		// no app id in the file means no signed rooms.
		st := *b.Settings
		if st.VideoJWTAppID != "" && cur.VideoJWTSecret != "" {
			st.VideoJWTSecret = cur.VideoJWTSecret
		} else {
			st.VideoJWTAppID = ""
		}
		if err := s.booking.SaveSettings(ctx, tenantID, st); err != nil {
			return fmt.Errorf("import booking settings: %w", err)
		}
	}
	existing, err := s.booking.Desks(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("import desks: %w", err)
	}
	for _, d := range b.Desks {
		for _, e := range existing {
			if e.Slug == d.Slug {
				d.ID, d.FeedToken = e.ID, e.FeedToken
			}
		}
		if err := s.booking.SaveDesk(ctx, tenantID, d); err != nil {
			var de booking.DeskErrors
			if errors.As(err, &de) {
				var fields []string
				for _, fe := range de {
					fields = append(fields, fe.Field+": "+fe.Code)
				}
				return fmt.Errorf("import desk %s (%s): %s", d.Slug, BookingFile, strings.Join(fields, "; "))
			}
			return fmt.Errorf("import desk %s: %w", d.Slug, err)
		}
	}
	return nil
}

// importBookingIfEmpty imports the bundle's booking part into a comune
// that has no desk yet (development start-up on an existing database).
func (s *Store) importBookingIfEmpty(ctx context.Context, tenantID string, b *BookingBundle) error {
	if s.booking == nil || b == nil {
		return nil
	}
	desks, err := s.booking.Desks(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("import desks: %w", err)
	}
	if len(desks) > 0 {
		return nil
	}
	return s.importBooking(ctx, tenantID, b)
}

// exportBooking writes the comune's settings (without the JWT secret) and
// desks to dir/offices.yaml.
func (s *Store) exportBooking(ctx context.Context, tenantID, dir string) error {
	if s.booking == nil {
		return nil
	}
	st, err := s.booking.Settings(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("export booking settings: %w", err)
	}
	desks, err := s.booking.Desks(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("export desks: %w", err)
	}
	out, err := marshalYAML(bookingFileOf(st, desks))
	if err != nil {
		return fmt.Errorf("export desks: %w", err)
	}
	return os.WriteFile(filepath.Join(dir, BookingFile), out, 0o644)
}
