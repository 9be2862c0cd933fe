package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/locale"
)

// Delivery: a notification is written to the person's inbox at once and
// queued on the first channel they chose (Reach.Channels) as one row of
// deliveries, whose job sends it. The job sends outside any transaction
// and records the outcome: a temporary failure is retried with
// exponential backoff for up to a day (RetryFor), a permanent one (or the
// last retry) marks the row failed_permanent and queues the message on
// the next channel the person allows (e.g. IO → SMS → email).
//
// Nothing is sent twice on a channel:
//   - the row's idempotency key (message key + channel) is unique, so a
//     message is queued at most once per channel, and its job only sends
//     a row that is queued or failed_temporary;
//   - an App IO row is marked 'sending' (and committed) only at the send's
//     point of no return (Outgoing.Commit: before the HTTP request). A
//     worker killed before it leaves a row not yet sending: the message
//     certainly did not go out, and the job's next run (River rescues it)
//     sends it. Email and SMS rows are marked 'sending' when the job
//     claims them, saving that round trip: what the next run does with
//     them (below) is right whether or not they went out;
//   - after the call the job records the outcome, retrying the recording
//     a few times if the database hiccups;
//   - a row found still 'sending' by a later run means the worker died (or
//     could not record) right at or after the provider call: whether the
//     message went out is unknown. Email is sent again with the same
//     Message-ID, which mail stores use to keep one copy; the SMS API
//     carries the idempotency key and answers with the first message's
//     id. App IO offers no way to deduplicate, so an App IO row is never
//     sent again: it is marked failed_permanent ("outcome unknown") and
//     the message goes to the next channel — at worst the person hears on
//     two channels, never twice in the IO app.

// kindDirect marks messages worded by their caller for an address given
// (verification codes, staff warnings): no template, no fallback.
const kindDirect Kind = "direct"

// eventDirect is the event of such messages.
const eventDirect Event = "direct"

// Notification is one message to one person. (Message is an inbox
// message.)
type Notification struct {
	TenantID string
	// PersonID is the recipient; "" for someone known only by an email
	// address (Email), e.g. an application's contact address.
	PersonID string
	Email    string
	Kind     Kind
	Event    Event
	Vars     Vars
	// ApplicationID and CampaignID say what the message is about; "" when
	// nothing.
	ApplicationID string
	CampaignID    string
	// IdempotencyKey names the message: notifying twice with the same key
	// writes and sends nothing the second time.
	IdempotencyKey string
	// Language of the message; "" is the person's.
	Language string
}

// Delivery is one message on one channel.
type Delivery struct {
	TenantID         string
	ID               string
	MessageKey       string
	Channel          Channel
	PersonID         string
	Address          string
	Event            Event
	Kind             Kind
	Language         string
	ApplicationID    string
	CampaignID       string
	Vars             Vars
	Subject          string
	Body             string
	UnsubscribeToken string
	Status           string
	Attempts         int
	LastError        string
	ProviderID       string
	FallbackOf       string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	SentAt           *time.Time
}

// Delivery statuses.
const (
	StatusQueued          = "queued"
	StatusSending         = "sending"
	StatusSent            = "sent"
	StatusDelivered       = "delivered"
	StatusFailedTemporary = "failed_temporary"
	StatusFailedPermanent = "failed_permanent"
	StatusOutbox          = "outbox" // kept unsent: no provider (development)
)

// Notify notifies a person inside tx, the caller's tenant transaction: it
// writes the inbox message (DeliverAbout when about an application), reads
// how to reach the person (ReachOf), and queues the message on the first
// of their channels with its job (InsertTx), so a rolled-back change
// notifies nobody. Calling it again with the same IdempotencyKey does
// nothing more.
func Notify(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, m Notification) error {
	if m.TenantID == "" || m.IdempotencyKey == "" {
		return errors.New("notify: tenant and idempotency key are required")
	}
	if !m.Event.Known() {
		return fmt.Errorf("notify: %w", &TemplateError{Code: "event_unknown", Field: "event", Detail: string(m.Event)})
	}
	var r Reach
	var fiscalCode string
	if m.PersonID != "" {
		var err error
		if r, err = ReachOf(ctx, tx, m.TenantID, m.PersonID, m.Kind); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		var given string
		if err := tx.QueryRow(ctx, `SELECT given_name, fiscal_code FROM people WHERE tenant_id = $1 AND id = $2`,
			m.TenantID, m.PersonID).Scan(&given, &fiscalCode); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		if m.Vars.Name == "" {
			m.Vars.Name = given
		}
	} else if m.Email != "" {
		r = Reach{Email: m.Email, Channels: []Channel{ChannelEmail}}
	}
	if m.Language != "" {
		r.Language = m.Language
	}
	lang := templateLanguage(r.Language)
	if m.PersonID != "" {
		subject, body, err := renderFor(ctx, tx, m.TenantID, m.Event, ChannelInbox, lang, m.Vars)
		if err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		if m.ApplicationID != "" {
			_, err = DeliverAbout(ctx, tx, m.TenantID, m.PersonID, m.ApplicationID, m.IdempotencyKey, subject, body)
		} else {
			_, err = Deliver(ctx, tx, m.TenantID, m.PersonID, m.IdempotencyKey, subject, body)
		}
		if err != nil {
			return fmt.Errorf("notify: %w", err)
		}
	}
	if len(r.Channels) == 0 {
		return nil
	}
	d := Delivery{TenantID: m.TenantID, MessageKey: m.IdempotencyKey, PersonID: m.PersonID, Event: m.Event, Kind: m.Kind,
		Language: lang, ApplicationID: m.ApplicationID, CampaignID: m.CampaignID, Vars: m.Vars}
	if m.Kind == KindNews {
		d.UnsubscribeToken = r.UnsubscribeToken
	}
	if err := queueOn(ctx, tx, inserter, d, r.Channels[0], r, fiscalCode); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// queueOn renders d's message for channel c and queues it there.
func queueOn(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, d Delivery, c Channel, r Reach, fiscalCode string) error {
	d.Channel = c
	switch c {
	case ChannelEmail:
		d.Address = r.Email
	case ChannelSMS:
		d.Address = r.Phone
	case ChannelIO:
		d.Address = fiscalCode
	default:
		return fmt.Errorf("no deliveries on channel %q", c)
	}
	var err error
	if d.Subject, d.Body, err = renderFor(ctx, tx, d.TenantID, d.Event, c, d.Language, d.Vars); err != nil {
		return err
	}
	_, _, err = insertDelivery(ctx, tx, inserter, d)
	return err
}

// renderFor renders the comune's template of the event for the channel, or
// the default when the comune's cannot be rendered.
func renderFor(ctx context.Context, tx pgx.Tx, tenantID string, e Event, c Channel, lang string, v Vars) (string, string, error) {
	rd := renderer{tx: tx, tenantID: tenantID, event: e, cache: map[renderKey]*renderPair{}}
	return rd.render(ctx, c, lang, v)
}

// insertDelivery records d as queued and enqueues its job, in tx; a
// message already queued on the channel is left alone (inserted false).
func insertDelivery(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, d Delivery) (string, bool, error) {
	if d.Language == "" {
		d.Language = "it"
	}
	var id string
	err := tx.QueryRow(ctx, `INSERT INTO deliveries (tenant_id, message_key, channel, person_id, address, event, kind, language,
			application_id, campaign_id, vars, subject, body, unsubscribe_token, fallback_of)
		VALUES ($1, $2, $3, nullif($4, '')::uuid, $5, $6, $7, $8, nullif($9, '')::uuid, nullif($10, '')::uuid, $11, $12, $13, $14,
			nullif($15, '')::uuid)
		ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id::text`,
		d.TenantID, d.MessageKey, string(d.Channel), d.PersonID, d.Address, string(d.Event), string(d.Kind), d.Language,
		d.ApplicationID, d.CampaignID, d.Vars, d.Subject, d.Body, d.UnsubscribeToken, d.FallbackOf).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("queue %s delivery: %w", d.Channel, err)
	}
	if _, err := inserter.InsertTx(ctx, tx, DeliveryArgs{TenantID: d.TenantID, DeliveryID: id, Channel: d.Channel, ApplicationID: d.ApplicationID},
		deliveryInsertOpts(d.CampaignID)); err != nil {
		return "", false, fmt.Errorf("queue %s delivery: %w", d.Channel, err)
	}
	return id, true, nil
}

// DeliveryArgs asks for one delivery to be sent.
type DeliveryArgs struct {
	TenantID   string  `json:"tenant_id"`
	DeliveryID string  `json:"delivery_id"`
	Channel    Channel `json:"channel"`
	// ApplicationID, when the message is about one, lets the jobs of an
	// application be found together.
	ApplicationID string `json:"application_id,omitempty"`
}

// Kind names the job in River.
func (DeliveryArgs) Kind() string { return "delivery_send" }

// InsertOpts: one job per delivery; enough attempts to retry for a day
// with the backoff of DeliveryWorker.NextRetry (the day, not the count,
// is what ends the retries).
func (DeliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 30, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Deliverer sends deliveries through the channels' senders.
type Deliverer struct {
	pool    *pgxpool.Pool
	cfg     DelivererConfig
	limits  limiters
	catalog *locale.Catalog
}

// DelivererConfig is how deliveries are sent.
type DelivererConfig struct {
	// Senders by channel. A channel without one keeps its messages as
	// 'outbox' when Outbox is set (development: the outbox page shows
	// them), and otherwise fails them for good (the next channel is
	// tried).
	Senders map[Channel]Sender
	Outbox  bool
	// RateLimits per channel (a token bucket in this process); a channel
	// not named gets DefaultRateLimit, PerSecond 0 means unlimited.
	RateLimits map[Channel]RateLimit
	// RetryFor is how long temporary failures are retried; zero is 24 h.
	RetryFor time.Duration
	// SendingLease is how long a message may stay 'sending' before it is
	// taken for interrupted (its worker died mid-send) and sent again
	// under the same key; zero is 2 minutes. It must outlast any one
	// job's run (the job timeout).
	SendingLease time.Duration
	// PortalURL is the address of a comune's portal, for unsubscribe
	// links ("http://verdemare.localhost:8080").
	PortalURL func(slug string) string
	// Inserter queues fallbacks; nil uses the River client of the job.
	Inserter jobs.Inserter
	Logger   *slog.Logger
}

// NewDeliverer returns a Deliverer on pool; catalog words the unsubscribe
// line.
func NewDeliverer(pool *pgxpool.Pool, catalog *locale.Catalog, cfg DelivererConfig) *Deliverer {
	if cfg.RetryFor == 0 {
		cfg.RetryFor = 24 * time.Hour
	}
	if cfg.SendingLease == 0 {
		cfg.SendingLease = sendingLease
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Deliverer{pool: pool, cfg: cfg, limits: newLimiters(cfg.RateLimits), catalog: catalog}
}

// DeliveryWorker runs delivery_send jobs.
type DeliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	Deliverer *Deliverer
}

// Work sends the delivery once (see the contract at the top of this file).
func (w *DeliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	inserter := w.Deliverer.cfg.Inserter
	if inserter == nil {
		inserter = river.ClientFromContext[pgx.Tx](ctx)
	}
	last := job.JobRow != nil && job.Attempt >= job.MaxAttempts
	return w.Deliverer.send(ctx, inserter, job.Args, last)
}

// NextRetry is exponential: 30 s, 1 min, 2 min, … up to 2 hours between
// attempts, with a little jitter so that a provider's outage does not end
// in a stampede.
func (w *DeliveryWorker) NextRetry(job *river.Job[DeliveryArgs]) time.Time {
	return time.Now().Add(retryDelay(job.Attempt))
}

func retryDelay(attempt int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempt && d < 2*time.Hour; i++ {
		d *= 2
	}
	d = min(d, 2*time.Hour)
	return d + time.Duration(rand.Int64N(int64(d/10)+1))
}

// sendingLease is how long a row may stay 'sending' before a later run
// takes it for interrupted, unless DelivererConfig.SendingLease says:
// longer than any provider call.
const sendingLease = 2 * time.Minute

const deliveryColumns = `d.tenant_id::text, d.id::text, d.message_key, d.channel, coalesce(d.person_id::text, ''), d.address, d.event, d.kind,
	d.language, coalesce(d.application_id::text, ''), coalesce(d.campaign_id::text, ''), d.vars, d.subject, d.body,
	d.unsubscribe_token, d.status, d.attempts, d.last_error, d.provider_id, coalesce(d.fallback_of::text, ''),
	d.created_at, d.updated_at, d.sent_at`

func scanDelivery(row pgx.CollectableRow) (Delivery, error) {
	var d Delivery
	err := row.Scan(&d.TenantID, &d.ID, &d.MessageKey, &d.Channel, &d.PersonID, &d.Address, &d.Event, &d.Kind,
		&d.Language, &d.ApplicationID, &d.CampaignID, &d.Vars, &d.Subject, &d.Body,
		&d.UnsubscribeToken, &d.Status, &d.Attempts, &d.LastError, &d.ProviderID, &d.FallbackOf,
		&d.CreatedAt, &d.UpdatedAt, &d.SentAt)
	return d, err
}

// send is one run of a delivery's job.
func (dl *Deliverer) send(ctx context.Context, inserter jobs.Inserter, a DeliveryArgs, lastAttempt bool) error {
	var d Delivery
	var comune, slug string
	var out Outgoing
	var sender Sender
	proceed := false
	// The channel's token is taken before the row is claimed: a long wait
	// gives the worker slot back (the job is snoozed, not failed).
	sender = dl.cfg.Senders[a.Channel]
	if sender != nil {
		wait, err := dl.limits.take(ctx, a.Channel)
		if err != nil {
			return err
		}
		if wait > 0 {
			return river.JobSnooze(wait)
		}
		// The common case in one round trip: a queued (or temporarily
		// failed) message is claimed for this attempt. Anything else
		// (sending, sent, another channel, gone) takes the careful path.
		// Email and SMS are marked 'sending' at once: interrupted, they
		// are sent again under the same key (Message-ID, the SMS
		// provider's idempotency key), so their point of no return needs
		// no round trip of its own. App IO has no such key: it stays
		// queued until Outgoing.Commit. The mark may be lost with the
		// database (no WAL flush): that only sends again, under the key.
		err = db.QueryInTenantNoFlush(ctx, dl.pool, a.TenantID, func(rows pgx.Rows) error {
			for rows.Next() {
				if err := rows.Scan(&d.TenantID, &d.ID, &d.MessageKey, &d.Channel, &d.PersonID, &d.Address, &d.Event, &d.Kind,
					&d.Language, &d.ApplicationID, &d.CampaignID, &d.Vars, &d.Subject, &d.Body,
					&d.UnsubscribeToken, &d.Status, &d.Attempts, &d.LastError, &d.ProviderID, &d.FallbackOf,
					&d.CreatedAt, &d.UpdatedAt, &d.SentAt, &comune, &slug); err != nil {
					return err
				}
				proceed = true
			}
			return nil
		}, `UPDATE deliveries d SET attempts = d.attempts + 1, updated_at = now(),
				status = CASE WHEN d.channel = 'io' THEN d.status ELSE 'sending' END
			FROM tenants t
			WHERE d.tenant_id = $1 AND d.id = $2 AND d.channel = $3 AND d.status IN ('queued', 'failed_temporary') AND t.id = d.tenant_id
			RETURNING `+deliveryColumns+`, t.name, t.slug`, a.TenantID, a.DeliveryID, string(a.Channel))
		if err != nil {
			return err
		}
	}
	var err error
	if !proceed {
		err = dl.claimCarefully(ctx, inserter, a, &d, &comune, &slug, &proceed)
	}
	if errors.Is(db.Classify(err), db.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("delivery %s: gone", a.DeliveryID))
	}
	if err != nil || !proceed {
		return err
	}

	out = Outgoing{Channel: d.Channel, To: d.Address, Subject: d.Subject, Body: d.Body, Language: d.Language,
		Comune: comune, ComuneSlug: slug, Key: d.MessageKey + ":" + string(d.Channel),
		Commit: func(ctx context.Context) error {
			if d.Status == StatusSending && d.Channel != ChannelIO {
				return nil // marked when claimed (above)
			}
			return db.QueryInTenant(ctx, dl.pool, d.TenantID, nil, `UPDATE deliveries SET status = 'sending', updated_at = now()
				WHERE tenant_id = $1 AND id = $2`, d.TenantID, d.ID)
		}}
	if d.UnsubscribeToken != "" && dl.cfg.PortalURL != nil {
		out.Unsubscribe = dl.cfg.PortalURL(slug) + "/disiscrizione/" + d.UnsubscribeToken
		if dl.catalog != nil {
			out.UnsubscribeText = dl.catalog.For(d.Language).T("notify.unsubscribe")
		}
	}
	providerID, sendErr := sender.Send(ctx, out)

	// Record the outcome even if the job's context ended meanwhile, and
	// try a few times: a success not recorded would be taken for an
	// interrupted send.
	recordCtx := context.WithoutCancel(ctx)
	exhausted := lastAttempt || time.Since(d.CreatedAt) >= dl.cfg.RetryFor
	record := func(tx pgx.Tx) error {
		switch {
		case sendErr == nil:
			_, err := tx.Exec(recordCtx, `UPDATE deliveries SET status = 'sent', provider_id = $3, last_error = '',
				updated_at = now(), sent_at = now() WHERE tenant_id = $1 AND id = $2`, d.TenantID, d.ID, providerID)
			return err
		case Permanent(sendErr) || exhausted:
			return dl.fail(recordCtx, tx, inserter, d, sendErr)
		default:
			_, err := tx.Exec(recordCtx, `UPDATE deliveries SET status = 'failed_temporary', last_error = $3, updated_at = now()
				WHERE tenant_id = $1 AND id = $2`, d.TenantID, d.ID, trimError(sendErr))
			return err
		}
	}
	for i, pause := range []time.Duration{0, 200 * time.Millisecond, time.Second, 3 * time.Second} {
		time.Sleep(pause)
		if sendErr == nil { // the common case, in one round trip
			err = db.QueryInTenant(recordCtx, dl.pool, a.TenantID, nil, `UPDATE deliveries SET status = 'sent', provider_id = $3,
				last_error = '', updated_at = now(), sent_at = now() WHERE tenant_id = $1 AND id = $2`, d.TenantID, d.ID, providerID)
		} else {
			err = db.InTenant(recordCtx, dl.pool, a.TenantID, record)
		}
		if err == nil {
			break
		}
		dl.cfg.Logger.WarnContext(ctx, "delivery outcome not recorded", "delivery", d.ID, "try", i+1, "error", err)
	}
	if err != nil {
		return fmt.Errorf("delivery %s: record outcome: %w", d.ID, err)
	}
	if sendErr != nil && !Permanent(sendErr) && !exhausted {
		return fmt.Errorf("delivery %s on %s: %w", d.ID, d.Channel, sendErr)
	}
	return nil
}

// claimCarefully claims a delivery whatever its state: one sending past its
// lease is sent again (or, on App IO, failed over), one without a sender
// goes to the outbox or fails over, one sent or given up is left alone.
func (dl *Deliverer) claimCarefully(ctx context.Context, inserter jobs.Inserter, a DeliveryArgs, dp *Delivery, comune, slug *string, proceed *bool) error {
	sender := dl.cfg.Senders[a.Channel]
	return db.InTenant(ctx, dl.pool, a.TenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+deliveryColumns+`, t.name, t.slug, now()
			FROM deliveries d JOIN tenants t ON t.id = d.tenant_id
			WHERE d.tenant_id = $1 AND d.id = $2 FOR UPDATE OF d`, a.TenantID, a.DeliveryID)
		if err != nil {
			return err
		}
		var now time.Time
		d, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (Delivery, error) {
			var d Delivery
			err := row.Scan(&d.TenantID, &d.ID, &d.MessageKey, &d.Channel, &d.PersonID, &d.Address, &d.Event, &d.Kind,
				&d.Language, &d.ApplicationID, &d.CampaignID, &d.Vars, &d.Subject, &d.Body,
				&d.UnsubscribeToken, &d.Status, &d.Attempts, &d.LastError, &d.ProviderID, &d.FallbackOf,
				&d.CreatedAt, &d.UpdatedAt, &d.SentAt, comune, slug, &now)
			return d, err
		})
		if err != nil {
			return err
		}
		*dp = d
		if d.Channel != a.Channel {
			return river.JobCancel(fmt.Errorf("delivery %s: on %s, not %s", d.ID, d.Channel, a.Channel))
		}
		switch d.Status {
		case StatusQueued, StatusFailedTemporary:
		case StatusSending:
			if lease := dl.cfg.SendingLease; now.Sub(d.UpdatedAt) < lease {
				return river.JobSnooze(lease - now.Sub(d.UpdatedAt))
			}
			// Interrupted after the provider may have taken it. Email
			// and SMS are sent again under the same key (the Message-ID
			// mail stores keep one copy of; the SMS provider's
			// idempotency key); App IO has no such key, so the message
			// goes to the person's next channel instead.
			if d.Channel == ChannelIO {
				return dl.fail(ctx, tx, inserter, d, errors.New("interrupted while sending: outcome unknown, not sent again on this channel"))
			}
		default:
			return nil // sent, kept or given up before: nothing to do
		}
		if sender == nil {
			if dl.cfg.Outbox {
				_, err := tx.Exec(ctx, `UPDATE deliveries SET status = 'outbox', attempts = attempts + 1, last_error = '',
					updated_at = now(), sent_at = now() WHERE tenant_id = $1 AND id = $2`, d.TenantID, d.ID)
				return err
			}
			return dl.fail(ctx, tx, inserter, d, ErrChannelOff)
		}
		// The row stays as it is until the send's point of no return
		// (Outgoing.Commit): a crash before it leaves a message certainly
		// not sent, which the job's next run sends. (The fast claim in
		// send marks email and SMS 'sending' at once.)
		if _, err := tx.Exec(ctx, `UPDATE deliveries SET attempts = attempts + 1, updated_at = now()
			WHERE tenant_id = $1 AND id = $2`, d.TenantID, d.ID); err != nil {
			return err
		}
		*proceed = true
		return nil
	})
}

func trimError(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

// fail marks d failed for good and queues its message on the next channel
// the person allows, in tx.
func (dl *Deliverer) fail(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, d Delivery, cause error) error {
	if _, err := tx.Exec(ctx, `UPDATE deliveries SET status = 'failed_permanent', last_error = $3, updated_at = now()
		WHERE tenant_id = $1 AND id = $2`, d.TenantID, d.ID, trimError(cause)); err != nil {
		return err
	}
	return fallback(ctx, tx, inserter, d)
}

// fallback queues d's message on the channel after d's in the person's
// current choice (Reach.Channels) that was not tried for it yet.
func fallback(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, d Delivery) error {
	if d.PersonID == "" || d.Kind == kindDirect {
		return nil
	}
	r, err := ReachOf(ctx, tx, d.TenantID, d.PersonID, d.Kind)
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT channel FROM deliveries WHERE tenant_id = $1 AND message_key = $2`, d.TenantID, d.MessageKey)
	if err != nil {
		return err
	}
	tried, err := pgx.CollectRows(rows, pgx.RowTo[Channel])
	if err != nil {
		return err
	}
	candidates := r.Channels
	if i := slices.Index(candidates, d.Channel); i >= 0 {
		candidates = candidates[i+1:]
	}
	for _, c := range candidates {
		if slices.Contains(tried, c) {
			continue
		}
		var fiscalCode string
		if err := tx.QueryRow(ctx, `SELECT fiscal_code FROM people WHERE tenant_id = $1 AND id = $2`, d.TenantID, d.PersonID).Scan(&fiscalCode); err != nil {
			return err
		}
		next := d
		next.ID, next.FallbackOf, next.Status, next.Attempts, next.LastError = "", d.ID, StatusQueued, 0, ""
		return queueOn(ctx, tx, inserter, next, c, r, fiscalCode)
	}
	return nil
}

// ApplicationDeliveries lists the messages sent about an application on
// every channel but the inbox, oldest first. tx is a tenant transaction.
func ApplicationDeliveries(ctx context.Context, tx pgx.Tx, tenantID, applicationID string) ([]Delivery, error) {
	rows, err := tx.Query(ctx, `SELECT `+deliveryColumns+` FROM deliveries d
		WHERE d.tenant_id = $1 AND d.application_id = $2 ORDER BY d.created_at, d.id`, tenantID, applicationID)
	if err != nil {
		return nil, fmt.Errorf("deliveries of %s: %w", applicationID, err)
	}
	return pgx.CollectRows(rows, scanDelivery)
}

// Outbox lists a comune's messages kept unsent (no provider configured),
// newest first: the development outbox page.
func Outbox(ctx context.Context, pool *pgxpool.Pool, tenantID string, limit int) ([]Delivery, error) {
	var out []Delivery
	err := db.InTenant(ctx, pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+deliveryColumns+` FROM deliveries d
			WHERE d.tenant_id = $1 AND d.status = 'outbox' ORDER BY d.created_at DESC, d.id LIMIT $2`, tenantID, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanDelivery)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", db.Classify(err))
	}
	return out, nil
}
