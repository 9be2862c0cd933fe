package applications

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
)

// The office's side of an application. The digital desk builds its queue
// and its permissions on these; each one is a transition (or an event) in
// one transaction, guarded by the revision the clerk saw.

// lockForStaff reads an application by reference for a change by staff,
// refusing it when it changed since the revision the clerk saw (0: don't
// check).
func lockForStaff(ctx context.Context, tx pgx.Tx, tenantID, reference string, revision int) (Application, error) {
	if !IsReference(reference) {
		return Application{}, db.ErrNotFound
	}
	a, err := scanApplication(tx.QueryRow(ctx, `SELECT `+applicationColumns+` FROM applications
		WHERE tenant_id = $1 AND reference = $2 AND status <> 'draft' FOR UPDATE`, tenantID, reference))
	if err != nil {
		return a, db.Classify(err)
	}
	if revision != 0 && a.Revision != revision {
		return a, ErrChanged
	}
	return a, nil
}

func (s *Service) staffMove(ctx context.Context, tenantID, reference string, revision int, by Actor, to Status, ch Change) error {
	return s.inTenant(ctx, tenantID, "application "+string(to), func(tx pgx.Tx) error {
		a, err := lockForStaff(ctx, tx, tenantID, reference, revision)
		if err != nil {
			return err
		}
		_, err = s.transition(ctx, tx, &a, to, by, ch, s.now())
		return err
	})
}

// TakeInCharge makes the clerk the one working on a registered
// application.
func (s *Service) TakeInCharge(ctx context.Context, tenantID, reference string, revision int, by Actor) error {
	return s.inTenant(ctx, tenantID, "take in charge", func(tx pgx.Tx) error {
		a, err := lockForStaff(ctx, tx, tenantID, reference, revision)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET assignee = $3 WHERE tenant_id = $1 AND id = $2`, tenantID, a.ID, by.ID); err != nil {
			return err
		}
		_, err = s.transition(ctx, tx, &a, InProgress, by, Change{}, s.now())
		return err
	})
}

// RequestIntegration asks the citizen for more (message, reply deadline):
// the legal clock stops until they answer.
func (s *Service) RequestIntegration(ctx context.Context, tenantID, reference string, revision int, by Actor, message string, replyBy time.Time) error {
	message, err := checkMessage(message, true)
	if err != nil {
		return err
	}
	return s.staffMove(ctx, tenantID, reference, revision, by, AwaitingIntegration, Change{Message: message, ReplyBy: &replyBy})
}

// Decide accepts or rejects the application with a motivation.
func (s *Service) Decide(ctx context.Context, tenantID, reference string, revision int, by Actor, accept bool, motivation string) error {
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
func (s *Service) Cancel(ctx context.Context, tenantID, reference string, revision int, by Actor, motivation string) error {
	motivation, err := checkMessage(motivation, true)
	if err != nil {
		return err
	}
	return s.staffMove(ctx, tenantID, reference, revision, by, Cancelled, Change{Message: motivation})
}

// MessageCitizen writes to the citizen about the application.
func (s *Service) MessageCitizen(ctx context.Context, tenantID, reference string, by Actor, message string) error {
	message, err := checkMessage(message, true)
	if err != nil {
		return err
	}
	return s.inTenant(ctx, tenantID, "message the citizen", func(tx pgx.Tx) error {
		a, err := lockForStaff(ctx, tx, tenantID, reference, 0)
		if err != nil {
			return err
		}
		_, err = s.addEvent(ctx, tx, &a, EventMessageFromOffice, "", "", by, Change{Message: message}, s.now())
		return err
	})
}
