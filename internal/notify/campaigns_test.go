package notify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/notify"
)

// campaignFixture is the delivery fixture with people who can be reached
// in different ways, a topic some of them follow and a service some
// applied for, and campaigns whose notifications are counted per recipient.
type campaignFixture struct {
	deliveryFixture
	topic, service string
	people         map[string]string // name → person id
	mu             sync.Mutex
	calls          map[string]int // person id → times in a NotifyMany batch
	campaigns      *notify.Campaigns
}

func setupCampaigns(t *testing.T, batch, lanes int) *campaignFixture {
	t.Helper()
	f := &campaignFixture{deliveryFixture: setupDelivery(t), people: map[string]string{}, calls: map[string]int{}}
	ctx := context.Background()
	f.people["mario"] = f.mario
	err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT slug FROM topics WHERE tenant_id = $1 ORDER BY position LIMIT 1`, f.tenant).Scan(&f.topic); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT slug FROM services WHERE tenant_id = $1 ORDER BY slug LIMIT 1`, f.tenant).Scan(&f.service); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO form_versions (tenant_id, service_slug, version, definition, digest)
			VALUES ($1, $2, 1, '{}', repeat('a', 64))`, f.tenant, f.service)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.campaigns = notify.NewCampaigns(f.pool, f.jobs, notify.CampaignConfig{BatchSize: batch, Lanes: lanes,
		PortalURL: func(slug string) string { return "https://" + slug + ".example.it" },
		NotifyMany: func(ctx context.Context, tx pgx.Tx, ins jobs.Inserter, ns []notify.Notification) error {
			f.mu.Lock()
			for _, n := range ns {
				f.calls[n.PersonID]++
			}
			f.mu.Unlock()
			return notify.NotifyMany(ctx, tx, ins, ns)
		}})
	return f
}

// person adds a citizen of tenant: an email from the identity provider,
// optionally a verified phone and App IO, the channels chosen for news,
// the topic followed, and an application (status "" for none).
type personSpec struct {
	name, email, phone string
	io                 bool
	news               []string
	follows            bool
	application        string // "", "draft", "submitted"
	lang               string
}

var refSeq int

func (f *campaignFixture) person(t *testing.T, tenantID string, p personSpec) string {
	t.Helper()
	ctx := context.Background()
	var id string
	err := db.InTenant(ctx, f.pool, tenantID, func(tx pgx.Tx) error {
		cf := strings.ToUpper(fmt.Sprintf("%-6s", p.name))[:6]
		cf = strings.ReplaceAll(cf, " ", "X") + fmt.Sprintf("%010d", len(f.people)+1000*len(tenantID))
		if err := tx.QueryRow(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name, email)
			VALUES ($1, $2, $3, 'Test', $4) RETURNING id::text`, tenantID, cf[:16], p.name, p.email).Scan(&id); err != nil {
			return err
		}
		lang := p.lang
		if lang == "" {
			lang = "it"
		}
		ioStatus := "unknown"
		if p.io {
			ioStatus = "available"
		}
		if _, err := tx.Exec(ctx, `INSERT INTO contact_profiles (tenant_id, person_id, phone, phone_verified_at, io_status, language)
			VALUES ($1, $2, $3, CASE WHEN $3 <> '' THEN now() END, $4, $5)`, tenantID, id, p.phone, ioStatus, lang); err != nil {
			return err
		}
		if p.news != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO contact_preferences (tenant_id, person_id, kind, channels) VALUES ($1, $2, 'news', $3)`,
				tenantID, id, p.news); err != nil {
				return err
			}
		}
		if p.follows {
			if _, err := tx.Exec(ctx, `INSERT INTO topic_follows (tenant_id, person_id, topic_slug) VALUES ($1, $2, $3)`, tenantID, id, f.topic); err != nil {
				return err
			}
		}
		if p.application != "" {
			refSeq++
			ref := fmt.Sprintf("PR-CAMP%04d", refSeq)
			ref = strings.NewReplacer("0", "Z", "1", "Y").Replace(ref)
			if _, err := tx.Exec(ctx, `INSERT INTO applications (tenant_id, reference, service_slug, form_version, person_id, status, office_slug, submitted_at)
				VALUES ($1, $2, $3, 1, $4, $5, 'anagrafe', CASE WHEN $5 <> 'draft' THEN now() END)`,
				tenantID, ref, f.service, id, p.application); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("person %s: %v", p.name, err)
	}
	f.people[p.name] = id
	return id
}

// appointment books person ("" a guest) at start (RFC 3339) for 30
// minutes on the comune's test desk, with status.
func (f *campaignFixture) appointment(t *testing.T, tenantID, person, start, status string) {
	t.Helper()
	ctx := context.Background()
	at, err := time.Parse(time.RFC3339, start)
	if err != nil {
		t.Fatal(err)
	}
	refSeq++
	ref := "APP-" + strings.NewReplacer("0", "Z", "1", "Y").Replace(fmt.Sprintf("CAMP%04d", refSeq))
	err = db.InTenant(ctx, f.pool, tenantID, func(tx pgx.Tx) error {
		var desk string
		err := tx.QueryRow(ctx, `INSERT INTO desks (tenant_id, slug, office, name, modes, hours, slot_minutes, feed_token)
			VALUES ($1, 'test', 'anagrafe', 'Test', '{in_person}', '[[],[],[],[],[],[],[]]', 30, md5(random()::text))
			ON CONFLICT (tenant_id, slug) DO UPDATE SET name = excluded.name RETURNING id::text`, tenantID).Scan(&desk)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO appointments (tenant_id, reference, desk_id, seat, during, mode, status, person_id, email)
			VALUES ($1, $2, $3, 1, tstzrange($4::timestamptz, $4::timestamptz + interval '30 minutes'), 'in_person', $5, nullif($6, '')::uuid, 'guest@example.it')`,
			tenantID, ref, desk, at, status, person)
		return err
	})
	if err != nil {
		t.Fatalf("appointment at %s: %v", start, err)
	}
}

// population: Mario (no choice for news: inbox only), Anna (follows, news
// by email), Bruno (follows, news by IO then email), Carla (applied, news
// by SMS), Dario (news by SMS but no phone: inbox only; a draft only),
// and Ester in Roccasole (follows a topic of the same name there).
func (f *campaignFixture) population(t *testing.T) {
	f.person(t, f.tenant, personSpec{name: "anna", email: "anna@example.it", news: []string{"email"}, follows: true})
	f.person(t, f.tenant, personSpec{name: "bruno", email: "bruno@example.it", io: true, news: []string{"io", "email"}, follows: true, lang: "en"})
	f.person(t, f.tenant, personSpec{name: "carla", phone: "+393330000001", news: []string{"sms"}, application: "submitted"})
	f.person(t, f.tenant, personSpec{name: "dario", news: []string{"sms"}, application: "draft"})
	f.person(t, f.other, personSpec{name: "ester", email: "ester@example.it", news: []string{"email"}})
}

func (f *campaignFixture) text(seg notify.Segment) notify.CampaignText {
	return notify.CampaignText{Title: "Chiusura uffici", SubjectIT: "Uffici chiusi venerdì 18 dicembre",
		BodyIT:    "Venerdì 18 dicembre gli uffici comunali restano chiusi.\n\nI servizi online restano disponibili.",
		SubjectEN: "Offices closed on Friday 18 December", BodyEN: "On Friday 18 December the offices are closed.", Segment: seg}
}

func (f *campaignFixture) create(t *testing.T, seg notify.Segment) string {
	t.Helper()
	id, err := f.campaigns.Create(context.Background(), f.tenant, "Sara Greco", f.text(seg))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// started creates a campaign, schedules it now and runs its start job.
func (f *campaignFixture) started(t *testing.T, seg notify.Segment) string {
	t.Helper()
	ctx := context.Background()
	id := f.create(t, seg)
	if err := f.campaigns.Schedule(ctx, f.tenant, id, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := f.campaigns.Start(ctx, notify.CampaignStartArgs{TenantID: f.tenant, CampaignID: id}); err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *campaignFixture) batch(t *testing.T, id string) int {
	t.Helper()
	n, err := f.campaigns.RunBatch(context.Background(), notify.CampaignBatchArgs{TenantID: f.tenant, CampaignID: id, Lane: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *campaignFixture) get(t *testing.T, id string) notify.Campaign {
	t.Helper()
	c, err := f.campaigns.Get(context.Background(), f.tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCampaignReach_SegmentsCountByTheFirstNewsChannel(t *testing.T) {
	t.Parallel()
	f := setupCampaigns(t, 500, 1)
	f.population(t)
	ctx := context.Background()
	for _, tc := range []struct {
		seg  notify.Segment
		want notify.SegmentReach
	}{
		{notify.Segment{Kind: notify.SegmentTopic, Param: f.topic}, notify.SegmentReach{People: 2, Email: 1, IO: 1}},
		{notify.Segment{Kind: notify.SegmentAll}, notify.SegmentReach{People: 5, Email: 1, SMS: 1, IO: 1}},
		{notify.Segment{Kind: notify.SegmentService, Param: f.service}, notify.SegmentReach{People: 1, SMS: 1}},
		{notify.Segment{Kind: notify.SegmentTopic, Param: "nobody-follows-this"}, notify.SegmentReach{}},
	} {
		got, err := f.campaigns.Reach(ctx, f.tenant, tc.seg)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("reach of %v: %+v, want %+v", tc.seg, got, tc.want)
		}
	}
	// Appointments on 24 December, a civil day in Rome: Anna at 9:00 and
	// Carla at 23:30 count; Bruno's is cancelled, Dario's is at 0:30 on
	// the 25th, a guest has no profile, Ester is another comune's.
	f.appointment(t, f.tenant, f.people["anna"], "2026-12-24T09:00:00+01:00", "booked")
	f.appointment(t, f.tenant, f.people["carla"], "2026-12-24T23:30:00+01:00", "done")
	f.appointment(t, f.tenant, f.people["bruno"], "2026-12-24T10:00:00+01:00", "cancelled")
	f.appointment(t, f.tenant, f.people["dario"], "2026-12-25T00:30:00+01:00", "booked")
	f.appointment(t, f.tenant, "", "2026-12-24T11:00:00+01:00", "booked")
	f.appointment(t, f.other, f.people["ester"], "2026-12-24T09:00:00+01:00", "booked")
	got, err := f.campaigns.Reach(ctx, f.tenant, notify.Segment{Kind: notify.SegmentAppointments, Param: "2026-12-24"})
	if want := (notify.SegmentReach{People: 2, Email: 1, SMS: 1}); err != nil || got != want {
		t.Errorf("reach of the appointments of 24 December: %+v (%v), want %+v", got, err, want)
	}

	// The counts are ReachOf's: each person's first news channel.
	err = db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		byChannel := map[notify.Channel]int{}
		for _, id := range f.people {
			if id == f.people["ester"] {
				continue
			}
			r, err := notify.ReachOf(ctx, tx, f.tenant, id, notify.KindNews)
			if err != nil {
				return err
			}
			if len(r.Channels) > 0 {
				byChannel[r.Channels[0]]++
			}
		}
		want := notify.SegmentReach{People: 5, Email: byChannel[notify.ChannelEmail], SMS: byChannel[notify.ChannelSMS], IO: byChannel[notify.ChannelIO]}
		got, err := f.campaigns.Reach(ctx, f.tenant, notify.Segment{Kind: notify.SegmentAll})
		if err != nil {
			return err
		}
		if got != want {
			t.Errorf("reach of everyone %+v, but ReachOf says %+v", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCampaign_SnapshotsTheSegmentAndNotifiesEachOnceWithTheUnsubscribeToken(t *testing.T) {
	t.Parallel()
	f := setupCampaigns(t, 500, 2)
	f.population(t)
	ctx := context.Background()
	id := f.started(t, notify.Segment{Kind: notify.SegmentTopic, Param: f.topic})
	c := f.get(t, id)
	if c.Status != notify.CampaignRunning || c.Recipients != 2 {
		t.Fatalf("after start: %s with %d recipients, want running with 2", c.Status, c.Recipients)
	}
	var lanes int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'campaign_batch' AND args->>'campaign_id' = $1`, id).Scan(&lanes); err != nil {
		t.Fatal(err)
	}
	if lanes != 2 {
		t.Errorf("%d batch jobs queued, want 2 lanes", lanes)
	}
	if n := f.batch(t, id); n != 2 {
		t.Fatalf("the batch notified %d, want 2", n)
	}
	if n := f.batch(t, id); n != 0 {
		t.Fatalf("a batch run again notified %d, want 0", n)
	}
	if c := f.get(t, id); c.Status != notify.CampaignDone || c.Sent != 2 {
		t.Errorf("after the batches: %s, %d sent; want done, 2", c.Status, c.Sent)
	}
	for name, want := range map[string]int{"anna": 1, "bruno": 1, "mario": 0, "carla": 0} {
		if got := f.calls[f.people[name]]; got != want {
			t.Errorf("%s notified %d times, want %d", name, got, want)
		}
	}

	// Anna's email carries her unsubscribe token, in Italian; Bruno's App
	// IO message is in English; both have the message in the inbox.
	err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		for _, tc := range []struct {
			who, channel, subject string
		}{{"anna", "email", "Uffici chiusi venerdì 18 dicembre"}, {"bruno", "io", "Offices closed on Friday 18 December"}} {
			var channel, subject, kind, token, want string
			if err := tx.QueryRow(ctx, `SELECT d.channel, d.subject, d.kind, d.unsubscribe_token, c.unsubscribe_token
				FROM deliveries d JOIN contact_profiles c ON c.tenant_id = d.tenant_id AND c.person_id = d.person_id
				WHERE d.tenant_id = $1 AND d.campaign_id = $2 AND d.person_id = $3`, f.tenant, id, f.people[tc.who]).
				Scan(&channel, &subject, &kind, &token, &want); err != nil {
				return fmt.Errorf("%s's delivery: %w", tc.who, err)
			}
			if channel != tc.channel || subject != tc.subject || kind != "news" || token == "" || token != want {
				t.Errorf("%s: %s %q kind %s token %q (profile %q)", tc.who, channel, subject, kind, token, want)
			}
			var inbox int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM inbox_messages WHERE tenant_id = $1 AND person_id = $2 AND dedup_key = $3`,
				f.tenant, f.people[tc.who], "campaign:"+id+":"+f.people[tc.who]).Scan(&inbox); err != nil {
				return err
			}
			if inbox != 1 {
				t.Errorf("%s has %d inbox messages of the campaign, want 1", tc.who, inbox)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Sent through SMTP, the mail has List-Unsubscribe and the link.
	w := f.deliverer(notify.DelivererConfig{})
	var d notify.Delivery
	if err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text, channel FROM deliveries WHERE tenant_id = $1 AND campaign_id = $2 AND channel = 'email'`,
			f.tenant, id).Scan(&d.ID, &d.Channel)
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.work(w, d, 1); err != nil {
		t.Fatal(err)
	}
	mails := f.smtp.Mails("anna@example.it")
	if len(mails) != 1 {
		t.Fatalf("%d mails to Anna, want 1", len(mails))
	}
	m := parseMail(t, mails[0].Data)
	if lu := m.Header.Get("List-Unsubscribe"); !strings.Contains(lu, "https://verdemare.example.it/disiscrizione/") ||
		!strings.Contains(m.Text, "/disiscrizione/") || !strings.Contains(m.Text, "I servizi online restano disponibili.") {
		t.Errorf("campaign mail without its unsubscribe link or body: List-Unsubscribe %q\n%s", lu, m.Text)
	}

	// The progress counts the email as sent.
	p, err := f.campaigns.Progress(ctx, f.tenant, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, cc := range p.Channels {
		want := map[notify.Channel]notify.ChannelCount{notify.ChannelEmail: {Sent: 1}, notify.ChannelIO: {Pending: 1}}[cc.Channel]
		want.Channel = cc.Channel
		if cc != want {
			t.Errorf("progress on %s: %+v, want %+v", cc.Channel, cc, want)
		}
	}

}

func TestCampaign_ConcurrentAndRepeatedBatchesNotifyEachRecipientOnce(t *testing.T) {
	t.Parallel()
	f := setupCampaigns(t, 3, 4)
	for i := range 20 {
		f.person(t, f.tenant, personSpec{name: fmt.Sprintf("p%02d", i), email: fmt.Sprintf("p%02d@example.it", i), news: []string{"email"}})
	}
	id := f.started(t, notify.Segment{Kind: notify.SegmentAll})
	if c := f.get(t, id); c.Recipients != 21 {
		t.Fatalf("%d recipients, want 21", c.Recipients)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for lane := range 8 { // more lanes than configured: duplicates of a job
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := f.campaigns.RunBatch(context.Background(), notify.CampaignBatchArgs{TenantID: f.tenant, CampaignID: id, Lane: lane%4 + 1})
				if err != nil {
					errs <- err
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Run once more, as a retried job would.
	if n := f.batch(t, id); n != 0 {
		t.Errorf("a repeated batch notified %d", n)
	}
	if len(f.calls) != 21 {
		t.Errorf("%d people notified, want 21", len(f.calls))
	}
	for person, n := range f.calls {
		if n != 1 {
			t.Errorf("person %s notified %d times", person, n)
		}
	}
	if c := f.get(t, id); c.Status != notify.CampaignDone || c.Sent != 21 {
		t.Errorf("campaign %s with %d sent, want done with 21", c.Status, c.Sent)
	}
	var deliveries int
	if err := db.InTenant(context.Background(), f.pool, f.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM deliveries WHERE tenant_id = $1 AND campaign_id = $2`, f.tenant, id).Scan(&deliveries)
	}); err != nil {
		t.Fatal(err)
	}
	if deliveries != 20 { // Mario chose no channel for news
		t.Errorf("%d deliveries, want 20", deliveries)
	}
}

func TestCampaign_PauseResumeCancel(t *testing.T) {
	t.Parallel()
	f := setupCampaigns(t, 2, 1)
	for i := range 6 {
		f.person(t, f.tenant, personSpec{name: fmt.Sprintf("q%02d", i)})
	}
	ctx := context.Background()
	id := f.started(t, notify.Segment{Kind: notify.SegmentAll}) // 7 people
	if err := f.campaigns.Update(ctx, f.tenant, id, f.text(notify.Segment{Kind: notify.SegmentAll})); !errors.Is(err, notify.ErrCampaignState) {
		t.Errorf("editing a running campaign: %v, want ErrCampaignState", err)
	}
	if n := f.batch(t, id); n != 2 {
		t.Fatalf("first batch: %d", n)
	}
	if err := f.campaigns.Pause(ctx, f.tenant, id); err != nil {
		t.Fatal(err)
	}
	if err := f.campaigns.Pause(ctx, f.tenant, id); !errors.Is(err, notify.ErrCampaignState) {
		t.Errorf("pausing twice: %v", err)
	}
	if n := f.batch(t, id); n != 0 {
		t.Errorf("a paused campaign's batch notified %d", n)
	}
	if c := f.get(t, id); c.Status != notify.CampaignPaused || c.Sent != 2 {
		t.Errorf("paused: %s, %d sent", c.Status, c.Sent)
	}
	countLanes := func() int {
		var n int
		if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'campaign_batch' AND args->>'campaign_id' = $1`, id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := countLanes()
	if err := f.campaigns.Resume(ctx, f.tenant, id); err != nil {
		t.Fatal(err)
	}
	if after := countLanes(); after != before+1 {
		t.Errorf("resuming queued %d batch jobs, want 1", after-before)
	}
	if n := f.batch(t, id); n != 2 {
		t.Errorf("after resuming: %d", n)
	}
	if err := f.campaigns.Cancel(ctx, f.tenant, id); err != nil {
		t.Fatal(err)
	}
	if n := f.batch(t, id); n != 0 {
		t.Errorf("a cancelled campaign's batch notified %d", n)
	}
	if err := f.campaigns.Resume(ctx, f.tenant, id); !errors.Is(err, notify.ErrCampaignState) {
		t.Errorf("resuming a cancelled campaign: %v", err)
	}
	if c := f.get(t, id); c.Status != notify.CampaignCancelled || c.Sent != 4 || c.FinishedAt == nil {
		t.Errorf("cancelled: %s, %d sent, finished %v", c.Status, c.Sent, c.FinishedAt)
	}

	// A campaign scheduled later waits for its time: its start job, run
	// early, snoozes; cancelled meanwhile, it never starts.
	later := f.create(t, notify.Segment{Kind: notify.SegmentAll})
	if err := f.campaigns.Schedule(ctx, f.tenant, later, time.Now().Add(-2*time.Hour)); err == nil {
		t.Error("scheduled in the past")
	}
	if err := f.campaigns.Schedule(ctx, f.tenant, later, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var at time.Time
	if err := f.pool.QueryRow(ctx, `SELECT scheduled_at FROM river_job WHERE kind = 'campaign_start' AND args->>'campaign_id' = $1`, later).Scan(&at); err != nil {
		t.Fatal(err)
	}
	if time.Until(at) < 50*time.Minute {
		t.Errorf("start job scheduled at %v, want in an hour", at)
	}
	if err := f.campaigns.Start(ctx, notify.CampaignStartArgs{TenantID: f.tenant, CampaignID: later}); err == nil {
		t.Error("a start job run early did not snooze")
	}
	if err := f.campaigns.Pause(ctx, f.tenant, later); !errors.Is(err, notify.ErrCampaignState) {
		t.Errorf("pausing a scheduled campaign: %v", err)
	}
	if err := f.campaigns.Cancel(ctx, f.tenant, later); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE campaigns SET scheduled_at = now() - interval '1 minute' WHERE id = $1`, later); err != nil {
		t.Fatal(err)
	}
	if err := f.campaigns.Start(ctx, notify.CampaignStartArgs{TenantID: f.tenant, CampaignID: later}); err != nil {
		t.Fatal(err)
	}
	if c := f.get(t, later); c.Status != notify.CampaignCancelled || c.Recipients != 0 {
		t.Errorf("a cancelled campaign started: %s with %d recipients", c.Status, c.Recipients)
	}
}

func TestCampaign_RefusalsAndIsolation(t *testing.T) {
	t.Parallel()
	f := setupCampaigns(t, 500, 1)
	ctx := context.Background()
	codes := func(err error) map[string]string {
		var ce notify.CampaignErrors
		if !errors.As(err, &ce) {
			t.Fatalf("%v is not CampaignErrors", err)
		}
		out := map[string]string{}
		for _, e := range ce {
			out[e.Field] = e.Code
		}
		return out
	}
	_, err := f.campaigns.Create(ctx, f.tenant, "Sara", notify.CampaignText{SubjectIT: "Breve", SubjectEN: strings.Repeat("x", 121),
		Segment: notify.Segment{Kind: notify.SegmentTopic, Param: "no-such-topic"}})
	got := codes(err)
	want := map[string]string{"title": "required", "subject_it": "too_short", "body_it": "required", "subject_en": "too_long",
		"body_en": "required", "segment_topic": "topic_unknown"}
	for field, code := range want {
		if got[field] != code {
			t.Errorf("%s: %q, want %q", field, got[field], code)
		}
	}
	for param, code := range map[string]string{"": "day_required", "24/12/2026": "day_invalid", "2026-02-30": "day_invalid"} {
		text := f.text(notify.Segment{Kind: notify.SegmentAppointments, Param: param})
		if _, err := f.campaigns.Create(ctx, f.tenant, "Sara", text); codes(err)["segment_appointments"] != code {
			t.Errorf("appointments on %q: %v, want %s", param, err, code)
		}
	}
	text := f.text(notify.Segment{Kind: notify.SegmentAppointments, Param: "2026-12-24"})
	text.Segment = notify.Segment{Kind: notify.SegmentService}
	if _, err := f.campaigns.Create(ctx, f.tenant, "Sara", text); codes(err)["segment_service"] != "service_required" {
		t.Errorf("service without one: %v", err)
	}
	list, err := f.campaigns.List(ctx, f.tenant)
	if err != nil || len(list) != 0 {
		t.Fatalf("refused campaigns were stored: %v %v", list, err)
	}

	// Roccasole's campaigns are not Verdemare's.
	id := f.create(t, notify.Segment{Kind: notify.SegmentAll})
	if _, err := f.campaigns.Get(ctx, f.other, id); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another comune's campaign: %v, want not found", err)
	}
	for name, act := range map[string]func(context.Context, string, string) error{
		"pause": f.campaigns.Pause, "resume": f.campaigns.Resume, "cancel": f.campaigns.Cancel,
	} {
		if err := act(ctx, f.other, id); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("%s from another comune: %v, want not found", name, err)
		}
	}
	if err := f.campaigns.Schedule(ctx, f.other, id, time.Time{}); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("schedule from another comune: %v", err)
	}
	if list, _ := f.campaigns.List(ctx, f.other); len(list) != 0 {
		t.Errorf("Roccasole lists %d campaigns", len(list))
	}
	if _, err := f.campaigns.Get(ctx, f.tenant, "not-a-uuid"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a malformed id: %v", err)
	}
}
