package applications

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/workdays"
)

// Actor kinds: who did something to an application.
const (
	ActorCitizen = "citizen"
	ActorStaff   = "staff"
	ActorSystem  = "system"
)

// Actor is who makes a change: a citizen, a clerk, or Civica itself (a job).
type Actor struct {
	Kind string
	ID   string // person id for a citizen, fiscal code for staff, job name for the system
	Name string
}

// System is Civica acting by itself.
var System = Actor{Kind: ActorSystem, ID: "civica", Name: "Civica"}

// transitions says, for each state, which states it may move to and who
// may move it there. Withdrawing also needs a form that allows it (checked
// by Withdraw).
var transitions = map[Status]map[Status][]string{
	Draft:               {Submitted: {ActorCitizen}},
	Submitted:           {Registered: {ActorSystem}, Withdrawn: {ActorCitizen}, Cancelled: {ActorStaff}},
	Registered:          {InProgress: {ActorStaff}, Withdrawn: {ActorCitizen}, Cancelled: {ActorStaff}},
	InProgress:          {AwaitingIntegration: {ActorStaff}, Accepted: {ActorStaff}, Rejected: {ActorStaff}, Withdrawn: {ActorCitizen}, Cancelled: {ActorStaff}},
	AwaitingIntegration: {InProgress: {ActorCitizen, ActorStaff, ActorSystem}, Rejected: {ActorStaff, ActorSystem}, Withdrawn: {ActorCitizen}, Cancelled: {ActorStaff}},
}

// CanMove reports whether an actor of kind may move an application from
// one state to the other.
func CanMove(from, to Status, actorKind string) bool {
	return slices.Contains(transitions[from][to], actorKind)
}

// Change is what a transition or an event says besides its states.
type Change struct {
	Message string     // for the citizen
	Note    string     // internal to the office
	ReplyBy *time.Time // an integration request's reply deadline
}

// transition moves a (locked) application to a new state inside tx: the
// one place where states change. It updates the row and the deadline
// clock, writes the timeline event and enqueues what follows.
func (s *Service) transition(ctx context.Context, tx pgx.Tx, a *Application, to Status, by Actor, ch Change, now time.Time) (Event, error) {
	if !CanMove(a.Status, to, by.Kind) {
		return Event{}, fmt.Errorf("%w: %s → %s by %s", ErrNotAllowed, a.Status, to, by.Kind)
	}
	from := a.Status
	a.Status = to
	switch to {
	case Submitted:
		a.SubmittedAt, a.ExpiresAt = &now, nil
	case InProgress:
		if a.TakenAt == nil {
			a.TakenAt = &now
		}
		if a.SuspendedAt != nil && a.DueOn != nil {
			cal, err := calendarOf(ctx, tx, a)
			if err != nil {
				return Event{}, err
			}
			due := cal.Extend(*a.DueOn, *a.SuspendedAt, now, workdays.Kind(a.DaysKind))
			a.DueOn = &due
		}
		a.SuspendedAt = nil
	case AwaitingIntegration:
		a.SuspendedAt = &now
	case Accepted, Rejected, Withdrawn, Cancelled:
		a.DecidedAt = &now
		a.SuspendedAt = nil
	}
	if _, err := tx.Exec(ctx, `UPDATE applications SET status = $3, submitted_at = $4, expires_at = $5, taken_at = $6,
			due_on = $7, suspended_at = $8, decided_at = $9, revision = revision + 1, updated_at = $10,
			answers = $11, days_kind = $12,
			(applicant_name, applicant_fiscal_code) = (SELECT coalesce(max(p.given_name || ' ' || p.family_name), applicant_name),
				coalesce(max(p.fiscal_code), applicant_fiscal_code)
				FROM people p WHERE $3 = 'submitted' AND p.tenant_id = $1 AND p.id = applications.person_id)
		WHERE tenant_id = $1 AND id = $2`,
		a.TenantID, a.ID, a.Status, a.SubmittedAt, a.ExpiresAt, a.TakenAt, a.DueOn, a.SuspendedAt, a.DecidedAt, now,
		a.Answers, a.DaysKind); err != nil {
		return Event{}, fmt.Errorf("move %s to %s: %w", a.Reference, to, err)
	}
	a.Revision++
	a.UpdatedAt = now
	var more []river.JobArgs
	switch to {
	case Submitted:
		more = append(more, RegisterArgs{TenantID: a.TenantID, ApplicationID: a.ID},
			ReceiptArgs{TenantID: a.TenantID, ApplicationID: a.ID, Revision: a.Revision})
	case Registered:
		more = append(more, ReceiptArgs{TenantID: a.TenantID, ApplicationID: a.ID, Revision: a.Revision})
	}
	ev, err := s.addEvent(ctx, tx, a, string(to), from, to, by, ch, now, more...)
	if err != nil {
		return Event{}, err
	}
	return ev, nil
}

// addEvent writes a timeline event and enqueues, in tx and in one round
// trip, the jobs that follow it: the citizen's notification when they
// should hear of it, and also.
func (s *Service) addEvent(ctx context.Context, tx pgx.Tx, a *Application, kind string, from, to Status, by Actor, ch Change, now time.Time, also ...river.JobArgs) (Event, error) {
	ev := Event{Kind: kind, From: from, To: to, ActorKind: by.Kind, ActorName: by.Name, Message: ch.Message, Note: ch.Note, ReplyBy: ch.ReplyBy, At: now}
	err := tx.QueryRow(ctx, `INSERT INTO application_events
			(tenant_id, application_id, seq, kind, from_status, to_status, actor_kind, actor_name, actor_id, message, note, reply_by, at)
		SELECT $1, $2, coalesce(max(seq), 0) + 1, $3, nullif($4, ''), nullif($5, ''), $6, $7, $8, $9, $10, $11, $12
		FROM application_events WHERE tenant_id = $1 AND application_id = $2
		RETURNING seq`,
		a.TenantID, a.ID, kind, string(from), string(to), by.Kind, by.Name, by.ID, ch.Message, ch.Note, ch.ReplyBy, now).Scan(&ev.Seq)
	if err != nil {
		return ev, fmt.Errorf("timeline of %s: %w", a.Reference, err)
	}
	var batch []river.InsertManyParams
	if notifies(kind) {
		batch = append(batch, river.InsertManyParams{Args: NotifyArgs{TenantID: a.TenantID, ApplicationID: a.ID, Seq: ev.Seq}})
	}
	for _, j := range also {
		batch = append(batch, river.InsertManyParams{Args: j})
	}
	if len(batch) > 0 {
		if _, err := s.jobs.InsertManyTx(ctx, tx, batch); err != nil {
			return ev, fmt.Errorf("enqueue after %s: %w", kind, err)
		}
	}
	return ev, nil
}

// notifies reports whether the citizen is told of an event of this kind:
// everything but what they did themselves (their own messages and
// answers), which the page shows them at once.
func notifies(kind string) bool {
	return kind != EventMessageFromCitizen && kind != EventIntegration && !slices.Contains(internalEvents, kind)
}

// calendarOf is the working-day calendar of the application's comune.
func calendarOf(ctx context.Context, tx pgx.Tx, a *Application) (workdays.Calendar, error) {
	var patron string
	if err := tx.QueryRow(ctx, `SELECT coalesce(patron_saint_day, '') FROM tenants WHERE id = app_tenant_id()`).Scan(&patron); err != nil {
		return workdays.Calendar{}, fmt.Errorf("comune calendar: %w", err)
	}
	return workdays.Calendar{PatronDay: patron}, nil
}
