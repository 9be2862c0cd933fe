package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/devdb"
	"github.com/civica/civica/internal/tenant"
)

// runBench measures pages against a baseline in the same run: the trivial
// /healthz handler of the same server. Targets: the comune home page,
// /servizi, a service card, and a catalogue search. It starts its own
// server (a `civica serve` child process on a private PostgreSQL) unless
// -url names one; its own database then also holds -comuni extra comuni
// with the 50-odd standard services each, so search runs at scale; there
// it also measures booking (bench_booking.go; -booking-only for that
// alone). It prints numbers, never fails on them.
func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	duration := fs.Duration("duration", 10*time.Second, "how long to load each target")
	concurrency := fs.Int("concurrency", 16, "concurrent connections")
	target := fs.String("url", "", "base URL of a running server (default: start one)")
	host := fs.String("host", "", "Host header of the comune (default verdemare.<server host>)")
	comuni := fs.Int("comuni", 1000, "comuni in the database for the search target (own server only)")
	apps := fs.Int("apps", 0, "applications to generate over 100 comuni for the desk's queue benchmark (own server only; 0: skip)")
	explain := fs.Bool("explain", false, "print EXPLAIN (ANALYZE, BUFFERS) of the desk's queue queries (with -apps)")
	deskOnly := fs.Bool("desk-only", false, "measure only the desk (with -apps)")
	bookings := fs.Bool("booking", true, "measure free slots and bookings (own server only)")
	bookingOnly := fs.Bool("booking-only", false, "measure only free slots and bookings (own server, no extra comuni)")
	campaign := fs.Int("campaign", 0, "citizens a campaign is sent to, by email to a local SMTP sink, on its own database (0: skip)")
	campaignOnly := fs.Bool("campaign-only", false, "measure only the campaign (with -campaign)")
	if err := fs.Parse(args); err != nil {
		return exitCode(2)
	}
	if *campaign > 0 {
		if err := benchCampaign(ctx, *campaign); err != nil {
			return err
		}
		if *campaignOnly {
			return nil
		}
	}
	base := *target
	dbURL, superURL := "", ""
	var server *os.Process
	if *bookingOnly {
		*comuni, *bookings = 0, true
	}
	if base == "" {
		stop, url, database, super, proc, err := startBenchServer(ctx, *comuni)
		if err != nil {
			return err
		}
		defer stop()
		base, dbURL, superURL, server = url, database, super, proc
	}
	if *host == "" {
		u, _ := http.NewRequest("GET", base, nil)
		*host = "verdemare." + u.URL.Host
		if h, p, err := net.SplitHostPort(u.URL.Host); err == nil && h == "127.0.0.1" {
			*host = "verdemare.localhost:" + p
		}
	}
	transport := &http.Transport{MaxIdleConnsPerHost: *concurrency, MaxConnsPerHost: *concurrency}
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	if *bookings && dbURL != "" {
		if err := benchBooking(ctx, dbURL, *concurrency, *duration, server); err != nil {
			return err
		}
		if *bookingOnly {
			return nil
		}
	}
	if *apps > 0 && superURL != "" {
		if err := benchDesk(ctx, base, *host, dbURL, superURL, *apps, *duration, *explain); err != nil {
			return err
		}
		if *deskOnly {
			return nil
		}
	}
	fmt.Printf("bench: %d connections, %s per target, comune host %s\n", *concurrency, *duration, *host)
	load(ctx, client, base+"/", *host, *concurrency, 2*time.Second) // warm-up
	baseline := load(ctx, client, base+"/healthz", *host, *concurrency, *duration)
	baseline.print("baseline /healthz")
	failed := baseline.errors > 0
	for _, target := range []struct{ name, path string }{
		{"comune home /", "/"},
		{"/servizi", "/servizi"},
		{"service card", "/servizi/carta-identita-elettronica"},
		{"search /cerca", "/cerca?q=carta+identita"},
	} {
		r := load(ctx, client, base+target.path, *host, *concurrency, *duration)
		r.print(target.name)
		if baseline.rps > 0 {
			fmt.Printf("%-20s %.2f× baseline requests/s\n", "", r.rps/baseline.rps)
		}
		failed = failed || r.errors > 0
	}
	// Latency without queueing: one connection at a time.
	single := load(ctx, client, base+"/cerca?q=carta+identita", *host, 1, *duration)
	single.print("search, 1 connection")
	failed = failed || single.errors > 0
	if dbURL != "" {
		// Once with the server's workers running the jobs submissions
		// enqueue (receipts are PDFs: CPU), once with the server paused,
		// to see the submission path alone.
		if err := benchSubmissions(ctx, dbURL, *concurrency, *duration, "workers running"); err != nil {
			return err
		}
		_ = server.Signal(syscall.SIGSTOP)
		err := benchSubmissions(ctx, dbURL, *concurrency, *duration, "server paused")
		_ = server.Signal(syscall.SIGCONT)
		if err != nil {
			return err
		}
	}
	if failed {
		fmt.Println("note: some requests failed; see the error counts above")
	}
	return nil
}

type loadResult struct {
	requests, errors int64
	rps              float64
	p50, p99         time.Duration
}

func (r loadResult) print(name string) {
	fmt.Printf("%-20s %8.0f req/s   p50 %8s   p99 %8s   (%d requests, %d errors)\n",
		name, r.rps, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.requests, r.errors)
}

// load sends GET requests from n workers for d and reports throughput and
// latency percentiles. Every loop is bounded by d.
func load(ctx context.Context, client *http.Client, url, host string, n int, d time.Duration) loadResult {
	return runFor(ctx, n, d, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		req.Host = host
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: status %d", url, res.StatusCode)
		}
		return nil
	})
}

// startBenchServer starts a private PostgreSQL in a temporary folder, loads
// the demo comuni and runs `civica serve` against it on a free port.
func startBenchServer(ctx context.Context, comuni int) (func(), string, string, string, *os.Process, error) {
	dir, err := os.MkdirTemp("", "civica-bench-")
	if err != nil {
		return nil, "", "", "", nil, err
	}
	cluster, err := devdb.Start(ctx, dir+"/pg")
	if err != nil {
		return nil, "", "", "", nil, err
	}
	cleanup := func() { _ = cluster.Stop(); _ = os.RemoveAll(dir) }
	cfg, err := loadConfig()
	if err != nil {
		cleanup()
		return nil, "", "", "", nil, err
	}
	cfg.DatabaseURL = cluster.URL()
	pool, err := openDB(ctx, cfg)
	if err != nil {
		cleanup()
		return nil, "", "", "", nil, err
	}
	err = db.Migrate(ctx, pool)
	if err == nil {
		_, err = tenant.ImportDir(ctx, tenant.NewStore(pool), "tenants")
	}
	pool.Close()
	if err == nil && comuni > 0 {
		err = seedComuni(ctx, cluster.SuperuserURL("civica"), comuni)
	}
	if err != nil {
		cleanup()
		return nil, "", "", "", nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cleanup()
		return nil, "", "", "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	self, err := os.Executable()
	if err != nil {
		cleanup()
		return nil, "", "", "", nil, err
	}
	logFile, err := os.Create(dir + "/serve.log")
	if err != nil {
		cleanup()
		return nil, "", "", "", nil, err
	}
	cmd := exec.Command(self, "serve")
	cmd.Env = append(os.Environ(),
		"CIVICA_DATABASE_URL="+cluster.URL(),
		fmt.Sprintf("CIVICA_LISTEN=127.0.0.1:%d", port),
		fmt.Sprintf("CIVICA_PLATFORM_URL=http://localhost:%d", port),
		"CIVICA_LOG_FORMAT=json", "CIVICA_FILES_DIR="+dir+"/files")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		cleanup()
		return nil, "", "", "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		logFile.Close()
		cleanup()
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return stop, url, cluster.URL(), cluster.SuperuserURL("civica"), cmd.Process, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, "", "", "", nil, errors.New("bench server did not become ready in 30 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// seedComuni adds n comuni, each a copy of Verdemare's offices, topics and
// services, so searches run against a database of realistic size. It
// connects as the cluster's superuser to copy across tenants in bulk.
func seedComuni(ctx context.Context, url string, n int) error {
	start := time.Now()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, sql := range []string{
		`INSERT INTO tenants (slug, name, istat_code, ipa_code, fiscal_code, status, primary_color, logo, logo_type, contacts)
		 SELECT 'bench' || g, 'Comune di Prova ' || g, to_char(500000 + g, 'FM000000'), 'c_bench' || g,
		        to_char(80000000000 + g, 'FM00000000000'), 'active', t.primary_color, t.logo, t.logo_type, t.contacts
		 FROM generate_series(1, $1::int) g, tenants t WHERE t.slug = 'verdemare'`,
		`INSERT INTO topics (tenant_id, slug, name, description, position)
		 SELECT b.id, x.slug, x.name, x.description, x.position FROM tenants b, topics x JOIN tenants v ON v.id = x.tenant_id AND v.slug = 'verdemare'
		 WHERE b.slug LIKE 'bench%'`,
		`INSERT INTO offices (tenant_id, slug, office)
		 SELECT b.id, x.slug, x.office FROM tenants b, offices x JOIN tenants v ON v.id = x.tenant_id AND v.slug = 'verdemare'
		 WHERE b.slug LIKE 'bench%'`,
		`INSERT INTO services (tenant_id, slug, category, office_slug, topics, status, card)
		 SELECT b.id, x.slug, x.category, x.office_slug, x.topics, x.status, x.card
		 FROM tenants b, services x JOIN tenants v ON v.id = x.tenant_id AND v.slug = 'verdemare'
		 WHERE b.slug LIKE 'bench%'`,
		`ANALYZE`,
	} {
		args := []any{}
		if strings.Contains(sql, "$1") {
			args = append(args, n)
		}
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			return fmt.Errorf("seed comuni: %w", err)
		}
	}
	var services int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM services`).Scan(&services); err != nil {
		return err
	}
	fmt.Printf("bench: database holds %d comuni and %d services (seeded in %s)\n", n+2, services, time.Since(start).Round(time.Second))
	return nil
}
