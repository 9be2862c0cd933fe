// Package db owns Civica's connection pool, its tenant-scoped transactions and
// the migrations.
//
// The one rule that matters here: every read or write of a tenant-owned table
// happens inside InTenant, which switches the transaction to the
// civica_tenant role (no ownership, no BYPASSRLS) and sets app.tenant_id, so
// PostgreSQL's row-level security, not the application's WHERE clauses, is
// what keeps one comune from seeing another's rows. Queries still name
// tenant_id explicitly, for the planner and for the reader.
package db

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TenantRole is the role tenant transactions run as.
const TenantRole = "civica_tenant"

// ErrNotFound is returned by stores when a row does not exist (or belongs to
// another tenant, which for the caller is the same thing).
var ErrNotFound = errors.New("not found")

// ErrUnavailable marks errors caused by the database being unreachable; the
// web layer answers them with 503 and recovers by itself when it comes back.
var ErrUnavailable = errors.New("database unavailable")

// DefaultMaxConns is a pool's size unless the database URL says
// (pool_max_conns): enough for the job workers (jobs.MaxWorkers) and the
// web requests of one instance together.
const DefaultMaxConns = 32

// Open connects a pool and checks the database answers within wait. A
// database that does not answer gives an error that says where it looked.
func Open(ctx context.Context, url string, wait time.Duration) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	if !strings.Contains(url, "pool_max_conns") {
		// pgxpool's default (the number of CPUs, at least 4) starves the
		// job workers, which hold a connection while they wait on a
		// provider, next to the web requests.
		cfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err = pool.Ping(pingCtx)
		cancel()
		if err == nil {
			return pool, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			pool.Close()
			return nil, fmt.Errorf("cannot reach PostgreSQL at %s:%d (database %q): %w",
				cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// InTenant runs fn in a transaction bound to one tenant: the transaction runs
// as TenantRole with app.tenant_id set, so row-level security limits every
// statement to that tenant's rows. It commits when fn returns nil and rolls
// back otherwise.
func InTenant(ctx context.Context, pool *pgxpool.Pool, tenantID string, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := EnterTenant(ctx, tx, tenantID); err != nil {
			return err
		}
		return fn(tx)
	})
}

// EnterTenant binds an open transaction to a tenant, as InTenant does. It is
// for callers that own the transaction (a job worker given one by River).
func EnterTenant(ctx context.Context, tx pgx.Tx, tenantID string) error {
	if tenantID == "" {
		return errors.New("enter tenant: empty tenant id")
	}
	// One round trip: set_config('role', …, true) is SET LOCAL ROLE.
	if _, err := tx.Exec(ctx, "SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true)", TenantRole, tenantID); err != nil {
		return fmt.Errorf("enter tenant: %w", Classify(err))
	}
	return nil
}

// Classify wraps err with ErrUnavailable when it comes from a lost or
// unreachable database, and maps pgx.ErrNoRows to ErrNotFound.
func Classify(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if IsUnavailable(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// IsUnavailable reports whether err means the database could not be reached
// (as opposed to a query that failed on a database that answered).
func IsUnavailable(err error) bool {
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exception; 57P01-57P03: admin shutdown,
		// crash shutdown, cannot connect now.
		return pgErr.Code[:2] == "08" || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	return pgconn.SafeToRetry(err)
}

// QueryInTenant runs one statement in its own transaction bound to tenantID,
// as InTenant does, in a single round trip: BEGIN, the tenant binding, the
// statement and COMMIT go to the server as one pipeline. scan reads its
// rows (nil reads none). For the hot paths (a delivery's job marks its row
// three times) where InTenant's four round trips dominate. The statement
// commits when it succeeds, whatever scan then returns.
func QueryInTenant(ctx context.Context, pool *pgxpool.Pool, tenantID string, scan func(pgx.Rows) error, sql string, args ...any) error {
	return queryInTenant(ctx, pool, tenantID, false, scan, sql, args...)
}

// QueryInTenantNoFlush is QueryInTenant for a write that may be lost if
// the database itself crashes (synchronous_commit off: the commit does not
// wait for the WAL to reach the disk; a crash of the application changes
// nothing). For marks whose loss only repeats work that is safe to repeat.
func QueryInTenantNoFlush(ctx context.Context, pool *pgxpool.Pool, tenantID string, scan func(pgx.Rows) error, sql string, args ...any) error {
	return queryInTenant(ctx, pool, tenantID, true, scan, sql, args...)
}

func queryInTenant(ctx context.Context, pool *pgxpool.Pool, tenantID string, noFlush bool, scan func(pgx.Rows) error, sql string, args ...any) error {
	if tenantID == "" {
		return errors.New("query in tenant: empty tenant id")
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	// synchronous_commit is the server's unless noFlush
	b.Queue(`SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true),
		CASE WHEN $3 THEN set_config('synchronous_commit', 'off', true) END`, TenantRole, tenantID, noFlush)
	b.Queue(sql, args...)
	b.Queue("COMMIT")
	// A failed statement leaves the connection in an aborted transaction;
	// pgxpool destroys a connection released in that state.
	br := pool.SendBatch(ctx, b)
	err := func() error {
		for range 2 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		if scan != nil {
			err = scan(rows)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			return err
		}
		_, err = br.Exec()
		return err
	}()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("query in tenant: %w", Classify(err))
	}
	return nil
}

// PlatformSecret is the platform's key called name: 32 random bytes drawn
// the first time it is asked for and kept in platform_secrets, so every
// instance, every process and every restart gets the same one.
func PlatformSecret(ctx context.Context, pool *pgxpool.Pool, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var key []byte
	var err error
	// Twice: a process drawing the key at the same moment commits after
	// this statement's snapshot, which then sees neither row.
	for range 2 {
		err = pool.QueryRow(ctx, `WITH ins AS (
				INSERT INTO platform_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value)
			SELECT value FROM ins UNION ALL SELECT value FROM platform_secrets WHERE name = $1 LIMIT 1`, name, fresh).Scan(&key)
		if !errors.Is(err, pgx.ErrNoRows) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("platform secret %s: %w", name, Classify(err))
	}
	return key, nil
}
