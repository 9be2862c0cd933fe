package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/devdb"
	"github.com/civica/civica/internal/tenant"
)

// devDataDir is the git-ignored folder of the checkout where development
// keeps its PostgreSQL cluster.
const devDataDir = ".data/pg"

// runDev is `make run`: a private PostgreSQL (unless CIVICA_DATABASE_URL is
// set), migrations, the demo comuni, and the server, until Ctrl-C, which
// stops the server and then the cluster. A second run reuses the data.
func runDev(ctx context.Context, cfg config) error {
	if cfg.Env != "development" {
		return errors.New("civica dev is for development only (CIVICA_ENV=development)")
	}
	if cfg.DatabaseURL == "" {
		fmt.Println("starting a private PostgreSQL in", devDataDir, "...")
		cluster, err := devdb.Start(ctx, devDataDir)
		if err != nil {
			return err
		}
		defer func() {
			fmt.Println("stopping PostgreSQL ...")
			if err := cluster.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "civica: stop PostgreSQL:", err)
			}
		}()
		cfg.DatabaseURL = cluster.URL()
		fmt.Printf("PostgreSQL on 127.0.0.1:%d (data in %s)\n", cluster.Port, devDataDir)
	}
	pool, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx, pool); err != nil {
		pool.Close()
		return err
	}
	// Only comuni not yet in the database: what their admins changed since
	// survives a restart (`civica tenant import tenants` applies the files).
	// A comune without desks gets its bundle's (offices.yaml).
	list, err := tenant.ImportMissing(ctx, bundleStore(pool), "tenants")
	if err == nil {
		// Work for the desk: a few reports in each new comune.
		err = seedDemoApplications(ctx, pool, list, cfg.FilesDir)
	}
	pool.Close()
	if err != nil {
		return err
	}
	fmt.Println()
	fmt.Println("Civica is starting. Open:")
	fmt.Printf("  %-40s the platform: the list of comuni\n", cfg.PlatformURL.String()+"/")
	for _, t := range list {
		u := *cfg.PlatformURL
		u.Host = t.Slug + "." + u.Host
		fmt.Printf("  %-40s %s\n", u.String()+"/", t.Name)
	}
	fmt.Println("Log in with any test identity of the test provider. Ctrl-C stops everything.")
	fmt.Println()
	return runServe(ctx, cfg)
}

// runDevDB runs a command with a private PostgreSQL cluster, exporting its
// URL as CIVICA_TEST_DATABASE_URL, and stops the cluster afterwards. `make
// test` uses it so every test package shares one cluster.
func runDevDB(ctx context.Context, args []string) error {
	dir := ".data/pgtest"
	if len(args) >= 2 && args[0] == "--dir" {
		dir, args = args[1], args[2:]
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	} else if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		args = nil // an unknown flag, such as --help: show the usage
	}
	if len(args) == 0 {
		return errors.New("usage: civica devdb [--dir DIR] -- <command> [args...]")
	}
	if url := os.Getenv("CIVICA_TEST_DATABASE_URL"); url != "" {
		return runCommand(ctx, args, nil)
	}
	abs, _ := filepath.Abs(dir)
	cluster, err := devdb.Start(ctx, abs)
	if err != nil {
		return err
	}
	defer cluster.Stop()
	return runCommand(ctx, args, []string{"CIVICA_TEST_DATABASE_URL=" + cluster.URL()})
}

func runCommand(ctx context.Context, args, env []string) error {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	go func() {
		<-ctx.Done()
		if cmd.Process != nil {
			_ = cmd.Process.Signal(os.Interrupt)
		}
	}()
	err := cmd.Wait()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitCode(exitErr.ExitCode())
	}
	return err
}
