package notify

import (
	"context"
	"encoding/json"
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
	rd := renderer{tx: tx, tenantID: first.TenantID, event: first.Event, cache: map[renderKey]*renderPair{}}

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

// insertDeliveries is insertDelivery for many of one tenant: one statement for the rows
// (those already queued are left alone), one for the jobs of the new ones.
func insertDeliveries(ctx context.Context, tx pgx.Tx, inserter jobs.Inserter, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	// one array per column: unnest reads them side by side
	cols := struct {
		key, channel, person, address, event, kind, lang, application, campaign, vars, subject, body, unsubscribe []string
	}{}
	for _, d := range ds {
		lang := d.Language
		if lang == "" {
			lang = "it"
		}
		vars, err := json.Marshal(d.Vars)
		if err != nil {
			return fmt.Errorf("queue deliveries: %w", err)
		}
		cols.key = append(cols.key, d.MessageKey)
		cols.channel = append(cols.channel, string(d.Channel))
		cols.person = append(cols.person, d.PersonID)
		cols.address = append(cols.address, d.Address)
		cols.event = append(cols.event, string(d.Event))
		cols.kind = append(cols.kind, string(d.Kind))
		cols.lang = append(cols.lang, lang)
		cols.application = append(cols.application, d.ApplicationID)
		cols.campaign = append(cols.campaign, d.CampaignID)
		cols.vars = append(cols.vars, string(vars))
		cols.subject = append(cols.subject, d.Subject)
		cols.body = append(cols.body, d.Body)
		cols.unsubscribe = append(cols.unsubscribe, d.UnsubscribeToken)
	}
	rows, err := tx.Query(ctx, `INSERT INTO deliveries (tenant_id, message_key, channel, person_id, address, event, kind, language,
			application_id, campaign_id, vars, subject, body, unsubscribe_token)
		SELECT $1, d.key, d.channel, nullif(d.person, '')::uuid, d.address, d.event, d.kind, d.lang,
			nullif(d.application, '')::uuid, nullif(d.campaign, '')::uuid, d.vars::jsonb, d.subject, d.body, d.unsubscribe
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
			$11::text[], $12::text[], $13::text[], $14::text[])
			AS d(key, channel, person, address, event, kind, lang, application, campaign, vars, subject, body, unsubscribe)
		ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
		RETURNING id::text, channel, coalesce(application_id::text, ''), coalesce(campaign_id::text, '')`,
		ds[0].TenantID, cols.key, cols.channel, cols.person, cols.address, cols.event, cols.kind, cols.lang, cols.application,
		cols.campaign, cols.vars, cols.subject, cols.body, cols.unsubscribe)
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

// renderer renders one event's templates for many people, reading,
// parsing and checking each (channel, language) template once.
type renderer struct {
	tx       pgx.Tx
	tenantID string
	event    Event
	cache    map[renderKey]*renderPair
}

type renderKey struct {
	channel Channel
	lang    string
}

// renderPair is the template to use and, for a comune's own, the default
// to fall back on when the comune's cannot be rendered (as renderFor).
type renderPair struct {
	t, fallback *compiled
	err         error // t's, when it does not compile
}

func (rd *renderer) render(ctx context.Context, c Channel, lang string, v Vars) (string, string, error) {
	k := renderKey{c, lang}
	p, ok := rd.cache[k]
	if !ok {
		p = &renderPair{}
		t, err := TemplateFor(ctx, rd.tx, rd.tenantID, rd.event, c, lang)
		if err != nil {
			return "", "", err
		}
		if ct, err := compile(t); err == nil {
			p.t = &ct
		} else {
			p.err = err
		}
		if t.Custom {
			d, err := DefaultTemplate(rd.event, c, lang)
			if err != nil {
				return "", "", err
			}
			cd, err := compile(d)
			if err != nil {
				return "", "", err
			}
			p.fallback = &cd
		}
		rd.cache[k] = p
	}
	var subject, body string
	err := p.err
	if p.t != nil {
		subject, body, err = p.t.render(v)
	}
	if err != nil && p.fallback != nil {
		return p.fallback.render(v)
	}
	return subject, body, err
}
