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
	"time"

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
	InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// New returns a client. With workers it can work jobs (call Start) and runs
// the periodic ones (River elects one leader among the instances for them);
// with nil workers it only inserts.
func New(pool *pgxpool.Pool, workers *river.Workers, periodic []*river.PeriodicJob, logger *slog.Logger, opts ...Option) (*Client, error) {
	cfg := &river.Config{Logger: logger}
	for _, o := range opts {
		o(cfg)
	}
	if workers != nil {
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: MaxWorkers}}
		// River waits FetchCooldown between two fetches of jobs; its
		// default (100 ms) caps a queue at MaxWorkers jobs per 100 ms, far
		// below what a campaign needs. Fetching is one indexed query.
		cfg.FetchCooldown = 5 * time.Millisecond
		cfg.PeriodicJobs = periodic
	}
	c, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return c, nil
}

// MaxWorkers is how many jobs one process works at once. Most jobs wait
// on the network (SMTP, SMS and App IO providers, the protocol register),
// not on the CPU.
const MaxWorkers = 20

// Deferred is an Inserter for code built before the client exists: River
// needs its workers to build the client, and the domain services those
// workers call need to insert jobs. The composition root sets Client once
// it is built, before anything runs.
type Deferred struct {
	Client *Client
}

// InsertTx inserts through the client.
func (d *Deferred) InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return d.Client.InsertTx(ctx, tx, args, opts)
}

// InsertManyTx inserts through the client.
func (d *Deferred) InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	return d.Client.InsertManyTx(ctx, tx, params)
}

// Option tunes the client.
type Option func(*river.Config)

// RescueAfter sets how long a job may stay running before River takes it
// for lost (its worker died: a crash, a SIGKILL) and runs it again, and
// bounds every job's run time below that. River's default is an hour;
// jobs here are short and idempotent, so minutes are enough.
func RescueAfter(d time.Duration) Option {
	return func(c *river.Config) {
		c.RescueStuckJobsAfter = d
		c.JobTimeout = d * 4 / 5
	}
}
