// Package jobs builds Civica's River client. Workers are defined by the
// domain packages that own the work (notify.WelcomeWorker, ...) and
// registered by cmd/civica; this package only knows how to run them.
//
// Jobs that follow a change of state are inserted with InsertTx in the same
// transaction as the change, usually a tenant transaction (db.InTenant), so a
// committed change always has its job and a rolled-back one never does. Every
// job's args carry the tenant id and its worker does its work inside that
// tenant's transaction.
package jobs

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
)

// Client is River's client over pgx.
type Client = river.Client[pgx.Tx]

// Inserter is what domain code needs to enqueue work inside its transaction.
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// New returns a client. With workers it can work jobs (call Start) and runs
// the periodic ones (River elects one leader among the instances for them);
// with nil workers it only inserts.
func New(pool *pgxpool.Pool, workers *river.Workers, periodic []*river.PeriodicJob, logger *slog.Logger) (*Client, error) {
	cfg := &river.Config{Logger: logger}
	if workers != nil {
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}}
		cfg.PeriodicJobs = periodic
	}
	c, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}
