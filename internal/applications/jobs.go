package applications

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/receipt"
	"github.com/civica/civica/internal/storage"
)

// RegisterArgs asks for an application to be registered in the protocol.
type RegisterArgs struct {
	TenantID      string `json:"tenant_id"`
	ApplicationID string `json:"application_id"`
}

// Kind names the job in River.
func (RegisterArgs) Kind() string { return "application_register" }

// InsertOpts: a register that is down is retried with River's exponential
// backoff, for about a day and a half, before the job is left failed for
// the office to see.
func (RegisterArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 15} }

// RegisterWorker registers a submitted application in the comune's
// protocol and moves it to registered. Idempotent: an application that has
// its number already is left alone, and the register returns the same
// number for the same application.
type RegisterWorker struct {
	river.WorkerDefaults[RegisterArgs]
	Service *Service
}

// Work registers inside the comune's transaction.
func (w *RegisterWorker) Work(ctx context.Context, job *river.Job[RegisterArgs]) error {
	s := w.Service
	a := job.Args
	return s.inTenant(ctx, a.TenantID, "register application", func(tx pgx.Tx) error {
		app, err := lockByID(ctx, tx, a.TenantID, a.ApplicationID)
		if err != nil {
			return err
		}
		if app.ProtocolNumber != "" {
			return nil
		}
		var subject, correspondent string
		if err := tx.QueryRow(ctx, `SELECT coalesce(s.card->'title'->>'it', $3),
				coalesce((SELECT given_name || ' ' || family_name || ' (' || fiscal_code || ')' FROM people p
				          WHERE p.tenant_id = $1 AND p.id = $2), $4)
			FROM (SELECT 1) one LEFT JOIN services s ON s.tenant_id = $1 AND s.slug = $3`,
			a.TenantID, nullableID(app.PersonID), app.Service, app.ContactEmail).Scan(&subject, &correspondent); err != nil {
			return err
		}
		now := s.now()
		p, err := s.register.Register(ctx, tx, ProtocolEntry{TenantID: a.TenantID, Direction: "in",
			Subject: app.Reference + " – " + subject, Correspondent: correspondent, Reference: app.Reference, At: now})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET protocol_number = $3, protocol_at = $4 WHERE tenant_id = $1 AND id = $2`,
			a.TenantID, app.ID, p.Number, p.At); err != nil {
			return err
		}
		app.ProtocolNumber, app.ProtocolAt = p.Number, &p.At
		if app.Status != Submitted {
			return nil // withdrawn before it was registered: numbered, not moved
		}
		_, err = s.transition(ctx, tx, &app, Registered, System, Change{}, now)
		return err
	})
}

func nullableID(id string) *string {
	if id == "" {
		return nil
	}
	return &id
}

// ReceiptArgs asks for an application's receipt to be rendered as it is at
// Revision (or later).
type ReceiptArgs struct {
	TenantID      string `json:"tenant_id"`
	ApplicationID string `json:"application_id"`
	Revision      int    `json:"revision"`
}

// Kind names the job in River.
func (ReceiptArgs) Kind() string { return "application_receipt" }

// ReceiptWorker renders the PDF receipt of a submitted application: its
// answers, its attachments, and its protocol number and date once assigned.
// Idempotent: it renders the application as it is, and a receipt of an
// earlier revision never replaces a later one.
type ReceiptWorker struct {
	river.WorkerDefaults[ReceiptArgs]
	Service *Service
	Catalog *locale.Catalog
	Files   storage.Store
}

// Work reads, renders, stores, then records the receipt.
func (w *ReceiptWorker) Work(ctx context.Context, job *river.Job[ReceiptArgs]) error {
	s := w.Service
	a := job.Args
	var r receipt.Receipt
	var app Application
	var current int
	err := s.inTenant(ctx, a.TenantID, "receipt", func(tx pgx.Tx) error {
		var err error
		if app, err = lockByID(ctx, tx, a.TenantID, a.ApplicationID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(revision), 0) FROM application_files
			WHERE tenant_id = $1 AND application_id = $2 AND owner = 'receipt'`, a.TenantID, app.ID).Scan(&current); err != nil {
			return err
		}
		if current >= app.Revision {
			return nil
		}
		r, err = w.build(ctx, tx, app)
		return err
	})
	if err != nil || current >= app.Revision {
		return err
	}
	var buf bytes.Buffer
	if err := receipt.Render(&buf, r); err != nil {
		return fmt.Errorf("render receipt of %s: %w", app.Reference, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	key := "applications/" + a.TenantID + "/" + app.ID + "/receipt-" + rand.Text() + ".pdf"
	if err := w.Files.Put(ctx, key, bytes.NewReader(buf.Bytes())); err != nil {
		return fmt.Errorf("store receipt of %s: %w", app.Reference, err)
	}
	var old string
	written := false
	err = s.inTenant(ctx, a.TenantID, "record receipt", func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT storage_key FROM application_files
			WHERE tenant_id = $1 AND application_id = $2 AND owner = 'receipt' FOR UPDATE`, a.TenantID, app.ID).Scan(&old)
		if err != nil && err != pgx.ErrNoRows {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO application_files
				(tenant_id, application_id, owner, name, content_type, size, sha256, storage_key, revision)
			VALUES ($1, $2, 'receipt', $3, 'application/pdf', $4, $5, $6, $7)
			ON CONFLICT (tenant_id, application_id) WHERE owner = 'receipt' DO UPDATE
				SET size = excluded.size, sha256 = excluded.sha256, storage_key = excluded.storage_key,
				    revision = excluded.revision, created_at = now()
				WHERE application_files.revision < excluded.revision`,
			a.TenantID, app.ID, "ricevuta-"+app.Reference+".pdf", buf.Len(), hex.EncodeToString(sum[:]), key, app.Revision)
		written = err == nil && tag.RowsAffected() == 1
		return err
	})
	switch {
	case err != nil || !written:
		// Not recorded, or a later revision's receipt got there first:
		// this file is nobody's.
		_ = w.Files.Delete(context.WithoutCancel(ctx), key)
		return err
	case old != "" && old != key:
		_ = w.Files.Delete(ctx, old)
	}
	return nil
}

// build gathers the receipt's content, in the application's language.
func (w *ReceiptWorker) build(ctx context.Context, tx pgx.Tx, app Application) (receipt.Receipt, error) {
	l := w.Catalog.For(app.Language)
	var comune, applicant, office string
	var card catalog.Service
	err := tx.QueryRow(ctx, `SELECT t.name,
			coalesce((SELECT given_name || ' ' || family_name || ' (' || fiscal_code || ')' FROM people p
			          WHERE p.tenant_id = t.id AND p.id = $2), $3),
			coalesce(s.card, '{}'), coalesce(o.office->'name'->>$5, o.office->'name'->>'it', '')
		FROM tenants t
		LEFT JOIN services s ON s.tenant_id = t.id AND s.slug = $4
		LEFT JOIN offices o ON o.tenant_id = t.id AND o.slug = $6
		WHERE t.id = $1`, app.TenantID, nullableID(app.PersonID), app.ContactEmail, app.Service, l.Lang, app.Office).Scan(
		&comune, &applicant, &card, &office)
	if err != nil {
		return receipt.Receipt{}, err
	}
	pinned, err := catalog.FormVersion(ctx, tx, app.TenantID, app.Service, app.FormVersion)
	if err != nil {
		return receipt.Receipt{}, err
	}
	all, err := files(ctx, tx, app)
	if err != nil {
		return receipt.Receipt{}, err
	}
	names := map[string]string{}
	r := receipt.Receipt{
		Comune: comune, Title: l.T("receipt.title"), Service: card.Title.In(l.Lang), Reference: app.Reference,
		Applicant: applicant, Office: office, Lang: l.Lang,
		Labels: receipt.Labels{
			Reference: l.T("receipt.reference"), SubmittedAt: l.T("receipt.submitted_at"), Applicant: l.T("receipt.applicant"),
			Protocol: l.T("receipt.protocol"), ProtocolPending: l.T("receipt.protocol_pending"), Office: l.T("receipt.office"),
			DueDate: l.T("receipt.due"), Attachments: l.T("receipt.attachments"), Declarations: l.T("receipt.declarations"),
			Page: l.T("receipt.page"),
		},
	}
	if app.SubmittedAt != nil {
		r.SubmittedAt, r.CreatedAt = l.DateTime(*app.SubmittedAt), *app.SubmittedAt
	}
	if app.ProtocolNumber != "" && app.ProtocolAt != nil {
		r.Protocol = l.T("receipt.protocol_value", "number", app.ProtocolNumber, "date", l.Date(*app.ProtocolAt))
	}
	if app.DueOn != nil {
		r.DueDate = l.Date(*app.DueOn)
	}
	for _, f := range all {
		if f.Owner == "citizen" {
			names[f.ID] = f.Name
			r.Attachments = append(r.Attachments, receipt.Attachment{Name: f.Name, Size: l.FileSize(f.Size), SHA256: f.SHA256})
		}
	}
	for _, sec := range pinned.Form.Summary(app.Answers, l, names) {
		rs := receipt.Section{Title: sec.Title}
		for _, it := range sec.Items {
			rs.Items = append(rs.Items, receipt.Item{Label: it.Label, Values: it.Lines()})
		}
		r.Sections = append(r.Sections, rs)
	}
	for _, d := range pinned.Form.Declarations {
		r.Declarations = append(r.Declarations, d.Text.In(l.Lang))
	}
	return r, nil
}

// NotifyArgs asks for the citizen to be told of one timeline event.
type NotifyArgs struct {
	TenantID      string `json:"tenant_id"`
	ApplicationID string `json:"application_id"`
	Seq           int    `json:"seq"`
}

// Kind names the job in River.
func (NotifyArgs) Kind() string { return "application_notify" }

// NotifyWorker tells the citizen of an event, in the application's
// language, through notify.Notify: always in their inbox, and on the
// first channel they chose for their applications (email unless they
// chose otherwise), falling back to the next ones. An application with
// no person behind it is told by email at its contact address.
// Idempotent: the message's key is the event's, so a retried job sends
// nothing twice.
type NotifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	Pool    *pgxpool.Pool
	Catalog *locale.Catalog
	// PortalURL is the address of the comune's portal, for the link in
	// the message ("http://verdemare.localhost:8080").
	PortalURL func(slug string) string
}

// Work notifies in one transaction.
func (w *NotifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	a := job.Args
	client := river.ClientFromContext[pgx.Tx](ctx)
	return db.InTenant(ctx, w.Pool, a.TenantID, func(tx pgx.Tx) error {
		var ref, lang, personID, contactEmail, comune, slug, protocol string
		var card catalog.Service
		var ev Event
		err := tx.QueryRow(ctx, `SELECT ap.reference, ap.language, coalesce(ap.person_id::text, ''),
				ap.contact_email, t.name, t.slug, coalesce(s.card, '{}'),
				e.kind, e.message, e.reply_by, coalesce(ap.protocol_number, '')
			FROM applications ap
			JOIN tenants t ON t.id = ap.tenant_id
			JOIN application_events e ON e.tenant_id = ap.tenant_id AND e.application_id = ap.id AND e.seq = $3
			LEFT JOIN services s ON s.tenant_id = ap.tenant_id AND s.slug = ap.service_slug
			WHERE ap.tenant_id = $1 AND ap.id = $2`, a.TenantID, a.ApplicationID, a.Seq).Scan(
			&ref, &lang, &personID, &contactEmail, &comune, &slug, &card, &ev.Kind, &ev.Message, &ev.ReplyBy, &protocol)
		if err != nil {
			return fmt.Errorf("notify %s/%d: %w", a.ApplicationID, a.Seq, db.Classify(err))
		}
		event := notify.Event("application." + ev.Kind)
		if !event.Known() {
			return nil // an event the citizen is not told of
		}
		l := w.Catalog.For(lang)
		link := "/area-personale/pratiche/" + ref
		if w.PortalURL != nil {
			link = w.PortalURL(slug) + link
		}
		vars := notify.Vars{Comune: comune, Reference: ref, Service: card.Title.In(l.Lang), Protocol: protocol,
			Message: ev.Message, Link: link}
		if ev.ReplyBy != nil {
			vars.ReplyBy = l.Date(*ev.ReplyBy)
		}
		n := notify.Notification{TenantID: a.TenantID, PersonID: personID, Kind: notify.KindApplications, Event: event,
			Vars: vars, ApplicationID: a.ApplicationID, Language: lang,
			IdempotencyKey: fmt.Sprintf("application:%s:%d", a.ApplicationID, a.Seq)}
		if personID == "" {
			n.Email = contactEmail
		}
		return notify.Notify(ctx, tx, client, n)
	})
}
