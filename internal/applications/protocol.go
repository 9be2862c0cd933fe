package applications

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/locale"
)

// ProtocolEntry is what is registered in the protocollo: an incoming ("in")
// or outgoing ("out") document, its subject and correspondent, and the
// application it belongs to.
type ProtocolEntry struct {
	TenantID      string
	Direction     string
	Subject       string
	Correspondent string
	Reference     string // the application's; with Direction, unique
	At            time.Time
}

// Protocol is a registration: its number and date.
type Protocol struct {
	Number string
	At     time.Time
}

// Register is a comune's protocol register. Register must be idempotent
// per (Reference, Direction): asked again for an entry it already holds,
// it returns the same registration. Implementations that talk to a vendor's
// system do so over the network; the built-in one writes in tx.
type Register interface {
	Register(ctx context.Context, tx pgx.Tx, e ProtocolEntry) (Protocol, error)
}

// BuiltinRegister keeps the register in Civica's database: each comune's
// entries numbered from 1 every year, without gaps (the counter row is
// locked by the registering transaction and rolls back with it).
type BuiltinRegister struct{}

// Register records e, or returns its earlier registration.
func (BuiltinRegister) Register(ctx context.Context, tx pgx.Tx, e ProtocolEntry) (Protocol, error) {
	var p Protocol
	var year, number int
	err := tx.QueryRow(ctx, `SELECT year, number, registered_at FROM protocol_entries
		WHERE tenant_id = $1 AND reference = $2 AND direction = $3`, e.TenantID, e.Reference, e.Direction).Scan(&year, &number, &p.At)
	if err == nil {
		p.Number = FormatProtocol(year, number)
		return p, nil
	} else if err != pgx.ErrNoRows {
		return p, fmt.Errorf("protocol lookup: %w", err)
	}
	year = e.At.In(locale.Rome).Year()
	if err := tx.QueryRow(ctx, `INSERT INTO protocol_counters (tenant_id, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (tenant_id, year) DO UPDATE SET last = protocol_counters.last + 1 RETURNING last`,
		e.TenantID, year).Scan(&number); err != nil {
		return p, fmt.Errorf("protocol counter: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO protocol_entries
			(tenant_id, year, number, registered_at, direction, subject, correspondent, reference)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		e.TenantID, year, number, e.At, e.Direction, e.Subject, e.Correspondent, e.Reference); err != nil {
		return p, fmt.Errorf("protocol entry: %w", err)
	}
	return Protocol{Number: FormatProtocol(year, number), At: e.At}, nil
}

// FormatProtocol writes a protocol number as comuni do: year/number with
// seven digits, "2026/0000123".
func FormatProtocol(year, number int) string { return fmt.Sprintf("%d/%07d", year, number) }
