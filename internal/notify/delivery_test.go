package notify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/tenant"
)

// deliveryFixture is a database with the demo comuni, Mario in Verdemare
// (an email from his identity provider), an insert-only job client, and
// the three providers in-process: an SMTP server, the App IO sandbox and
// the SMS sandbox.
type deliveryFixture struct {
	pool          *pgxpool.Pool
	tenant, other string // Verdemare, Roccasole
	mario         string
	jobs          *jobs.Client
	catalog       *locale.Catalog
	smtp          *smtpSink
	io            *notify.IOSandbox
	ioClient      notify.IOClient
	sms           *notify.SMSSandbox
	smsClient     notify.SMSClient
}

const (
	marioCF    = "RSSMRA85T10H501O"
	marioEmail = "mario.rossi@example.it"
	marioPhone = "+393331234567"
)

func setupDelivery(t *testing.T) deliveryFixture {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	if _, err := tenant.ImportDir(ctx, tenant.NewStore(pool), filepath.Join("..", "..", "tenants")); err != nil {
		t.Fatal(err)
	}
	f := deliveryFixture{pool: pool}
	for slug, into := range map[string]*string{"verdemare": &f.tenant, "roccasole": &f.other} {
		if err := pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = $1`, slug).Scan(into); err != nil {
			t.Fatal(err)
		}
	}
	err := db.InTenant(ctx, pool, f.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name, email)
			VALUES ($1, $2, 'Mario', 'Rossi', $3) RETURNING id::text`, f.tenant, marioCF, marioEmail).Scan(&f.mario)
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.jobs, err = jobs.New(pool, nil, nil, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if f.catalog, err = locale.Load(i18n.FS, "it", "en"); err != nil {
		t.Fatal(err)
	}
	f.smtp = startSMTP(t)
	f.io, f.ioClient = startIO(t)
	f.sms, f.smsClient = startSMS(t)
	return f
}

// deliverer sends through the fixture's providers.
func (f deliveryFixture) deliverer(cfg notify.DelivererConfig) *notify.DeliveryWorker {
	if cfg.Senders == nil {
		cfg.Senders = map[notify.Channel]notify.Sender{
			notify.ChannelEmail: mailer(f.smtp.Addr),
			notify.ChannelSMS:   f.smsClient,
			notify.ChannelIO:    notify.IOSender{Client: f.ioClient, DefaultKey: "key-verdemare"},
		}
	}
	if cfg.Inserter == nil {
		cfg.Inserter = f.jobs
	}
	if cfg.PortalURL == nil {
		cfg.PortalURL = func(slug string) string { return "https://" + slug + ".example.it" }
	}
	return &notify.DeliveryWorker{Deliverer: notify.NewDeliverer(f.pool, f.catalog, cfg)}
}

// reachable gives Mario a verified phone, App IO, and the channels for
// kind in that order.
func (f deliveryFixture) reachable(t *testing.T, kind notify.Kind, channels ...notify.Channel) {
	t.Helper()
	ctx := context.Background()
	list := make([]string, len(channels))
	for i, c := range channels {
		list[i] = string(c)
	}
	err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO contact_profiles (tenant_id, person_id, phone, phone_verified_at, io_status, io_checked_at)
			VALUES ($1, $2, $3, now(), 'available', now())`, f.tenant, f.mario, marioPhone); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO contact_preferences (tenant_id, person_id, kind, channels) VALUES ($1, $2, $3, $4)`,
			f.tenant, f.mario, string(kind), list)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f deliveryFixture) notify(t *testing.T, n notify.Notification) {
	t.Helper()
	ctx := context.Background()
	if n.TenantID == "" {
		n.TenantID = f.tenant
	}
	err := db.InTenant(ctx, f.pool, n.TenantID, func(tx pgx.Tx) error { return notify.Notify(ctx, tx, f.jobs, n) })
	if err != nil {
		t.Fatal(err)
	}
}

func (f deliveryFixture) message(key string) notify.Notification {
	return notify.Notification{PersonID: f.mario, Kind: notify.KindApplications, Event: notify.EventApplicationSubmitted,
		IdempotencyKey: key, Vars: notify.Vars{Comune: "Comune di Verdemare", Reference: "PR-7KXQ4M2W",
			Service: "Segnalazione di disservizio", Link: "https://verdemare.example.it/area-personale/pratiche/PR-7KXQ4M2W"}}
}

// deliveries are the message's deliveries, in the order they were queued.
func (f deliveryFixture) deliveries(t *testing.T, key string) []notify.Delivery {
	t.Helper()
	ctx := context.Background()
	var out []notify.Delivery
	err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id::text, channel, address, status, attempts, last_error, subject, body,
				coalesce(fallback_of::text, ''), provider_id
			FROM deliveries WHERE tenant_id = $1 AND message_key = $2 ORDER BY created_at, id`, f.tenant, key)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (notify.Delivery, error) {
			var d notify.Delivery
			err := row.Scan(&d.ID, &d.Channel, &d.Address, &d.Status, &d.Attempts, &d.LastError, &d.Subject, &d.Body, &d.FallbackOf, &d.ProviderID)
			return d, err
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// jobsFor counts the delivery jobs queued for a delivery.
func (f deliveryFixture) jobsFor(t *testing.T, deliveryID string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'delivery_send' AND args->>'delivery_id' = $1`,
		deliveryID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// work runs a delivery's job as River would, at the given attempt.
func (f deliveryFixture) work(w *notify.DeliveryWorker, d notify.Delivery, attempt int) error {
	return w.Work(context.Background(), &river.Job[notify.DeliveryArgs]{
		JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: notify.DeliveryArgs{}.InsertOpts().MaxAttempts},
		Args:   notify.DeliveryArgs{TenantID: f.tenant, DeliveryID: d.ID, Channel: d.Channel}})
}

func TestNotify_WritesTheInboxAndQueuesTheFirstChannelOnce(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	for range 2 {
		f.notify(t, f.message("application:a:1"))
	}
	msgs, err := notify.NewInbox(f.pool).List(context.Background(), f.tenant, f.mario, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Subject != "Domanda PR-7KXQ4M2W inviata" || strings.Contains(msgs[0].Body, "non rispondere") {
		t.Errorf("inbox %+v", msgs)
	}
	ds := f.deliveries(t, "application:a:1")
	if len(ds) != 1 || ds[0].Channel != notify.ChannelEmail || ds[0].Address != marioEmail || ds[0].Status != notify.StatusQueued {
		t.Fatalf("deliveries %+v", ds)
	}
	if !strings.Contains(ds[0].Body, "Il Comune di Verdemare ha ricevuto la tua domanda per il servizio «Segnalazione di disservizio»") ||
		!strings.Contains(ds[0].Body, "non rispondere a questa email") {
		t.Errorf("email body %q", ds[0].Body)
	}
	if n := f.jobsFor(t, ds[0].ID); n != 1 {
		t.Errorf("%d jobs for the delivery, want 1", n)
	}
}

func TestNotify_InThePersonsLanguageAndChannels(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	f.reachable(t, notify.KindApplications, notify.ChannelSMS, notify.ChannelEmail)
	n := f.message("application:b:1")
	n.Language = "en"
	f.notify(t, n)
	ds := f.deliveries(t, "application:b:1")
	if len(ds) != 1 || ds[0].Channel != notify.ChannelSMS || ds[0].Address != marioPhone ||
		!strings.HasPrefix(ds[0].Body, "Comune di Verdemare: we have received your application PR-7KXQ4M2W") {
		t.Errorf("deliveries %+v", ds)
	}
}

func TestDeliveryWorker_RunTwiceSendsOneMail(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	f.notify(t, f.message("application:c:1"))
	w := f.deliverer(notify.DelivererConfig{})
	d := f.deliveries(t, "application:c:1")[0]
	for attempt := range 2 {
		if err := f.work(w, d, attempt+1); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.smtp.Mails(marioEmail); len(got) != 1 {
		t.Errorf("%d mails, want 1", len(got))
	}
	d = f.deliveries(t, "application:c:1")[0]
	if d.Status != notify.StatusSent || d.Attempts != 1 || d.ProviderID == "" {
		t.Errorf("delivery %+v", d)
	}
}

func TestDeliveryWorker_ATemporaryRefusalIsRetriedThenSent(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	f.notify(t, f.message("application:d:1"))
	w := f.deliverer(notify.DelivererConfig{})
	d := f.deliveries(t, "application:d:1")[0]
	f.smtp.Refuse(marioEmail, 451, "Greylisted, try again")
	if err := f.work(w, d, 1); err == nil {
		t.Fatal("a 451 was not returned to River for a retry")
	}
	if got := f.deliveries(t, "application:d:1"); len(got) != 1 || got[0].Status != notify.StatusFailedTemporary ||
		!strings.Contains(got[0].LastError, "451") {
		t.Fatalf("after 451: %+v", got)
	}
	if next := w.NextRetry(&river.Job[notify.DeliveryArgs]{JobRow: &rivertype.JobRow{Attempt: 1}}); time.Until(next) < 25*time.Second || time.Until(next) > 40*time.Second {
		t.Errorf("first retry in %s", time.Until(next))
	}
	if next := w.NextRetry(&river.Job[notify.DeliveryArgs]{JobRow: &rivertype.JobRow{Attempt: 12}}); time.Until(next) < 2*time.Hour || time.Until(next) > 2*time.Hour+13*time.Minute {
		t.Errorf("twelfth retry in %s, want about 2 h", time.Until(next))
	}
	f.smtp.Accept(marioEmail)
	if err := f.work(w, d, 2); err != nil {
		t.Fatal(err)
	}
	got := f.deliveries(t, "application:d:1")
	if len(got) != 1 || got[0].Status != notify.StatusSent || got[0].Attempts != 2 || got[0].LastError != "" {
		t.Errorf("after the retry: %+v", got)
	}
	if len(f.smtp.Mails(marioEmail)) != 1 {
		t.Errorf("%d mails", len(f.smtp.Mails(marioEmail)))
	}
}

func TestDeliveryWorker_FallsBackIOThenSMSThenEmail(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	f.reachable(t, notify.KindApplications, notify.ChannelIO, notify.ChannelSMS, notify.ChannelEmail)
	f.io.SetProfile(marioCF, notify.IOProfile{SenderAllowed: false}) // he blocked the comune in the app
	f.sms.FailNext(1, 400)                                           // the provider refuses the number
	f.notify(t, f.message("application:e:1"))
	w := f.deliverer(notify.DelivererConfig{})

	for step, want := range []notify.Channel{notify.ChannelIO, notify.ChannelSMS, notify.ChannelEmail} {
		ds := f.deliveries(t, "application:e:1")
		if len(ds) != step+1 || ds[step].Channel != want {
			t.Fatalf("step %d: deliveries %+v, want the last on %s", step, ds, want)
		}
		if step > 0 && ds[step].FallbackOf != ds[step-1].ID {
			t.Errorf("%s is not the fallback of %s", want, ds[step-1].Channel)
		}
		if n := f.jobsFor(t, ds[step].ID); n != 1 {
			t.Errorf("%s: %d jobs", want, n)
		}
		if err := f.work(w, ds[step], 1); err != nil {
			t.Fatalf("%s: %v", want, err)
		}
	}
	ds := f.deliveries(t, "application:e:1")
	if ds[0].Status != notify.StatusFailedPermanent || !strings.Contains(ds[0].LastError, "does not accept") ||
		ds[1].Status != notify.StatusFailedPermanent || ds[2].Status != notify.StatusSent {
		t.Errorf("statuses %+v", ds)
	}
	if len(f.io.Messages()) != 0 || len(f.sms.Sent()) != 0 || len(f.smtp.Mails(marioEmail)) != 1 {
		t.Errorf("io %d, sms %d, mails %d; want 0, 0, 1", len(f.io.Messages()), len(f.sms.Sent()), len(f.smtp.Mails(marioEmail)))
	}
	// Working the failed ones again changes nothing and adds nothing.
	for _, d := range ds {
		if err := f.work(w, d, 2); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.deliveries(t, "application:e:1"); len(got) != 3 || len(f.smtp.Mails(marioEmail)) != 1 {
		t.Errorf("after running again: %d deliveries, %d mails", len(got), len(f.smtp.Mails(marioEmail)))
	}
}

func TestDeliveryWorker_IOWhenAllowed(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	f.reachable(t, notify.KindApplications, notify.ChannelIO, notify.ChannelEmail)
	f.io.SetProfile(marioCF, notify.IOProfile{SenderAllowed: true})
	f.notify(t, f.message("application:f:1"))
	d := f.deliveries(t, "application:f:1")[0]
	if err := f.work(f.deliverer(notify.DelivererConfig{}), d, 1); err != nil {
		t.Fatal(err)
	}
	got := f.io.Messages()
	if len(got) != 1 || got[0].FiscalCode != marioCF || got[0].Subject != "Domanda PR-7KXQ4M2W inviata" ||
		!strings.Contains(got[0].Markdown, "https://verdemare.example.it/area-personale/pratiche/PR-7KXQ4M2W") {
		t.Errorf("io got %+v", got)
	}
	if ds := f.deliveries(t, "application:f:1"); len(ds) != 1 || ds[0].Status != notify.StatusSent || ds[0].ProviderID != got[0].ID {
		t.Errorf("deliveries %+v", ds)
	}
}

// setStatus puts the delivery of key in the state a killed worker leaves.
func (f deliveryFixture) setStatus(t *testing.T, key, status, ago string) {
	t.Helper()
	ctx := context.Background()
	err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE deliveries SET status = $3, attempts = 1, updated_at = now() - $4::interval
			WHERE tenant_id = $1 AND message_key = $2`, f.tenant, key, status, ago)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeliveryWorker_KilledBeforeThePointOfNoReturnSendsOnTheNextRun(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	f.reachable(t, notify.KindApplications, notify.ChannelEmail, notify.ChannelSMS)
	f.notify(t, f.message("application:g:0"))
	d := f.deliveries(t, "application:g:0")[0]
	// Claimed (one attempt counted) but killed before the end of DATA: the
	// row is still queued, nothing reached the server.
	f.setStatus(t, "application:g:0", notify.StatusQueued, "10 minutes")
	if err := f.work(f.deliverer(notify.DelivererConfig{}), d, 2); err != nil {
		t.Fatal(err)
	}
	if n := len(f.smtp.Mails(marioEmail)); n != 1 {
		t.Errorf("%d mails, want 1", n)
	}
	if ds := f.deliveries(t, "application:g:0"); len(ds) != 1 || ds[0].Status != notify.StatusSent || ds[0].Attempts != 2 {
		t.Errorf("deliveries %+v", ds)
	}
}

func TestDeliveryWorker_AnInterruptedEmailIsSentAgainWithTheSameMessageID(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	f.reachable(t, notify.KindApplications, notify.ChannelEmail, notify.ChannelSMS)
	f.notify(t, f.message("application:g:1"))
	d := f.deliveries(t, "application:g:1")[0]
	w := f.deliverer(notify.DelivererConfig{})
	if err := f.work(w, d, 1); err != nil {
		t.Fatal(err)
	}
	// The worker died after the end of DATA, before recording: the server
	// may have the message.
	f.setStatus(t, "application:g:1", notify.StatusSending, "10 seconds") // maybe still at it: wait
	var snooze *river.JobSnoozeError
	if err := f.work(w, d, 2); !errors.As(err, &snooze) {
		t.Errorf("a fresh 'sending' row: err = %v, want a snooze", err)
	}
	f.setStatus(t, "application:g:1", notify.StatusSending, "10 minutes")
	if err := f.work(w, d, 3); err != nil {
		t.Fatal(err)
	}
	mails := f.smtp.Mails(marioEmail)
	if len(mails) != 2 || messageID(t, mails[0].Data) != messageID(t, mails[1].Data) || messageID(t, mails[0].Data) == "" {
		t.Fatalf("%d mails; want the same message twice, under one Message-ID", len(mails))
	}
	if ds := f.deliveries(t, "application:g:1"); len(ds) != 1 || ds[0].Status != notify.StatusSent {
		t.Errorf("deliveries %+v, want the one email sent and no fallback", ds)
	}
}

func TestDeliveryWorker_AnInterruptedIOMessageIsNeverRepeatedOnIO(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	f.reachable(t, notify.KindApplications, notify.ChannelIO, notify.ChannelEmail)
	f.io.SetProfile(marioCF, notify.IOProfile{SenderAllowed: true})
	f.notify(t, f.message("application:g:2"))
	d := f.deliveries(t, "application:g:2")[0]
	f.setStatus(t, "application:g:2", notify.StatusSending, "10 minutes")
	if err := f.work(f.deliverer(notify.DelivererConfig{}), d, 2); err != nil {
		t.Fatal(err)
	}
	if n := len(f.io.Messages()); n != 0 {
		t.Errorf("the interrupted IO message was sent again (%d)", n)
	}
	ds := f.deliveries(t, "application:g:2")
	if len(ds) != 2 || ds[0].Status != notify.StatusFailedPermanent || !strings.Contains(ds[0].LastError, "outcome unknown") ||
		ds[1].Channel != notify.ChannelEmail {
		t.Errorf("deliveries %+v", ds)
	}
}

// messageID is the Message-ID header of a raw mail.
func messageID(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return m.Header.Get("Message-ID")
}

func TestDeliveryWorker_RetriesEndAfterADayWithTheFallback(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	f.reachable(t, notify.KindApplications, notify.ChannelEmail, notify.ChannelSMS)
	f.notify(t, f.message("application:h:1"))
	d := f.deliveries(t, "application:h:1")[0]
	ctx := context.Background()
	err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE deliveries SET created_at = now() - interval '25 hours' WHERE tenant_id = $1 AND id = $2`, f.tenant, d.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.smtp.Refuse(marioEmail, 421, "Service not available")
	if err := f.work(f.deliverer(notify.DelivererConfig{}), d, 19); err != nil {
		t.Errorf("the last retry returned %v: River would retry it again", err)
	}
	ds := f.deliveries(t, "application:h:1")
	if len(ds) != 2 || ds[0].Status != notify.StatusFailedPermanent || !strings.Contains(ds[0].LastError, "421") || ds[1].Channel != notify.ChannelSMS {
		t.Errorf("deliveries %+v", ds)
	}
}

func TestDeliveryWorker_WithoutAProviderDevelopmentKeepsTheOutbox(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	f.notify(t, f.message("application:i:1"))
	d := f.deliveries(t, "application:i:1")[0]
	w := f.deliverer(notify.DelivererConfig{Senders: map[notify.Channel]notify.Sender{}, Outbox: true})
	if err := f.work(w, d, 1); err != nil {
		t.Fatal(err)
	}
	out, err := notify.Outbox(context.Background(), f.pool, f.tenant, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].ID != d.ID || out[0].Status != notify.StatusOutbox || out[0].Attempts != 1 {
		t.Errorf("outbox %+v", out)
	}
	if other, _ := notify.Outbox(context.Background(), f.pool, f.other, 10); len(other) != 0 {
		t.Errorf("another comune's outbox shows %d messages", len(other))
	}
	// Outside development a channel without a provider fails for good.
	f.notify(t, f.message("application:i:2"))
	d = f.deliveries(t, "application:i:2")[0]
	if err := f.work(f.deliverer(notify.DelivererConfig{Senders: map[notify.Channel]notify.Sender{}}), d, 1); err != nil {
		t.Fatal(err)
	}
	if ds := f.deliveries(t, "application:i:2"); ds[0].Status != notify.StatusFailedPermanent {
		t.Errorf("no provider in production: %+v", ds)
	}
}

func TestDeliveryWorker_RateLimitSnoozesRatherThanHammer(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	w := f.deliverer(notify.DelivererConfig{RateLimits: map[notify.Channel]notify.RateLimit{notify.ChannelEmail: {PerSecond: 0.01, Burst: 1}}})
	var snoozed int
	for i := range 3 {
		key := "application:j:" + string(rune('1'+i))
		f.notify(t, f.message(key))
		err := f.work(w, f.deliveries(t, key)[0], 1)
		var snooze *river.JobSnoozeError
		switch {
		case errors.As(err, &snooze):
			snoozed++
		case err != nil:
			t.Fatal(err)
		}
	}
	if snoozed != 2 || len(f.smtp.Mails(marioEmail)) != 1 {
		t.Errorf("snoozed %d, mails %d; want 2 and 1", snoozed, len(f.smtp.Mails(marioEmail)))
	}
}

func TestNotify_NeverWaitsForTheSMTPServer(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	began := time.Now()
	f.notify(t, f.message("application:k:1")) // what a request does
	if took := time.Since(began); took > time.Second {
		t.Errorf("Notify took %s", took)
	}
	slow := mailer(ln.Addr().String())
	slow.Timeout = 200 * time.Millisecond
	w := f.deliverer(notify.DelivererConfig{Senders: map[notify.Channel]notify.Sender{notify.ChannelEmail: slow}})
	if err := f.work(w, f.deliveries(t, "application:k:1")[0], 1); err == nil {
		t.Error("a silent SMTP server was not retried")
	}
	if ds := f.deliveries(t, "application:k:1"); ds[0].Status != notify.StatusFailedTemporary || ds[0].LastError == "" {
		t.Errorf("after a timeout: %+v", ds)
	}
}

func TestQueueEmail_DirectMailHasNoFallbackAndIsReadThroughTheOldView(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	ctx := context.Background()
	err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		for range 2 {
			if err := notify.QueueEmail(ctx, tx, f.jobs, f.tenant, f.mario, "", "staff:x:1",
				notify.Email{To: "ufficio@example.it", Subject: "Pratiche scadute", Body: "Due pratiche."}); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM email_messages WHERE dedup_key = 'staff:x:1' AND to_address = 'ufficio@example.it'`).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("email_messages shows %d rows", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.smtp.Refuse("ufficio@example.it", 550, "No such user")
	d := f.deliveries(t, "staff:x:1")[0]
	if err := f.work(f.deliverer(notify.DelivererConfig{}), d, 1); err != nil {
		t.Fatal(err)
	}
	if ds := f.deliveries(t, "staff:x:1"); len(ds) != 1 || ds[0].Status != notify.StatusFailedPermanent {
		t.Errorf("deliveries %+v", ds)
	}
}
