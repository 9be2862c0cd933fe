package notify

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
)

// Campaigns: a comune's admins write one message (a subject and a body,
// in Italian and optionally in English) to a segment of people, see how
// many it will reach on which channels, schedule it, and watch it go out.
//
// The text is plain: it is placed by the comune's campaign.message
// template of each channel, and is checked against the strictest channel
// it may travel on (App IO: a subject of 10–120 characters). Being news,
// a campaign reaches each person on the channels they chose for news
// (ReachOf with KindNews: none unless they consented) and always in the
// inbox; every message outside the inbox carries the person's unsubscribe
// token, which the delivery core turns into the unsubscribe link (and
// List-Unsubscribe for email).
//
// Fan-out, by River jobs:
//   - campaign_start, at the scheduled time (River's ScheduledAt), takes
//     the snapshot of the segment into campaign_recipients (INSERT …
//     SELECT, ON CONFLICT DO NOTHING) and queues CampaignLanes batch jobs;
//   - campaign_batch takes the next CampaignBatchSize pending recipients
//     (FOR UPDATE SKIP LOCKED, so lanes never share one), notifies each
//     (Notify, IdempotencyKey "campaign:<id>:<person>") and marks them
//     sent in the same transaction, then queues its own next run while
//     recipients remain. A batch that crashes rolls back whole, so a
//     recipient is marked sent exactly when they were notified; and the
//     idempotency key makes even a repeated Notify a no-op.
//   - a batch does nothing unless the campaign is running: pausing stops
//     the lanes after the batch in hand, resuming queues them again,
//     cancelling ends the campaign for good. The last batch to find
//     nothing left marks it done.

// SegmentKind says who a campaign is for.
type SegmentKind string

// The segments.
const (
	SegmentTopic   SegmentKind = "topic"   // followers of a topic (Param: its slug)
	SegmentAll     SegmentKind = "all"     // every citizen known to the comune
	SegmentService SegmentKind = "service" // who applied for a service (Param: its slug)
	// SegmentAppointments is people with an appointment on a day (Param:
	// the civil date in Rome, 2026-12-24), cancelled ones left out.
	SegmentAppointments SegmentKind = "appointments"
)

// SegmentKinds are the segments in the order a form lists them.
var SegmentKinds = []SegmentKind{SegmentTopic, SegmentAll, SegmentService, SegmentAppointments}

// Available reports whether campaigns can be sent to the segment yet.
func (k SegmentKind) Available() bool {
	return k == SegmentTopic || k == SegmentAll || k == SegmentService || k == SegmentAppointments
}

// Segment is a campaign's audience.
type Segment struct {
	Kind  SegmentKind
	Param string
}

// Campaign statuses.
const (
	CampaignDraft     = "draft"
	CampaignScheduled = "scheduled"
	CampaignRunning   = "running"
	CampaignPaused    = "paused"
	CampaignDone      = "done"
	CampaignCancelled = "cancelled"
)

// campaignMoves are the actions and the statuses they may start from,
// with the status they lead to.
var campaignMoves = map[string]struct {
	from []string
	to   string
}{
	"edit":     {[]string{CampaignDraft}, CampaignDraft},
	"schedule": {[]string{CampaignDraft}, CampaignScheduled},
	"start":    {[]string{CampaignScheduled}, CampaignRunning},
	"pause":    {[]string{CampaignRunning}, CampaignPaused},
	"resume":   {[]string{CampaignPaused}, CampaignRunning},
	"cancel":   {[]string{CampaignDraft, CampaignScheduled, CampaignRunning, CampaignPaused}, CampaignCancelled},
	"finish":   {[]string{CampaignRunning}, CampaignDone},
}

// CampaignCan reports whether action (edit, schedule, pause, resume,
// cancel) is allowed in status.
func CampaignCan(status, action string) bool {
	m, ok := campaignMoves[action]
	if !ok {
		return false
	}
	for _, s := range m.from {
		if s == status {
			return true
		}
	}
	return false
}

// CampaignText is what an admin writes.
type CampaignText struct {
	Title     string
	SubjectIT string
	BodyIT    string
	SubjectEN string // "" with BodyEN "": English readers get the Italian
	BodyEN    string
	Segment   Segment
}

// Campaign is a campaign with its status.
type Campaign struct {
	CampaignText
	TenantID    string
	ID          string
	Status      string
	ScheduledAt *time.Time
	StartedAt   *time.Time
	FinishedAt  *time.Time
	Recipients  int // the segment's size when it started
	Sent        int // recipients notified so far
	CreatedBy   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CampaignError is one reason a campaign or an action on it is refused:
// Code names the message ("campaigns.error.<code>"), Field the form field.
type CampaignError struct {
	Code  string
	Field string
	Limit int
	Got   int
}

func (e *CampaignError) Error() string { return "campaign " + e.Field + ": " + e.Code }

// CampaignErrors are every reason a form was refused, in the form's order.
type CampaignErrors []*CampaignError

func (e CampaignErrors) Error() string {
	s := make([]string, len(e))
	for i, x := range e {
		s[i] = x.Error()
	}
	return strings.Join(s, "; ")
}

// ErrCampaignState is an action the campaign's status does not allow.
var ErrCampaignState = &CampaignError{Code: "state"}

// Limits of a campaign's text.
const (
	CampaignTitleMax = 200
	CampaignBodyMax  = 5000
)

// Fan-out defaults.
const (
	CampaignBatchSize = 500
	CampaignLanes     = 4
)

// CampaignConfig tunes campaigns.
type CampaignConfig struct {
	// BatchSize is how many recipients a batch job notifies; zero is
	// CampaignBatchSize. Lanes is how many batch jobs run side by side;
	// zero is CampaignLanes.
	BatchSize int
	Lanes     int
	// PortalURL is a comune's portal address, for the link to the
	// personal area in the messages.
	PortalURL func(slug string) string
	// NotifyMany notifies a batch of recipients; nil is NotifyMany.
	// (Tests count calls per recipient.)
	NotifyMany func(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, ns []Notification) error
}

// Campaigns keeps a comune's campaigns and sends them.
type Campaigns struct {
	pool     *pgxpool.Pool
	inserter jobs.Inserter
	cfg      CampaignConfig
}

// NewCampaigns returns the campaigns on pool; inserter queues their jobs.
func NewCampaigns(pool *pgxpool.Pool, inserter jobs.Inserter, cfg CampaignConfig) *Campaigns {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = CampaignBatchSize
	}
	if cfg.Lanes <= 0 {
		cfg.Lanes = CampaignLanes
	}
	if cfg.NotifyMany == nil {
		cfg.NotifyMany = NotifyMany
	}
	return &Campaigns{pool: pool, inserter: inserter, cfg: cfg}
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

const campaignColumns = `tenant_id::text, id::text, title, subject_it, body_it, subject_en, body_en, segment_kind, segment_param,
	status, scheduled_at, started_at, finished_at, recipients,
	(SELECT count(*) FROM campaign_recipients r WHERE r.tenant_id = campaigns.tenant_id AND r.campaign_id = campaigns.id AND r.status = 'sent'),
	created_by, created_at, updated_at`

func scanCampaign(row pgx.CollectableRow) (Campaign, error) {
	var c Campaign
	err := row.Scan(&c.TenantID, &c.ID, &c.Title, &c.SubjectIT, &c.BodyIT, &c.SubjectEN, &c.BodyEN, &c.Segment.Kind, &c.Segment.Param,
		&c.Status, &c.ScheduledAt, &c.StartedAt, &c.FinishedAt, &c.Recipients, &c.Sent, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

// List is the comune's campaigns, newest first.
func (cs *Campaigns) List(ctx context.Context, tenantID string) ([]Campaign, error) {
	var out []Campaign
	err := db.InTenant(ctx, cs.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT 500`, tenantID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanCampaign)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", db.Classify(err))
	}
	return out, nil
}

// Get is one campaign of the comune; db.ErrNotFound when it has none by
// that id (another comune's included).
func (cs *Campaigns) Get(ctx context.Context, tenantID, id string) (Campaign, error) {
	var c Campaign
	if !uuidPattern.MatchString(id) {
		return c, fmt.Errorf("campaign %q: %w", id, db.ErrNotFound)
	}
	err := db.InTenant(ctx, cs.pool, tenantID, func(tx pgx.Tx) error {
		var err error
		c, err = getCampaign(ctx, tx, tenantID, id, "")
		return err
	})
	if err != nil {
		return c, fmt.Errorf("campaign %s: %w", id, db.Classify(err))
	}
	return c, nil
}

func getCampaign(ctx context.Context, tx pgx.Tx, tenantID, id, lock string) (Campaign, error) {
	rows, err := tx.Query(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE tenant_id = $1 AND id = $2 `+lock, tenantID, id)
	if err != nil {
		return Campaign{}, err
	}
	return pgx.CollectExactlyOneRow(rows, scanCampaign)
}

// validate checks a campaign's text and segment; tx is a tenant
// transaction (topics and services are the comune's).
func validateCampaign(ctx context.Context, tx pgx.Tx, tenantID string, t CampaignText) error {
	var errs CampaignErrors
	length := func(field, s string, lo, hi int) {
		n := utf8.RuneCountInString(strings.TrimSpace(s))
		switch {
		case n == 0:
			errs = append(errs, &CampaignError{Code: "required", Field: field})
		case n < lo:
			errs = append(errs, &CampaignError{Code: "too_short", Field: field, Limit: lo, Got: n})
		case n > hi:
			errs = append(errs, &CampaignError{Code: "too_long", Field: field, Limit: hi, Got: n})
		}
	}
	length("title", t.Title, 1, CampaignTitleMax)
	// The subject is App IO's subject as it stands: IO's limits.
	length("subject_it", t.SubjectIT, IOSubjectMin, IOSubjectMax)
	length("body_it", t.BodyIT, 1, CampaignBodyMax)
	if strings.TrimSpace(t.SubjectEN) != "" || strings.TrimSpace(t.BodyEN) != "" {
		length("subject_en", t.SubjectEN, IOSubjectMin, IOSubjectMax)
		length("body_en", t.BodyEN, 1, CampaignBodyMax)
	}
	switch t.Segment.Kind {
	case SegmentAll:
	case SegmentTopic, SegmentService:
		table := map[SegmentKind]string{SegmentTopic: "topics", SegmentService: "services"}[t.Segment.Kind]
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE tenant_id = $1 AND slug = $2)`,
			tenantID, t.Segment.Param).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			code := "topic_unknown"
			if t.Segment.Kind == SegmentService {
				code = "service_unknown"
			}
			if t.Segment.Param == "" {
				code = strings.Replace(code, "unknown", "required", 1)
			}
			errs = append(errs, &CampaignError{Code: code, Field: "segment_" + string(t.Segment.Kind)})
		}
	case SegmentAppointments:
		switch _, err := time.Parse(time.DateOnly, t.Segment.Param); {
		case t.Segment.Param == "":
			errs = append(errs, &CampaignError{Code: "day_required", Field: "segment_appointments"})
		case err != nil:
			errs = append(errs, &CampaignError{Code: "day_invalid", Field: "segment_appointments"})
		}
	default:
		errs = append(errs, &CampaignError{Code: "segment_required", Field: "segment"})
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Create stores a new draft campaign by whom; CampaignErrors say what to
// fix.
func (cs *Campaigns) Create(ctx context.Context, tenantID, by string, t CampaignText) (string, error) {
	var id string
	var refusal error
	err := db.InTenant(ctx, cs.pool, tenantID, func(tx pgx.Tx) error {
		if err := validateCampaign(ctx, tx, tenantID, t); err != nil {
			refusal = err
			return nil
		}
		return tx.QueryRow(ctx, `INSERT INTO campaigns (tenant_id, title, subject_it, body_it, subject_en, body_en, segment_kind, segment_param, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::text`,
			tenantID, strings.TrimSpace(t.Title), strings.TrimSpace(t.SubjectIT), strings.TrimSpace(t.BodyIT),
			strings.TrimSpace(t.SubjectEN), strings.TrimSpace(t.BodyEN), string(t.Segment.Kind), segmentParam(t.Segment), by).Scan(&id)
	})
	if err != nil {
		return "", fmt.Errorf("create campaign: %w", db.Classify(err))
	}
	return id, refusal
}

func segmentParam(s Segment) string {
	if s.Kind == SegmentAll {
		return ""
	}
	return s.Param
}

// Update rewrites a draft; ErrCampaignState once it was scheduled.
func (cs *Campaigns) Update(ctx context.Context, tenantID, id string, t CampaignText) error {
	var refusal error
	err := cs.move(ctx, tenantID, id, "edit", func(tx pgx.Tx, _ Campaign) error {
		if err := validateCampaign(ctx, tx, tenantID, t); err != nil {
			refusal = err
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE campaigns SET title = $3, subject_it = $4, body_it = $5, subject_en = $6, body_en = $7,
				segment_kind = $8, segment_param = $9, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, tenantID, id, strings.TrimSpace(t.Title), strings.TrimSpace(t.SubjectIT),
			strings.TrimSpace(t.BodyIT), strings.TrimSpace(t.SubjectEN), strings.TrimSpace(t.BodyEN), string(t.Segment.Kind), segmentParam(t.Segment))
		return err
	})
	if err != nil {
		return err
	}
	return refusal
}

// move runs fn on the campaign locked, if action is allowed in its
// status; then sets the status the action leads to.
func (cs *Campaigns) move(ctx context.Context, tenantID, id, action string, fn func(tx pgx.Tx, c Campaign) error) error {
	if !uuidPattern.MatchString(id) {
		return fmt.Errorf("campaign %q: %w", id, db.ErrNotFound)
	}
	var refusal error
	err := db.InTenant(ctx, cs.pool, tenantID, func(tx pgx.Tx) error {
		c, err := getCampaign(ctx, tx, tenantID, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		if !CampaignCan(c.Status, action) {
			refusal = ErrCampaignState
			return nil
		}
		if fn != nil {
			if err := fn(tx, c); err != nil {
				return err
			}
		}
		if to := campaignMoves[action].to; to != c.Status {
			_, err = tx.Exec(ctx, `UPDATE campaigns SET status = $3, updated_at = now(),
					finished_at = CASE WHEN $3 IN ('done', 'cancelled') THEN now() END
				WHERE tenant_id = $1 AND id = $2`, tenantID, id, to)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("campaign %s: %s: %w", id, action, db.Classify(err))
	}
	return refusal
}

// CampaignScheduleLimit is how far ahead a campaign may be scheduled.
const CampaignScheduleLimit = 366 * 24 * time.Hour

// Schedule schedules a draft to start at at, or now when at is zero; a
// time past or more than a year ahead is a CampaignError on "when".
func (cs *Campaigns) Schedule(ctx context.Context, tenantID, id string, at time.Time) error {
	now := time.Now()
	switch {
	case at.IsZero():
		at = now
	case at.Before(now.Add(-time.Minute)):
		return CampaignErrors{{Code: "when_past", Field: "when"}}
	case at.After(now.Add(CampaignScheduleLimit)):
		return CampaignErrors{{Code: "when_far", Field: "when"}}
	}
	return cs.move(ctx, tenantID, id, "schedule", func(tx pgx.Tx, c Campaign) error {
		if !c.Segment.Kind.Available() {
			return fmt.Errorf("segment %s is not available", c.Segment.Kind)
		}
		if _, err := tx.Exec(ctx, `UPDATE campaigns SET scheduled_at = $3 WHERE tenant_id = $1 AND id = $2`, tenantID, id, at); err != nil {
			return err
		}
		_, err := cs.inserter.InsertTx(ctx, tx, CampaignStartArgs{TenantID: tenantID, CampaignID: id}, &river.InsertOpts{ScheduledAt: at})
		return err
	})
}

// Pause stops a running campaign after the batches in hand.
func (cs *Campaigns) Pause(ctx context.Context, tenantID, id string) error {
	return cs.move(ctx, tenantID, id, "pause", nil)
}

// Resume restarts a paused campaign where it stopped.
func (cs *Campaigns) Resume(ctx context.Context, tenantID, id string) error {
	return cs.move(ctx, tenantID, id, "resume", func(tx pgx.Tx, _ Campaign) error {
		return cs.queueLanes(ctx, tx, tenantID, id)
	})
}

// Cancel ends a campaign for good: who was not notified yet never will be.
func (cs *Campaigns) Cancel(ctx context.Context, tenantID, id string) error {
	return cs.move(ctx, tenantID, id, "cancel", nil)
}

func (cs *Campaigns) queueLanes(ctx context.Context, tx pgx.Tx, tenantID, id string) error {
	params := make([]river.InsertManyParams, cs.cfg.Lanes)
	for i := range params {
		params[i] = river.InsertManyParams{Args: CampaignBatchArgs{TenantID: tenantID, CampaignID: id, Lane: i + 1}}
	}
	_, err := cs.inserter.InsertManyTx(ctx, tx, params)
	return err
}

// segmentQuery selects the person_id of everyone in the segment; its
// parameters are $1 the tenant and $2 the segment's parameter.
func segmentQuery(k SegmentKind) (string, error) {
	switch k {
	case SegmentAll:
		return `SELECT p.id AS person_id FROM people p WHERE p.tenant_id = $1 AND $2::text IS NOT NULL`, nil
	case SegmentTopic:
		return `SELECT f.person_id FROM topic_follows f WHERE f.tenant_id = $1 AND f.topic_slug = $2`, nil
	case SegmentService:
		return `SELECT DISTINCT a.person_id FROM applications a
			WHERE a.tenant_id = $1 AND a.service_slug = $2 AND a.status <> 'draft' AND a.person_id IS NOT NULL`, nil
	case SegmentAppointments:
		// the day is a civil date in Rome; guests (no person) have no
		// profile to reach them through
		return `SELECT DISTINCT a.person_id FROM appointments a
			WHERE a.tenant_id = $1 AND a.person_id IS NOT NULL AND a.status <> 'cancelled'
				AND lower(a.during) >= ($2::date)::timestamp AT TIME ZONE 'Europe/Rome'
				AND lower(a.during) < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/Rome'`, nil
	}
	return "", fmt.Errorf("segment %q is not available", k)
}

// SegmentReach is how many people a segment reaches and on which
// channel first (besides the inbox, which reaches them all).
type SegmentReach struct {
	People int
	Email  int
	SMS    int
	IO     int
}

// Reach counts the segment's people by the first channel they chose for
// news that can reach them — what Notify will use (ReachOf, KindNews), in
// one query.
func (cs *Campaigns) Reach(ctx context.Context, tenantID string, s Segment) (SegmentReach, error) {
	var r SegmentReach
	seg, err := segmentQuery(s.Kind)
	if err != nil {
		return r, err
	}
	if len(DefaultChannels(KindNews)) > 0 {
		return r, errors.New("reach: news have default channels: the query below assumes none")
	}
	err = db.InTenant(ctx, cs.pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `WITH seg AS (`+seg+`),
			r AS (
				SELECT CASE WHEN c.email_verified_at IS NOT NULL AND c.email <> '' THEN c.email ELSE p.email END AS email,
					CASE WHEN c.phone_verified_at IS NOT NULL THEN c.phone ELSE '' END AS phone,
					coalesce(c.io_status = 'available', false) AS io,
					coalesce(pr.channels, '{}') AS channels
				FROM seg JOIN people p ON p.tenant_id = $1 AND p.id = seg.person_id
				LEFT JOIN contact_profiles c ON c.tenant_id = p.tenant_id AND c.person_id = p.id
				LEFT JOIN contact_preferences pr ON pr.tenant_id = p.tenant_id AND pr.person_id = p.id AND pr.kind = 'news'),
			f AS (
				SELECT (SELECT u.ch FROM unnest(r.channels) WITH ORDINALITY AS u(ch, n)
					WHERE (u.ch = 'email' AND r.email <> '') OR (u.ch = 'sms' AND r.phone <> '') OR (u.ch = 'io' AND r.io)
					ORDER BY u.n LIMIT 1) AS first
				FROM r)
			SELECT count(*), count(*) FILTER (WHERE first = 'email'), count(*) FILTER (WHERE first = 'sms'),
				count(*) FILTER (WHERE first = 'io')
			FROM f`, tenantID, s.Param).Scan(&r.People, &r.Email, &r.SMS, &r.IO)
	})
	if err != nil {
		return r, fmt.Errorf("reach: %w", db.Classify(err))
	}
	return r, nil
}

// CampaignProgress is a campaign with its deliveries counted by channel.
type CampaignProgress struct {
	Campaign
	Channels []ChannelCount
}

// ChannelCount counts a campaign's deliveries on one channel: Pending
// (queued, sending or to retry), Sent (sent, delivered, or kept in the
// development outbox) and Failed (for good; the next channel was tried).
type ChannelCount struct {
	Channel               Channel
	Pending, Sent, Failed int
}

// Progress is the campaign and its deliveries.
func (cs *Campaigns) Progress(ctx context.Context, tenantID, id string) (CampaignProgress, error) {
	var p CampaignProgress
	c, err := cs.Get(ctx, tenantID, id)
	if err != nil {
		return p, err
	}
	p.Campaign = c
	counts := map[Channel]*ChannelCount{}
	for _, ch := range []Channel{ChannelEmail, ChannelSMS, ChannelIO} {
		counts[ch] = &ChannelCount{Channel: ch}
	}
	err = db.InTenant(ctx, cs.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT channel, status, count(*) FROM deliveries
			WHERE tenant_id = $1 AND campaign_id = $2 GROUP BY channel, status`, tenantID, id)
		if err != nil {
			return err
		}
		var ch Channel
		var status string
		var n int
		_, err = pgx.ForEachRow(rows, []any{&ch, &status, &n}, func() error {
			cc := counts[ch]
			if cc == nil {
				return nil
			}
			switch status {
			case StatusSent, StatusDelivered, StatusOutbox:
				cc.Sent += n
			case StatusFailedPermanent:
				cc.Failed += n
			default:
				cc.Pending += n
			}
			return nil
		})
		return err
	})
	if err != nil {
		return p, fmt.Errorf("campaign %s progress: %w", id, db.Classify(err))
	}
	for _, ch := range []Channel{ChannelEmail, ChannelSMS, ChannelIO} {
		p.Channels = append(p.Channels, *counts[ch])
	}
	return p, nil
}

// CampaignStartArgs starts a scheduled campaign.
type CampaignStartArgs struct {
	TenantID   string `json:"tenant_id"`
	CampaignID string `json:"campaign_id"`
}

// Kind names the job in River.
func (CampaignStartArgs) Kind() string { return "campaign_start" }

// InsertOpts: one start per campaign.
func (CampaignStartArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// CampaignBatchArgs notifies the next batch of a campaign's recipients.
// Lane tells the campaign's parallel batch jobs apart.
type CampaignBatchArgs struct {
	TenantID   string `json:"tenant_id"`
	CampaignID string `json:"campaign_id"`
	Lane       int    `json:"lane"`
}

// Kind names the job in River.
func (CampaignBatchArgs) Kind() string { return "campaign_batch" }

// CampaignStartWorker runs campaign_start jobs.
type CampaignStartWorker struct {
	river.WorkerDefaults[CampaignStartArgs]
	Campaigns *Campaigns
}

// Work starts the campaign.
func (w *CampaignStartWorker) Work(ctx context.Context, job *river.Job[CampaignStartArgs]) error {
	return w.Campaigns.Start(ctx, job.Args)
}

// CampaignBatchWorker runs campaign_batch jobs.
type CampaignBatchWorker struct {
	river.WorkerDefaults[CampaignBatchArgs]
	Campaigns *Campaigns
}

// Work notifies one batch.
func (w *CampaignBatchWorker) Work(ctx context.Context, job *river.Job[CampaignBatchArgs]) error {
	_, err := w.Campaigns.RunBatch(ctx, job.Args)
	return err
}

// Start takes the snapshot of a scheduled campaign's segment and queues
// its batch jobs; a campaign no longer scheduled (cancelled, or started
// already) is left alone, one whose time has not come is snoozed.
func (cs *Campaigns) Start(ctx context.Context, a CampaignStartArgs) error {
	var wait time.Duration
	err := db.InTenant(ctx, cs.pool, a.TenantID, func(tx pgx.Tx) error {
		c, err := getCampaign(ctx, tx, a.TenantID, a.CampaignID, "FOR UPDATE")
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if c.Status != CampaignScheduled {
			return nil
		}
		var now time.Time
		if err := tx.QueryRow(ctx, `SELECT now()`).Scan(&now); err != nil {
			return err
		}
		if c.ScheduledAt != nil && c.ScheduledAt.After(now.Add(time.Second)) {
			wait = c.ScheduledAt.Sub(now)
			return nil
		}
		seg, err := segmentQuery(c.Segment.Kind)
		if err != nil {
			return river.JobCancel(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO campaign_recipients (tenant_id, campaign_id, person_id)
			SELECT $1::uuid, $3::uuid, person_id FROM (`+seg+`) seg ON CONFLICT DO NOTHING`, a.TenantID, c.Segment.Param, a.CampaignID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `UPDATE campaigns SET status = 'running', started_at = now(), updated_at = now(),
				recipients = (SELECT count(*) FROM campaign_recipients WHERE tenant_id = $1 AND campaign_id = $2)
			WHERE tenant_id = $1 AND id = $2 RETURNING recipients`, a.TenantID, a.CampaignID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			_, err := tx.Exec(ctx, `UPDATE campaigns SET status = 'done', finished_at = now() WHERE tenant_id = $1 AND id = $2`,
				a.TenantID, a.CampaignID)
			return err
		}
		return cs.queueLanes(ctx, tx, a.TenantID, a.CampaignID)
	})
	if err != nil {
		return fmt.Errorf("start campaign %s: %w", a.CampaignID, err)
	}
	if wait > 0 {
		return river.JobSnooze(wait)
	}
	return nil
}

// RunBatch notifies the next batch of recipients of a running campaign
// and returns how many it notified (see the top of this file).
func (cs *Campaigns) RunBatch(ctx context.Context, a CampaignBatchArgs) (int, error) {
	n := 0
	err := db.InTenant(ctx, cs.pool, a.TenantID, func(tx pgx.Tx) error {
		var c Campaign
		var comune, slug string
		err := tx.QueryRow(ctx, `SELECT c.status, c.subject_it, c.body_it, c.subject_en, c.body_en, t.name, t.slug
			FROM campaigns c JOIN tenants t ON t.id = c.tenant_id WHERE c.tenant_id = $1 AND c.id = $2`, a.TenantID, a.CampaignID).
			Scan(&c.Status, &c.SubjectIT, &c.BodyIT, &c.SubjectEN, &c.BodyEN, &comune, &slug)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if c.Status != CampaignRunning {
			return nil // paused or ended: resuming queues the lanes again
		}
		rows, err := tx.Query(ctx, `SELECT r.person_id::text, coalesce(nullif(cp.language, ''), p.language)
			FROM campaign_recipients r
			JOIN people p ON p.tenant_id = r.tenant_id AND p.id = r.person_id
			LEFT JOIN contact_profiles cp ON cp.tenant_id = r.tenant_id AND cp.person_id = r.person_id
			WHERE r.tenant_id = $1 AND r.campaign_id = $2 AND r.status = 'pending'
			ORDER BY r.person_id LIMIT $3
			FOR UPDATE OF r SKIP LOCKED`, a.TenantID, a.CampaignID, cs.cfg.BatchSize)
		if err != nil {
			return err
		}
		type recipient struct{ person, lang string }
		batch, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recipient, error) {
			var r recipient
			err := row.Scan(&r.person, &r.lang)
			return r, err
		})
		if err != nil {
			return err
		}
		link := ""
		if cs.cfg.PortalURL != nil {
			link = cs.cfg.PortalURL(slug) + "/area-personale"
		}
		ids := make([]string, len(batch))
		ns := make([]Notification, len(batch))
		for i, r := range batch {
			lang := templateLanguage(r.lang)
			subject, body := c.SubjectIT, c.BodyIT
			if lang == "en" && c.SubjectEN != "" {
				subject, body = c.SubjectEN, c.BodyEN
			}
			ns[i] = Notification{
				TenantID: a.TenantID, PersonID: r.person, Kind: KindNews, Event: EventCampaignMessage,
				CampaignID: a.CampaignID, IdempotencyKey: "campaign:" + a.CampaignID + ":" + r.person, Language: lang,
				Vars: Vars{Comune: comune, Link: link, Subject: subject, Body: body},
			}
			ids[i] = r.person
		}
		if err := cs.cfg.NotifyMany(ctx, tx, cs.inserter, ns); err != nil {
			return err
		}
		if len(ids) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE campaign_recipients SET status = 'sent', sent_at = now()
				WHERE tenant_id = $1 AND campaign_id = $2 AND person_id = ANY($3::uuid[])`, a.TenantID, a.CampaignID, ids); err != nil {
				return err
			}
		}
		n = len(ids)
		if n == cs.cfg.BatchSize { // maybe more: this lane goes on
			_, err = cs.inserter.InsertTx(ctx, tx, a, nil)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("campaign %s batch: %w", a.CampaignID, db.Classify(err))
	}
	if n < cs.cfg.BatchSize {
		// Nothing left for this lane: the campaign is done once no lane
		// holds a recipient either. Checked after this batch committed, so
		// the last lane to commit sees everything sent.
		err = db.InTenant(ctx, cs.pool, a.TenantID, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE campaigns SET status = 'done', finished_at = now(), updated_at = now()
				WHERE tenant_id = $1 AND id = $2 AND status = 'running'
					AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE tenant_id = $1 AND campaign_id = $2 AND status = 'pending')`,
				a.TenantID, a.CampaignID)
			return err
		})
		if err != nil {
			return n, fmt.Errorf("campaign %s: finish: %w", a.CampaignID, db.Classify(err))
		}
	}
	return n, nil
}
