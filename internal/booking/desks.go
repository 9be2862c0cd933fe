package booking

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Desk validation. DeskErrors name these fields and codes (the web layer
// shows booking.error.<code> beside the field):
//
//	slug               slug            lower-case letters, digits, hyphens
//	office             office          missing
//	office             office_unknown  no such office in the catalogue
//	name, name_en      name            missing or longer than 200
//	location           location        longer than 300
//	modes              modes           none, or not in_person/video
//	hours.<weekday>    hours_order     a range that ends before it starts or
//	                                   is outside 00:00-24:00
//	hours.<weekday>    hours_overlap   two ranges of the day overlap
//	slot_minutes       slot_length     5..240
//	buffer_minutes     buffer          0..120
//	capacity           capacity        1..50
//	min_notice_hours   notice          0..720
//	horizon_days       horizon         1..365
//	closures.<i>       closure_order   missing dates, or ends before it starts
//	closures.<i>       closure_reason  reason longer than 200
//
// <weekday> is 0 (Sunday) to 6 (Saturday); <i> counts closures from 0.

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidateDesk lists what is wrong with d, apart from whether its office
// exists (SaveDesk checks that).
func ValidateDesk(d Desk) DeskErrors {
	var errs DeskErrors
	add := func(field, code string) { errs = append(errs, FieldError{Field: field, Code: code}) }
	if !slugPattern.MatchString(d.Slug) {
		add("slug", "slug")
	}
	if strings.TrimSpace(d.Office) == "" {
		add("office", "office")
	}
	if n := len([]rune(strings.TrimSpace(d.Name))); n == 0 || n > 200 {
		add("name", "name")
	}
	if len([]rune(d.NameEn)) > 200 {
		add("name_en", "name")
	}
	if len([]rune(d.Location)) > 300 {
		add("location", "location")
	}
	if len(d.Modes) == 0 {
		add("modes", "modes")
	} else {
		for i, m := range d.Modes {
			if (m != ModeInPerson && m != ModeVideo) || slices.Contains(d.Modes[:i], m) {
				add("modes", "modes")
				break
			}
		}
	}
	for wd, ranges := range d.Hours {
		field := "hours." + strconv.Itoa(wd)
		ordered := true
		for _, r := range ranges {
			if r.Start < 0 || r.End > 24*60 || r.End <= r.Start {
				add(field, "hours_order")
				ordered = false
				break
			}
		}
		if !ordered {
			continue
		}
		sorted := slices.Clone(ranges)
		slices.SortFunc(sorted, func(a, b Range) int { return int(a.Start - b.Start) })
		for i := 1; i < len(sorted); i++ {
			if sorted[i].Start < sorted[i-1].End {
				add(field, "hours_overlap")
				break
			}
		}
	}
	if d.SlotMinutes < 5 || d.SlotMinutes > 240 {
		add("slot_minutes", "slot_length")
	}
	if d.BufferMinutes < 0 || d.BufferMinutes > 120 {
		add("buffer_minutes", "buffer")
	}
	if d.Capacity < 1 || d.Capacity > 50 {
		add("capacity", "capacity")
	}
	if d.MinNoticeHours < 0 || d.MinNoticeHours > 720 {
		add("min_notice_hours", "notice")
	}
	if d.HorizonDays < 1 || d.HorizonDays > 365 {
		add("horizon_days", "horizon")
	}
	for i, c := range d.Closures {
		field := "closures." + strconv.Itoa(i)
		if c.From.IsZero() || c.To.IsZero() || civilDate(c.To).Before(civilDate(c.From)) {
			add(field, "closure_order")
		}
		if len([]rune(c.Reason)) > 200 {
			add(field, "closure_reason")
		}
	}
	return errs
}

// civilDate is the civil date of t in Rome, at midnight there. A date
// given as midnight UTC (how pgx reads a date column) keeps its day.
func civilDate(t time.Time) time.Time {
	if t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, Rome)
	}
	y, m, d := t.In(Rome).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Rome)
}

// hoursJSON is how opening hours are stored: seven arrays, Sunday first,
// of [start, end) minute pairs.
func hoursJSON(h [7][]Range) []byte {
	out := make([][][2]int, 7)
	for wd, ranges := range h {
		out[wd] = make([][2]int, 0, len(ranges))
		sorted := slices.Clone(ranges)
		slices.SortFunc(sorted, func(a, b Range) int { return int(a.Start - b.Start) })
		for _, r := range sorted {
			out[wd] = append(out[wd], [2]int{int(r.Start), int(r.End)})
		}
	}
	b, _ := json.Marshal(out)
	return b
}

func parseHours(b []byte) ([7][]Range, error) {
	var raw [][][2]int
	var h [7][]Range
	if err := json.Unmarshal(b, &raw); err != nil {
		return h, fmt.Errorf("desk hours: %w", err)
	}
	for wd := 0; wd < 7 && wd < len(raw); wd++ {
		for _, p := range raw[wd] {
			h[wd] = append(h[wd], Range{Start: Clock(p[0]), End: Clock(p[1])})
		}
	}
	return h, nil
}

// deskColumns are read by scanDesk, closures as JSON.
const deskColumns = `d.id, d.slug, d.office, d.name, d.name_en, d.location, d.services, d.modes, d.hours,
	d.slot_minutes, d.buffer_minutes, d.capacity, d.min_notice_hours, d.horizon_days, d.active, d.feed_token,
	coalesce((SELECT jsonb_agg(jsonb_build_array(c.from_day, c.to_day, c.reason) ORDER BY c.from_day, c.to_day)
		FROM desk_closures c WHERE c.tenant_id = d.tenant_id AND c.desk_id = d.id), '[]')`

func scanDesk(row pgx.Row, extra ...any) (Desk, error) {
	var d Desk
	var modes []string
	var hours, closures []byte
	dest := append([]any{&d.ID, &d.Slug, &d.Office, &d.Name, &d.NameEn, &d.Location, &d.Services, &modes, &hours,
		&d.SlotMinutes, &d.BufferMinutes, &d.Capacity, &d.MinNoticeHours, &d.HorizonDays, &d.Active, &d.FeedToken,
		&closures}, extra...)
	if err := row.Scan(dest...); err != nil {
		return Desk{}, err
	}
	for _, m := range modes {
		d.Modes = append(d.Modes, Mode(m))
	}
	var err error
	if d.Hours, err = parseHours(hours); err != nil {
		return Desk{}, err
	}
	var cs [][3]string
	if err := json.Unmarshal(closures, &cs); err != nil {
		return Desk{}, fmt.Errorf("desk closures: %w", err)
	}
	for _, c := range cs {
		from, err1 := time.ParseInLocation(time.DateOnly, c[0], Rome)
		to, err2 := time.ParseInLocation(time.DateOnly, c[1], Rome)
		if err := errors.Join(err1, err2); err != nil {
			return Desk{}, fmt.Errorf("desk closures: %w", err)
		}
		d.Closures = append(d.Closures, Closure{From: from, To: to, Reason: c[2]})
	}
	return d, nil
}

func (s *Service) listDesks(ctx context.Context, tenantID, where string, args ...any) ([]Desk, error) {
	var desks []Desk
	err := s.inTenant(ctx, tenantID, "desks", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+deskColumns+` FROM desks d WHERE d.tenant_id = $1 `+where+`
			ORDER BY d.office, d.name, d.slug`, append([]any{tenantID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDesk(rows)
			if err != nil {
				return err
			}
			desks = append(desks, d)
		}
		return rows.Err()
	})
	return desks, err
}

// Desks lists the comune's desks, active or not, by office then name.
func (s *Service) Desks(ctx context.Context, tenantID string) ([]Desk, error) {
	return s.listDesks(ctx, tenantID, "")
}

// DesksFor lists the active desks that handle service (all active desks
// when service is "").
func (s *Service) DesksFor(ctx context.Context, tenantID, service string) ([]Desk, error) {
	if service == "" {
		return s.listDesks(ctx, tenantID, "AND d.active")
	}
	return s.listDesks(ctx, tenantID, "AND d.active AND $2 = ANY (d.services)", service)
}

// Desk reads one desk by slug; ErrNotFound when it does not exist.
func (s *Service) Desk(ctx context.Context, tenantID, slug string) (Desk, error) {
	var d Desk
	err := s.inTenant(ctx, tenantID, "desk", func(tx pgx.Tx) error {
		var err error
		d, err = deskIn(ctx, tx, tenantID, slug, false)
		return err
	})
	return d, err
}

// deskIn reads a desk in tx (locked against changes when lock).
func deskIn(ctx context.Context, tx pgx.Tx, tenantID, slug string, lock bool) (Desk, error) {
	q := `SELECT ` + deskColumns + ` FROM desks d WHERE d.tenant_id = $1 AND d.slug = $2`
	if lock {
		q += ` FOR SHARE OF d`
	}
	d, err := scanDesk(tx.QueryRow(ctx, q, tenantID, slug))
	if errors.Is(err, pgx.ErrNoRows) {
		return Desk{}, ErrNotFound
	}
	return d, err
}

// DeskByFeedToken reads the desk whose feed token is token; ErrBadToken
// when there is none.
func (s *Service) DeskByFeedToken(ctx context.Context, tenantID, token string) (Desk, error) {
	if len(token) < 32 {
		return Desk{}, ErrBadToken
	}
	var d Desk
	err := s.inTenant(ctx, tenantID, "desk by feed token", func(tx pgx.Tx) error {
		var err error
		d, err = scanDesk(tx.QueryRow(ctx, `SELECT `+deskColumns+` FROM desks d
			WHERE d.tenant_id = $1 AND d.feed_token = $2`, tenantID, token))
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return Desk{}, ErrBadToken
	}
	return d, err
}

// newFeedToken draws a desk's feed token: 256 bits, URL-safe.
func newFeedToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// SaveDesk creates or updates a desk (by slug) after validating it;
// DeskErrors lists what is wrong. Its closures are replaced by
// d.Closures; its feed token is drawn when the desk is created and kept
// afterwards (d.FeedToken is ignored).
func (s *Service) SaveDesk(ctx context.Context, tenantID string, d Desk) error {
	d.Office = strings.TrimSpace(d.Office)
	d.Name = strings.TrimSpace(d.Name)
	d.NameEn = strings.TrimSpace(d.NameEn)
	d.Location = strings.TrimSpace(d.Location)
	errs := ValidateDesk(d)
	services := make([]string, 0, len(d.Services))
	for _, sv := range d.Services {
		if sv = strings.TrimSpace(sv); sv != "" && !slices.Contains(services, sv) {
			services = append(services, sv)
		}
	}
	modes := make([]string, len(d.Modes))
	for i, m := range d.Modes {
		modes[i] = string(m)
	}
	return s.inTenant(ctx, tenantID, "save desk", func(tx pgx.Tx) error {
		if d.Office != "" {
			var known bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM offices WHERE tenant_id = $1 AND slug = $2)`,
				tenantID, d.Office).Scan(&known); err != nil {
				return err
			}
			if !known {
				errs = append(errs, FieldError{Field: "office", Code: "office_unknown"})
			}
		}
		if len(errs) > 0 {
			return errs
		}
		var id string
		err := tx.QueryRow(ctx, `INSERT INTO desks (tenant_id, slug, office, name, name_en, location, services, modes,
				hours, slot_minutes, buffer_minutes, capacity, min_notice_hours, horizon_days, active, feed_token)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT (tenant_id, slug) DO UPDATE SET office = excluded.office, name = excluded.name,
				name_en = excluded.name_en, location = excluded.location, services = excluded.services,
				modes = excluded.modes, hours = excluded.hours, slot_minutes = excluded.slot_minutes,
				buffer_minutes = excluded.buffer_minutes, capacity = excluded.capacity,
				min_notice_hours = excluded.min_notice_hours, horizon_days = excluded.horizon_days,
				active = excluded.active, updated_at = now()
			RETURNING id`,
			tenantID, d.Slug, d.Office, d.Name, d.NameEn, d.Location, services, modes, hoursJSON(d.Hours),
			d.SlotMinutes, d.BufferMinutes, d.Capacity, d.MinNoticeHours, d.HorizonDays, d.Active, newFeedToken()).Scan(&id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM desk_closures WHERE tenant_id = $1 AND desk_id = $2`, tenantID, id); err != nil {
			return err
		}
		for _, c := range d.Closures {
			if _, err := tx.Exec(ctx, `INSERT INTO desk_closures (tenant_id, desk_id, from_day, to_day, reason)
				VALUES ($1, $2, $3::date, $4::date, $5)`, tenantID, id,
				civilDate(c.From).Format(time.DateOnly), civilDate(c.To).Format(time.DateOnly), strings.TrimSpace(c.Reason)); err != nil {
				return err
			}
		}
		return nil
	})
}
