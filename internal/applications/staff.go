package applications

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
)

// The office's side of an application. Every function here reads the
// clerk's scope in its own transaction: an application outside the
// clerk's offices is db.ErrNotFound, a role that may not act is
// ErrForbidden, a state that does not allow the action is ErrNotAllowed,
// and a revision other than the one the clerk saw is ErrChanged, with
// nothing changed. What a clerk does is written to the audit log in the
// same transaction as the change.

// Event kinds only staff see: they are not news for the citizen.
const (
	EventAssigned = "assigned"
	EventNote     = "note"
)

// internalEvents are the timeline events the citizen never sees.
var internalEvents = []string{EventAssigned, EventNote}

// staffAction is the application a clerk acts on, locked, with the
// clerk's scope.
type staffAction struct {
	app   Application
	scope Scope
}

// lockForStaff reads an application by reference for a change by staff,
// refusing it when the clerk does not work on its office (db.ErrNotFound)
// or when it changed since the revision the clerk saw (0: don't check).
func lockForStaff(ctx context.Context, tx pgx.Tx, tenantID, reference string, revision int, by Clerk) (staffAction, error) {
	var sa staffAction
	if !IsReference(reference) {
		return sa, db.ErrNotFound
	}
	sc, err := LoadScope(ctx, tx, tenantID, by.FiscalCode)
	if err != nil {
		return sa, err
	}
	a, err := scanApplication(tx.QueryRow(ctx, `SELECT `+applicationColumns+` FROM applications
		WHERE tenant_id = $1 AND reference = $2 AND status <> 'draft' FOR UPDATE`, tenantID, reference))
	if err != nil {
		return sa, db.Classify(err)
	}
	if !sc.Sees(a.Office) {
		return sa, db.ErrNotFound
	}
	if revision != 0 && a.Revision != revision {
		return staffAction{app: a, scope: sc}, ErrChanged
	}
	return staffAction{app: a, scope: sc}, nil
}

// staffDo runs fn on the locked application and writes the audit line of
// action when fn succeeds.
func (s *Service) staffDo(ctx context.Context, tenantID, reference string, revision int, by Clerk, action, detail string, fn func(tx pgx.Tx, sa *staffAction) error) error {
	return s.inTenant(ctx, tenantID, action, func(tx pgx.Tx) error {
		sa, err := lockForStaff(ctx, tx, tenantID, reference, revision, by)
		if err != nil {
			return err
		}
		if err := fn(tx, &sa); err != nil {
			return err
		}
		return Audit(ctx, tx, tenantID, by, AuditEntry{Action: action, ApplicationID: sa.app.ID, Reference: sa.app.Reference, Detail: detail})
	})
}

func (s *Service) staffMove(ctx context.Context, tenantID, reference string, revision int, by Clerk, to Status, ch Change) error {
	return s.staffDo(ctx, tenantID, reference, revision, by, string(to), ch.Message, func(tx pgx.Tx, sa *staffAction) error {
		_, err := s.transition(ctx, tx, &sa.app, to, by.Actor(), ch, s.now())
		return err
	})
}

// TakeInCharge makes the clerk the one working on a registered
// application.
func (s *Service) TakeInCharge(ctx context.Context, tenantID, reference string, revision int, by Clerk) error {
	return s.staffDo(ctx, tenantID, reference, revision, by, string(InProgress), "", func(tx pgx.Tx, sa *staffAction) error {
		if !CanMove(sa.app.Status, InProgress, ActorStaff) || sa.app.Status == AwaitingIntegration {
			return fmt.Errorf("%w: take in charge from %s", ErrNotAllowed, sa.app.Status)
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET assignee = $3 WHERE tenant_id = $1 AND id = $2`, tenantID, sa.app.ID, by.FiscalCode); err != nil {
			return err
		}
		sa.app.Assignee = by.FiscalCode
		_, err := s.transition(ctx, tx, &sa.app, InProgress, by.Actor(), Change{}, s.now())
		return err
	})
}

// Assign gives the application to a member of staff who works on its
// office (assignee "" leaves it unassigned). Office managers and admins
// assign anyone; a clerk may only take an application for themselves.
func (s *Service) Assign(ctx context.Context, tenantID, reference string, revision int, by Clerk, assignee string) error {
	return s.staffDo(ctx, tenantID, reference, revision, by, EventAssigned, assignee, func(tx pgx.Tx, sa *staffAction) error {
		if sa.app.Status.Final() {
			return fmt.Errorf("%w: assign a %s application", ErrNotAllowed, sa.app.Status)
		}
		if !sa.scope.Manages(sa.app.Office) && assignee != by.FiscalCode {
			return ErrForbidden
		}
		name := ""
		if assignee != "" {
			to, err := LoadScope(ctx, tx, tenantID, assignee)
			if err != nil || !to.Sees(sa.app.Office) {
				return fmt.Errorf("%w: %s does not work on %s", ErrNotAllowed, assignee, sa.app.Office)
			}
			name = to.Name
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET assignee = nullif($3, ''), revision = revision + 1, updated_at = $4
			WHERE tenant_id = $1 AND id = $2`, tenantID, sa.app.ID, assignee, s.now()); err != nil {
			return err
		}
		sa.app.Revision++
		_, err := s.addEvent(ctx, tx, &sa.app, EventAssigned, "", "", by.Actor(), Change{Note: name}, s.now())
		return err
	})
}

// RequestIntegration asks the citizen for more (message, reply deadline):
// the legal clock stops until they answer.
func (s *Service) RequestIntegration(ctx context.Context, tenantID, reference string, revision int, by Clerk, message string, replyBy time.Time) error {
	message, err := checkMessage(message, true)
	if err != nil {
		return err
	}
	return s.staffMove(ctx, tenantID, reference, revision, by, AwaitingIntegration, Change{Message: message, ReplyBy: &replyBy})
}

// Decide accepts or rejects the application with a motivation.
func (s *Service) Decide(ctx context.Context, tenantID, reference string, revision int, by Clerk, accept bool, motivation string) error {
	motivation, err := checkMessage(motivation, true)
	if err != nil {
		return err
	}
	to := Rejected
	if accept {
		to = Accepted
	}
	return s.staffMove(ctx, tenantID, reference, revision, by, to, Change{Message: motivation})
}

// Cancel closes the application by the office's decision.
func (s *Service) Cancel(ctx context.Context, tenantID, reference string, revision int, by Clerk, motivation string) error {
	motivation, err := checkMessage(motivation, true)
	if err != nil {
		return err
	}
	return s.staffMove(ctx, tenantID, reference, revision, by, Cancelled, Change{Message: motivation})
}

// MessageCitizen writes to the citizen about the application.
func (s *Service) MessageCitizen(ctx context.Context, tenantID, reference string, by Clerk, message string) error {
	message, err := checkMessage(message, true)
	if err != nil {
		return err
	}
	return s.staffDo(ctx, tenantID, reference, 0, by, EventMessageFromOffice, "", func(tx pgx.Tx, sa *staffAction) error {
		_, err := s.addEvent(ctx, tx, &sa.app, EventMessageFromOffice, "", "", by.Actor(), Change{Message: message}, s.now())
		return err
	})
}

// AddNote writes an internal note on the timeline: the office sees it,
// the citizen never does.
func (s *Service) AddNote(ctx context.Context, tenantID, reference string, by Clerk, note string) error {
	note, err := checkMessage(note, true)
	if err != nil {
		return err
	}
	return s.staffDo(ctx, tenantID, reference, 0, by, EventNote, "", func(tx pgx.Tx, sa *staffAction) error {
		_, err := s.addEvent(ctx, tx, &sa.app, EventNote, "", "", by.Actor(), Change{Note: note}, s.now())
		return err
	})
}
