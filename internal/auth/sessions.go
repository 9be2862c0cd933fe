package auth

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/db"
)

// SessionCleanupArgs asks for expired sessions to be deleted. It runs
// periodically (scs's own cleanup goroutine is off: a River job is
// observable, runs on one instance at a time, and stops with the worker).
type SessionCleanupArgs struct{}

// Kind names the job in River.
func (SessionCleanupArgs) Kind() string { return "session_cleanup" }

// SessionCleanupWorker deletes sessions past their expiry. Running it twice
// is harmless.
type SessionCleanupWorker struct {
	river.WorkerDefaults[SessionCleanupArgs]
	Pool *pgxpool.Pool
}

// Work deletes the expired sessions.
func (w *SessionCleanupWorker) Work(ctx context.Context, _ *river.Job[SessionCleanupArgs]) error {
	if _, err := w.Pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`); err != nil {
		return fmt.Errorf("delete expired sessions: %w", db.Classify(err))
	}
	return nil
}
