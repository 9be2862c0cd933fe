package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/civica/civica/internal/tenant"
)

func runTenant(ctx context.Context, cfg config, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: civica tenant import <dir> | civica tenant list")
	}
	pool, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := tenant.NewStore(pool)
	switch args[0] {
	case "import":
		if len(args) != 2 {
			return errors.New("usage: civica tenant import <dir>")
		}
		list, err := importTenants(ctx, store, args[1])
		if err != nil {
			return err
		}
		for _, t := range list {
			fmt.Printf("imported %s (%s)\n", t.Slug, t.Name)
		}
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

// importTenants imports the bundle in dir, or every bundle under it. All
// bundles are validated before any is written.
func importTenants(ctx context.Context, store *tenant.Store, dir string) ([]tenant.Tenant, error) {
	dirs := []string{dir}
	if _, err := os.Stat(filepath.Join(dir, "tenant.yaml")); err != nil {
		if dirs, err = tenant.BundleDirs(dir); err != nil {
			return nil, fmt.Errorf("tenant import: %w", err)
		}
		if len(dirs) == 0 {
			return nil, fmt.Errorf("tenant import: no tenant.yaml in %s or its folders", dir)
		}
	}
	bundles := make([]tenant.Bundle, 0, len(dirs))
	var problems []error
	for _, d := range dirs {
		b, err := tenant.LoadBundle(d)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		bundles = append(bundles, b)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	var out []tenant.Tenant
	for _, b := range bundles {
		t, err := store.Import(ctx, b)
		if err != nil {
			return out, err
		}
		out = append(out, t)
	}
	return out, nil
}
