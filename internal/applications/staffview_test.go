package applications_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/attachments"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/locale"
)

// inProgress is a report registered and taken in charge by Paolo.
func (f fixture) inProgress(t *testing.T) string {
	t.Helper()
	ref := f.registered(t)
	if err := f.svc.TakeInCharge(context.Background(), f.verdemare, ref, 0, paolo); err != nil {
		t.Fatal(err)
	}
	return ref
}

// auditRows are the audit log's lines about ref: "action by fiscal code".
func (f fixture) auditRows(t *testing.T, ref string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	err := db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT action || ' by ' || actor_id FROM audit_log WHERE reference = $1 ORDER BY id`, ref)
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

func TestForStaff_EveryViewIsAudited(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ref := f.inProgress(t)
	if err := f.svc.AddNote(ctx, f.verdemare, ref, paolo, "Verificare con la polizia locale."); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		d, err := f.svc.ForStaff(ctx, f.verdemare, ref, marco)
		if err != nil {
			t.Fatal(err)
		}
		if d.Reference != ref || d.ApplicantName != "Mario Rossi" || d.ApplicantFiscalCode != "RSSMRA85T10H501O" {
			t.Errorf("detail %s of %q (%s)", d.Reference, d.ApplicantName, d.ApplicantFiscalCode)
		}
	}
	got := f.auditRows(t, ref)
	views := 0
	for _, row := range got {
		if row == "view by "+marco.FiscalCode {
			views++
		}
	}
	if views != 2 {
		t.Errorf("audit %v: want two views by Marco", got)
	}
}

func TestForStaff_ShowsAnswersNotesDeadlineAndTheCitizensOtherApplications(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ref := f.inProgress(t)
	other := f.submitted(t)
	if err := f.svc.AddNote(ctx, f.verdemare, ref, paolo, "Sopralluogo giovedì."); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.MessageCitizen(ctx, f.verdemare, ref, paolo, "Stiamo verificando."); err != nil {
		t.Fatal(err)
	}
	d, err := f.svc.ForStaff(ctx, f.verdemare, ref, paolo)
	if err != nil {
		t.Fatal(err)
	}
	if d.Answers.Get("subject") != "Buca in via Roma" || len(d.Form.Steps) == 0 {
		t.Errorf("answers %v with %d steps", d.Answers, len(d.Form.Steps))
	}
	kinds := map[string]string{}
	for _, e := range d.Events {
		kinds[e.Kind] = e.Note + e.Message
	}
	if kinds[applications.EventNote] != "Sopralluogo giovedì." || kinds[applications.EventMessageFromOffice] != "Stiamo verificando." {
		t.Errorf("timeline %+v: want the note and the message", d.Events)
	}
	if d.AssigneeName != "Paolo Conti" || d.ProtocolNumber == "" {
		t.Errorf("assignee %q, protocol %q", d.AssigneeName, d.ProtocolNumber)
	}
	// Submitted Monday 2 November, 30 calendar days: due 2 December; today
	// is the 2nd of November.
	if d.Deadline.DueOn == nil || d.Deadline.DaysLeft != 30 || d.Deadline.Overdue || d.Deadline.SuspendedSince != nil {
		t.Errorf("deadline %+v, want 30 days left", d.Deadline)
	}
	if len(d.Others) != 1 || d.Others[0].Reference != other || !d.Others[0].Visible {
		t.Errorf("other applications %+v, want %s", d.Others, other)
	}

	// The clock stops while the citizen is asked for more.
	*f.clock = f.clock.Add(5 * 24 * time.Hour)
	if err := f.svc.AskForIntegration(ctx, f.verdemare, ref, 0, paolo, applications.IntegrationRequest{
		Message: "Servono altri documenti.", Documents: []string{"Foto della buca", "", "Planimetria"},
		ReplyBy: f.clock.AddDate(0, 0, 10)}); err != nil {
		t.Fatal(err)
	}
	*f.clock = f.clock.Add(40 * 24 * time.Hour)
	d, err = f.svc.ForStaff(ctx, f.verdemare, ref, paolo)
	if err != nil {
		t.Fatal(err)
	}
	if d.Deadline.SuspendedSince == nil || d.Deadline.DaysLeft != 25 || d.Deadline.Overdue {
		t.Errorf("suspended deadline %+v, want 25 days left, stopped", d.Deadline)
	}
	last := d.Events[len(d.Events)-1]
	if last.Message != "Servono altri documenti.\n– Foto della buca\n– Planimetria" || last.ReplyBy == nil {
		t.Errorf("request %q by %v", last.Message, last.ReplyBy)
	}
}

func TestForStaff_OutsideTheOfficeIsNotFound(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ref := f.registered(t)
	if _, err := f.svc.ForStaff(ctx, f.verdemare, ref, luigi); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a clerk of other offices: %v, want ErrNotFound", err)
	}
	if _, err := f.svc.ForStaff(ctx, f.verdemare, ref, franca); !errors.Is(err, applications.ErrForbidden) {
		t.Errorf("another comune's clerk: %v, want ErrForbidden", err)
	}
	if _, _, err := f.svc.OpenFileForStaff(ctx, f.verdemare, ref, "receipt", luigi); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a clerk of other offices opened a file: %v", err)
	}
	draft, _ := f.svc.StartDraft(ctx, f.verdemare, f.mario, "segnalazione-disservizio", "it")
	if _, err := f.svc.ForStaff(ctx, f.verdemare, draft.Reference, sara); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a draft seen by the admin: %v, want ErrNotFound", err)
	}
	if got := f.auditRows(t, ref); len(got) != 0 {
		t.Errorf("refused views were audited: %v", got)
	}
}

func TestForStaff_AllowedActionsByRoleAndState(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ref := f.registered(t)
	allowed := func(by applications.Clerk) applications.Allowed {
		t.Helper()
		d, err := f.svc.ForStaff(ctx, f.verdemare, ref, by)
		if err != nil {
			t.Fatal(err)
		}
		return d.Allowed
	}
	want := func(what string, got, exp applications.Allowed) {
		t.Helper()
		if got != exp {
			t.Errorf("%s: %+v, want %+v", what, got, exp)
		}
	}
	want("clerk, registered", allowed(paolo), applications.Allowed{TakeInCharge: true, Cancel: true, Message: true, Note: true})
	want("manager, registered", allowed(marco), applications.Allowed{TakeInCharge: true, Assign: true, Cancel: true, Message: true, Note: true})
	d, err := f.svc.ForStaff(ctx, f.verdemare, ref, marco)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, m := range d.Staff {
		names = append(names, m.Name)
	}
	if got := strings.Join(names, ", "); got != "Marco Gallo, Paolo Conti, Sara Greco" {
		t.Errorf("assignable staff %q, want the office's and the admin", got)
	}
	if err := f.svc.TakeInCharge(ctx, f.verdemare, ref, 0, paolo); err != nil {
		t.Fatal(err)
	}
	want("clerk, in progress", allowed(paolo), applications.Allowed{RequestIntegration: true, Accept: true, Reject: true, Cancel: true, Message: true, Note: true})
	if err := f.svc.RequestIntegration(ctx, f.verdemare, ref, 0, paolo, "Serve una foto.", f.clock.AddDate(0, 0, 7)); err != nil {
		t.Fatal(err)
	}
	want("clerk, awaiting integration", allowed(paolo), applications.Allowed{Reject: true, Cancel: true, Message: true, Note: true})
	want("admin, awaiting integration", allowed(sara), applications.Allowed{Assign: true, Reject: true, Cancel: true, Message: true, Note: true})
	if err := f.svc.Decide(ctx, f.verdemare, ref, 0, paolo, false, "Documentazione non pervenuta."); err != nil {
		t.Fatal(err)
	}
	want("clerk, rejected", allowed(paolo), applications.Allowed{Note: true})
	// What the page does not offer, the domain refuses too.
	if err := f.svc.Cancel(ctx, f.verdemare, ref, 0, paolo, "Per errore."); !errors.Is(err, applications.ErrNotAllowed) {
		t.Errorf("cancelled a rejected application: %v", err)
	}
	if err := f.svc.MessageCitizen(ctx, f.verdemare, ref, paolo, "Ancora una cosa."); !errors.Is(err, applications.ErrNotAllowed) {
		t.Errorf("wrote about a rejected application: %v", err)
	}
}

func TestAskForIntegration_ErrReplyByNotInTheFuture(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ref := f.inProgress(t)
	for _, replyBy := range []time.Time{{}, *f.clock, f.clock.AddDate(0, 0, -1)} {
		err := f.svc.AskForIntegration(ctx, f.verdemare, ref, 0, paolo, applications.IntegrationRequest{Message: "Serve una foto.", ReplyBy: replyBy})
		if !errors.Is(err, applications.ErrReplyBy) {
			t.Errorf("reply by %v: %v, want ErrReplyBy", replyBy, err)
		}
	}
	d, _ := f.svc.ForPerson(ctx, f.verdemare, f.mario, ref)
	if d.Status != applications.InProgress {
		t.Errorf("status %s after refused requests", d.Status)
	}
}

// outcomeWorker runs the outcome jobs enqueued for the application as
// River would, each twice (the second run must change nothing).
func (f fixture) runOutcomeJobs(t *testing.T, ref string) {
	t.Helper()
	ctx := context.Background()
	catalog, err := locale.Load(i18n.FS, "it", "en")
	if err != nil {
		t.Fatal(err)
	}
	var id string
	db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM applications WHERE reference = $1`, ref).Scan(&id)
	})
	rows, err := f.pool.Query(ctx, `SELECT args FROM river_job WHERE kind = 'application_outcome' AND args->>'application_id' = $1`, id)
	if err != nil {
		t.Fatal(err)
	}
	args, err := pgx.CollectRows(rows, pgx.RowTo[applications.OutcomeArgs])
	if err != nil || len(args) != 1 {
		t.Fatalf("outcome jobs %+v (%v), want one", args, err)
	}
	w := &applications.OutcomeWorker{Service: f.svc, Catalog: catalog}
	for range 2 {
		job := &river.Job[applications.OutcomeArgs]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: args[0]}
		if err := w.Work(ctx, job); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDecide_GeneratedOutcomeDocumentIsTheCitizens(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ref := f.inProgress(t)
	if err := f.svc.DecideWithDocument(ctx, f.verdemare, ref, 0, paolo, true, "Intervento programmato per lunedì.",
		applications.OutcomeDocument{Generate: true}); err != nil {
		t.Fatal(err)
	}
	f.runOutcomeJobs(t, ref)
	d, err := f.svc.ForPerson(ctx, f.verdemare, f.mario, ref)
	if err != nil {
		t.Fatal(err)
	}
	var outcome *applications.File
	for i, file := range d.Files {
		if file.Owner == "office" {
			if outcome != nil {
				t.Fatalf("two office files: %+v", d.Files)
			}
			outcome = &d.Files[i]
		}
	}
	decision := d.Events[len(d.Events)-1]
	if outcome == nil || outcome.ContentType != attachments.TypePDF || outcome.EventSeq != decision.Seq || decision.Kind != "accepted" {
		t.Fatalf("outcome %+v for decision %+v", outcome, decision)
	}
	_, rc, err := f.svc.OpenFile(ctx, f.verdemare, f.mario, ref, outcome.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Errorf("the citizen's copy is not a PDF: %q", body[:min(20, len(body))])
	}
	staff, err := f.svc.ForStaff(ctx, f.verdemare, ref, paolo)
	if err != nil {
		t.Fatal(err)
	}
	if staff.Outgoing == nil || staff.Outgoing.Number == "" || staff.Outgoing.Number == staff.ProtocolNumber {
		t.Errorf("outgoing protocol %+v (incoming %s)", staff.Outgoing, staff.ProtocolNumber)
	}
	if _, _, err := f.svc.OpenFileForStaff(ctx, f.verdemare, ref, outcome.ID, paolo); err != nil {
		t.Fatal(err)
	}
	got := f.auditRows(t, ref)
	if got[len(got)-1] != "download by "+paolo.FiscalCode {
		t.Errorf("audit %v: the download is not recorded", got)
	}
}

func TestDecide_UploadedOutcomeDocument(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ref := f.inProgress(t)
	// Refused by its content: nothing changes.
	err := f.svc.DecideWithDocument(ctx, f.verdemare, ref, 0, paolo, false, "Non di competenza.",
		applications.OutcomeDocument{Name: "esito.pdf", Body: strings.NewReader("not really a PDF")})
	var refusal *attachments.Refusal
	if !errors.As(err, &refusal) || refusal.Code != attachments.CodeType {
		t.Fatalf("a text file as outcome: %v", err)
	}
	// Refused by its size: nothing changes.
	big := io.MultiReader(strings.NewReader("%PDF-1.7\n"), bytes.NewReader(make([]byte, attachments.DefaultLimits.MaxFileSize+1)))
	err = f.svc.DecideWithDocument(ctx, f.verdemare, ref, 0, paolo, false, "Non di competenza.",
		applications.OutcomeDocument{Name: "esito.pdf", Body: big})
	if !errors.As(err, &refusal) || refusal.Code != attachments.CodeTooBig {
		t.Fatalf("an oversized outcome: %v", err)
	}
	if d, _ := f.svc.ForPerson(ctx, f.verdemare, f.mario, ref); d.Status != applications.InProgress || len(d.Files) > 1 {
		t.Fatalf("after refused documents: %s with %d files", d.Status, len(d.Files))
	}
	err = f.svc.DecideWithDocument(ctx, f.verdemare, ref, 0, paolo, false, "Non di competenza.",
		applications.OutcomeDocument{Name: "esito.pdf", Body: strings.NewReader("%PDF-1.7\n% esito\n")})
	if err != nil {
		t.Fatal(err)
	}
	f.runOutcomeJobs(t, ref) // registers it, writes no second document
	d, _ := f.svc.ForPerson(ctx, f.verdemare, f.mario, ref)
	office := 0
	for _, file := range d.Files {
		if file.Owner == "office" {
			office++
			if file.Name != "esito.pdf" || file.EventSeq != d.Events[len(d.Events)-1].Seq {
				t.Errorf("outcome %+v", file)
			}
		}
	}
	if d.Status != applications.Rejected || office != 1 {
		t.Errorf("%s with %d office files, want rejected with the uploaded one", d.Status, office)
	}
}

func TestDecide_TwoClerksAtOnceOneWins(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ctx := context.Background()
	ref := f.inProgress(t)
	d, err := f.svc.ForStaff(ctx, f.verdemare, ref, paolo)
	if err != nil {
		t.Fatal(err)
	}
	seen := d.Revision
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, by := range []applications.Clerk{paolo, marco} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.svc.Decide(ctx, f.verdemare, ref, seen, by, i == 0, "Decisione.")
		}()
	}
	wg.Wait()
	ok, changed := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, applications.ErrChanged):
			changed++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 || changed != 1 {
		t.Fatalf("results %v: want one decision and one ErrChanged", errs)
	}
	after, _ := f.svc.ForPerson(ctx, f.verdemare, f.mario, ref)
	decisions := 0
	for _, e := range after.Events {
		if e.Kind == "accepted" || e.Kind == "rejected" {
			decisions++
		}
	}
	if decisions != 1 || after.Revision != seen+1 {
		t.Errorf("%d decisions, revision %d (was %d)", decisions, after.Revision, seen)
	}
}
