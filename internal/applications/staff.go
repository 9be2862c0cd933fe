package applications

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/attachments"
	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/receipt"
	"github.com/civica/civica/internal/workdays"
)

// The office's side of an application. Every function here reads the
// clerk's scope in its own transaction: an application outside the
// clerk's offices is db.ErrNotFound, a role that may not act is
// ErrForbidden, a state that does not allow the action is ErrNotAllowed,
// and a revision other than the one the clerk saw is ErrChanged, with
// nothing changed. What a clerk does is written to the audit log in the
// same transaction as the change.

// Event kinds only staff see: they are not news for the citizen.
const (
	EventAssigned = "assigned"
	EventNote     = "note"
)

// internalEvents are the timeline events the citizen never sees.
var internalEvents = []string{EventAssigned, EventNote}

// staffAction is the application a clerk acts on, locked, with the
// clerk's scope.
type staffAction struct {
	app   Application
	scope Scope
}

// lockForStaff reads an application by reference for a change by staff,
// refusing it when the clerk does not work on its office (db.ErrNotFound)
// or when it changed since the revision the clerk saw (0: don't check).
func lockForStaff(ctx context.Context, tx pgx.Tx, tenantID, reference string, revision int, by Clerk) (staffAction, error) {
	var sa staffAction
	if !IsReference(reference) {
		return sa, db.ErrNotFound
	}
	sc, err := LoadScope(ctx, tx, tenantID, by.FiscalCode)
	if err != nil {
		return sa, err
	}
	a, err := scanApplication(tx.QueryRow(ctx, `SELECT `+applicationColumns+` FROM applications
		WHERE tenant_id = $1 AND reference = $2 AND status <> 'draft' FOR UPDATE`, tenantID, reference))
	if err != nil {
		return sa, db.Classify(err)
	}
	if !sc.Sees(a.Office) {
		return sa, db.ErrNotFound
	}
	if revision != 0 && a.Revision != revision {
		return staffAction{app: a, scope: sc}, ErrChanged
	}
	return staffAction{app: a, scope: sc}, nil
}

// staffDo runs fn on the locked application and writes the audit line of
// action when fn succeeds.
func (s *Service) staffDo(ctx context.Context, tenantID, reference string, revision int, by Clerk, action, detail string, fn func(tx pgx.Tx, sa *staffAction) error) error {
	return s.inTenant(ctx, tenantID, action, func(tx pgx.Tx) error {
		sa, err := lockForStaff(ctx, tx, tenantID, reference, revision, by)
		if err != nil {
			return err
		}
		if err := fn(tx, &sa); err != nil {
			return err
		}
		return Audit(ctx, tx, tenantID, by, AuditEntry{Action: action, ApplicationID: sa.app.ID, Reference: sa.app.Reference, Detail: detail})
	})
}

func (s *Service) staffMove(ctx context.Context, tenantID, reference string, revision int, by Clerk, to Status, ch Change) error {
	return s.staffDo(ctx, tenantID, reference, revision, by, string(to), ch.Message, func(tx pgx.Tx, sa *staffAction) error {
		_, err := s.transition(ctx, tx, &sa.app, to, by.Actor(), ch, s.now())
		return err
	})
}

// TakeInCharge makes the clerk the one working on a registered
// application.
func (s *Service) TakeInCharge(ctx context.Context, tenantID, reference string, revision int, by Clerk) error {
	return s.staffDo(ctx, tenantID, reference, revision, by, string(InProgress), "", func(tx pgx.Tx, sa *staffAction) error {
		if !CanMove(sa.app.Status, InProgress, ActorStaff) || sa.app.Status == AwaitingIntegration {
			return fmt.Errorf("%w: take in charge from %s", ErrNotAllowed, sa.app.Status)
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET assignee = $3 WHERE tenant_id = $1 AND id = $2`, tenantID, sa.app.ID, by.FiscalCode); err != nil {
			return err
		}
		sa.app.Assignee = by.FiscalCode
		_, err := s.transition(ctx, tx, &sa.app, InProgress, by.Actor(), Change{}, s.now())
		return err
	})
}

// Assign gives the application to a member of staff who works on its
// office (assignee "" leaves it unassigned). Office managers and admins
// assign anyone; a clerk may only take an application for themselves.
func (s *Service) Assign(ctx context.Context, tenantID, reference string, revision int, by Clerk, assignee string) error {
	return s.staffDo(ctx, tenantID, reference, revision, by, EventAssigned, assignee, func(tx pgx.Tx, sa *staffAction) error {
		if sa.app.Status.Final() {
			return fmt.Errorf("%w: assign a %s application", ErrNotAllowed, sa.app.Status)
		}
		if !sa.scope.Manages(sa.app.Office) && assignee != by.FiscalCode {
			return ErrForbidden
		}
		name := ""
		if assignee != "" {
			to, err := LoadScope(ctx, tx, tenantID, assignee)
			if err != nil || !to.Sees(sa.app.Office) {
				return fmt.Errorf("%w: %s does not work on %s", ErrNotAllowed, assignee, sa.app.Office)
			}
			name = to.Name
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET assignee = nullif($3, ''), revision = revision + 1, updated_at = $4
			WHERE tenant_id = $1 AND id = $2`, tenantID, sa.app.ID, assignee, s.now()); err != nil {
			return err
		}
		sa.app.Revision++
		_, err := s.addEvent(ctx, tx, &sa.app, EventAssigned, "", "", by.Actor(), Change{Note: name}, s.now())
		return err
	})
}

// RequestIntegration asks the citizen for more (message, reply deadline):
// the legal clock stops until they answer.
func (s *Service) RequestIntegration(ctx context.Context, tenantID, reference string, revision int, by Clerk, message string, replyBy time.Time) error {
	return s.AskForIntegration(ctx, tenantID, reference, revision, by, IntegrationRequest{Message: message, ReplyBy: replyBy})
}

// IntegrationRequest is what the office asks the citizen for.
type IntegrationRequest struct {
	Message string
	// Documents are the documents asked for, one a line; the citizen
	// reads them as a list under the message.
	Documents []string
	// ReplyBy is the civil date to answer by; it must be after today.
	ReplyBy time.Time
}

// ErrReplyBy: an integration request's reply deadline is missing or not in
// the future.
var ErrReplyBy = errors.New("applications: the reply deadline must be a future date")

// AskForIntegration asks the citizen for more: a message, the documents
// wanted and the date to answer by. The legal clock stops until they
// answer.
func (s *Service) AskForIntegration(ctx context.Context, tenantID, reference string, revision int, by Clerk, r IntegrationRequest) error {
	message := strings.TrimSpace(r.Message)
	for _, doc := range r.Documents {
		if doc = strings.TrimSpace(doc); doc != "" {
			message += "\n– " + doc
		}
	}
	message, err := checkMessage(message, true)
	if err != nil {
		return err
	}
	if r.ReplyBy.IsZero() || !workdays.DateOf(r.ReplyBy).After(workdays.DateOf(s.now())) {
		return ErrReplyBy
	}
	replyBy := workdays.DateOf(r.ReplyBy)
	return s.staffMove(ctx, tenantID, reference, revision, by, AwaitingIntegration, Change{Message: message, ReplyBy: &replyBy})
}

// Decide accepts or rejects the application with a motivation.
func (s *Service) Decide(ctx context.Context, tenantID, reference string, revision int, by Clerk, accept bool, motivation string) error {
	return s.DecideWithDocument(ctx, tenantID, reference, revision, by, accept, motivation, OutcomeDocument{})
}

// OutcomeDocument is the document that goes with a decision: one the
// clerk uploads (Body, read as it streams, and its Name), or one Civica
// writes from the service's template (Generate). The zero value is none.
type OutcomeDocument struct {
	Name     string
	Body     io.Reader
	Generate bool
}

// outcomeKinds are what an uploaded outcome document may be: PDF, ODT,
// DOCX, or a signed P7M.
var outcomeKinds = []string{attachments.KindDocument}

// outcomeField marks, in application_files.field_key, the office's file
// that is a decision's outcome document.
const outcomeField = "outcome"

// DecideWithDocument accepts or rejects the application with a motivation
// and an outcome document, stored as the office's file of the decision's
// timeline event, which the citizen sees with their documents. An
// uploaded document is checked and stored as it streams, before the
// decision is taken, and refused with an *attachments.Refusal (size over
// the per-file limit, content of another kind); a generated one is
// written by a job enqueued with the decision. Every decision also has a
// job register it in the protocol as outgoing.
func (s *Service) DecideWithDocument(ctx context.Context, tenantID, reference string, revision int, by Clerk, accept bool, motivation string, doc OutcomeDocument) error {
	motivation, err := checkMessage(motivation, true)
	if err != nil {
		return err
	}
	to := Rejected
	if accept {
		to = Accepted
	}
	var stored *attachments.Stored
	if doc.Body != nil {
		// Refuse at once what cannot happen, before reading the file.
		var appID string
		err := s.inTenant(ctx, tenantID, string(to), func(tx pgx.Tx) error {
			sa, err := lockForStaff(ctx, tx, tenantID, reference, revision, by)
			if err != nil {
				return err
			}
			if !CanMove(sa.app.Status, to, ActorStaff) {
				return fmt.Errorf("%w: %s → %s", ErrNotAllowed, sa.app.Status, to)
			}
			appID = sa.app.ID
			return nil
		})
		if err != nil {
			return err
		}
		key := "applications/" + tenantID + "/" + appID + "/outcome-" + rand.Text()
		rc := attachments.Receiver{Files: s.files, Scanner: s.scanner, Limits: attachments.Limits{
			MaxFileSize: s.cfg.Limits.MaxFileSize, MaxTotalSize: s.cfg.Limits.MaxFileSize}}
		st, err := rc.Receive(ctx, key, doc.Name, doc.Body, outcomeKinds, 0)
		if err != nil {
			return err
		}
		stored = &st
	}
	err = s.staffDo(ctx, tenantID, reference, revision, by, string(to), motivation, func(tx pgx.Tx, sa *staffAction) error {
		ev, err := s.transition(ctx, tx, &sa.app, to, by.Actor(), Change{Message: motivation}, s.now())
		if err != nil {
			return err
		}
		if stored != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO application_files
					(tenant_id, application_id, owner, field_key, event_seq, name, content_type, size, sha256, storage_key)
				VALUES ($1, $2, 'office', $3, $4, $5, $6, $7, $8, $9)`,
				tenantID, sa.app.ID, outcomeField, ev.Seq, stored.Name, stored.ContentType, stored.Size, stored.SHA256, stored.Key); err != nil {
				return fmt.Errorf("outcome document of %s: %w", reference, err)
			}
		}
		_, err = s.jobs.InsertTx(ctx, tx, OutcomeArgs{TenantID: tenantID, ApplicationID: sa.app.ID, Seq: ev.Seq,
			Generate: doc.Generate && stored == nil}, nil)
		return err
	})
	if err != nil && stored != nil {
		_ = s.files.Delete(context.WithoutCancel(ctx), stored.Key)
	}
	return err
}

// Cancel closes the application by the office's decision.
func (s *Service) Cancel(ctx context.Context, tenantID, reference string, revision int, by Clerk, motivation string) error {
	motivation, err := checkMessage(motivation, true)
	if err != nil {
		return err
	}
	return s.staffMove(ctx, tenantID, reference, revision, by, Cancelled, Change{Message: motivation})
}

// MessageCitizen writes to the citizen about the application, until it
// is decided or closed.
func (s *Service) MessageCitizen(ctx context.Context, tenantID, reference string, by Clerk, message string) error {
	message, err := checkMessage(message, true)
	if err != nil {
		return err
	}
	return s.staffDo(ctx, tenantID, reference, 0, by, EventMessageFromOffice, "", func(tx pgx.Tx, sa *staffAction) error {
		if sa.app.Status.Final() {
			return fmt.Errorf("%w: write about a %s application", ErrNotAllowed, sa.app.Status)
		}
		_, err := s.addEvent(ctx, tx, &sa.app, EventMessageFromOffice, "", "", by.Actor(), Change{Message: message}, s.now())
		return err
	})
}

// AddNote writes an internal note on the timeline: the office sees it,
// the citizen never does.
func (s *Service) AddNote(ctx context.Context, tenantID, reference string, by Clerk, note string) error {
	note, err := checkMessage(note, true)
	if err != nil {
		return err
	}
	return s.staffDo(ctx, tenantID, reference, 0, by, EventNote, "", func(tx pgx.Tx, sa *staffAction) error {
		_, err := s.addEvent(ctx, tx, &sa.app, EventNote, "", "", by.Actor(), Change{Note: note}, s.now())
		return err
	})
}

// OutcomeArgs asks for what follows a decision (event Seq): its
// registration in the protocol as outgoing and, with Generate, the
// outcome document written from the service's template.
type OutcomeArgs struct {
	TenantID      string `json:"tenant_id"`
	ApplicationID string `json:"application_id"`
	Seq           int    `json:"seq"`
	Generate      bool   `json:"generate"`
}

// Kind names the job in River.
func (OutcomeArgs) Kind() string { return "application_outcome" }

// InsertOpts: like registration, a register that is down is retried for
// a long while before the job is left failed for the office to see.
func (OutcomeArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 15} }

// OutcomeWorker registers a decision in the protocol as outgoing and,
// when asked, writes its outcome document: a PDF in the application's
// language with the comune, the service, the reference, the decision, its
// motivation, date and clerk, and the outgoing protocol number. The
// template is the same for every service, which it names; the document is
// the office's file of the decision's event. Idempotent: the register
// returns the same number for the same application, and a decision that
// has its document already gets no second one.
type OutcomeWorker struct {
	river.WorkerDefaults[OutcomeArgs]
	Service *Service
	Catalog *locale.Catalog
}

// Work registers, then renders and stores outside the transaction, then
// records the document.
func (w *OutcomeWorker) Work(ctx context.Context, job *river.Job[OutcomeArgs]) error {
	s := w.Service
	a := job.Args
	var doc receipt.Receipt
	var app Application
	done := false
	err := s.inTenant(ctx, a.TenantID, "outcome", func(tx pgx.Tx) error {
		var err error
		if app, err = lockByID(ctx, tx, a.TenantID, a.ApplicationID); err != nil {
			return err
		}
		var ev Event
		if err := tx.QueryRow(ctx, `SELECT kind, message, actor_name, at FROM application_events
			WHERE tenant_id = $1 AND application_id = $2 AND seq = $3`, a.TenantID, app.ID, a.Seq).
			Scan(&ev.Kind, &ev.Message, &ev.ActorName, &ev.At); err != nil {
			return db.Classify(err)
		}
		var f outcomeFacts
		if err := tx.QueryRow(ctx, `SELECT t.name, coalesce(s.card, '{}'),
				coalesce(nullif(ap.applicant_name, '') || ' (' || ap.applicant_fiscal_code || ')', ap.contact_email),
				coalesce(o.office->'name'->>$4, o.office->'name'->>'it', '')
			FROM applications ap JOIN tenants t ON t.id = ap.tenant_id
			LEFT JOIN services s ON s.tenant_id = ap.tenant_id AND s.slug = ap.service_slug
			LEFT JOIN offices o ON o.tenant_id = ap.tenant_id AND o.slug = ap.office_slug
			WHERE ap.tenant_id = $1 AND ap.id = $2 AND $3 <> ''`, a.TenantID, app.ID, ev.Kind, app.Language).
			Scan(&f.comune, &f.card, &f.applicant, &f.office); err != nil {
			return err
		}
		it := w.Catalog.For("it")
		p, err := s.register.Register(ctx, tx, ProtocolEntry{TenantID: a.TenantID, Direction: "out",
			Subject:       app.Reference + " – " + f.card.Title.In("it") + " – " + it.T("outcome.pdf.title."+ev.Kind),
			Correspondent: f.applicant, Reference: app.Reference, At: s.now()})
		if err != nil {
			return err
		}
		if !a.Generate {
			return nil
		}
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM application_files WHERE tenant_id = $1 AND application_id = $2
			AND owner = 'office' AND field_key = $3 AND event_seq = $4)`, a.TenantID, app.ID, outcomeField, a.Seq).Scan(&done); err != nil {
			return err
		}
		doc = w.document(app, ev, f, p)
		return nil
	})
	if err != nil || !a.Generate || done {
		return err
	}
	var buf bytes.Buffer
	if err := receipt.Render(&buf, doc); err != nil {
		return fmt.Errorf("render outcome of %s: %w", app.Reference, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	key := "applications/" + a.TenantID + "/" + app.ID + "/outcome-" + rand.Text() + ".pdf"
	if err := s.files.Put(ctx, key, bytes.NewReader(buf.Bytes())); err != nil {
		return fmt.Errorf("store outcome of %s: %w", app.Reference, err)
	}
	name := w.Catalog.For(app.Language).T("outcome.pdf.file", "reference", app.Reference)
	written := false
	err = s.inTenant(ctx, a.TenantID, "record outcome", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO application_files
				(tenant_id, application_id, owner, field_key, event_seq, name, content_type, size, sha256, storage_key)
			SELECT $1, $2, 'office', $3, $4, $5, 'application/pdf', $6, $7, $8
			WHERE NOT EXISTS (SELECT 1 FROM application_files WHERE tenant_id = $1 AND application_id = $2
				AND owner = 'office' AND field_key = $3 AND event_seq = $4)`,
			a.TenantID, app.ID, outcomeField, a.Seq, name, buf.Len(), hex.EncodeToString(sum[:]), key)
		written = err == nil && tag.RowsAffected() == 1
		return err
	})
	if err != nil || !written {
		_ = s.files.Delete(context.WithoutCancel(ctx), key) // not recorded, or another run's got there first
	}
	return err
}

// outcomeFacts are what an outcome document says of the application.
type outcomeFacts struct {
	comune, applicant, office string
	card                      catalog.Service
}

// document lays out the outcome of ev with the receipt's layout, in the
// application's language.
func (w *OutcomeWorker) document(app Application, ev Event, f outcomeFacts, out Protocol) receipt.Receipt {
	l := w.Catalog.For(app.Language)
	service := f.card.Title.In(l.Lang)
	r := receipt.Receipt{
		Comune: f.comune, Title: l.T("outcome.pdf.title." + ev.Kind), Service: service, Reference: app.Reference,
		Applicant: f.applicant, Office: f.office, Lang: l.Lang, CreatedAt: ev.At,
		DueDate: l.T("receipt.protocol_value", "number", out.Number, "date", l.Date(out.At)),
		Labels: receipt.Labels{
			Reference: l.T("receipt.reference"), SubmittedAt: l.T("receipt.submitted_at"), Applicant: l.T("receipt.applicant"),
			Protocol: l.T("receipt.protocol"), ProtocolPending: l.T("receipt.protocol_pending"), Office: l.T("receipt.office"),
			DueDate: l.T("outcome.pdf.outgoing"), Page: l.T("receipt.page"),
		},
	}
	if app.SubmittedAt != nil {
		r.SubmittedAt = l.DateTime(*app.SubmittedAt)
	}
	if app.ProtocolNumber != "" && app.ProtocolAt != nil {
		r.Protocol = l.T("receipt.protocol_value", "number", app.ProtocolNumber, "date", l.Date(*app.ProtocolAt))
	}
	var motivation []string
	for _, line := range strings.Split(ev.Message, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			motivation = append(motivation, line)
		}
	}
	r.Sections = []receipt.Section{{Title: l.T("outcome.pdf.decision"), Items: []receipt.Item{
		{Label: l.T("outcome.pdf.outcome"), Values: []string{l.T("outcome.pdf.outcome." + ev.Kind)}},
		{Label: l.T("outcome.pdf.motivation"), Values: motivation},
		{Label: l.T("outcome.pdf.date"), Values: []string{l.Date(ev.At)}},
		{Label: l.T("outcome.pdf.clerk"), Values: []string{ev.ActorName}},
	}}}
	r.Declarations = []string{l.T("outcome.pdf.text."+ev.Kind, "comune", f.comune, "service", service,
		"reference", app.Reference, "applicant", f.applicant)}
	r.Labels.Declarations = l.T("outcome.pdf.statement")
	return r
}
