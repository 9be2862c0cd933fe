package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/tenant"
)

// TestSubmission_SurvivesSIGKILLRightAfterTheAnswer submits an application
// to the real binary and SIGKILLs it the instant the 303 to the
// confirmation arrives: whatever River had fetched is left running, nothing
// drains. After a restart the application, its timeline and its jobs are
// all there, and every job's effect happened once: one protocol number, one
// receipt, one inbox message and one email per event.
func TestSubmission_SurvivesSIGKILLRightAfterTheAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary twice")
	}
	began := time.Now()
	ctx := context.Background()
	dbURL := dbtest.URL(t)
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := tenant.ImportDir(ctx, tenant.NewStore(pool), filepath.Join(browsertest.RepoRoot(t), "tenants")); err != nil {
		t.Fatalf("import demo comuni: %v", err)
	}
	var tenantID string
	if err := pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = 'verdemare'`).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}

	tmp := t.TempDir()
	bin := filepath.Join(tmp, "civica")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the binary in %s", time.Since(began).Round(time.Millisecond))

	port := freePort(t)
	env := append(os.Environ(),
		"CIVICA_ENV=development",
		"CIVICA_DATABASE_URL="+dbURL,
		fmt.Sprintf("CIVICA_LISTEN=127.0.0.1:%d", port),
		fmt.Sprintf("CIVICA_PLATFORM_URL=http://localhost:%d", port),
		"CIVICA_FILES_DIR="+filepath.Join(tmp, "files"),
		"CIVICA_JOB_RESCUE_AFTER=3s",
		"CIVICA_LOG_FORMAT=json",
	)
	first := startServe(t, bin, env, "first")
	client := browsertest.LocalClient(t)
	first.waitReady(t, client, port)

	// As Mario Rossi: the problem report, from the start page to the summary.
	base := fmt.Sprintf("http://verdemare.localhost:%d", port)
	service := "/servizi/segnalazione-disservizio/domanda"
	start := browsertest.LoginHTTP(t, client, base, "mario-rossi", service)
	if start.Status != http.StatusOK || start.URL.Path != service {
		t.Fatalf("after login: %d at %s", start.Status, start.URL)
	}
	step1 := browsertest.PostForm(t, client, base+service, url.Values{"_csrf": {killCSRF(t, start.Body)}})
	m := regexp.MustCompile(`/area-personale/pratiche/(PR-[0-9A-Z]{8})/`).FindStringSubmatch(step1.URL.Path + "/")
	if step1.Status != http.StatusOK || m == nil {
		t.Fatalf("start: %d at %s", step1.Status, step1.URL)
	}
	ref := m[1]
	step2 := killStep(t, client, step1, url.Values{"category": {"roads"}, "subject": {"Buca in via Roma"},
		"description": {"Una buca profonda davanti al civico 12, pericolosa per chi va in bicicletta."}})
	if !strings.HasSuffix(step2.URL.Path, "/passo/2") {
		t.Fatalf("step 1 → %d at %s\n%s", step2.Status, step2.URL, step2.Body)
	}
	step3 := killStep(t, client, step2, url.Values{"place": {"Via Roma 12"}, "place_address.street": {""},
		"place_address.number": {""}, "place_address.postal_code": {""}, "place_address.comune": {""}})
	if !strings.HasSuffix(step3.URL.Path, "/passo/3") {
		t.Fatalf("step 2 → %d at %s\n%s", step3.Status, step3.URL, step3.Body)
	}
	summary := killStep(t, client, step3, url.Values{"_visible": {"photos,wants_reply"}, "wants_reply": {"no"}})
	if !strings.HasSuffix(summary.URL.Path, "/riepilogo") {
		t.Fatalf("step 3 → %d at %s\n%s", summary.Status, summary.URL, summary.Body)
	}

	// Submit, and SIGKILL the server as soon as the answer's headers are in.
	noFollow := *client
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := noFollow.PostForm(base+"/area-personale/pratiche/"+ref+"/riepilogo",
		url.Values{"_csrf": {killCSRF(t, summary.Body)}, "declaration": {"privacy"}})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	killErr := first.cmd.Process.Kill()
	answered := time.Now()
	res.Body.Close()
	if killErr != nil {
		t.Fatalf("SIGKILL: %v", killErr)
	}
	first.wait(t, 10*time.Second)
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "/area-personale/pratiche/"+ref+"/conferma") {
		t.Fatalf("submit answered %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	t.Logf("submitted %s and killed the server (%s)", ref, first.cmd.ProcessState)

	var appID string
	inTenant(t, pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM applications WHERE reference = $1`, ref).Scan(&appID)
	})
	t.Logf("jobs at the kill:\n%s", jobTable(t, pool, appID, nil))

	// Restart the same server on the same port.
	second := startServe(t, bin, env, "second")
	second.waitReady(t, client, port)
	t.Logf("restarted and ready %s after the answer", time.Since(answered).Round(time.Millisecond))

	type state struct {
		apps, submitted, registered, protocol, receipts, inbox, emails, jobs, pending int
		status                                                                        string
		emailIDs                                                                      []string
	}
	read := func() state {
		var s state
		inTenant(t, pool, tenantID, func(tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT count(*), coalesce(min(status::text), '') FROM applications WHERE reference = $1`, ref).Scan(&s.apps, &s.status); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = 'submitted'), count(*) FILTER (WHERE kind = 'registered')
				FROM application_events WHERE application_id = $1`, appID).Scan(&s.submitted, &s.registered); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM protocol_entries WHERE reference = $1`, ref).Scan(&s.protocol); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM application_files WHERE application_id = $1 AND owner = 'receipt'`, appID).Scan(&s.receipts); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM inbox_messages WHERE application_id = $1`, appID).Scan(&s.inbox); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT id::text FROM email_messages WHERE application_id = $1`, appID)
			if err != nil {
				return err
			}
			s.emailIDs, err = pgx.CollectRows(rows, pgx.RowTo[string])
			s.emails = len(s.emailIDs)
			return err
		})
		if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state <> 'completed') FROM river_job
			WHERE args->>'application_id' = $1 OR (kind = 'email_send' AND args->>'email_id' = ANY($2))`,
			appID, s.emailIDs).Scan(&s.jobs, &s.pending); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// A job River had fetched when the process died waits for the old
	// leader's lease to lapse (up to 15 s), a new election (5 s), the
	// rescuer and the scheduler (5 s): about 20 s, under 30 s at worst.
	var s state
	deadline := time.Now().Add(45 * time.Second)
	for {
		s = read()
		if s.status == "registered" && s.receipts >= 1 && s.inbox >= 2 && s.emails >= 2 && s.jobs > 0 && s.pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("after 45 s the jobs had not all run: %+v\njobs:\n%s", s, jobTable(t, pool, appID, s.emailIDs))
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("all done %s after the answer", time.Since(answered).Round(time.Millisecond))
	// A job rescued late could still add something: look again a moment later.
	time.Sleep(time.Second)
	s = read()
	t.Logf("state: %+v\njobs:\n%s", s, jobTable(t, pool, appID, s.emailIDs))
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"applications with the reference", s.apps, 1},
		{"'submitted' events", s.submitted, 1},
		{"'registered' events", s.registered, 1},
		{"protocol entries", s.protocol, 1},
		{"receipts", s.receipts, 1},
		{"inbox messages (submitted, registered)", s.inbox, 2},
		{"email messages (submitted, registered)", s.emails, 2},
		{"jobs not completed", s.pending, 0},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.what, c.got, c.want)
		}
	}
	if s.status != "registered" {
		t.Errorf("status %q, want registered", s.status)
	}
	var registers, attempts int
	if err := pool.QueryRow(ctx, `SELECT count(*), coalesce(max(attempt), 0) FROM river_job
		WHERE kind = 'application_register' AND args->>'application_id' = $1`, appID).Scan(&registers, &attempts); err != nil {
		t.Fatal(err)
	}
	if registers != 1 {
		t.Errorf("application_register jobs: %d, want 1", registers)
	}
	t.Logf("the application_register job ran in %d attempt(s)", attempts)
	var sends int
	inTenant(t, pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT coalesce(sum(attempts), 0) FROM email_messages WHERE application_id = $1`, appID).Scan(&sends)
	})
	if sends != 2 {
		t.Errorf("email send attempts recorded: %d, want 2 (one per email)", sends)
	}
	for _, p := range []*serveProcess{first, second} {
		if lines := p.problems(); lines != "" {
			t.Logf("%s server's warnings and errors:\n%s", p.name, lines)
		}
	}
	t.Logf("took %s", time.Since(began).Round(time.Millisecond))
}

// serveProcess is a `civica serve` child process.
type serveProcess struct {
	name string
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan struct{}
}

// startServe starts bin serve with env; the test's end stops it with
// SIGINT (SIGKILL after 20 s) and shows its log if the test failed.
func startServe(t *testing.T, bin string, env []string, name string) *serveProcess {
	t.Helper()
	return startCivica(t, bin, env, name, "serve")
}

// startCivica starts bin with a subcommand (serve, worker) as startServe does.
func startCivica(t *testing.T, bin string, env []string, name, subcommand string) *serveProcess {
	t.Helper()
	p := &serveProcess{name: name, cmd: exec.Command(bin, subcommand), logs: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s server: %v", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Signal(os.Interrupt)
			select {
			case <-p.done:
			case <-time.After(20 * time.Second):
				t.Errorf("%s server did not stop on SIGINT", name)
				_ = p.cmd.Process.Kill()
				<-p.done
			}
		}
		if t.Failed() {
			t.Logf("%s server's log:\n%s", name, p.logs.String())
		}
	})
	return p
}

// waitReady waits for /readyz to answer 200.
func (p *serveProcess) waitReady(t *testing.T, c *http.Client, port int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-p.done:
			t.Fatalf("%s server exited (%s):\n%s", p.name, p.cmd.ProcessState, p.logs.String())
		default:
		}
		res, err := c.Get(fmt.Sprintf("http://localhost:%d/readyz", port))
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s server not ready after 20 s (%v):\n%s", p.name, err, p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wait waits for the process to be gone.
func (p *serveProcess) wait(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("%s server still running", p.name)
	}
}

// problems are the log's WARN and ERROR lines.
func (p *serveProcess) problems() string {
	var out []string
	for _, l := range strings.Split(p.logs.String(), "\n") {
		if strings.Contains(l, `"level":"WARN"`) || strings.Contains(l, `"level":"ERROR"`) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// jobTable lists the River jobs of an application (and of its emails).
func jobTable(t *testing.T, pool *pgxpool.Pool, appID string, emailIDs []string) string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT id, kind, state::text, attempt, coalesce(array_length(errors, 1), 0)
		FROM river_job WHERE args->>'application_id' = $1 OR (kind = 'email_send' AND args->>'email_id' = ANY($2)) ORDER BY id`,
		appID, emailIDs)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id int64
		var kind, state string
		var attempt, errs int
		if err := rows.Scan(&id, &kind, &state, &attempt, &errs); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "  %d %-22s %-10s attempt=%d errors=%d\n", id, kind, state, attempt, errs)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func inTenant(t *testing.T, pool *pgxpool.Pool, tenantID string, fn func(pgx.Tx) error) {
	t.Helper()
	if err := db.InTenant(context.Background(), pool, tenantID, fn); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

var killCSRFField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func killCSRF(t *testing.T, body string) string {
	t.Helper()
	m := killCSRFField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	return m[1]
}

// killStep posts a step's answers as an ordinary form.
func killStep(t *testing.T, c *http.Client, page browsertest.Page, values url.Values) browsertest.Page {
	t.Helper()
	values.Set("_csrf", killCSRF(t, page.Body))
	if values.Get("_action") == "" {
		values.Set("_action", "next")
	}
	return browsertest.PostForm(t, c, page.URL.String(), values)
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
