package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/storage"
)

// benchSubmissions measures full submissions of online applications (every
// answer validated again, the application stored, its timeline event
// written, its jobs enqueued, one transaction each) against a baseline of
// the same number of tenant transactions doing nothing, in the same run, on
// the bench server's database while that server runs its workers.
func benchSubmissions(ctx context.Context, dbURL string, concurrency int, d time.Duration, label string) error {
	pool, err := db.Open(ctx, dbURL, 10*time.Second)
	if err != nil {
		return err
	}
	defer pool.Close()
	var tenantID string
	if err := pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = 'verdemare'`).Scan(&tenantID); err != nil {
		return err
	}
	// Enough complete drafts of the report-a-problem service for the
	// duration at 2,000 submissions a second, each of its own person.
	n := int(d.Seconds()) * 2000
	start := time.Now()
	err = db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name, email)
			SELECT $1, 'BNCHMK' || to_char(g, 'FM0000000000'), 'Bench', 'Citizen ' || g, ''
			FROM generate_series((SELECT count(*) FROM people WHERE tenant_id = $1 AND fiscal_code LIKE 'BNCHMK%') + 1,
				(SELECT count(*) FROM people WHERE tenant_id = $1 AND fiscal_code LIKE 'BNCHMK%') + $2::int) g`, tenantID, n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO applications (tenant_id, reference, service_slug, form_version, person_id, status,
				answers, office_slug, expires_at)
			SELECT $1, 'PR-' || (SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + floor(random() * 31)::int, 1), '')
				FROM generate_series(1, 8 + 0 * length(p.id::text))),
				s.slug, s.form_version, p.id, 'draft', $2::jsonb, s.office_slug, now() + interval '30 days'
			FROM services s, people p
			WHERE s.tenant_id = $1 AND s.slug = 'segnalazione-disservizio' AND p.tenant_id = $1 AND p.fiscal_code LIKE 'BNCHMK%'
			  AND NOT EXISTS (SELECT 1 FROM applications x WHERE x.tenant_id = $1 AND x.person_id = p.id)`,
			tenantID, `{"category":["roads"],"subject":["Buca in via Roma"],"description":["Una buca profonda davanti al civico 12, pericolosa."],
				"place":["Via Roma 12"],"place_address.street":[""],"place_address.number":[""],"place_address.postal_code":[""],
				"place_address.comune":[""],"wants_reply":["no"]}`)
		return err
	})
	if err != nil {
		return fmt.Errorf("bench submissions: prepare drafts: %w", err)
	}
	type draft struct{ person, ref string }
	var drafts []draft
	err = db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT person_id::text, reference FROM applications
			WHERE tenant_id = $1 AND status = 'draft' AND service_slug = 'segnalazione-disservizio'`, tenantID)
		if err != nil {
			return err
		}
		drafts, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (draft, error) {
			var x draft
			return x, r.Scan(&x.person, &x.ref)
		})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("submissions, %s: %d drafts prepared in %s\n", label, len(drafts), time.Since(start).Round(time.Millisecond))

	inserter, err := jobs.New(pool, nil, nil, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		return err
	}
	files, err := storage.NewDir(os.TempDir() + "/civica-bench-files")
	if err != nil {
		return err
	}
	svc := applications.New(pool, inserter, files, nil, nil, applications.Config{})

	baseline := runFor(ctx, concurrency, d, func(ctx context.Context) error {
		return db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `SELECT 1`)
			return err
		})
	})
	baseline.print("baseline tenant tx")
	var next atomic.Int64
	r := runFor(ctx, concurrency, d, func(ctx context.Context) error {
		i := next.Add(1) - 1
		if int(i) >= len(drafts) {
			return errExhausted
		}
		res, err := svc.Submit(ctx, tenantID, drafts[i].person, drafts[i].ref, []string{"privacy"})
		if err == nil && (len(res.Errors) > 0 || len(res.MissingDeclarations) > 0 || res.Status != applications.Submitted) {
			err = fmt.Errorf("submission refused: %v %v %s", res.Errors, res.MissingDeclarations, res.Status)
		}
		return err
	})
	r.print("full submission")
	if baseline.rps > 0 {
		fmt.Printf("%-20s %.2f× baseline transactions/s (aim: ≥ 300 submissions/s)\n", "", r.rps/baseline.rps)
	}
	return nil
}

var errExhausted = fmt.Errorf("no more drafts")

// runFor calls fn from n workers for d and reports throughput and latency
// percentiles of the calls that succeeded; errExhausted stops a worker.
func runFor(ctx context.Context, n int, d time.Duration, fn func(ctx context.Context) error) loadResult {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var errs atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			for ctx.Err() == nil {
				t := time.Now()
				err := fn(ctx)
				if err == errExhausted {
					break
				}
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
						if errs.Load() == 1 {
							fmt.Println("first error:", err)
						}
					}
					continue
				}
				lat = append(lat, time.Since(t))
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	r := loadResult{requests: int64(len(all)), errors: errs.Load(), rps: float64(len(all)) / elapsed.Seconds()}
	if len(all) > 0 {
		r.p50 = all[len(all)*50/100]
		r.p99 = all[len(all)*99/100]
	}
	return r
}
