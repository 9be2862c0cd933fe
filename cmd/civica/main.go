// Command civica is the one binary of the Civica platform.
//
//	civica serve                 web server and job worker in one process
//	civica worker                job worker only
//	civica migrate               apply the database migrations (Civica's, then River's)
//	civica tenant import <dir>   create or update comuni from bundles (a bundle, or a folder of them)
//	civica tenant export <slug> <dir>  write a comune as it is in the database as a bundle
//	civica tenant list           list the comuni
//	civica dev                   development: private PostgreSQL, migrate, import tenants/, serve
//	civica devdb -- <cmd...>     run a command with a private PostgreSQL (CIVICA_TEST_DATABASE_URL set)
//	civica bench                 load-test a server against its own baseline handler
//
// Configuration comes from CIVICA_* environment variables (see config.go);
// this package is the only place that reads it and wires the parts together.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // Europe/Rome must be there even on a machine without zoneinfo
)

const usage = `usage: civica <command>

commands:
  serve                  web server and job worker in one process
  worker                 job worker only
  migrate                apply the database migrations
  tenant import <dir>    create or update comuni from a bundle or a folder of bundles
  tenant export <slug> <dir>
                         write a comune as it is in the database as a bundle (with its whole catalogue)
  tenant list            list the comuni
  dev                    development: private PostgreSQL, migrate, import tenants/, serve
  devdb -- <cmd> [args]  run a command with a private PostgreSQL
  bench                  load-test the comune home page against a baseline handler
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		var exit exitCode
		if errors.As(err, &exit) {
			os.Exit(int(exit))
		}
		fmt.Fprintln(os.Stderr, "civica:", err)
		os.Exit(1)
	}
}

// exitCode is returned to exit with a given status and no message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitCode(2)
	}
	switch args[0] {
	case "devdb":
		return runDevDB(ctx, args[1:])
	case "bench":
		return runBench(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return nil
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, cfg)
	case "worker":
		return runWorker(ctx, cfg)
	case "migrate":
		return runMigrate(ctx, cfg)
	case "tenant":
		return runTenant(ctx, cfg, args[1:])
	case "dev":
		return runDev(ctx, cfg)
	}
	fmt.Fprint(os.Stderr, usage)
	return exitCode(2)
}
