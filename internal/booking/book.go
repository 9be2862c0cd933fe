package booking

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/refcode"
)

// nearestCount is how many free slots a SlotError offers instead.
const nearestCount = 6

// Book books r; a *SlotError says why not (with the nearest free slots).
//
// The slot is checked against the desk (mode, service, opening hours,
// holidays and closures, notice, horizon), then the appointment takes the
// first free seat: each seat is tried with INSERT ... ON CONFLICT DO
// NOTHING, which the exclusion constraint turns into "no row" when the
// seat is held, so of any number of concurrent requests exactly capacity
// succeed and the others get SlotError "taken", never a database error.
// The confirmation and the reminder job are queued in the same
// transaction. A request whose IdempotencyKey already booked returns that
// appointment. A guest (no PersonID) where the comune allows none gets a
// *RuleError "guests".
func (s *Service) Book(ctx context.Context, tenantID string, r Request) (Appointment, error) {
	if err := checkRequest(&r); err != nil {
		return Appointment{}, err
	}
	start := r.Start.Truncate(time.Minute)
	var a Appointment
	err := s.inTenant(ctx, tenantID, "book", func(tx pgx.Tx) error {
		if r.IdempotencyKey != "" {
			if first, err := byIdempotencyKey(ctx, tx, tenantID, r.IdempotencyKey); !errors.Is(err, ErrNotFound) {
				a = first
				return sameRequester(first, r, err)
			}
		}
		if r.PersonID == "" {
			st, err := settingsIn(ctx, tx, tenantID)
			if err != nil {
				return err
			}
			if !st.GuestsAllowed {
				return &RuleError{Code: "guests"}
			}
		}
		d, patron, err := deskForSlots(ctx, tx, tenantID, r.DeskSlug, true)
		if err != nil {
			return err
		}
		w := s.windowFor(d, patron)
		slot, code := d.check(w, s.now(), start, r.Mode, r.Service)
		if code == "" {
			var ok bool
			if a, ok, err = s.insert(ctx, tx, tenantID, d, slot, r); err != nil {
				return err
			}
			if !ok {
				code = "taken"
			}
		}
		if code != "" {
			// A concurrent request with the same key may have won.
			if r.IdempotencyKey != "" {
				if first, err := byIdempotencyKey(ctx, tx, tenantID, r.IdempotencyKey); !errors.Is(err, ErrNotFound) {
					a = first
					return sameRequester(first, r, err)
				}
			}
			return s.slotError(ctx, tx, tenantID, d, w, start, code, "")
		}
		return s.afterBooking(ctx, tx, tenantID, a, notifyBooked, time.Time{}, "")
	})
	if err != nil {
		return Appointment{}, err
	}
	return a, nil
}

// sameRequester passes err on, or refuses an idempotency key that
// booked someone else's appointment: a key is a form's, never shared, so
// such a request is forged and gets nothing of the other's.
func sameRequester(first Appointment, r Request, err error) error {
	if err != nil {
		return err
	}
	if first.PersonID != r.PersonID || (r.PersonID == "" && !strings.EqualFold(first.Email, r.Email)) {
		return fmt.Errorf("%w: idempotency key of another request", ErrInvalid)
	}
	return nil
}

// checkRequest refuses requests no form should send and tidies the rest.
func checkRequest(r *Request) error {
	r.Name, r.Email, r.Phone = strings.TrimSpace(r.Name), strings.TrimSpace(r.Email), strings.TrimSpace(r.Phone)
	r.FiscalCode = strings.ToUpper(strings.TrimSpace(r.FiscalCode))
	r.Note = strings.TrimSpace(r.Note)
	switch {
	case r.Mode != ModeInPerson && r.Mode != ModeVideo:
		return fmt.Errorf("%w: mode %q", ErrInvalid, r.Mode)
	case r.PersonID == "" && r.Email == "":
		return fmt.Errorf("%w: a guest without an email address", ErrInvalid)
	case r.Email != "":
		if addr, err := mail.ParseAddress(r.Email); err != nil || addr.Address != r.Email {
			return fmt.Errorf("%w: email %q", ErrInvalid, r.Email)
		}
	}
	if len([]rune(r.Note)) > 2000 || len([]rune(r.Name)) > 200 || len(r.Phone) > 40 || len(r.Email) > 254 {
		return fmt.Errorf("%w: a field is too long", ErrInvalid)
	}
	if r.Language == "" {
		r.Language = "it"
	}
	return nil
}

func byIdempotencyKey(ctx context.Context, tx pgx.Tx, tenantID, key string) (Appointment, error) {
	return scanAppointment(tx.QueryRow(ctx, `SELECT `+appointmentColumns+appointmentFrom+`
		WHERE a.tenant_id = $1 AND a.idempotency_key = $2`, tenantID, key))
}

// slotError is the SlotError for code with the free slots nearest to start
// (except is an appointment being moved, whose own seat counts as free).
func (s *Service) slotError(ctx context.Context, tx pgx.Tx, tenantID string, d Desk, w window, start time.Time, code, except string) error {
	e := &SlotError{Code: code}
	// No time helps a mode or service the desk does not offer.
	if d.Active && code != "mode" && code != "service" {
		var err error
		if e.Nearest, err = d.nearest(ctx, tx, tenantID, w, start, nearestCount, except); err != nil {
			return err
		}
	}
	return e
}

// insert takes the first free seat of slot for r; ok is false when every
// seat is held.
func (s *Service) insert(ctx context.Context, tx pgx.Tx, tenantID string, d Desk, slot Slot, r Request) (Appointment, bool, error) {
	var key *string
	if r.IdempotencyKey != "" {
		key = &r.IdempotencyKey
	}
	var person *string
	if r.PersonID != "" {
		person = &r.PersonID
	}
	for attempt := 0; attempt < 5; attempt++ {
		ref := refcode.New(ReferencePrefix)
		for seat := 1; seat <= d.Capacity; seat++ {
			var id string
			err := tx.QueryRow(ctx, `INSERT INTO appointments (tenant_id, reference, desk_id, seat, during, mode, service,
					person_id, name, fiscal_code, email, phone, note, application_ref, language, idempotency_key)
				VALUES ($1, $2, $3, $4, tstzrange($5, $6), $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
				ON CONFLICT DO NOTHING
				RETURNING id`,
				tenantID, ref, d.ID, seat, slot.Start, slot.End, string(r.Mode), r.Service,
				person, r.Name, r.FiscalCode, r.Email, r.Phone, r.Note, r.ApplicationRef, r.Language, key).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				continue // the seat is held (or the key or reference is taken)
			}
			if err != nil {
				return Appointment{}, false, err
			}
			a, err := appointmentIn(ctx, tx, tenantID, ref, false)
			return a, err == nil, err
		}
		// Every seat refused: held, or (about never) the reference was
		// drawn before. Draw again only in the second case.
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM appointments WHERE tenant_id = $1 AND reference = $2)`,
			tenantID, ref).Scan(&used); err != nil || !used {
			return Appointment{}, false, err
		}
	}
	return Appointment{}, false, nil
}

// Cancel cancels an appointment; a citizen after the cut-off gets a
// *RuleError "cutoff", and one already cancelled or concluded a
// *RuleError "status". A citizen (by.Office false) with a fiscal code may
// cancel only their own. The person is told, message included when the
// office cancels.
func (s *Service) Cancel(ctx context.Context, tenantID, ref string, by Actor, message string) error {
	return s.inTenant(ctx, tenantID, "cancel appointment", func(tx pgx.Tx) error {
		a, _, err := s.changeable(ctx, tx, tenantID, ref, by)
		if err != nil {
			return err
		}
		who := "citizen"
		if by.Office {
			who = "office"
		}
		if _, err := tx.Exec(ctx, `UPDATE appointments SET status = 'cancelled', cancelled_by = $3, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, tenantID, a.ID, who); err != nil {
			return err
		}
		a.Status, a.CancelledBy = StatusCancelled, who
		if !by.Office {
			message = ""
		}
		return s.afterBooking(ctx, tx, tenantID, a, notifyCancelled, time.Time{}, strings.TrimSpace(message))
	})
}

// changeable locks an appointment that by may move or cancel now.
func (s *Service) changeable(ctx context.Context, tx pgx.Tx, tenantID, ref string, by Actor) (Appointment, Settings, error) {
	a, err := appointmentIn(ctx, tx, tenantID, ref, true)
	if err != nil {
		return Appointment{}, Settings{}, err
	}
	if !by.Office && by.FiscalCode != "" && !strings.EqualFold(by.FiscalCode, a.FiscalCode) {
		return Appointment{}, Settings{}, ErrNotFound
	}
	if a.Status != StatusBooked {
		return Appointment{}, Settings{}, &RuleError{Code: "status"}
	}
	st, err := settingsIn(ctx, tx, tenantID)
	if err != nil {
		return Appointment{}, Settings{}, err
	}
	if !by.Office && s.now().After(a.Start.Add(-time.Duration(st.CancelCutoffHours)*time.Hour)) {
		return Appointment{}, Settings{}, &RuleError{Code: "cutoff", Hours: st.CancelCutoffHours}
	}
	return a, st, nil
}

// Move moves an appointment to another start on the same desk, keeping its
// reference and taking a free seat there (its old seat is freed in the
// same transaction); a *SlotError when the new slot cannot be booked, a
// *RuleError as for Cancel. The person is told and a new reminder
// queued; the old reminder finds the start changed and sends nothing.
func (s *Service) Move(ctx context.Context, tenantID, ref string, start time.Time, by Actor, message string) (Appointment, error) {
	start = start.Truncate(time.Minute)
	var moved Appointment
	err := s.inTenant(ctx, tenantID, "move appointment", func(tx pgx.Tx) error {
		a, _, err := s.changeable(ctx, tx, tenantID, ref, by)
		if err != nil {
			return err
		}
		d, patron, err := deskForSlots(ctx, tx, tenantID, a.DeskSlug, true)
		if err != nil {
			return err
		}
		w := s.windowFor(d, patron)
		if by.Office {
			// The office may move within the desk's hours without the
			// citizens' notice.
			w.earliest = s.now()
		}
		slot, code := d.check(w, s.now(), start, a.Mode, "")
		if code == "" && start.Equal(a.Start) {
			moved = a
			return nil
		}
		if code == "" {
			ok, err := moveSeat(ctx, tx, tenantID, a.ID, d.Capacity, slot)
			if err != nil {
				return err
			}
			if !ok {
				code = "taken"
			}
		}
		if code != "" {
			return s.slotError(ctx, tx, tenantID, d, w, start, code, a.ID)
		}
		if moved, err = appointmentIn(ctx, tx, tenantID, ref, false); err != nil {
			return err
		}
		if !by.Office {
			message = ""
		}
		return s.afterBooking(ctx, tx, tenantID, moved, notifyMoved, a.Start, strings.TrimSpace(message))
	})
	if err != nil {
		return Appointment{}, err
	}
	return moved, nil
}

// moveSeat moves appointment id to slot on the first seat free there. An
// UPDATE has no ON CONFLICT: each seat is tried under a savepoint and an
// exclusion violation (23P01) rolls back to it.
func moveSeat(ctx context.Context, tx pgx.Tx, tenantID, id string, capacity int, slot Slot) (bool, error) {
	for seat := 1; seat <= capacity; seat++ {
		sp, err := tx.Begin(ctx)
		if err != nil {
			return false, err
		}
		_, err = sp.Exec(ctx, `UPDATE appointments SET seat = $3, during = tstzrange($4, $5), updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, tenantID, id, seat, slot.Start, slot.End)
		if err == nil {
			return true, sp.Commit(ctx)
		}
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return false, rbErr
		}
		if !isExclusionViolation(err) {
			return false, err
		}
	}
	return false, nil
}
