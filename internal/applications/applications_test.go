package applications_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/forms"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/storage"
	"github.com/civica/civica/internal/tenant"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// fixture is a database with the demo comuni, a citizen in each and the
// applications service on an insert-only job client.
type fixture struct {
	pool       *pgxpool.Pool
	svc        *applications.Service
	verdemare  string // tenant ids
	roccasole  string
	mario      string // Mario's person id in Verdemare
	marioInRoc string
	clock      *time.Time
}

func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	if _, err := tenant.ImportDir(ctx, tenant.NewStore(pool), filepath.Join("..", "..", "tenants")); err != nil {
		t.Fatal(err)
	}
	client, err := jobs.New(pool, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{pool: pool, svc: applications.New(pool, client, files, nil, nil, applications.Config{})}
	// Monday 2 November 2026, 10:00 in Rome.
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	f.clock = &now
	f.svc.SetClock(func() time.Time { return *f.clock })
	for slug, into := range map[string]*string{"verdemare": &f.verdemare, "roccasole": &f.roccasole} {
		if err := pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = $1`, slug).Scan(into); err != nil {
			t.Fatal(err)
		}
	}
	f.mario = f.person(t, f.verdemare)
	f.marioInRoc = f.person(t, f.roccasole)
	return f
}

func (f fixture) person(t *testing.T, tenantID string) string {
	t.Helper()
	var id string
	err := db.InTenant(context.Background(), f.pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name, email)
			VALUES ($1, 'RSSMRA85T10H501O', 'Mario', 'Rossi', 'mario.rossi@example.it') RETURNING id::text`, tenantID).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// reportAnswers are complete answers to the report-a-problem form.
var reportAnswers = [][]forms.Values{{
	{"category": {"roads"}, "subject": {"Buca in via Roma"}, "description": {"Una buca profonda davanti al civico 12, pericolosa."}},
	{"place": {"Via Roma 12"}},
	{"wants_reply": {"no"}},
}}[0]

// submitted fills and sends a report, returning its reference.
func (f fixture) submitted(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	d, err := f.svc.StartDraft(ctx, f.verdemare, f.mario, "segnalazione-disservizio", "it")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range reportAnswers {
		r, err := f.svc.SaveStep(ctx, f.verdemare, f.mario, d.Reference, i, v)
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("step %d: %v %v", i, err, r.Errors)
		}
	}
	r, err := f.svc.Submit(ctx, f.verdemare, f.mario, d.Reference, []string{"privacy"})
	if err != nil || len(r.Errors) > 0 || r.Status != applications.Submitted {
		t.Fatalf("submit: %v %v %s", err, r.Errors, r.Status)
	}
	return d.Reference
}

func TestStartDraft_PrefillsFromTheLoginIdentity(t *testing.T) {
	t.Parallel()
	f := setup(t)
	d, err := f.svc.StartDraft(context.Background(), f.verdemare, f.mario, "accesso-agli-atti", "it")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, vs := range d.Answers {
		if slices.Contains(vs, "mario.rossi@example.it") {
			found = true
		}
	}
	if !found {
		t.Errorf("the identity's email is not prefilled: %v", d.Answers)
	}
	if d.Status != applications.Draft || d.ExpiresAt == nil || !applications.IsReference(d.Reference) {
		t.Errorf("draft %+v", d.Application)
	}
}

func TestStartDraft_ErrNoFormForAServiceWithout(t *testing.T) {
	t.Parallel()
	f := setup(t)
	_, err := f.svc.StartDraft(context.Background(), f.verdemare, f.mario, "carta-identita-elettronica", "it")
	if !errors.Is(err, applications.ErrNoForm) {
		t.Errorf("err = %v, want ErrNoForm", err)
	}
}

func TestSubmit_SetsTheDeadlineAndEnqueuesRegistrationReceiptAndNotice(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ref := f.submitted(t)
	d, err := f.svc.ForPerson(context.Background(), f.verdemare, f.mario, ref)
	if err != nil {
		t.Fatal(err)
	}
	// 30 calendar days from Monday 2 November 2026: Wednesday 2 December.
	if d.DueOn == nil || d.DueOn.Format(time.DateOnly) != "2026-12-02" {
		t.Errorf("due on %v, want 2026-12-02", d.DueOn)
	}
	if d.Office != "lavori-pubblici" {
		t.Errorf("a report about roads is with %q, want lavori-pubblici", d.Office)
	}
	if len(d.Events) != 1 || d.Events[0].Kind != "submitted" || d.Events[0].To != applications.Submitted {
		t.Errorf("timeline %+v", d.Events)
	}
	kinds := map[string]int{}
	rows, _ := f.pool.Query(context.Background(), `SELECT kind FROM river_job`)
	for rows.Next() {
		var k string
		rows.Scan(&k)
		kinds[k]++
	}
	rows.Close()
	for _, k := range []string{"application_register", "application_receipt", "application_notify"} {
		if kinds[k] != 1 {
			t.Errorf("jobs %v: want one %s", kinds, k)
		}
	}
}

func TestSubmit_TwiceAtOnceMakesOneSubmission(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	d, _ := f.svc.StartDraft(ctx, f.verdemare, f.mario, "segnalazione-disservizio", "it")
	for i, v := range reportAnswers {
		f.svc.SaveStep(ctx, f.verdemare, f.mario, d.Reference, i, v)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := f.svc.Submit(ctx, f.verdemare, f.mario, d.Reference, []string{"privacy"}); err != nil || r.Status != applications.Submitted {
				t.Errorf("submit: %v %s", err, r.Status)
			}
		}()
	}
	wg.Wait()
	detail, _ := f.svc.ForPerson(ctx, f.verdemare, f.mario, d.Reference)
	if len(detail.Events) != 1 {
		t.Errorf("%d events after 8 concurrent submissions, want 1", len(detail.Events))
	}
}

func TestSubmit_ErrMissingAnswersAndDeclarations(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	d, _ := f.svc.StartDraft(ctx, f.verdemare, f.mario, "segnalazione-disservizio", "it")
	r, err := f.svc.Submit(ctx, f.verdemare, f.mario, d.Reference, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != applications.Draft || len(r.Errors) == 0 || !slices.Contains(r.MissingDeclarations, "privacy") {
		t.Errorf("incomplete draft sent? status %s, errors %v, missing %v", r.Status, r.Errors, r.MissingDeclarations)
	}
}

func TestSubmit_ErrFormReplacedCarriesTheDraft(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	d, _ := f.svc.StartDraft(ctx, f.verdemare, f.mario, "segnalazione-disservizio", "it")
	for i, v := range reportAnswers {
		f.svc.SaveStep(ctx, f.verdemare, f.mario, d.Reference, i, v)
	}
	// The comune publishes a new version of the form meanwhile.
	err := db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		c, err := catalog.NewStore(f.pool).Export(ctx, f.verdemare)
		if err != nil {
			return err
		}
		for i := range c.Services {
			if c.Services[i].Slug == "segnalazione-disservizio" {
				c.Services[i].Form.Steps[0].Title = forms.Text{"it": "Il problema, in breve", "en": "The problem, briefly"}
			}
		}
		return catalog.Write(ctx, tx, f.verdemare, c)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Submit(ctx, f.verdemare, f.mario, d.Reference, []string{"privacy"}); !errors.Is(err, applications.ErrFormReplaced) {
		t.Fatalf("err = %v, want ErrFormReplaced", err)
	}
	again, err := f.svc.OpenDraft(ctx, f.verdemare, f.mario, d.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if again.FormVersion != d.FormVersion+1 || again.Answers.Get("subject") != "Buca in via Roma" {
		t.Errorf("carried draft: version %d (was %d), subject %q", again.FormVersion, d.FormVersion, again.Answers.Get("subject"))
	}
	if r, err := f.svc.Submit(ctx, f.verdemare, f.mario, d.Reference, []string{"privacy"}); err != nil || r.Status != applications.Submitted {
		t.Errorf("second submit: %v %s", err, r.Status)
	}
	// The published version it was filled with is pinned and unchanged.
	err = db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE form_versions SET definition = '{}' WHERE tenant_id = $1`, f.verdemare)
		return err
	})
	if err == nil {
		t.Error("a published form version could be changed")
	}
}

func TestIntegration_StopsAndResumesTheClock(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ref := f.submitted(t)
	clerk := applications.Clerk{FiscalCode: "CNTPLA80A12H501T", Name: "Paolo Conti"}
	if err := f.svc.TakeInCharge(ctx, f.verdemare, ref, 0, clerk); !errors.Is(err, applications.ErrNotAllowed) {
		t.Errorf("taken in charge before registration: %v", err)
	}
	f.register(t, ref)
	if err := f.svc.TakeInCharge(ctx, f.verdemare, ref, 0, clerk); err != nil {
		t.Fatal(err)
	}
	*f.clock = f.clock.Add(24 * time.Hour) // Tuesday 3 November
	if err := f.svc.RequestIntegration(ctx, f.verdemare, ref, 0, clerk, "Allega una foto della buca.", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	*f.clock = f.clock.Add(10 * 24 * time.Hour) // Friday 13 November
	if err := f.svc.AnswerIntegration(ctx, f.verdemare, f.mario, ref, "Ecco la foto.", nil); err != nil {
		t.Fatal(err)
	}
	d, _ := f.svc.ForPerson(ctx, f.verdemare, f.mario, ref)
	// Suspended 10 days: due 2 December becomes 12 December (a Saturday,
	// which stays).
	if d.Status != applications.InProgress || d.DueOn == nil || d.DueOn.Format(time.DateOnly) != "2026-12-12" {
		t.Errorf("after the answer: %s, due %v, want in_progress due 2026-12-12", d.Status, d.DueOn)
	}
	if err := f.svc.AnswerIntegration(ctx, f.verdemare, f.mario, ref, "Di nuovo", nil); !errors.Is(err, applications.ErrNotAllowed) {
		t.Errorf("answering with no request open: %v", err)
	}
	if err := f.svc.Decide(ctx, f.verdemare, ref, 1, clerk, true, "Intervento programmato."); !errors.Is(err, applications.ErrChanged) {
		t.Errorf("deciding on a stale revision: %v, want ErrChanged", err)
	}
	if err := f.svc.Decide(ctx, f.verdemare, ref, 0, clerk, true, "Intervento programmato."); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Withdraw(ctx, f.verdemare, f.mario, ref, ""); !errors.Is(err, applications.ErrNotAllowed) {
		t.Errorf("withdrawn after the decision: %v", err)
	}
}

// register runs the protocol job for ref as River would.
func (f fixture) register(t *testing.T, ref string) {
	t.Helper()
	ctx := context.Background()
	var id string
	db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM applications WHERE reference = $1`, ref).Scan(&id)
	})
	w := &applications.RegisterWorker{Service: f.svc}
	job := &river.Job[applications.RegisterArgs]{JobRow: &rivertype.JobRow{Attempt: 1},
		Args: applications.RegisterArgs{TenantID: f.verdemare, ApplicationID: id}}
	for range 2 { // twice: the second run changes nothing
		if err := w.Work(ctx, job); err != nil {
			t.Fatal(err)
		}
	}
	d, _ := f.svc.ForPerson(ctx, f.verdemare, f.mario, ref)
	if d.Status != applications.Registered || d.ProtocolNumber == "" || len(d.Events) != 2 {
		t.Fatalf("after registering twice: %s %q, %d events", d.Status, d.ProtocolNumber, len(d.Events))
	}
}

func TestProtocol_GaplessYearlySequenceUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	const n = 40
	var wg sync.WaitGroup
	numbers := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
				p, err := applications.BuiltinRegister{}.Register(ctx, tx, applications.ProtocolEntry{TenantID: f.verdemare,
					Direction: "in", Subject: "prova", Reference: fmt.Sprintf("PR-TEST%04d", i), At: *f.clock})
				numbers[i] = p.Number
				if err == nil && i%5 == 0 {
					return errors.New("roll back") // a registration that fails leaves no gap
				}
				return err
			})
			if err != nil && err.Error() != "roll back" {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var got []int
	db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT number FROM protocol_entries WHERE year = 2026 ORDER BY number`)
		if err != nil {
			return err
		}
		got, err = pgx.CollectRows(rows, pgx.RowTo[int])
		return err
	})
	if len(got) != n-n/5 {
		t.Fatalf("%d entries, want %d", len(got), n-n/5)
	}
	for i, num := range got {
		if num != i+1 {
			t.Fatalf("numbers %v: not 1..%d without gaps", got, len(got))
		}
	}
	// Another comune's register starts from 1 on its own.
	db.InTenant(ctx, f.pool, f.roccasole, func(tx pgx.Tx) error {
		p, err := applications.BuiltinRegister{}.Register(ctx, tx, applications.ProtocolEntry{TenantID: f.roccasole,
			Direction: "in", Subject: "prova", Reference: "PR-ROCC0001", At: *f.clock})
		if err != nil || p.Number != "2026/0000001" {
			t.Errorf("Roccasole's first number %q (%v)", p.Number, err)
		}
		return err
	})
}

func TestForPerson_ErrNotFoundForAnotherPersonOrComune(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ref := f.submitted(t)
	other := f.person2(t)
	if _, err := f.svc.ForPerson(ctx, f.verdemare, other, ref); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another person: %v", err)
	}
	// The same fiscal code in another comune is another person there.
	if _, err := f.svc.ForPerson(ctx, f.roccasole, f.marioInRoc, ref); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another comune: %v", err)
	}
	list, err := f.svc.List(ctx, f.roccasole, f.marioInRoc, "")
	if err != nil || len(list) != 0 {
		t.Errorf("Roccasole lists %v (%v)", list, err)
	}
	// And the database itself refuses to show it: no filter at all.
	var n int
	db.InTenant(ctx, f.pool, f.roccasole, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM applications) + (SELECT count(*) FROM application_events)`).Scan(&n)
	})
	if n != 0 {
		t.Errorf("Roccasole's transaction sees %d of Verdemare's rows", n)
	}
}

func (f fixture) person2(t *testing.T) string {
	t.Helper()
	var id string
	db.InTenant(context.Background(), f.pool, f.verdemare, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name)
			VALUES ($1, 'BNCGLI90A41F205X', 'Giulia', 'Bianchi') RETURNING id::text`, f.verdemare).Scan(&id)
	})
	return id
}

func TestCanMove_TheLifecycle(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to applications.Status
		by       string
		ok       bool
	}{
		{applications.Draft, applications.Submitted, applications.ActorCitizen, true},
		{applications.Draft, applications.Submitted, applications.ActorStaff, false},
		{applications.Submitted, applications.Registered, applications.ActorSystem, true},
		{applications.Submitted, applications.InProgress, applications.ActorStaff, false},
		{applications.Registered, applications.InProgress, applications.ActorStaff, true},
		{applications.InProgress, applications.AwaitingIntegration, applications.ActorStaff, true},
		{applications.AwaitingIntegration, applications.InProgress, applications.ActorCitizen, true},
		{applications.InProgress, applications.Accepted, applications.ActorCitizen, false},
		{applications.Accepted, applications.Withdrawn, applications.ActorCitizen, false},
		{applications.Rejected, applications.InProgress, applications.ActorStaff, false},
		{applications.Registered, applications.Cancelled, applications.ActorStaff, true},
	} {
		if got := applications.CanMove(tc.from, tc.to, tc.by); got != tc.ok {
			t.Errorf("%s → %s by %s: %v, want %v", tc.from, tc.to, tc.by, got, tc.ok)
		}
	}
}

func TestSubmit_DropsFileIDsThatAreNotTheApplications(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	d, _ := f.svc.StartDraft(ctx, f.verdemare, f.mario, "segnalazione-disservizio", "it")
	for i, v := range reportAnswers {
		if i == 2 {
			v = forms.Values{"wants_reply": {"no"}, "photos": {"00000000-0000-4000-8000-000000000001"}}
		}
		f.svc.SaveStep(ctx, f.verdemare, f.mario, d.Reference, i, v)
	}
	r, err := f.svc.Submit(ctx, f.verdemare, f.mario, d.Reference, []string{"privacy"})
	if err != nil || r.Status != applications.Submitted {
		t.Fatalf("submit: %v %s %v", err, r.Status, r.Errors)
	}
	if got := r.Answers["photos"]; len(got) != 0 {
		t.Errorf("a file id of no file of the application was kept: %v", got)
	}
}
