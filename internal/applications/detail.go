package applications

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/notify"
)

// Notification is a message Civica sent about an application, on one
// channel.
type Notification struct {
	Channel string // inbox, email, sms, io
	Subject string
	Status  string // inbox: "delivered"; others: a notify delivery status
	At      time.Time
}

// Detail is everything the citizen sees of one application.
type Detail struct {
	Filled
	Events        []Event
	Notifications []Notification
	// Withdrawable: the citizen may withdraw it now.
	Withdrawable bool
}

// ForPerson returns the person's application with its timeline (without
// the office's internal notes), files and notifications; db.ErrNotFound for
// anyone else's.
func (s *Service) ForPerson(ctx context.Context, tenantID, personID, reference string) (Detail, error) {
	var d Detail
	err := s.inTenant(ctx, tenantID, "read application", func(tx pgx.Tx) error {
		a, err := lockForPerson(ctx, tx, tenantID, personID, reference)
		if err != nil {
			return err
		}
		if d.Filled, err = s.draftIn(ctx, tx, a); err != nil {
			return err
		}
		if d.Events, err = events(ctx, tx, a, false); err != nil {
			return err
		}
		if d.Notifications, err = notifications(ctx, tx, a); err != nil {
			return err
		}
		d.Withdrawable = d.Form.Withdrawable && CanMove(a.Status, Withdrawn, ActorCitizen)
		return nil
	})
	return d, err
}

func events(ctx context.Context, tx pgx.Tx, a Application, withNotes bool) ([]Event, error) {
	rows, err := tx.Query(ctx, `SELECT seq, kind, coalesce(from_status, ''), coalesce(to_status, ''), actor_kind, actor_name,
			message, CASE WHEN $3 THEN note ELSE '' END, reply_by, at
		FROM application_events WHERE tenant_id = $1 AND application_id = $2 AND ($3 OR NOT kind = ANY($4))
		ORDER BY seq`, a.TenantID, a.ID, withNotes, internalEvents)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Event])
}

func files(ctx context.Context, tx pgx.Tx, a Application) ([]File, error) {
	rows, err := tx.Query(ctx, `SELECT id::text, owner, field_key, coalesce(event_seq, 0), name, content_type, size, sha256,
			created_at, storage_key
		FROM application_files WHERE tenant_id = $1 AND application_id = $2 ORDER BY created_at, name`, a.TenantID, a.ID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (File, error) {
		var f File
		err := row.Scan(&f.ID, &f.Owner, &f.FieldKey, &f.EventSeq, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.CreatedAt, &f.storageKey)
		return f, err
	})
}

func notifications(ctx context.Context, tx pgx.Tx, a Application) ([]Notification, error) {
	rows, err := tx.Query(ctx, `SELECT 'inbox', subject, 'delivered', created_at FROM inbox_messages
			WHERE tenant_id = $1 AND application_id = $2`, a.TenantID, a.ID)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Notification])
	if err != nil {
		return nil, err
	}
	sent, err := notify.ApplicationDeliveries(ctx, tx, a.TenantID, a.ID)
	if err != nil {
		return nil, err
	}
	for _, d := range sent {
		out = append(out, Notification{Channel: string(d.Channel), Subject: d.Subject, Status: d.Status, At: d.CreatedAt})
	}
	// Oldest first; at the same moment the inbox before the other channels.
	slices.SortStableFunc(out, func(x, y Notification) int {
		if c := x.At.Compare(y.At); c != 0 {
			return c
		}
		return cmp.Compare(channelOrder(x.Channel), channelOrder(y.Channel))
	})
	return out, nil
}

func channelOrder(c string) int {
	return slices.Index([]string{"inbox", "io", "sms", "email"}, c)
}

// MaxMessage is the longest message, in characters, between a citizen and
// the office.
const MaxMessage = 4000

// ErrEmptyMessage and ErrLongMessage are a message that cannot be sent.
var (
	ErrEmptyMessage = &MessageError{Code: "required"}
	ErrLongMessage  = &MessageError{Code: "too_long"}
)

// MessageError is a message refused for what it says.
type MessageError struct{ Code string }

func (e *MessageError) Error() string { return "applications: message " + e.Code }

func checkMessage(msg string, required bool) (string, error) {
	msg = strings.TrimSpace(msg)
	if msg == "" && required {
		return "", ErrEmptyMessage
	}
	if utf8.RuneCountInString(msg) > MaxMessage {
		return "", ErrLongMessage
	}
	return msg, nil
}

// Withdraw withdraws the person's application, when its form allows it and
// it is not decided yet.
func (s *Service) Withdraw(ctx context.Context, tenantID, personID, reference, reason string) error {
	reason, err := checkMessage(reason, false)
	if err != nil {
		return err
	}
	return s.inTenant(ctx, tenantID, "withdraw application", func(tx pgx.Tx) error {
		a, err := lockForPerson(ctx, tx, tenantID, personID, reference)
		if err != nil {
			return err
		}
		d, err := s.draftIn(ctx, tx, a)
		if err != nil {
			return err
		}
		if !d.Form.Withdrawable {
			return ErrNotAllowed
		}
		_, err = s.transition(ctx, tx, &a, Withdrawn, Actor{Kind: ActorCitizen, ID: personID}, Change{Message: reason}, s.now())
		return err
	})
}

// MessageOffice sends the office a message about the person's application,
// with files the person uploaded for it (AddFile with no field).
func (s *Service) MessageOffice(ctx context.Context, tenantID, personID, reference, message string, fileIDs []string) error {
	message, err := checkMessage(message, true)
	if err != nil {
		return err
	}
	return s.inTenant(ctx, tenantID, "message the office", func(tx pgx.Tx) error {
		a, err := lockForPerson(ctx, tx, tenantID, personID, reference)
		if err != nil {
			return err
		}
		if a.Status == Draft || a.Status.Final() {
			return ErrNotAllowed
		}
		ev, err := s.addEvent(ctx, tx, &a, EventMessageFromCitizen, "", "", Actor{Kind: ActorCitizen, ID: personID}, Change{Message: message}, s.now())
		if err != nil {
			return err
		}
		return attach(ctx, tx, a, ev.Seq, fileIDs)
	})
}

// AnswerIntegration is the citizen's answer to an integration request: a
// message and documents. It resumes the legal clock, moving the deadline
// by the time the request was open.
func (s *Service) AnswerIntegration(ctx context.Context, tenantID, personID, reference, message string, fileIDs []string) error {
	message, err := checkMessage(message, len(fileIDs) == 0)
	if err != nil {
		return err
	}
	return s.inTenant(ctx, tenantID, "answer integration request", func(tx pgx.Tx) error {
		a, err := lockForPerson(ctx, tx, tenantID, personID, reference)
		if err != nil {
			return err
		}
		if a.Status != AwaitingIntegration {
			return ErrNotAllowed
		}
		now := s.now()
		by := Actor{Kind: ActorCitizen, ID: personID}
		ev, err := s.addEvent(ctx, tx, &a, EventIntegration, "", "", by, Change{Message: message}, now)
		if err != nil {
			return err
		}
		if err := attach(ctx, tx, a, ev.Seq, fileIDs); err != nil {
			return err
		}
		_, err = s.transition(ctx, tx, &a, InProgress, by, Change{}, now)
		return err
	})
}

// attach ties files uploaded with no field to a timeline event.
func attach(ctx context.Context, tx pgx.Tx, a Application, seq int, fileIDs []string) error {
	if len(fileIDs) == 0 {
		return nil
	}
	tag, err := tx.Exec(ctx, `UPDATE application_files SET event_seq = $3
		WHERE tenant_id = $1 AND application_id = $2 AND owner = 'citizen' AND field_key = '' AND event_seq IS NULL
		  AND id::text = ANY($4)`, a.TenantID, a.ID, seq, fileIDs)
	if err != nil {
		return err
	}
	if int(tag.RowsAffected()) != len(fileIDs) {
		return db.ErrNotFound
	}
	return nil
}
