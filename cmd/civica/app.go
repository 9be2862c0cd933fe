package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/app"
	"github.com/civica/civica/internal/db"
)

func newLogger(cfg config) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}

// openDB connects, waiting a little for a database that is starting.
func openDB(ctx context.Context, cfg config) (*pgxpool.Pool, error) {
	pool, err := db.Open(ctx, cfg.DatabaseURL, cfg.DatabaseWait)
	if err != nil {
		return nil, fmt.Errorf("%w\n  Is PostgreSQL running? Set CIVICA_DATABASE_URL, or use `make run`, which starts a private one", err)
	}
	return pool, nil
}

// runServe runs the web server and, in the same process, the job worker,
// until ctx ends; then it drains both.
func runServe(ctx context.Context, cfg config) error {
	logger := newLogger(cfg)
	pool, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	rpKey, err := cfg.rpKey()
	if err != nil {
		return err
	}
	a, err := app.New(cfg.appConfig(logger, rpKey), pool)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	logger.Info("serving", "listen", ln.Addr().String(), "platform", cfg.PlatformURL.String(), "env", cfg.Env)
	return a.Serve(ctx, ln)
}

// runWorker works jobs until ctx ends.
func runWorker(ctx context.Context, cfg config) error {
	logger := newLogger(cfg)
	pool, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	catalog, err := app.Catalog()
	if err != nil {
		return err
	}
	appCfg := cfg.appConfig(logger, nil)
	domain, err := app.NewDomain(ctx, appCfg, pool)
	if err != nil {
		return err
	}
	client, err := app.NewJobs(appCfg, pool, catalog, domain)
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("start job worker: %w", err)
	}
	logger.Info("working jobs")
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return client.Stop(stopCtx)
}

func runMigrate(ctx context.Context, cfg config) error {
	pool, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := db.Migrate(ctx, pool); err != nil {
		return err
	}
	fmt.Println("migrations applied")
	return nil
}
