// Package dbtest gives tests a real, migrated PostgreSQL database of their
// own. It uses the cluster named by CIVICA_TEST_DATABASE_URL (`make test`
// starts one for all packages) or, when that is unset, starts a private
// cluster for the test process (call Main from TestMain so it is stopped).
//
// Each New(t) is a fresh database cloned from a migrated template (one
// template per migration set and River version, built once per cluster), so
// tests can run in parallel and see no one else's rows; it is dropped when
// the test ends.
package dbtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/devdb"
	"github.com/civica/civica/migrations"
)

var (
	clusterOnce sync.Once
	clusterURL  string
	clusterErr  error
	cluster     *devdb.Cluster
	clusterDir  string
)

// Main runs the package's tests and stops the private cluster, if one was
// started. Use it as: func TestMain(m *testing.M) { dbtest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		_ = cluster.Stop()
		_ = os.RemoveAll(clusterDir)
	}
	os.Exit(code)
}

// serverURL is the URL of the cluster's maintenance database.
func serverURL() (string, error) {
	clusterOnce.Do(func() {
		if u := os.Getenv("CIVICA_TEST_DATABASE_URL"); u != "" {
			clusterURL = u
			return
		}
		clusterDir, clusterErr = os.MkdirTemp("", "civica-dbtest-")
		if clusterErr != nil {
			return
		}
		cluster, clusterErr = devdb.Start(context.Background(), clusterDir+"/pg")
		if clusterErr == nil {
			clusterURL = cluster.URL()
		}
	})
	return clusterURL, clusterErr
}

// withDatabase returns url pointing at another database of the same server.
func withDatabase(url, name string) (string, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name), nil
}

// templateName identifies the schema: our migrations and River's version.
func templateName() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, p)
		fmt.Fprintf(h, "%s\x00%s\x00", p, b)
		return err
	})
	if err != nil {
		return "", err
	}
	fmt.Fprintf(h, "%q\x00", db.RiverGrants())
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if strings.HasPrefix(d.Path, "github.com/riverqueue/river") {
				fmt.Fprintf(h, "%s@%s\x00", d.Path, d.Version)
			}
		}
	}
	return "civica_tpl_" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// ensureTemplate builds the migrated template database once per cluster,
// under an advisory lock so concurrent test processes wait for each other.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, base string) (string, error) {
	name, err := templateName()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(727274)"); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock(727274)") //nolint:errcheck
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	_, _ = admin.Exec(ctx, `DROP DATABASE IF EXISTS "`+building+`"`)
	if _, err := admin.Exec(ctx, `CREATE DATABASE "`+building+`"`); err != nil {
		return "", err
	}
	url, err := withDatabase(base, building)
	if err != nil {
		return "", err
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx, pool)
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := admin.Exec(ctx, `ALTER DATABASE "`+building+`" RENAME TO "`+name+`"`); err != nil {
		return "", err
	}
	return name, nil
}

// URL creates a fresh migrated database for the test and returns its URL.
// The database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base, err := serverURL()
	if err != nil {
		t.Fatalf("dbtest: no PostgreSQL: %v", err)
	}
	adminURL, err := withDatabase(base, "postgres")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("dbtest: connect: %v", err)
	}
	defer admin.Close(context.Background())
	tpl, err := ensureTemplate(ctx, admin, base)
	if err != nil {
		t.Fatalf("dbtest: template: %v", err)
	}
	name := fmt.Sprintf("civica_t_%d_%d", os.Getpid(), time.Now().UnixNano())
	if _, err := admin.Exec(ctx, `CREATE DATABASE "`+name+`" TEMPLATE "`+tpl+`"`); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			t.Logf("dbtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			t.Logf("dbtest: drop %s: %v", name, err)
		}
	})
	url, err := withDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// New returns a pool on a fresh migrated database, closed when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), URL(t))
	if err != nil {
		t.Fatalf("dbtest: pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
