package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/tenant"
)

// bundleStore is the tenant store that bundles are imported and exported
// with: it has the booking service, so offices.yaml (the booking settings
// and desks) goes with the rest. Saving desks enqueues no job.
func bundleStore(pool *pgxpool.Pool) *tenant.Store {
	return tenant.NewStore(pool).WithBooking(booking.New(pool, &jobs.Deferred{}, booking.Config{}))
}

func runTenant(ctx context.Context, cfg config, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: civica tenant import <dir> | civica tenant export <slug> <dir> | civica tenant list")
	}
	pool, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := bundleStore(pool)
	switch args[0] {
	case "import":
		if len(args) != 2 {
			return errors.New("usage: civica tenant import <dir>")
		}
		list, err := tenant.ImportDir(ctx, store, args[1])
		if err != nil {
			return err
		}
		for _, t := range list {
			fmt.Printf("imported %s (%s)\n", t.Slug, t.Name)
		}
		return nil
	case "export":
		if len(args) != 3 {
			return errors.New("usage: civica tenant export <slug> <dir>")
		}
		if err := tenant.Export(ctx, store, catalog.NewStore(pool), args[1], args[2]); err != nil {
			return err
		}
		fmt.Printf("exported %s to %s\n", args[1], args[2])
		return nil
	case "list":
		list, err := store.List(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "SLUG\tNAME\tSTATUS\tIPA\tHOSTS")
		for _, t := range list {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Slug, t.Name, t.Status, t.IPACode, strings.Join(t.Hosts, ","))
		}
		return w.Flush()
	}
	return fmt.Errorf("unknown tenant command %q", args[0])
}
