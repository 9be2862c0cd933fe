package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/app"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/devdb"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/tenant"
)

// benchCampaign sends a campaign to n citizens of a private database, by
// email to an SMTP sink on a loopback port, with the job workers of this
// process, and compares its messages per second with River's raw job
// throughput (a job that does nothing) measured on the same database in
// the same run. It checks at the sink that each citizen got one message.
func benchCampaign(ctx context.Context, n int) error {
	dir, err := os.MkdirTemp("", "civica-bench-campaign-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cluster, err := devdb.Start(ctx, dir+"/pg")
	if err != nil {
		return err
	}
	defer cluster.Stop()
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	cfg.DatabaseURL = cluster.URL()
	pool, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := db.Migrate(ctx, pool); err != nil {
		return err
	}
	if _, err := tenant.ImportDir(ctx, tenant.NewStore(pool), "tenants"); err != nil {
		return err
	}
	tenantID, err := seedCampaignCitizens(ctx, cluster.SuperuserURL("civica"), "verdemare", n)
	if err != nil {
		return err
	}

	raw, err := benchRawRiver(ctx, pool, n)
	if err != nil {
		return err
	}
	fmt.Printf("%-28s %8.0f jobs/s   (%d no-op jobs)\n", "baseline raw River", raw, n)

	sink, err := startMailSink()
	if err != nil {
		return err
	}
	defer sink.Close()
	logger := slog.New(slog.DiscardHandler)
	appCfg := cfg.appConfig(logger, nil)
	appCfg.Mailer = notify.SMTPMailer{Conns: notify.NewSMTPConns(jobs.MaxWorkers), Addr: sink.Addr, From: "Rete civica <noreply@rete-civica.example>", Timeout: 10 * time.Second}
	appCfg.RateLimits = map[notify.Channel]notify.RateLimit{notify.ChannelEmail: {}} // the sink takes anything
	domain, err := app.NewDomain(ctx, appCfg, pool)
	if err != nil {
		return err
	}
	catalog, err := app.Catalog()
	if err != nil {
		return err
	}
	client, err := app.NewJobs(appCfg, pool, catalog, domain)
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(stopCtx)
	}()
	campaigns := notify.NewCampaigns(pool, domain.Inserter, notify.CampaignConfig{})
	id, err := campaigns.Create(ctx, tenantID, "bench", notify.CampaignText{
		Title: "Bench", SubjectIT: "Lavori in via Roma", BodyIT: "Da lunedì la via Roma è chiusa per lavori.",
		Segment: notify.Segment{Kind: notify.SegmentAll},
	})
	if err != nil {
		return err
	}
	start := time.Now()
	if err := campaigns.Schedule(ctx, tenantID, id, start); err != nil {
		return err
	}
	deadline := start.Add(time.Duration(n)*5*time.Millisecond + 2*time.Minute)
	var total, recipients, dup int
	var last time.Time
	for time.Now().Before(deadline) {
		if total, recipients, dup, last = sink.Counts(); total >= n {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	time.Sleep(time.Second) // anything sent twice arrives now
	total, recipients, dup, last = sink.Counts()
	if total < n {
		return fmt.Errorf("bench campaign: %d of %d messages reached the sink in time", total, n)
	}
	elapsed := last.Sub(start)
	rate := float64(n) / elapsed.Seconds()
	var fanOut time.Duration
	err = db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT coalesce(finished_at - started_at, '0') FROM campaigns WHERE tenant_id = $1 AND id = $2`,
			tenantID, id).Scan(&fanOut)
	})
	if err != nil {
		return err
	}
	fmt.Printf("%-28s %8.0f msg/s    (%d messages to %d recipients in %s; fan-out %s; %d recipients got two)\n",
		"campaign to SMTP sink", rate, total, recipients, elapsed.Round(time.Millisecond), fanOut.Round(time.Millisecond), dup)
	fmt.Printf("%-28s %.2f× raw River jobs/s   (aims: ≥ 1,000 msg/s, ≥ 0.3×)\n", "", rate/raw)
	return printJobTimes(ctx, pool)
}

// printJobTimes shows, per kind of job, how many ran and how long one took.
func printJobTimes(ctx context.Context, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, `SELECT kind, count(*), avg(finalized_at - attempted_at), max(finalized_at - attempted_at)
		FROM river_job WHERE state = 'completed' GROUP BY kind ORDER BY count(*) DESC`)
	if err != nil {
		return err
	}
	var kind string
	var n int
	var avg, worst time.Duration
	_, err = pgx.ForEachRow(rows, []any{&kind, &n, &avg, &worst}, func() error {
		fmt.Printf("  %-26s %6d jobs, %8s each on average, %8s at worst\n", kind, n, avg.Round(10*time.Microsecond), worst.Round(time.Millisecond))
		return nil
	})
	return err
}

// seedCampaignCitizens adds n citizens to the comune slug, each with a
// verified email and email chosen for news, and returns the comune's id.
// url is the database's owner (or a superuser).
func seedCampaignCitizens(ctx context.Context, superURL, slug string, n int) (string, error) {
	start := time.Now()
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	var tenantID string
	if err := conn.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = $1`, slug).Scan(&tenantID); err != nil {
		return "", err
	}
	// bound to the comune, so row-level security lets the owner write
	if _, err := conn.Exec(ctx, `SELECT set_config('app.tenant_id', $1, false)`, tenantID); err != nil {
		return "", err
	}
	for _, sql := range []string{
		`INSERT INTO people (tenant_id, fiscal_code, given_name, family_name, email)
		 SELECT $1, 'BNCHCT' || lpad(g::text, 10, '0'), 'Persona', 'Numero ' || g, 'persona' || g || '@bench.example'
		 FROM generate_series(1, $2::int) g`,
		`INSERT INTO contact_profiles (tenant_id, person_id, email, email_verified_at)
		 SELECT tenant_id, id, email, now() FROM people WHERE tenant_id = $1 AND fiscal_code LIKE 'BNCHCT%' AND $2::int > 0`,
		`INSERT INTO contact_preferences (tenant_id, person_id, kind, channels)
		 SELECT tenant_id, id, 'news', ARRAY['email'] FROM people WHERE tenant_id = $1 AND fiscal_code LIKE 'BNCHCT%' AND $2::int > 0`,
		`ANALYZE`,
	} {
		args := []any{tenantID, n}
		if sql == `ANALYZE` {
			args = nil
		}
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			return "", fmt.Errorf("seed citizens: %w", err)
		}
	}
	fmt.Printf("seeded %d citizens with email for news in %s\n", n, time.Since(start).Round(time.Millisecond))
	return tenantID, nil
}

// noopArgs is the baseline's job: River's own cost and nothing else.
type noopArgs struct {
	N int `json:"n"`
}

func (noopArgs) Kind() string { return "bench_noop" }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
}

func (noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// benchRawRiver measures how many no-op jobs per second a River client
// configured like Civica's (jobs.New) works on pool: n jobs inserted, then
// the time from start until all are completed.
func benchRawRiver(ctx context.Context, pool *pgxpool.Pool, n int) (float64, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, noopWorker{})
	client, err := jobs.New(pool, workers, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		return 0, err
	}
	for done := 0; done < n; {
		params := make([]river.InsertManyParams, 0, 5000)
		for ; done < n && len(params) < cap(params); done++ {
			params = append(params, river.InsertManyParams{Args: noopArgs{N: done}})
		}
		if _, err := client.InsertMany(ctx, params); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	if err := client.Start(ctx); err != nil {
		return 0, err
	}
	var elapsed time.Duration
	for {
		var left int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'bench_noop' AND state <> 'completed'`).Scan(&left); err != nil {
			return 0, err
		}
		if left == 0 {
			elapsed = time.Since(start)
			break
		}
		if time.Since(start) > 10*time.Minute {
			return 0, errors.New("raw River: jobs not done in 10 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := client.Stop(stopCtx); err != nil {
		return 0, err
	}
	if _, err := pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'bench_noop'`); err != nil {
		return 0, err
	}
	return float64(n) / elapsed.Seconds(), nil
}
