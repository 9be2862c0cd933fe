package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/tenant"
)

// TestCampaign_WorkerSIGKILLedMidwaySendsEveryoneOneMessage sends a
// campaign to 3,000 citizens by email through `civica worker` and SIGKILLs
// the worker when a third of the mail has reached the SMTP sink; a second
// worker finishes the job. At the sink, every recipient's mailbox holds
// exactly one message (one Message-ID). The messages whose send the kill
// interrupted between the end of DATA and the record of success are sent
// again under the same Message-ID, which mail stores keep once: the raw
// copies beyond one per person are at most the worker's job slots.
func TestCampaign_WorkerSIGKILLedMidwaySendsEveryoneOneMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and sends 3,000 messages")
	}
	const recipients = 3000
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
	tenantID, err := seedCampaignCitizens(ctx, dbURL, "verdemare", recipients)
	if err != nil {
		t.Fatal(err)
	}
	sink, err := startMailSink()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sink.Close)

	tmp := t.TempDir()
	bin := filepath.Join(tmp, "civica")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	env := append(os.Environ(),
		"CIVICA_ENV=development",
		"CIVICA_DATABASE_URL="+dbURL,
		"CIVICA_PLATFORM_URL=http://localhost:8080",
		"CIVICA_SMTP_ADDR="+sink.Addr,
		"CIVICA_FILES_DIR="+filepath.Join(tmp, "files"),
		"CIVICA_JOB_RESCUE_AFTER=3s",
		"CIVICA_LOG_FORMAT=json",
	)

	// The admin schedules the campaign (the web page does just this).
	inserter, err := jobs.New(pool, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	campaigns := notify.NewCampaigns(pool, inserter, notify.CampaignConfig{})
	id, err := campaigns.Create(ctx, tenantID, "test", notify.CampaignText{
		Title: "Chiusura via Roma", SubjectIT: "Lavori in via Roma", BodyIT: "Da lunedì la via Roma è chiusa per lavori.",
		Segment: notify.Segment{Kind: notify.SegmentAll},
	})
	if err != nil {
		t.Fatal(err)
	}
	scheduled := time.Now()
	if err := campaigns.Schedule(ctx, tenantID, id, scheduled); err != nil {
		t.Fatal(err)
	}

	first := startCivica(t, bin, env, "first worker", "worker")
	waitFor(t, 3*time.Minute, "a third of the mail", func() bool {
		total, _, _, _ := sink.Counts()
		return total >= recipients/3
	})
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	first.wait(t, 10*time.Second)
	atKill, _, _, _ := sink.Counts()
	t.Logf("SIGKILL after %d messages, %s after scheduling", atKill, time.Since(scheduled).Round(time.Millisecond))
	if atKill >= recipients {
		t.Fatalf("the campaign was over (%d messages) before the kill: nothing was tested", atKill)
	}

	startCivica(t, bin, env, "second worker", "worker")
	waitFor(t, 4*time.Minute, "every recipient's mail and the campaign done", func() bool {
		_, got, _, _ := sink.Counts()
		var status string
		var pending int
		inTenant(t, pool, tenantID, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT c.status, (SELECT count(*) FROM deliveries d WHERE d.tenant_id = c.tenant_id
				AND d.campaign_id = c.id AND d.status NOT IN ('sent', 'delivered'))
				FROM campaigns c WHERE c.tenant_id = $1 AND c.id = $2`, tenantID, id).Scan(&status, &pending)
		})
		return got == recipients && status == notify.CampaignDone && pending == 0
	})
	t.Logf("all sent %s after scheduling", time.Since(scheduled).Round(time.Millisecond))
	time.Sleep(2 * time.Second) // a late duplicate would arrive now
	total, got, duplicated, _ := sink.Counts()
	if got != recipients || duplicated != 0 {
		t.Errorf("%d of %d recipients got mail, %d of them two different messages; want all, none", got, recipients, duplicated)
	}
	if extra := total - recipients; extra > jobs.MaxWorkers {
		t.Errorf("%d copies beyond one per recipient; at most the %d sends under way at the kill may be repeated", extra, jobs.MaxWorkers)
	}
	var deliveries, inboxes int
	inTenant(t, pool, tenantID, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE tenant_id = $1 AND campaign_id = $2`, tenantID, id).Scan(&deliveries); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM inbox_messages WHERE tenant_id = $1 AND dedup_key = $2 || person_id::text`,
			tenantID, "campaign:"+id+":").Scan(&inboxes)
	})
	if deliveries != recipients || inboxes != recipients {
		t.Errorf("%d deliveries and %d inbox messages for %d recipients", deliveries, inboxes, recipients)
	}
	t.Logf("%d messages at the sink for %d recipients (%d repeated under the same Message-ID)", total, got, total-recipients)
}

// waitFor polls cond every 100 ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
