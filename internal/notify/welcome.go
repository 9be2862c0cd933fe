package notify

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/locale"
)

// WelcomeArgs asks for the welcome message to a person who just logged in to
// a comune for the first time.
type WelcomeArgs struct {
	TenantID   string `json:"tenant_id"`
	PersonID   string `json:"person_id"`
	ComuneName string `json:"comune_name"`
	GivenName  string `json:"given_name"`
	Lang       string `json:"lang"`
}

// Kind names the job in River.
func (WelcomeArgs) Kind() string { return "welcome_message" }

// InsertOpts makes a second welcome for the same person a no-op at insert.
func (WelcomeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// WelcomeWorker writes the welcome message in the person's language. It is
// idempotent: the inbox's dedup key "welcome" keeps a retried or duplicated
// job from writing twice.
type WelcomeWorker struct {
	river.WorkerDefaults[WelcomeArgs]
	Pool    *pgxpool.Pool
	Catalog *locale.Catalog
}

// Work writes the message inside the comune's transaction.
func (w *WelcomeWorker) Work(ctx context.Context, job *river.Job[WelcomeArgs]) error {
	a := job.Args
	l := w.Catalog.For(a.Lang)
	err := db.InTenant(ctx, w.Pool, a.TenantID, func(tx pgx.Tx) error {
		_, err := Deliver(ctx, tx, a.TenantID, a.PersonID, "welcome",
			l.T("inbox.welcome.subject", "comune", a.ComuneName),
			l.T("inbox.welcome.body", "name", a.GivenName, "comune", a.ComuneName))
		return err
	})
	if err != nil {
		return fmt.Errorf("welcome message: %w", err)
	}
	return nil
}
