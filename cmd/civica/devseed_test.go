package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/tenant"
)

func TestSeedDemoApplications_GivesEachNewComuneAQueueOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	list, err := tenant.ImportMissing(ctx, tenant.NewStore(pool), filepath.Join("..", "..", "tenants"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second run adds nothing
		if err := seedDemoApplications(ctx, pool, list, t.TempDir()); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range list {
		var n, offices, overdue, jobs int
		err := db.InTenant(ctx, pool, c.ID, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*), count(DISTINCT office_slug), count(*) FILTER (WHERE due_on < current_date),
					(SELECT count(*) FROM river_job WHERE kind = 'application_register' AND args->>'tenant_id' = $1)
				FROM applications WHERE status = 'submitted' AND applicant_name <> ''`, c.ID).Scan(&n, &offices, &overdue, &jobs)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != len(demoReports) || offices < 3 || overdue < 1 || jobs != n {
			t.Errorf("%s: %d applications sent to %d offices, %d overdue, %d registrations queued; want %d, ≥ 3 offices, ≥ 1 overdue, one registration each",
				c.Slug, n, offices, overdue, jobs, len(demoReports))
		}
	}
}
