package applications_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertest"
	"github.com/riverqueue/river/rivertype"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/storage"
)

// workflowFixture is the applications fixture with the workflow jobs on
// a service whose files the test can look at.
type workflowFixture struct {
	fixture
	wf    *applications.Workflow
	files *storage.Dir
}

func setupWorkflow(t *testing.T) workflowFixture {
	t.Helper()
	f := setup(t)
	client, err := jobs.New(f.pool, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f.svc = applications.New(f.pool, client, files, nil, nil, applications.Config{})
	f.svc.SetClock(func() time.Time { return *f.clock })
	cat, err := locale.Load(i18n.FS, "it", "en")
	if err != nil {
		t.Fatal(err)
	}
	return workflowFixture{fixture: f, files: files, wf: &applications.Workflow{Service: f.svc, Catalog: cat,
		PortalURL: func(slug string) string { return "https://" + slug + ".example.it" }}}
}

// at sets the clock to 10:00 in Rome on the day.
func (f workflowFixture) at(day string) {
	d, err := time.ParseInLocation(time.DateOnly, day, locale.Rome)
	if err != nil {
		panic(err)
	}
	*f.clock = d.Add(10 * time.Hour)
}

// run works a job of the comune twice, as a retried or duplicated job
// would be.
func run[T river.JobArgs](t *testing.T, w river.Worker[T], args T) {
	t.Helper()
	for range 2 {
		if err := w.Work(context.Background(), &river.Job[T]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: args}); err != nil {
			t.Fatal(err)
		}
	}
}

// inbox lists "fiscal code: subject" of the comune's inbox messages whose
// dedup key starts with prefix.
func (f workflowFixture) inbox(t *testing.T, prefix string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	err := db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT p.fiscal_code || ': ' || m.subject FROM inbox_messages m
			JOIN people p ON p.tenant_id = m.tenant_id AND p.id = m.person_id
			WHERE m.dedup_key LIKE $1 || '%' ORDER BY 1`, prefix)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f workflowFixture) taken(t *testing.T) string {
	t.Helper()
	ref := f.registered(t)
	if err := f.svc.TakeInCharge(context.Background(), f.verdemare, ref, 0, paolo); err != nil {
		t.Fatal(err)
	}
	return ref
}

func (f workflowFixture) detail(t *testing.T, ref string) applications.Detail {
	t.Helper()
	d, err := f.svc.ForPerson(context.Background(), f.verdemare, f.mario, ref)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDeadlineWarnings_SentOnceToTheAssigneeAndTheManagers(t *testing.T) {
	t.Parallel()
	f := setupWorkflow(t)
	ref := f.taken(t) // due on 2 December 2026, Paolo's
	w := &applications.DeadlineWarningsWorker{Workflow: f.wf}
	args := applications.DeadlineWarningsArgs{TenantID: f.verdemare}

	f.at("2026-11-20") // twelve days before: too early
	run(t, w, args)
	if got := f.inbox(t, "deadline-warning:"); len(got) != 0 {
		t.Fatalf("warned twelve days before: %v", got)
	}
	f.at("2026-11-28") // four days before
	run(t, w, args)
	f.at("2026-11-29")
	run(t, w, args)
	got := f.inbox(t, "deadline-warning:")
	want := []string{paolo.FiscalCode + ": Pratica " + ref + ": scadenza il 2 dicembre 2026",
		marco.FiscalCode + ": Pratica " + ref + ": scadenza il 2 dicembre 2026"}
	if !slices.Equal(got, want) {
		t.Errorf("warnings %q, want %q", got, want)
	}
	for _, n := range f.detail(t, ref).Notifications {
		if strings.Contains(n.Subject, "scadenza") {
			t.Errorf("the citizen's page lists the office's warning %q", n.Subject)
		}
	}
}

func TestDeadlineWarnings_NotWhileTheClockIsStopped(t *testing.T) {
	t.Parallel()
	f := setupWorkflow(t)
	ref := f.taken(t)
	if err := f.svc.RequestIntegration(context.Background(), f.verdemare, ref, 0, paolo, "Allegare una foto.",
		time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	f.at("2026-11-30")
	run(t, &applications.DeadlineWarningsWorker{Workflow: f.wf}, applications.DeadlineWarningsArgs{TenantID: f.verdemare})
	if got := f.inbox(t, "deadline-warning:"); len(got) != 0 {
		t.Errorf("warned about an application awaiting an integration: %v", got)
	}
}

func TestOverdueDigest_OnceADayToEachManagerOnly(t *testing.T) {
	t.Parallel()
	f := setupWorkflow(t)
	ref := f.taken(t)
	w := &applications.DeadlineWarningsWorker{Workflow: f.wf}
	args := applications.DeadlineWarningsArgs{TenantID: f.verdemare}
	f.at("2026-12-04")
	run(t, w, args)
	*f.clock = f.clock.Add(3 * time.Hour) // later the same day
	run(t, w, args)
	got := f.inbox(t, "overdue-digest:")
	if want := []string{marco.FiscalCode + ": Pratiche scadute nei tuoi uffici: 1"}; !slices.Equal(got, want) {
		t.Fatalf("digests %q, want %q", got, want)
	}
	var body string
	db.InTenant(context.Background(), f.pool, f.verdemare, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT body FROM inbox_messages WHERE dedup_key = 'overdue-digest:2026-12-04'`).Scan(&body)
	})
	if !strings.Contains(body, ref) || !strings.Contains(body, "https://verdemare.example.it/scrivania") {
		t.Errorf("the digest does not list %s with a link to the desk:\n%s", ref, body)
	}
	f.at("2026-12-05")
	run(t, w, args)
	if got := f.inbox(t, "overdue-digest:"); len(got) != 2 {
		t.Errorf("after a second day, %d digests, want 2", len(got))
	}
}

// awaiting has Paolo ask Mario for more on a report, to answer by 10
// November 2026.
func (f workflowFixture) awaiting(t *testing.T) string {
	t.Helper()
	ref := f.taken(t)
	if err := f.svc.RequestIntegration(context.Background(), f.verdemare, ref, 0, paolo, "Allegare una foto della buca.",
		time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	return ref
}

func (f workflowFixture) kinds(d applications.Detail) []string {
	var out []string
	for _, e := range d.Events {
		out = append(out, e.Kind)
	}
	return out
}

func TestIntegrationExpiry_RemindsOnceThenResumes(t *testing.T) {
	t.Parallel()
	f := setupWorkflow(t)
	ref := f.awaiting(t)
	w := &applications.IntegrationExpiryWorker{Workflow: f.wf}
	args := applications.IntegrationExpiryArgs{TenantID: f.verdemare}

	f.at("2026-11-05") // five days before: nothing yet
	run(t, w, args)
	if k := f.kinds(f.detail(t, ref)); slices.Contains(k, applications.EventIntegrationReminder) {
		t.Fatalf("reminded five days before: %v", k)
	}
	f.at("2026-11-08")
	run(t, w, args)
	f.at("2026-11-10") // the last day: still the citizen's
	run(t, w, args)
	d := f.detail(t, ref)
	reminders := 0
	var seq int
	for _, e := range d.Events {
		if e.Kind == applications.EventIntegrationReminder {
			reminders++
			seq = e.Seq
		}
	}
	if reminders != 1 || d.Status != applications.AwaitingIntegration {
		t.Fatalf("%d reminders, status %s; want 1, still awaiting", reminders, d.Status)
	}
	var notices int
	f.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'application_notify'
		AND args->>'application_id' = $1 AND (args->>'seq')::int = $2`, d.ID, seq).Scan(&notices)
	if notices != 1 {
		t.Errorf("%d notifications of the reminder enqueued, want 1", notices)
	}

	f.at("2026-11-11")
	run(t, w, args)
	d = f.detail(t, ref)
	last := d.Events[len(d.Events)-1]
	if d.Status != applications.InProgress || last.ActorKind != applications.ActorSystem || !strings.Contains(last.Message, "10 novembre 2026") {
		t.Errorf("after the deadline: %s, last event %+v; want in_progress by the system with the date", d.Status, last)
	}
	if d.DueOn == nil || !d.DueOn.After(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("due on %v: the suspension did not move the deadline", d.DueOn)
	}
	if got := f.inbox(t, "integration-expired:"); len(got) != 1 || !strings.HasPrefix(got[0], paolo.FiscalCode) {
		t.Errorf("the assignee was told %v, want one message to Paolo", got)
	}
}

func TestIntegrationExpiry_RejectsWhenTheServiceSaysSo(t *testing.T) {
	t.Parallel()
	f := setupWorkflow(t)
	ref := f.awaiting(t)
	ctx := context.Background()
	// The form says so (form: on_integration_expiry: reject). Published
	// versions are immutable for the comune; the test, as the database's
	// owner, sets the rule on the version the application was sent with.
	err := pgx.BeginFunc(ctx, f.pool, func(tx pgx.Tx) error {
		// The owner's role, inside the comune (row-level security is forced).
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, f.verdemare); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE form_versions SET definition = definition || '{"on_integration_expiry": "reject"}'
			WHERE tenant_id = $1 AND service_slug = 'segnalazione-disservizio'`, f.verdemare)
		if err == nil && tag.RowsAffected() == 0 {
			err = errors.New("no form version to change")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.at("2026-11-12")
	run(t, &applications.IntegrationExpiryWorker{Workflow: f.wf}, applications.IntegrationExpiryArgs{TenantID: f.verdemare})
	d := f.detail(t, ref)
	if d.Status != applications.Rejected || d.DecidedAt == nil {
		t.Fatalf("status %s decided %v, want rejected", d.Status, d.DecidedAt)
	}
	if n := strings.Count(strings.Join(f.kinds(d), ","), "rejected"); n != 1 {
		t.Errorf("%d rejections on the timeline, want 1", n)
	}
}

func TestDraftPurge_NoticeBeforeThenDraftAndFilesGone(t *testing.T) {
	t.Parallel()
	f := setupWorkflow(t)
	ctx := context.Background()
	d, err := f.svc.StartDraft(ctx, f.verdemare, f.mario, "segnalazione-disservizio", "it")
	if err != nil {
		t.Fatal(err)
	}
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8)))
	file, err := f.svc.AddFile(ctx, f.verdemare, f.mario, d.Reference, "photo", "buca.png", &img, []string{"image"})
	if err != nil {
		t.Fatal(err)
	}
	var key string
	db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT storage_key FROM application_files WHERE id = $1`, file.ID).Scan(&key)
	})
	w := &applications.DraftPurgeWorker{Workflow: f.wf}
	args := applications.DraftPurgeArgs{TenantID: f.verdemare}
	expires := *d.ExpiresAt

	*f.clock = expires.AddDate(0, 0, -10)
	run(t, w, args)
	if got := f.inbox(t, "draft-expiry:"); len(got) != 0 {
		t.Fatalf("told ten days before: %v", got)
	}
	*f.clock = expires.AddDate(0, 0, -6)
	run(t, w, args)
	*f.clock = expires.AddDate(0, 0, -1)
	run(t, w, args)
	if got := f.inbox(t, "draft-expiry:"); len(got) != 1 || !strings.Contains(got[0], d.Reference) {
		t.Fatalf("notices %v, want one about %s", got, d.Reference)
	}
	if _, err := f.svc.OpenDraft(ctx, f.verdemare, f.mario, d.Reference); err != nil {
		t.Fatalf("the draft is gone before it expired: %v", err)
	}

	*f.clock = expires.Add(time.Minute)
	run(t, w, args)
	if _, err := f.svc.OpenDraft(ctx, f.verdemare, f.mario, d.Reference); err == nil {
		t.Error("the expired draft is still there")
	}
	if rc, err := f.files.Open(ctx, key); err == nil {
		rc.Close()
		t.Error("the draft's file is still stored")
	}
	var rows int
	db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM application_files WHERE storage_key = $1`, key).Scan(&rows)
	})
	if rows != 0 {
		t.Errorf("%d file rows left", rows)
	}
}

func TestDraftPurge_LeavesSubmittedApplicationsAndOtherComuni(t *testing.T) {
	t.Parallel()
	f := setupWorkflow(t)
	ctx := context.Background()
	ref := f.submitted(t)
	other, err := f.svc.StartDraft(ctx, f.roccasole, f.marioInRoc, "segnalazione-disservizio", "it")
	if err != nil {
		t.Fatal(err)
	}
	*f.clock = f.clock.AddDate(0, 2, 0)
	run(t, &applications.DraftPurgeWorker{Workflow: f.wf}, applications.DraftPurgeArgs{TenantID: f.verdemare})
	if d := f.detail(t, ref); d.Status != applications.Submitted {
		t.Errorf("a submitted application became %s", d.Status)
	}
	if _, err := f.svc.OpenDraft(ctx, f.roccasole, f.marioInRoc, other.Reference); err != nil {
		t.Errorf("Verdemare's purge removed Roccasole's draft: %v", err)
	}
}

func TestRegisterWatch_FailingRegistrationReportedOnceToTheManagers(t *testing.T) {
	t.Parallel()
	f := setupWorkflow(t)
	ctx := context.Background()
	ref := f.submitted(t) // its registration job is queued, never worked
	w := &applications.RegisterWatchWorker{Workflow: f.wf}
	args := applications.RegisterWatchArgs{TenantID: f.verdemare}
	fail := func(state string, attempt int) {
		t.Helper()
		if _, err := f.pool.Exec(ctx, `UPDATE river_job SET state = $1::river_job_state, attempt = $2::int,
				finalized_at = CASE WHEN $1::river_job_state = 'discarded' THEN now() END,
				errors = ARRAY[jsonb_build_object('at', now(), 'attempt', $2::int, 'error', 'protocol register unreachable')]
			WHERE kind = 'application_register'`, state, attempt); err != nil {
			t.Fatal(err)
		}
	}
	fail("retryable", 2)
	run(t, w, args)
	if got := f.inbox(t, "register-failing:"); len(got) != 0 {
		t.Fatalf("reported after two attempts: %v", got)
	}
	fail("retryable", 6)
	run(t, w, args)
	fail("discarded", 15)
	run(t, w, args)
	got := f.inbox(t, "register-failing:")
	if want := []string{marco.FiscalCode + ": Pratica " + ref + ": protocollazione non riuscita"}; !slices.Equal(got, want) {
		t.Errorf("reports %q, want %q", got, want)
	}
	var body string
	db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT body FROM inbox_messages WHERE dedup_key LIKE 'register-failing:%'`).Scan(&body)
	})
	if !strings.Contains(body, "protocol register unreachable") {
		t.Errorf("the report does not carry the error:\n%s", body)
	}
}

func TestWorkflowSweep_EnqueuesEachComunesJobsOncePerHour(t *testing.T) {
	t.Parallel()
	f := setupWorkflow(t)
	run(t, &applications.WorkflowSweepWorker{Workflow: f.wf}, applications.WorkflowSweepArgs{})
	var expected []rivertest.ExpectedJob
	for _, tenantID := range []string{f.roccasole, f.verdemare} { // by slug
		expected = append(expected,
			rivertest.ExpectedJob{Args: applications.DeadlineWarningsArgs{TenantID: tenantID}},
			rivertest.ExpectedJob{Args: applications.IntegrationExpiryArgs{TenantID: tenantID}},
			rivertest.ExpectedJob{Args: applications.DraftPurgeArgs{TenantID: tenantID}},
			rivertest.ExpectedJob{Args: applications.RegisterWatchArgs{TenantID: tenantID}})
	}
	jobs := rivertest.RequireManyInserted(context.Background(), t, riverpgxv5.New(f.pool), expected)
	for i, j := range jobs {
		if !strings.Contains(string(j.EncodedArgs), map[bool]string{true: f.roccasole, false: f.verdemare}[i < 4]) {
			t.Errorf("job %d (%s) carries %s", i, j.Kind, j.EncodedArgs)
		}
	}
}
