package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/civica/civica/migrations"
)

// Migrate brings the schema up to date: Civica's own migrations with tern,
// then River's with rivermigrate, then the grants that let tenant
// transactions enqueue jobs. It is safe to run concurrently and repeatedly
// (tern takes an advisory lock; River's migrations are versioned).
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", Classify(err))
	}
	defer conn.Release()
	m, err := migrate.NewMigrator(ctx, conn.Conn(), "civica_schema_version")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return fmt.Errorf("migrate: load: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}

	rm, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}

	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, stmt := range RiverGrants() {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("migrate: grant: %w", err)
			}
		}
		return nil
	})
}

// RiverGrants are the statements, run after River's migrations, that let
// tenant transactions (running as TenantRole) enqueue jobs with InsertTx.
// UPDATE is needed because River's insert upserts on its unique key. The
// index finds a comune's jobs (every job carries its tenant_id), for the
// admins' jobs page and the workflow's watch on registrations, without
// reading every comune's.
func RiverGrants() []string {
	return []string{
		"GRANT SELECT, INSERT, UPDATE ON river_job TO " + TenantRole,
		"GRANT USAGE ON SEQUENCE river_job_id_seq TO " + TenantRole,
		"CREATE INDEX IF NOT EXISTS river_job_tenant ON river_job ((args->>'tenant_id'), kind, state)",
	}
}
