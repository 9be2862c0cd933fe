package notify

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/jobs"
)

// Email is one message already worded, to one address.
type Email struct {
	To      string
	Subject string
	Body    string // plain text
}

// QueueEmail queues an email already worded, to an address given rather
// than read from a contact profile (a verification link, the office's
// warnings to staff): a delivery on the email channel, sent by its job
// like every other, with no fallback. dedupKey names the message: the
// same key queues nothing twice. personID and applicationID may be "".
func QueueEmail(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, tenantID, personID, applicationID, dedupKey string, e Email) error {
	_, _, err := insertDelivery(ctx, tx, inserter, Delivery{TenantID: tenantID, MessageKey: dedupKey, Channel: ChannelEmail,
		PersonID: personID, Address: e.To, Event: eventDirect, Kind: kindDirect, ApplicationID: applicationID,
		Subject: e.Subject, Body: e.Body})
	if err != nil {
		return fmt.Errorf("queue email: %w", err)
	}
	return nil
}

// QueuedSMS queues text messages already worded (verification codes) as
// deliveries on the SMS channel: it is the SMSQueuer of the contact
// profile once an SMS provider (or its sandbox) is configured.
type QueuedSMS struct {
	Inserter jobs.Inserter
}

// QueueSMS queues the text message inside tx; dedupKey names it.
func (q QueuedSMS) QueueSMS(ctx context.Context, tx pgx.Tx, tenantID, personID, dedupKey, to, body string) error {
	_, _, err := insertDelivery(ctx, tx, q.Inserter, Delivery{TenantID: tenantID, MessageKey: dedupKey, Channel: ChannelSMS,
		PersonID: personID, Address: to, Event: eventDirect, Kind: kindDirect, Body: body})
	if err != nil {
		return fmt.Errorf("queue sms: %w", err)
	}
	return nil
}
