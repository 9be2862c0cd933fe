package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/jobs"
)

// NotifyMany is Notify for many people at once (a campaign's batch): the
// same rules, in a handful of statements whatever the number of people —
// one to read how to reach them all, one for the inbox messages, one for
// the deliveries, one for their jobs. Every notification must name a
// person (PersonID) and share one tenant, kind and event.
func NotifyMany(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, ms []Notification) error {
	if len(ms) == 0 {
		return nil
	}
	first := ms[0]
	if !first.Event.Known() {
		return fmt.Errorf("notify: %w", &TemplateError{Code: "event_unknown", Field: "event", Detail: string(first.Event)})
	}
	persons := make([]string, len(ms))
	for i, m := range ms {
		if m.TenantID != first.TenantID || m.Kind != first.Kind || m.Event != first.Event || m.PersonID == "" || m.IdempotencyKey == "" {
			return errors.New("notify many: one tenant, kind and event; a person and a key each")
		}
		persons[i] = m.PersonID
	}
	reaches, err := reachMany(ctx, tx, first.TenantID, persons, first.Kind)
	if err != nil {
		return fmt.Errorf("notify many: %w", err)
	}
	rd := renderer{tx: tx, tenantID: first.TenantID, event: first.Event, cache: map[renderKey]Template{}}

	// the inbox, always
	var inbox struct{ person, key, subject, body, application []string }
	var ds []Delivery
	for _, m := range ms {
		r := reaches[m.PersonID]
		if r == nil {
			return fmt.Errorf("notify many: no such person %s", m.PersonID)
		}
		if m.Vars.Name == "" {
			m.Vars.Name = r.given
		}
		lang := templateLanguage(r.Language)
		if m.Language != "" {
			lang = templateLanguage(m.Language)
		}
		subject, body, err := rd.render(ctx, ChannelInbox, lang, m.Vars)
		if err != nil {
			return fmt.Errorf("notify many: %w", err)
		}
		inbox.person = append(inbox.person, m.PersonID)
		inbox.key = append(inbox.key, m.IdempotencyKey)
		inbox.subject = append(inbox.subject, subject)
		inbox.body = append(inbox.body, body)
		inbox.application = append(inbox.application, m.ApplicationID)
		if len(r.Channels) == 0 {
			continue
		}
		d := Delivery{TenantID: m.TenantID, MessageKey: m.IdempotencyKey, PersonID: m.PersonID, Event: m.Event, Kind: m.Kind,
			Language: lang, ApplicationID: m.ApplicationID, CampaignID: m.CampaignID, Vars: m.Vars, Channel: r.Channels[0]}
		if m.Kind == KindNews {
			d.UnsubscribeToken = r.UnsubscribeToken
		}
		switch d.Channel {
		case ChannelEmail:
			d.Address = r.Email
		case ChannelSMS:
			d.Address = r.Phone
		case ChannelIO:
			d.Address = r.fiscalCode
		}
		if d.Subject, d.Body, err = rd.render(ctx, d.Channel, lang, d.Vars); err != nil {
			return fmt.Errorf("notify many: %w", err)
		}
		ds = append(ds, d)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO inbox_messages (tenant_id, person_id, dedup_key, subject, body, application_id)
		SELECT $1, m.person, m.key, m.subject, m.body, nullif(m.application, '')::uuid
		FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[]) AS m(person, key, subject, body, application)
		ON CONFLICT (tenant_id, person_id, dedup_key) DO NOTHING`,
		first.TenantID, inbox.person, inbox.key, inbox.subject, inbox.body, inbox.application); err != nil {
		return fmt.Errorf("notify many: inbox: %w", err)
	}
	return insertDeliveries(ctx, tx, inserter, ds)
}

// insertDeliveries is insertDelivery for many: one statement for the rows
// (those already queued are left alone), one for the jobs of the new ones.
func insertDeliveries(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `INSERT INTO deliveries (tenant_id, message_key, channel, person_id, address, event, kind, language,
			application_id, campaign_id, vars, subject, body, unsubscribe_token)
		SELECT d.tenant_id, d.message_key, d.channel, nullif(d.person_id, '')::uuid, d.address, d.event, d.kind, d.language,
			nullif(d.application_id, '')::uuid, nullif(d.campaign_id, '')::uuid, d.vars, d.subject, d.body, d.unsubscribe_token
		FROM jsonb_to_recordset($1::jsonb) AS d(tenant_id uuid, message_key text, channel text, person_id text, address text,
			event text, kind text, language text, application_id text, campaign_id text, vars jsonb, subject text, body text,
			unsubscribe_token text)
		ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
		RETURNING id::text, channel, coalesce(application_id::text, ''), coalesce(campaign_id::text, '')`, deliveryRecords(ds))
	if err != nil {
		return fmt.Errorf("queue deliveries: %w", err)
	}
	var params []river.InsertManyParams
	var id, channel, application, campaign string
	_, err = pgx.ForEachRow(rows, []any{&id, &channel, &application, &campaign}, func() error {
		a := DeliveryArgs{TenantID: ds[0].TenantID, DeliveryID: id, Channel: Channel(channel), ApplicationID: application}
		params = append(params, river.InsertManyParams{Args: a, InsertOpts: deliveryInsertOpts(campaign)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue deliveries: %w", err)
	}
	if len(params) == 0 {
		return nil
	}
	if _, err := inserter.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("queue deliveries: %w", err)
	}
	return nil
}

// deliveryRecords is ds as the JSON array jsonb_to_recordset reads.
func deliveryRecords(ds []Delivery) []map[string]any {
	out := make([]map[string]any, len(ds))
	for i, d := range ds {
		lang := d.Language
		if lang == "" {
			lang = "it"
		}
		out[i] = map[string]any{
			"tenant_id": d.TenantID, "message_key": d.MessageKey, "channel": string(d.Channel), "person_id": d.PersonID,
			"address": d.Address, "event": string(d.Event), "kind": string(d.Kind), "language": lang,
			"application_id": d.ApplicationID, "campaign_id": d.CampaignID, "vars": d.Vars, "subject": d.Subject,
			"body": d.Body, "unsubscribe_token": d.UnsubscribeToken,
		}
	}
	return out
}

// campaignPriority puts a campaign's messages behind the ones about a
// person's own business (River runs priority 1 first): a campaign to
// 100,000 people does not delay the mail saying an application was
// accepted.
const campaignPriority = 3

// deliveryInsertOpts are the job options of a delivery of campaign ("" none).
func deliveryInsertOpts(campaign string) *river.InsertOpts {
	if campaign == "" {
		return nil
	}
	return &river.InsertOpts{Priority: campaignPriority}
}

// manyReach is Reach plus what NotifyMany needs of the person.
type manyReach struct {
	Reach
	given, fiscalCode string
}

// reachMany reads how to reach many people with messages of kind k, in
// one query; people not found are missing from the map.
func reachMany(ctx context.Context, tx pgx.Tx, tenantID string, persons []string, k Kind) (map[string]*manyReach, error) {
	rows, err := tx.Query(ctx, `SELECT p.id::text, p.given_name, p.fiscal_code, coalesce(nullif(c.language, ''), p.language),
			CASE WHEN c.email_verified_at IS NOT NULL AND c.email <> '' THEN c.email ELSE p.email END,
			CASE WHEN c.phone_verified_at IS NOT NULL THEN c.phone ELSE '' END,
			coalesce(c.io_status = 'available', false),
			coalesce(c.unsubscribe_token, ''),
			pr.channels IS NOT NULL, coalesce(pr.channels, '{}')
		FROM people p
		LEFT JOIN contact_profiles c ON c.tenant_id = p.tenant_id AND c.person_id = p.id
		LEFT JOIN contact_preferences pr ON pr.tenant_id = p.tenant_id AND pr.person_id = p.id AND pr.kind = $3
		WHERE p.tenant_id = $1 AND p.id = ANY($2::uuid[])`, tenantID, persons, string(k))
	if err != nil {
		return nil, fmt.Errorf("reach: %w", err)
	}
	out := make(map[string]*manyReach, len(persons))
	var id string
	var chosen []string
	var haveChoice bool
	r := &manyReach{}
	_, err = pgx.ForEachRow(rows, []any{&id, &r.given, &r.fiscalCode, &r.Language, &r.Email, &r.Phone, &r.IO, &r.UnsubscribeToken,
		&haveChoice, &chosen}, func() error {
		channels := DefaultChannels(k)
		if haveChoice {
			channels = channels[:0:0]
			for _, c := range chosen {
				channels = append(channels, Channel(c))
			}
		}
		got := *r
		got.Channels = nil
		for _, c := range channels {
			if got.Usable(c) && !slices.Contains(got.Channels, c) {
				got.Channels = append(got.Channels, c)
			}
		}
		out[id] = &got
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reach: %w", err)
	}
	return out, nil
}

// renderer renders one event's templates for many people, reading and
// parsing each (channel, language) template once.
type renderer struct {
	tx       pgx.Tx
	tenantID string
	event    Event
	cache    map[renderKey]Template
}

type renderKey struct {
	channel Channel
	lang    string
}

func (rd *renderer) render(ctx context.Context, c Channel, lang string, v Vars) (string, string, error) {
	k := renderKey{c, lang}
	t, ok := rd.cache[k]
	if !ok {
		var err error
		if t, err = TemplateFor(ctx, rd.tx, rd.tenantID, rd.event, c, lang); err != nil {
			return "", "", err
		}
		rd.cache[k] = t
	}
	// Render parses each time; the parse is cheap next to the database
	// round trips NotifyMany saves, and keeping one code path keeps the
	// cutting rules (SMS segments, IO lengths) in one place.
	subject, body, err := Render(t, v)
	if err != nil && t.Custom {
		d, derr := DefaultTemplate(rd.event, c, lang)
		if derr != nil {
			return "", "", derr
		}
		subject, body, err = Render(d, v)
	}
	return subject, body, err
}
