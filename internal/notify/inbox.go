package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/db"
)

// Message is one message in a person's inbox.
type Message struct {
	ID        string
	Subject   string
	Body      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// Inbox reads and writes people's inboxes.
type Inbox struct {
	pool *pgxpool.Pool
}

// NewInbox returns an Inbox on pool.
func NewInbox(pool *pgxpool.Pool) *Inbox { return &Inbox{pool: pool} }

// List returns a person's messages, newest first, at most limit.
func (in *Inbox) List(ctx context.Context, tenantID, personID string, limit int) ([]Message, error) {
	var out []Message
	err := db.InTenant(ctx, in.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT id::text, subject, body, created_at, read_at FROM inbox_messages
			WHERE tenant_id = $1 AND person_id = $2
			ORDER BY created_at DESC LIMIT $3`, tenantID, personID, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Message])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list inbox: %w", db.Classify(err))
	}
	return out, nil
}

// Deliver writes a message to a person's inbox inside tx (a tenant
// transaction). dedupKey makes it idempotent: a second delivery with the same
// key writes nothing and reports false.
func Deliver(ctx context.Context, tx pgx.Tx, tenantID, personID, dedupKey, subject, body string) (bool, error) {
	tag, err := tx.Exec(ctx, `
		INSERT INTO inbox_messages (tenant_id, person_id, dedup_key, subject, body)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (tenant_id, person_id, dedup_key) DO NOTHING`,
		tenantID, personID, dedupKey, subject, body)
	if err != nil {
		return false, fmt.Errorf("deliver to inbox: %w", db.Classify(err))
	}
	return tag.RowsAffected() == 1, nil
}

// DeliverAbout is Deliver for a message about an application, which the
// application's page lists among the notifications sent.
func DeliverAbout(ctx context.Context, tx pgx.Tx, tenantID, personID, applicationID, dedupKey, subject, body string) (bool, error) {
	tag, err := tx.Exec(ctx, `
		INSERT INTO inbox_messages (tenant_id, person_id, dedup_key, subject, body, application_id)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (tenant_id, person_id, dedup_key) DO NOTHING`,
		tenantID, personID, dedupKey, subject, body, applicationID)
	if err != nil {
		return false, fmt.Errorf("deliver to inbox: %w", db.Classify(err))
	}
	return tag.RowsAffected() == 1, nil
}
