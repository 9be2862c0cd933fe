package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/refcode"
)

// ReferencePrefix starts every appointment's reference ("APP-7KQ2M9XD").
const ReferencePrefix = "APP-"

var referencePattern = refcode.Pattern(ReferencePrefix)

// IsReference reports whether s has the shape of an appointment reference.
func IsReference(s string) bool { return referencePattern.MatchString(s) }

// ErrInvalid wraps a request that cannot be an appointment at all (no
// way to reach the person, an unknown mode); the web layer validates
// forms before, so people never see it.
var ErrInvalid = errors.New("booking: invalid request")

// appointmentColumns are read by scanAppointment.
const appointmentColumns = `a.id, a.reference, d.slug, d.name, d.office, d.location, a.service, a.mode,
	lower(a.during), upper(a.during), a.status, coalesce(a.person_id::text, ''), a.name, a.fiscal_code, a.email,
	a.phone, a.note, a.staff_note, a.application_ref, a.clerk, a.created_at, a.cancelled_by`

const appointmentFrom = ` FROM appointments a JOIN desks d ON d.tenant_id = a.tenant_id AND d.id = a.desk_id `

func scanAppointment(row pgx.Row, extra ...any) (Appointment, error) {
	var a Appointment
	var mode string
	dest := append([]any{&a.ID, &a.Reference, &a.DeskSlug, &a.DeskName, &a.Office, &a.Location, &a.Service, &mode,
		&a.Start, &a.End, &a.Status, &a.PersonID, &a.Name, &a.FiscalCode, &a.Email,
		&a.Phone, &a.Note, &a.StaffNote, &a.ApplicationRef, &a.Clerk, &a.CreatedAt, &a.CancelledBy}, extra...)
	if err := row.Scan(dest...); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return Appointment{}, ErrNotFound
		}
		return Appointment{}, err
	}
	a.Mode = Mode(mode)
	a.Start, a.End = a.Start.In(Rome), a.End.In(Rome)
	return a, nil
}

func collectAppointments(rows pgx.Rows) ([]Appointment, error) {
	defer rows.Close()
	var as []Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, err
		}
		as = append(as, a)
	}
	return as, rows.Err()
}

// appointmentIn reads an appointment by reference in tx, locked for
// update when lock.
func appointmentIn(ctx context.Context, tx pgx.Tx, tenantID, ref string, lock bool) (Appointment, error) {
	q := `SELECT ` + appointmentColumns + appointmentFrom + `WHERE a.tenant_id = $1 AND a.reference = $2`
	if lock {
		q += ` FOR UPDATE OF a`
	}
	return scanAppointment(tx.QueryRow(ctx, q, tenantID, ref))
}

// Get reads an appointment by reference; ErrNotFound when the comune has
// none by it.
func (s *Service) Get(ctx context.Context, tenantID, ref string) (Appointment, error) {
	if !IsReference(ref) {
		return Appointment{}, ErrNotFound
	}
	var a Appointment
	err := s.inTenant(ctx, tenantID, "appointment", func(tx pgx.Tx) error {
		var err error
		a, err = appointmentIn(ctx, tx, tenantID, ref, false)
		return err
	})
	return a, err
}

// ForPerson lists a person's appointments: those not yet ended first,
// soonest first, then the past ones, latest first.
func (s *Service) ForPerson(ctx context.Context, tenantID, personID string) ([]Appointment, error) {
	var as []Appointment
	err := s.inTenant(ctx, tenantID, "appointments of person", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+appointmentColumns+appointmentFrom+`
			WHERE a.tenant_id = $1 AND a.person_id = $2::uuid
			ORDER BY upper(a.during) < $3,
				CASE WHEN upper(a.during) >= $3 THEN lower(a.during) END,
				lower(a.during) DESC`, tenantID, personID, s.now())
		if err != nil {
			return err
		}
		as, err = collectAppointments(rows)
		return err
	})
	return as, err
}

// Agenda lists the appointments of a desk ("" all desks) and of a clerk
// ("" anyone) that overlap [from, to), cancelled ones included, by start.
func (s *Service) Agenda(ctx context.Context, tenantID, deskSlug, clerk string, from, to time.Time) ([]Appointment, error) {
	var as []Appointment
	err := s.inTenant(ctx, tenantID, "agenda", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+appointmentColumns+appointmentFrom+`
			WHERE a.tenant_id = $1 AND lower(a.during) < $3 AND lower(a.during) >= $2::timestamptz - interval '1 day'
			  AND upper(a.during) > $2
			  AND ($4 = '' OR d.slug = $4) AND ($5 = '' OR a.clerk = $5)
			ORDER BY lower(a.during), d.name, a.reference`, tenantID, from, to, deskSlug, clerk)
		if err != nil {
			return err
		}
		as, err = collectAppointments(rows)
		return err
	})
	return as, err
}

// Marks a clerk records (Mark).
var marks = []string{StatusCheckedIn, StatusDone, StatusNoShow}

// Mark records check-in, done or no-show (status) and the clerk's note;
// status "" changes the note alone. A cancelled appointment gets a
// *RuleError "status".
func (s *Service) Mark(ctx context.Context, tenantID, ref, status, staffNote string, by Actor) error {
	if status != "" && !slices.Contains(marks, status) {
		return fmt.Errorf("%w: status %q", ErrInvalid, status)
	}
	return s.inTenant(ctx, tenantID, "mark appointment", func(tx pgx.Tx) error {
		a, err := appointmentIn(ctx, tx, tenantID, ref, true)
		if err != nil {
			return err
		}
		if a.Status == StatusCancelled || !by.Office {
			return &RuleError{Code: "status"}
		}
		if status == "" {
			status = a.Status
		}
		_, err = tx.Exec(ctx, `UPDATE appointments SET status = $3, staff_note = $4, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, tenantID, a.ID, status, strings.TrimSpace(staffNote))
		return err
	})
}

// Assign gives an appointment to a clerk ("" unassigns); ErrNotFound when
// clerk is not one of the comune's staff.
func (s *Service) Assign(ctx context.Context, tenantID, ref, clerk string) error {
	return s.inTenant(ctx, tenantID, "assign appointment", func(tx pgx.Tx) error {
		if clerk != "" {
			var staff bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM staff_members WHERE tenant_id = $1 AND fiscal_code = $2)`,
				tenantID, clerk).Scan(&staff); err != nil {
				return err
			}
			if !staff {
				return ErrNotFound
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE appointments SET clerk = $3, updated_at = now()
			WHERE tenant_id = $1 AND reference = $2`, tenantID, ref, clerk)
		if err == nil && tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return err
	})
}
