package applications

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/forms"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/workdays"
)

// The workflow jobs: what keeps legal deadlines from passing unseen and
// tidies up after people. River runs WorkflowSweep every hour (one leader
// among the instances); it enqueues, for every comune, one job of each
// kind below carrying the comune's id, and each of those does its work in
// that comune's transactions:
//
//   - deadline_warnings: the assignee and the office's managers are told N
//     days before an application's due date (tenants.deadline_warning_days,
//     5 by default), and every office manager gets a daily digest of their
//     offices' overdue applications;
//   - integration_expiry: the citizen is reminded two days before an
//     integration request's reply deadline; once it has passed, the
//     service's rule (the form's on_integration_expiry, as the version the application was sent with says) moves the
//     application on: back to in_progress (resume, the default) or
//     rejected;
//   - draft_purge: a draft nobody touched is deleted, files included, when
//     it expires, and its owner is told a week before;
//   - register_watch: a protocol registration that keeps failing (attempt
//     5 or more, or given up) is reported to the office's managers; the
//     failed job itself is on the comune admin's jobs page, to be retried.
//
// Every job may run any number of times: a message to staff or citizens
// is an inbox message (and an email) with a dedup key saying what it is
// about, so it is written once; a transition only happens from the state
// that calls for it.
//
// Staff are told in their inbox, the one of their personal area: a member
// of staff is a person of the comune like any other (login creates their
// row); one who never logged in gets a row from the staff list, so the
// warning waits for them. They are also emailed when their identity
// provider gave an address.

// EventIntegrationReminder is the timeline event that reminds the citizen
// of an integration request about to expire.
const EventIntegrationReminder = "integration_reminder"

// Workflow is what the workflow jobs need besides the applications
// service. Zero values are the defaults documented on each field.
type Workflow struct {
	Service *Service
	Catalog *locale.Catalog
	// PortalURL is the address of the comune's portal, for the links in
	// messages ("http://verdemare.localhost:8080"); nil leaves links
	// relative.
	PortalURL func(slug string) string
	// IntegrationReminderDays: how many days before an integration
	// request's reply deadline the citizen is reminded (2).
	IntegrationReminderDays int
	// DraftNoticeDays: how many days before a draft is purged its owner is
	// told (7).
	DraftNoticeDays int
	// RegisterFailingAttempt: the attempt from which a failing protocol
	// registration is reported to the office (5).
	RegisterFailingAttempt int
	// DigestHour: the hour, in Rome, from which the day's overdue digest
	// is sent (7).
	DigestHour int
}

func (w *Workflow) reminderDays() int { return orDefault(w.IntegrationReminderDays, 2) }
func (w *Workflow) noticeDays() int   { return orDefault(w.DraftNoticeDays, 7) }
func (w *Workflow) failingAt() int    { return orDefault(w.RegisterFailingAttempt, 5) }
func (w *Workflow) digestHour() int   { return orDefault(w.DigestHour, 7) }

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// deskPath is the clerk's page of an application.
func deskPath(reference string) string { return "/scrivania/pratiche/" + reference }

// link is the absolute address of a path of the comune's portal.
func (w *Workflow) link(slug, path string) string {
	if w.PortalURL == nil {
		return path
	}
	return w.PortalURL(slug) + path
}

// WorkflowSweepArgs is the periodic job that enqueues every comune's
// workflow jobs.
type WorkflowSweepArgs struct{}

// Kind names the job in River.
func (WorkflowSweepArgs) Kind() string { return "workflow_sweep" }

// DeadlineWarningsArgs warns staff of one comune's deadlines.
type DeadlineWarningsArgs struct {
	TenantID string `json:"tenant_id"`
}

// Kind names the job in River.
func (DeadlineWarningsArgs) Kind() string { return "deadline_warnings" }

// InsertOpts: one a comune an hour.
func (DeadlineWarningsArgs) InsertOpts() river.InsertOpts { return hourly }

// IntegrationExpiryArgs reminds of, then applies, one comune's expiring
// integration requests.
type IntegrationExpiryArgs struct {
	TenantID string `json:"tenant_id"`
}

// Kind names the job in River.
func (IntegrationExpiryArgs) Kind() string { return "integration_expiry" }

// InsertOpts: one a comune an hour.
func (IntegrationExpiryArgs) InsertOpts() river.InsertOpts { return hourly }

// DraftPurgeArgs announces and purges one comune's expired drafts.
type DraftPurgeArgs struct {
	TenantID string `json:"tenant_id"`
}

// Kind names the job in River.
func (DraftPurgeArgs) Kind() string { return "draft_purge" }

// InsertOpts: one a comune an hour.
func (DraftPurgeArgs) InsertOpts() river.InsertOpts { return hourly }

// RegisterWatchArgs reports one comune's failing protocol registrations.
type RegisterWatchArgs struct {
	TenantID string `json:"tenant_id"`
}

// Kind names the job in River.
func (RegisterWatchArgs) Kind() string { return "register_watch" }

// InsertOpts: one a comune an hour.
func (RegisterWatchArgs) InsertOpts() river.InsertOpts { return hourly }

// hourly makes a second sweep within the hour enqueue nothing new.
var hourly = river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: time.Hour}}

// WorkflowSweepWorker enqueues each comune's workflow jobs.
type WorkflowSweepWorker struct {
	river.WorkerDefaults[WorkflowSweepArgs]
	Workflow *Workflow
}

// Work lists the comuni (a platform table) and enqueues their jobs in one
// transaction.
func (w *WorkflowSweepWorker) Work(ctx context.Context, _ *river.Job[WorkflowSweepArgs]) error {
	s := w.Workflow.Service
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id::text FROM tenants ORDER BY slug`)
		if err != nil {
			return fmt.Errorf("workflow sweep: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("workflow sweep: %w", err)
		}
		var batch []river.InsertManyParams
		for _, id := range ids {
			batch = append(batch,
				river.InsertManyParams{Args: DeadlineWarningsArgs{TenantID: id}},
				river.InsertManyParams{Args: IntegrationExpiryArgs{TenantID: id}},
				river.InsertManyParams{Args: DraftPurgeArgs{TenantID: id}},
				river.InsertManyParams{Args: RegisterWatchArgs{TenantID: id}})
		}
		if len(batch) == 0 {
			return nil
		}
		if _, err := s.jobs.InsertManyTx(ctx, tx, batch); err != nil {
			return fmt.Errorf("workflow sweep: enqueue: %w", err)
		}
		return nil
	})
}

// comuneInfo is what messages say about the comune.
type comuneInfo struct {
	Name, Slug  string
	WarningDays int
}

func loadComune(ctx context.Context, tx pgx.Tx, tenantID string) (comuneInfo, error) {
	var c comuneInfo
	err := tx.QueryRow(ctx, `SELECT name, slug, deadline_warning_days FROM tenants WHERE id = $1`, tenantID).
		Scan(&c.Name, &c.Slug, &c.WarningDays)
	if err != nil {
		return c, fmt.Errorf("comune %s: %w", tenantID, err)
	}
	return c, nil
}

// openForDeadline are the states whose legal clock is running: an
// application awaiting an integration has its clock stopped.
var openForDeadline = []string{string(Submitted), string(Registered), string(InProgress)}

// DeadlineWarningsWorker warns of deadlines coming and gone.
type DeadlineWarningsWorker struct {
	river.WorkerDefaults[DeadlineWarningsArgs]
	Workflow *Workflow
}

// Work sends the warnings due, then the day's digest once it is morning
// in Rome.
func (w *DeadlineWarningsWorker) Work(ctx context.Context, job *river.Job[DeadlineWarningsArgs]) error {
	wf := w.Workflow
	now := wf.Service.now()
	tenantID := job.Args.TenantID
	err := wf.Service.inTenant(ctx, tenantID, "deadline warnings", func(tx pgx.Tx) error {
		return wf.warnDeadlines(ctx, tx, tenantID, now)
	})
	if err != nil || now.In(locale.Rome).Hour() < wf.digestHour() {
		return err
	}
	return wf.Service.inTenant(ctx, tenantID, "overdue digest", func(tx pgx.Tx) error {
		return wf.overdueDigest(ctx, tx, tenantID, now)
	})
}

type dueApplication struct {
	ID, Reference, Service, Office, Assignee string
	DueOn                                    time.Time
	Title                                    forms.Text
}

func (wf *Workflow) warnDeadlines(ctx context.Context, tx pgx.Tx, tenantID string, now time.Time) error {
	c, err := loadComune(ctx, tx, tenantID)
	if err != nil {
		return err
	}
	today := workdays.DateOf(now)
	rows, err := tx.Query(ctx, `SELECT a.id::text, a.reference, a.service_slug, a.office_slug, coalesce(a.assignee, ''), a.due_on,
			coalesce(s.card->'title', '{}')
		FROM applications a
		LEFT JOIN services s ON s.tenant_id = a.tenant_id AND s.slug = a.service_slug
		WHERE a.tenant_id = $1 AND a.status = ANY($2) AND a.due_on BETWEEN $3 AND $4
		ORDER BY a.due_on, a.reference`, tenantID, openForDeadline, today, today.AddDate(0, 0, c.WarningDays))
	if err != nil {
		return err
	}
	due, err := pgx.CollectRows(rows, pgx.RowToStructByPos[dueApplication])
	if err != nil {
		return err
	}
	managers := map[string][]string{}
	for _, a := range due {
		if _, ok := managers[a.Office]; !ok {
			if managers[a.Office], err = officeManagers(ctx, tx, tenantID, a.Office); err != nil {
				return err
			}
		}
		to := slices.Clone(managers[a.Office])
		if a.Assignee != "" && !slices.Contains(to, a.Assignee) {
			to = append(to, a.Assignee)
		}
		key := "deadline-warning:" + a.ID + ":" + a.DueOn.Format(time.DateOnly)
		for _, fc := range to {
			err := wf.tellStaff(ctx, tx, tenantID, fc, key, func(l *locale.Localizer) (string, string) {
				args := []any{"reference", a.Reference, "service", a.Title.In(l.Lang), "due", l.Date(a.DueOn),
					"days", workdays.Calendar{}.DaysLeft(a.DueOn, now), "link", wf.link(c.Slug, deskPath(a.Reference)), "comune", c.Name}
				return l.T("workflow.deadline.subject", args...), l.T("workflow.deadline.body", args...)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// officeManagers are the fiscal codes of the office's managers.
func officeManagers(ctx context.Context, tx pgx.Tx, tenantID, office string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT m.fiscal_code FROM staff_members m
		JOIN staff_offices o ON o.tenant_id = m.tenant_id AND o.fiscal_code = m.fiscal_code
		WHERE m.tenant_id = $1 AND o.office_slug = $2 AND m.role = 'office_manager'
		ORDER BY m.fiscal_code`, tenantID, office)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// digestLines is how many overdue applications a digest lists by name.
const digestLines = 50

func (wf *Workflow) overdueDigest(ctx context.Context, tx pgx.Tx, tenantID string, now time.Time) error {
	c, err := loadComune(ctx, tx, tenantID)
	if err != nil {
		return err
	}
	today := workdays.DateOf(now)
	rows, err := tx.Query(ctx, `SELECT m.fiscal_code, a.reference, a.due_on, coalesce(s.card->'title', '{}')
		FROM staff_members m
		JOIN staff_offices o ON o.tenant_id = m.tenant_id AND o.fiscal_code = m.fiscal_code
		JOIN applications a ON a.tenant_id = m.tenant_id AND a.office_slug = o.office_slug
			AND a.status = ANY($2) AND a.due_on < $3
		LEFT JOIN services s ON s.tenant_id = a.tenant_id AND s.slug = a.service_slug
		WHERE m.tenant_id = $1 AND m.role = 'office_manager'
		ORDER BY m.fiscal_code, a.due_on, a.reference`, tenantID, openForDeadline, today)
	if err != nil {
		return err
	}
	type overdue struct {
		Manager, Reference string
		DueOn              time.Time
		Title              forms.Text
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[overdue])
	if err != nil {
		return err
	}
	byManager := map[string][]overdue{}
	var order []string
	for _, o := range list {
		if _, ok := byManager[o.Manager]; !ok {
			order = append(order, o.Manager)
		}
		byManager[o.Manager] = append(byManager[o.Manager], o)
	}
	key := "overdue-digest:" + today.Format(time.DateOnly)
	for _, fc := range order {
		items := byManager[fc]
		err := wf.tellStaff(ctx, tx, tenantID, fc, key, func(l *locale.Localizer) (string, string) {
			var b strings.Builder
			for i, o := range items {
				if i == digestLines {
					b.WriteString(l.T("workflow.overdue.more", "count", len(items)-digestLines) + "\n")
					break
				}
				b.WriteString(l.T("workflow.overdue.line", "reference", o.Reference, "service", o.Title.In(l.Lang), "due", l.Date(o.DueOn)) + "\n")
			}
			args := []any{"count", len(items), "list", b.String(), "link", wf.link(c.Slug, "/scrivania"), "comune", c.Name}
			return l.T("workflow.overdue.subject", args...), l.T("workflow.overdue.body", args...)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// tellStaff writes a message to a member of staff's inbox, and emails it
// when an address is known, in their language. key says what it is about:
// the same key is never written twice to the same person.
func (wf *Workflow) tellStaff(ctx context.Context, tx pgx.Tx, tenantID, fiscalCode, key string, compose func(*locale.Localizer) (subject, body string)) error {
	var personID, email, lang string
	err := tx.QueryRow(ctx, `WITH staff AS (
			SELECT tenant_id, fiscal_code, display_name FROM staff_members WHERE tenant_id = $1 AND fiscal_code = $2
		), added AS (
			INSERT INTO people (tenant_id, fiscal_code, given_name, family_name)
			SELECT tenant_id, fiscal_code, split_part(display_name, ' ', 1),
				coalesce(nullif(substr(display_name, strpos(display_name, ' ') + 1), ''), display_name)
			FROM staff WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.tenant_id = $1 AND p.fiscal_code = $2)
			ON CONFLICT (tenant_id, fiscal_code) DO NOTHING
			RETURNING id::text, email, language
		)
		SELECT * FROM added
		UNION ALL
		SELECT id::text, email, language FROM people WHERE tenant_id = $1 AND fiscal_code = $2`, tenantID, fiscalCode).
		Scan(&personID, &email, &lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // no longer on the staff list
	}
	if err != nil {
		return fmt.Errorf("inbox of %s: %w", fiscalCode, err)
	}
	l := wf.Catalog.For(lang)
	subject, body := compose(l)
	// Never DeliverAbout: what the application's page lists is the
	// citizen's.
	if _, err := notify.Deliver(ctx, tx, tenantID, personID, key, subject, body); err != nil {
		return err
	}
	if email == "" {
		return nil
	}
	return notify.QueueEmail(ctx, tx, wf.Service.jobs, tenantID, personID, "", "staff:"+fiscalCode+":"+key,
		notify.Email{To: email, Subject: subject, Body: body})
}

// IntegrationExpiryWorker reminds of and applies expiring integration
// requests.
type IntegrationExpiryWorker struct {
	river.WorkerDefaults[IntegrationExpiryArgs]
	Workflow *Workflow
}

// Work finds the applications whose request expires within the reminder
// window or has expired, and handles each in its own transaction (one
// that fails does not hold back the others; the job is retried).
func (w *IntegrationExpiryWorker) Work(ctx context.Context, job *river.Job[IntegrationExpiryArgs]) error {
	wf := w.Workflow
	s := wf.Service
	tenantID := job.Args.TenantID
	now := s.now()
	horizon := workdays.DateOf(now).AddDate(0, 0, wf.reminderDays())
	var ids []string
	err := s.inTenant(ctx, tenantID, "expiring integrations", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT a.id::text FROM applications a
			JOIN LATERAL (SELECT reply_by FROM application_events e
				WHERE e.tenant_id = a.tenant_id AND e.application_id = a.id AND e.kind = 'awaiting_integration'
				ORDER BY e.seq DESC LIMIT 1) req ON true
			WHERE a.tenant_id = $1 AND a.status = 'awaiting_integration' AND req.reply_by <= $2`, tenantID, horizon)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return err
	}
	var failed error
	for _, id := range ids {
		err := s.inTenant(ctx, tenantID, "integration expiry", func(tx pgx.Tx) error {
			return wf.expireIntegration(ctx, tx, tenantID, id, now)
		})
		if err != nil && failed == nil {
			failed = err
		}
	}
	return failed
}

// expireIntegration reminds the citizen once while the request is about to
// expire, and applies the service's rule once it has.
func (wf *Workflow) expireIntegration(ctx context.Context, tx pgx.Tx, tenantID, id string, now time.Time) error {
	s := wf.Service
	a, err := lockByID(ctx, tx, tenantID, id)
	if err != nil || a.Status != AwaitingIntegration {
		return err // answered or closed meanwhile: nothing to do
	}
	var replyBy *time.Time
	var reminded bool
	var rule string
	err = tx.QueryRow(ctx, `SELECT req.reply_by,
			EXISTS (SELECT 1 FROM application_events r WHERE r.tenant_id = $1 AND r.application_id = $2
				AND r.seq > req.seq AND r.kind = $3),
			coalesce((SELECT nullif(v.definition->>'on_integration_expiry', '') FROM form_versions v
				WHERE v.tenant_id = $1 AND v.service_slug = $4 AND v.version = $5), 'resume')
		FROM (SELECT seq, reply_by FROM application_events WHERE tenant_id = $1 AND application_id = $2
			AND kind = 'awaiting_integration' ORDER BY seq DESC LIMIT 1) req`,
		tenantID, a.ID, EventIntegrationReminder, a.Service, a.FormVersion).Scan(&replyBy, &reminded, &rule)
	if err != nil || replyBy == nil {
		return err
	}
	today := workdays.DateOf(now)
	if !replyBy.Before(today) {
		if reminded {
			return nil
		}
		_, err := s.addEvent(ctx, tx, &a, EventIntegrationReminder, "", "", System, Change{ReplyBy: replyBy}, now)
		return err
	}
	// The citizen had until the end of replyBy, and it has passed.
	l := wf.Catalog.For(a.Language)
	to := InProgress
	if rule == "reject" {
		to = Rejected
	}
	office := wf.Catalog.For("it") // internal notes are the office's, in Italian
	ch := Change{
		Message: l.T("workflow.integration_expired."+string(to), "date", l.Date(*replyBy)),
		Note:    office.T("workflow.integration_expired.note", "date", office.Date(*replyBy), "rule", office.T("workflow.rule."+rule)),
	}
	ev, err := s.transition(ctx, tx, &a, to, System, ch, now)
	if err != nil || a.Assignee == "" {
		return err
	}
	c, err := loadComune(ctx, tx, tenantID)
	if err != nil {
		return err
	}
	return wf.tellStaff(ctx, tx, tenantID, a.Assignee, fmt.Sprintf("integration-expired:%s:%d", a.ID, ev.Seq),
		func(l *locale.Localizer) (string, string) {
			args := []any{"reference", a.Reference, "date", l.Date(*replyBy), "status", l.T("application.status." + string(to)),
				"link", wf.link(c.Slug, deskPath(a.Reference)), "comune", c.Name}
			return l.T("workflow.integration_expired.staff_subject", args...), l.T("workflow.integration_expired.staff_body", args...)
		})
}

// DraftPurgeWorker announces and purges expired drafts.
type DraftPurgeWorker struct {
	river.WorkerDefaults[DraftPurgeArgs]
	Workflow *Workflow
}

// purgeBatch bounds the drafts one transaction deletes; the rest wait for
// the next run.
const purgeBatch = 500

// Work tells the owners of drafts expiring soon, then deletes the expired
// ones with their files.
func (w *DraftPurgeWorker) Work(ctx context.Context, job *river.Job[DraftPurgeArgs]) error {
	wf := w.Workflow
	s := wf.Service
	tenantID := job.Args.TenantID
	now := s.now()
	err := s.inTenant(ctx, tenantID, "draft expiry notices", func(tx pgx.Tx) error {
		return wf.noticeDrafts(ctx, tx, tenantID, now)
	})
	if err != nil {
		return err
	}
	// The files go inside the transaction that deletes the rows: should
	// removing one fail, the rows stay and the next run tries again
	// (removing a file already gone is no error).
	return s.inTenant(ctx, tenantID, "purge drafts", func(tx pgx.Tx) error {
		var keys []string
		err := tx.QueryRow(ctx, `WITH gone AS (
				DELETE FROM applications WHERE tenant_id = $1 AND id IN (
					SELECT id FROM applications WHERE tenant_id = $1 AND status = 'draft' AND expires_at <= $2
					ORDER BY expires_at LIMIT $3 FOR UPDATE SKIP LOCKED)
				RETURNING id)
			SELECT coalesce(array_agg(f.storage_key), '{}') FROM application_files f
			WHERE f.tenant_id = $1 AND f.application_id IN (SELECT id FROM gone)`, tenantID, now, purgeBatch).Scan(&keys)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := s.files.Delete(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (wf *Workflow) noticeDrafts(ctx context.Context, tx pgx.Tx, tenantID string, now time.Time) error {
	c, err := loadComune(ctx, tx, tenantID)
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT a.id::text, a.reference, a.person_id::text, a.language, a.expires_at,
			coalesce(s.card->'title', '{}')
		FROM applications a
		LEFT JOIN services s ON s.tenant_id = a.tenant_id AND s.slug = a.service_slug
		WHERE a.tenant_id = $1 AND a.status = 'draft' AND a.expires_at > $2 AND a.expires_at <= $3`,
		tenantID, now, now.AddDate(0, 0, wf.noticeDays()))
	if err != nil {
		return err
	}
	type expiring struct {
		ID, Reference, PersonID, Language string
		ExpiresAt                         time.Time
		Title                             forms.Text
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[expiring])
	if err != nil {
		return err
	}
	for _, d := range list {
		l := wf.Catalog.For(d.Language)
		args := []any{"reference", d.Reference, "service", d.Title.In(l.Lang), "date", l.Date(d.ExpiresAt),
			"link", wf.link(c.Slug, "/area-personale/pratiche/"+d.Reference+"/riprendi"), "comune", c.Name}
		// Saving the draft moves its expiry, and the next notice is a new
		// one.
		key := "draft-expiry:" + d.ID + ":" + d.ExpiresAt.UTC().Format(time.DateOnly)
		if _, err := notify.DeliverAbout(ctx, tx, tenantID, d.PersonID, d.ID, key,
			l.T("workflow.draft_expiry.subject", args...), l.T("workflow.draft_expiry.body", args...)); err != nil {
			return err
		}
	}
	return nil
}

// RegisterWatchWorker reports failing protocol registrations to the
// office.
type RegisterWatchWorker struct {
	river.WorkerDefaults[RegisterWatchArgs]
	Workflow *Workflow
}

// Work finds the comune's registration jobs that failed often or were
// given up, for applications still without a number, and tells the
// office's managers (the comune's admins when the office has none) once
// per application.
func (w *RegisterWatchWorker) Work(ctx context.Context, job *river.Job[RegisterWatchArgs]) error {
	wf := w.Workflow
	tenantID := job.Args.TenantID
	return wf.Service.inTenant(ctx, tenantID, "register watch", func(tx pgx.Tx) error {
		c, err := loadComune(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT DISTINCT ON (a.id) a.id::text, a.reference, a.office_slug, j.attempt,
				coalesce(j.errors[array_length(j.errors, 1)]->>'error', '')
			FROM river_job j
			JOIN applications a ON a.tenant_id = $1
				AND a.id = (j.args->>'application_id')::uuid
			WHERE j.kind = 'application_register' AND j.args->>'tenant_id' = $2
				AND a.protocol_number IS NULL
				AND (j.state = 'discarded' OR j.attempt >= $3)
				AND j.state NOT IN ('completed', 'cancelled')
			ORDER BY a.id, j.id DESC`, tenantID, tenantID, wf.failingAt())
		if err != nil {
			return err
		}
		type failing struct {
			ID, Reference, Office string
			Attempt               int
			Error                 string
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[failing])
		if err != nil {
			return err
		}
		for _, f := range list {
			to, err := officeManagers(ctx, tx, tenantID, f.Office)
			if err != nil {
				return err
			}
			if len(to) == 0 {
				if to, err = admins(ctx, tx, tenantID); err != nil {
					return err
				}
			}
			for _, fc := range to {
				err := wf.tellStaff(ctx, tx, tenantID, fc, "register-failing:"+f.ID, func(l *locale.Localizer) (string, string) {
					args := []any{"reference", f.Reference, "attempts", f.Attempt, "error", truncate(f.Error, 300), "comune", c.Name}
					return l.T("workflow.register_failing.subject", args...), l.T("workflow.register_failing.body", args...)
				})
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func admins(ctx context.Context, tx pgx.Tx, tenantID string) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT fiscal_code FROM staff_members WHERE tenant_id = $1 AND role = 'admin' ORDER BY fiscal_code`, tenantID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
