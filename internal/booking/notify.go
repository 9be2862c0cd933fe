package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/notify"
)

// What a person is told of (afterBooking).
type notice int

const (
	notifyBooked notice = iota
	notifyMoved
	notifyCancelled
	notifyReminder
)

var noticeEvents = map[notice]notify.Event{
	notifyBooked:    notify.EventAppointmentBooked,
	notifyMoved:     notify.EventAppointmentMoved,
	notifyCancelled: notify.EventAppointmentCancelled,
	notifyReminder:  notify.EventAppointmentReminder,
}

// afterBooking tells the person of what happened to a, inside tx, and for
// a booking or a move queues the reminder for its (new) start.
// previous is the start before a move.
func (s *Service) afterBooking(ctx context.Context, tx pgx.Tx, tenantID string, a Appointment, what notice, previous time.Time, message string) error {
	var comune, slug, lang, office, service string
	err := tx.QueryRow(ctx, `SELECT t.name, t.slug, ap.language,
			coalesce(o.office->'name'->>ap.language, o.office->'name'->>'it', ''),
			coalesce(sv.card->'title'->>ap.language, sv.card->'title'->>'it', '')
		FROM appointments ap
		JOIN tenants t ON t.id = ap.tenant_id
		JOIN desks d ON d.tenant_id = ap.tenant_id AND d.id = ap.desk_id
		LEFT JOIN offices o ON o.tenant_id = ap.tenant_id AND o.slug = d.office
		LEFT JOIN services sv ON sv.tenant_id = ap.tenant_id AND sv.slug = ap.service
		WHERE ap.tenant_id = $1 AND ap.id = $2`, tenantID, a.ID).Scan(&comune, &slug, &lang, &office, &service)
	if err != nil {
		return fmt.Errorf("appointment message: %w", err)
	}
	if office == "" {
		office = a.DeskName
	}
	vars := notify.Vars{Comune: comune, Reference: a.Reference, Service: service, Office: office,
		Date: s.date(lang, a.Start), Time: clock(a.Start), Place: a.Location, Message: message}
	if service == "" {
		vars.Service = s.text(lang, "booking.reason.general")
	}
	if a.Mode == ModeVideo {
		vars.Place = s.text(lang, "booking.place.video")
	}
	if what == notifyMoved {
		vars.PreviousDate, vars.PreviousTime = s.date(lang, previous), clock(previous)
	}
	n := notify.Notification{TenantID: tenantID, PersonID: a.PersonID, Kind: notify.KindAppointments,
		Event: noticeEvents[what], Vars: vars, Language: lang}
	if a.PersonID == "" {
		n.Email = a.Email
		vars.Link = s.link(tenantID, slug, ManagePath(s.ManageToken(tenantID, a)))
	} else {
		vars.Link = s.link(tenantID, slug, PersonalPath(a.Reference))
	}
	n.Vars = vars
	switch what {
	case notifyBooked:
		n.IdempotencyKey = "appointment:" + a.ID + ":booked"
	case notifyCancelled:
		n.IdempotencyKey = "appointment:" + a.ID + ":cancelled"
	case notifyMoved:
		n.IdempotencyKey = fmt.Sprintf("appointment:%s:moved:%d", a.ID, s.now().UnixNano())
	case notifyReminder:
		n.IdempotencyKey = fmt.Sprintf("appointment:%s:reminder:%d", a.ID, a.Start.Unix())
	}
	if err := notify.Notify(ctx, tx, s.inserter, n); err != nil {
		return err
	}
	if what != notifyBooked && what != notifyMoved {
		return nil
	}
	st, err := settingsIn(ctx, tx, tenantID)
	if err != nil {
		return err
	}
	if st.ReminderHours <= 0 {
		return nil
	}
	when := a.Start.Add(-time.Duration(st.ReminderHours) * time.Hour)
	if !when.After(s.now()) {
		return nil // booked too close to the start for a reminder
	}
	_, err = s.inserter.InsertTx(ctx, tx, ReminderArgs{TenantID: tenantID, AppointmentID: a.ID, Start: a.Start.UTC()},
		&river.InsertOpts{ScheduledAt: when})
	return err
}

// date is day of t in the language, as people write it.
func (s *Service) date(lang string, t time.Time) string {
	c := s.catalog()
	if c == nil {
		return t.In(Rome).Format("02/01/2006")
	}
	return c.For(lang).Date(t)
}

// text is the catalogue's message for key ("" without a catalogue).
func (s *Service) text(lang, key string) string {
	c := s.catalog()
	if c == nil {
		return ""
	}
	return c.For(lang).T(key)
}

// clock is the civil time of t in Rome, "09:30".
func clock(t time.Time) string {
	t = t.In(Rome)
	return fmt.Sprintf("%02d:%02d", t.Hour(), t.Minute())
}

// isExclusionViolation reports whether err is an exclusion constraint's
// refusal (another live appointment holds the seat).
func isExclusionViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23P01"
}

// ReminderArgs asks for the reminder of an appointment starting at Start.
type ReminderArgs struct {
	TenantID      string    `json:"tenant_id"`
	AppointmentID string    `json:"appointment_id"`
	Start         time.Time `json:"start"`
}

// Kind names the job in River.
func (ReminderArgs) Kind() string { return "appointment_reminder" }

// InsertOpts: a reminder that cannot be sent for hours is pointless, so
// it is not retried for long.
func (ReminderArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

// ReminderWorker reminds the person of an appointment. It sends nothing
// when the appointment was cancelled, already happened or moved (its
// start is no longer the job's: the move queued its own reminder), and
// nothing twice (the message's key is the appointment's and its start).
type ReminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	Service *Service
}

// Work reminds inside the comune's transaction.
func (w *ReminderWorker) Work(ctx context.Context, job *river.Job[ReminderArgs]) error {
	s := w.Service
	args := job.Args
	return s.inTenant(ctx, args.TenantID, "appointment reminder", func(tx pgx.Tx) error {
		a, err := scanAppointment(tx.QueryRow(ctx, `SELECT `+appointmentColumns+appointmentFrom+`
			WHERE a.tenant_id = $1 AND a.id = $2::uuid FOR UPDATE OF a`, args.TenantID, args.AppointmentID))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if a.Status != StatusBooked || !a.Start.Equal(args.Start) || !a.Start.After(s.now()) {
			return nil
		}
		return s.afterBooking(ctx, tx, args.TenantID, a, notifyReminder, time.Time{}, "")
	})
}

// AddWorkers registers the booking's job workers.
func AddWorkers(w *river.Workers, s *Service) {
	river.AddWorker(w, &ReminderWorker{Service: s})
}
