package notify_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/tenant"
)

// sentBox records the links and codes Contacts sends.
type sentBox struct {
	mu   sync.Mutex
	msgs []notify.VerificationMessage
}

func (b *sentBox) SendEmailLink(_ context.Context, _ pgx.Tx, m notify.VerificationMessage) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.msgs = append(b.msgs, m)
	return nil
}

func (b *sentBox) SendSMSCode(ctx context.Context, tx pgx.Tx, m notify.VerificationMessage) error {
	return b.SendEmailLink(ctx, tx, m)
}

func (b *sentBox) last(t *testing.T) notify.VerificationMessage {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.msgs) == 0 {
		t.Fatal("nothing sent")
	}
	return b.msgs[len(b.msgs)-1]
}

// contactsFixture is a database with the demo comuni, Contacts on it and
// Giulia, a citizen of the first comune whose identity provider gave
// giulia@spid.example.
type contactsFixture struct {
	pool        *pgxpool.Pool
	contacts    *notify.Contacts
	sent        *sentBox
	tenant      string
	other       string // another comune
	person      string
	otherPerson string // a second citizen of the same comune
	otherTopic  string // a topic of the first comune
	otherComune tenant.Tenant
	firstComune tenant.Tenant
	ctx         context.Context
}

func setupContacts(t *testing.T) contactsFixture {
	t.Helper()
	pool := dbtest.New(t)
	ctx := context.Background()
	list, err := tenant.ImportDir(ctx, tenant.NewStore(pool), filepath.Join("..", "..", "tenants"))
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := locale.Load(i18n.FS, "it", "en")
	if err != nil {
		t.Fatal(err)
	}
	f := contactsFixture{pool: pool, sent: &sentBox{}, tenant: list[0].ID, other: list[1].ID, ctx: ctx,
		firstComune: list[0], otherComune: list[1]}
	f.contacts = notify.NewContacts(pool, f.sent, catalog)
	err = db.InTenant(ctx, pool, f.tenant, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name, email)
			VALUES ($1, 'BNCGLI92C62F205U', 'Giulia', 'Bianchi', 'giulia@spid.example') RETURNING id::text`, f.tenant).Scan(&f.person); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name)
			VALUES ($1, 'RSSMRA85T10H501O', 'Mario', 'Rossi') RETURNING id::text`, f.tenant).Scan(&f.otherPerson); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT slug FROM topics WHERE tenant_id = $1 ORDER BY position LIMIT 1`, f.tenant).Scan(&f.otherTopic)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// age moves the person's verifications back in time, past the resend
// interval, as if minutes had passed.
func (f contactsFixture) age(t *testing.T, interval string) {
	t.Helper()
	err := db.InTenant(f.ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		_, err := tx.Exec(f.ctx, `UPDATE contact_verifications SET created_at = created_at - $2::interval,
			expires_at = expires_at - $2::interval WHERE person_id = $1`, f.person, interval)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f contactsFixture) reach(t *testing.T, k notify.Kind) notify.Reach {
	t.Helper()
	var r notify.Reach
	err := db.InTenant(f.ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		var err error
		r, err = notify.ReachOf(f.ctx, tx, f.tenant, f.person, k)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f contactsFixture) profile(t *testing.T) notify.Profile {
	t.Helper()
	p, err := f.contacts.Profile(f.ctx, f.tenant, f.person)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantCode(t *testing.T, err error, code string) *notify.ContactError {
	t.Helper()
	var ce *notify.ContactError
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("error %v, want the refusal %q", err, code)
	}
	return ce
}

// token is the token of the link in the last email sent.
func (f contactsFixture) token(t *testing.T) string {
	t.Helper()
	link := f.sent.last(t).Secret
	i := strings.LastIndex(link, "/")
	return link[i+1:]
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"333 1234567":       "+393331234567",
		"333-123.4567":      "+393331234567",
		"+39 333 1234567":   "+393331234567",
		"0039 3331234567":   "+393331234567",
		"+41 79 123 45 67":  "+41791234567",
		"06 1234567":        "", // an Italian landline receives no SMS
		"+39 06 12345678":   "",
		"12345":             "",
		"333 12345678901":   "",
		"mobile 3331234567": "",
	} {
		got, err := notify.NormalizePhone(in)
		if want == "" {
			if !errors.Is(err, notify.ErrPhoneInvalid) {
				t.Errorf("NormalizePhone(%q) = %q, %v; want refused", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		" giulia@Example.IT ": "giulia@example.it",
		"a.b+c@posta.it":      "a.b+c@posta.it",
		"giulia":              "",
		"giulia@localhost":    "",
		"Giulia <g@posta.it>": "",
		"g@@posta.it":         "",
		"":                    "",
	} {
		got, err := notify.NormalizeEmail(in)
		if want == "" {
			if !errors.Is(err, notify.ErrEmailInvalid) {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want refused", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestEmailVerification(t *testing.T) {
	t.Parallel()
	f := setupContacts(t)
	base := "http://verdemare.localhost"

	t.Run("the link makes the address the profile's; the old one serves until then", func(t *testing.T) {
		if _, err := f.contacts.RequestEmailChange(f.ctx, f.tenant, f.person, "giulia@posta.it", base); err != nil {
			t.Fatal(err)
		}
		m := f.sent.last(t)
		if m.To != "giulia@posta.it" || !strings.HasPrefix(m.Secret, base+"/area-personale/contatti/email/") || !strings.Contains(m.Body, m.Secret) {
			t.Fatalf("sent %+v", m)
		}
		p := f.profile(t)
		if p.Email != "" || p.PendingEmail != "giulia@posta.it" {
			t.Fatalf("before the link: email %q pending %q", p.Email, p.PendingEmail)
		}
		if r := f.reach(t, notify.KindApplications); r.Email != "giulia@spid.example" {
			t.Fatalf("before the link ReachOf writes to %q, want the identity's address", r.Email)
		}
		got, err := f.contacts.VerifyEmail(f.ctx, f.tenant, f.person, f.token(t))
		if err != nil || got != "giulia@posta.it" {
			t.Fatalf("verify: %q %v", got, err)
		}
		p = f.profile(t)
		if p.Email != "giulia@posta.it" || p.EmailVerifiedAt == nil || p.PendingEmail != "" {
			t.Fatalf("after the link: %+v", p)
		}
		if r := f.reach(t, notify.KindApplications); r.Email != "giulia@posta.it" {
			t.Fatalf("ReachOf writes to %q", r.Email)
		}
		// A newer address waits; the verified one keeps serving.
		f.age(t, "2 minutes")
		if _, err := f.contacts.RequestEmailChange(f.ctx, f.tenant, f.person, "giulia@nuova.it", base); err != nil {
			t.Fatal(err)
		}
		if r := f.reach(t, notify.KindApplications); r.Email != "giulia@posta.it" {
			t.Fatalf("with a new address pending, ReachOf writes to %q", r.Email)
		}
	})

	t.Run("ErrLinkUsed", func(t *testing.T) {
		tok := f.token(t)
		if _, err := f.contacts.VerifyEmail(f.ctx, f.tenant, f.person, tok); err != nil {
			t.Fatal(err)
		}
		_, err := f.contacts.VerifyEmail(f.ctx, f.tenant, f.person, tok)
		wantCode(t, err, "link_used")
	})

	t.Run("ErrLinkInvalid: forged, or another person's", func(t *testing.T) {
		f.age(t, "2 minutes")
		if _, err := f.contacts.RequestEmailChange(f.ctx, f.tenant, f.person, "giulia@terza.it", base); err != nil {
			t.Fatal(err)
		}
		_, err := f.contacts.VerifyEmail(f.ctx, f.tenant, f.person, "forged-token")
		wantCode(t, err, "link_invalid")
		_, err = f.contacts.VerifyEmail(f.ctx, f.tenant, f.otherPerson, f.token(t))
		wantCode(t, err, "link_invalid")
		_, err = f.contacts.VerifyEmail(f.ctx, f.other, f.person, f.token(t))
		if err == nil {
			t.Fatal("another comune verified the link")
		}
		if p := f.profile(t); p.Email != "giulia@nuova.it" {
			t.Fatalf("a refused link changed the address to %q", p.Email)
		}
	})

	t.Run("ErrLinkExpired: superseded or past its time", func(t *testing.T) {
		first := f.token(t)
		f.age(t, "2 minutes")
		if _, err := f.contacts.RequestEmailChange(f.ctx, f.tenant, f.person, "giulia@quarta.it", base); err != nil {
			t.Fatal(err)
		}
		_, err := f.contacts.VerifyEmail(f.ctx, f.tenant, f.person, first)
		wantCode(t, err, "link_expired")
		f.age(t, "25 hours")
		_, err = f.contacts.VerifyEmail(f.ctx, f.tenant, f.person, f.token(t))
		wantCode(t, err, "link_expired")
		if p := f.profile(t); p.Email != "giulia@nuova.it" || p.PendingEmail != "" {
			t.Fatalf("an expired link changed the profile: %q, pending %q", p.Email, p.PendingEmail)
		}
	})

	t.Run("ErrEmailInvalid", func(t *testing.T) {
		_, err := f.contacts.RequestEmailChange(f.ctx, f.tenant, f.person, "not an address", base)
		wantCode(t, err, "email_invalid")
	})
}

func TestPhoneVerification(t *testing.T) {
	t.Parallel()
	f := setupContacts(t)

	t.Run("the right code verifies the number, normalised", func(t *testing.T) {
		phone, err := f.contacts.RequestPhoneChange(f.ctx, f.tenant, f.person, "333 1234567")
		if err != nil || phone != "+393331234567" {
			t.Fatalf("%q %v", phone, err)
		}
		m := f.sent.last(t)
		if m.To != "+393331234567" || len(m.Secret) != 6 || !strings.Contains(m.Body, m.Secret) {
			t.Fatalf("sent %+v", m)
		}
		if r := f.reach(t, notify.KindApplications); r.Phone != "" {
			t.Fatalf("an unverified number reaches ReachOf: %q", r.Phone)
		}
		if err := f.contacts.VerifyPhone(f.ctx, f.tenant, f.person, m.Secret); err != nil {
			t.Fatal(err)
		}
		if r := f.reach(t, notify.KindApplications); r.Phone != "+393331234567" {
			t.Fatalf("ReachOf phone %q", r.Phone)
		}
		wantCode(t, f.contacts.VerifyPhone(f.ctx, f.tenant, f.person, m.Secret), "code_none")
	})

	t.Run("a resend within a minute is refused", func(t *testing.T) {
		_, err := f.contacts.RequestPhoneChange(f.ctx, f.tenant, f.person, "333 7654321")
		ce := wantCode(t, err, "too_soon")
		if ce.Wait <= 0 || ce.Wait > notify.ResendInterval {
			t.Errorf("wait %v", ce.Wait)
		}
	})

	t.Run("wrong codes count attempts; after five the code is dead", func(t *testing.T) {
		f.age(t, "2 minutes")
		if _, err := f.contacts.RequestPhoneChange(f.ctx, f.tenant, f.person, "+41 79 123 45 67"); err != nil {
			t.Fatal(err)
		}
		code := f.sent.last(t).Secret
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for left := notify.MaxCodeAttempts - 1; left >= 1; left-- {
			ce := wantCode(t, f.contacts.VerifyPhone(f.ctx, f.tenant, f.person, wrong), "code_wrong")
			if ce.Left != left {
				t.Fatalf("attempts left %d, want %d", ce.Left, left)
			}
		}
		wantCode(t, f.contacts.VerifyPhone(f.ctx, f.tenant, f.person, wrong), "code_exhausted")
		wantCode(t, f.contacts.VerifyPhone(f.ctx, f.tenant, f.person, code), "code_exhausted")
		if r := f.reach(t, notify.KindApplications); r.Phone != "+393331234567" {
			t.Fatalf("the verified number changed to %q", r.Phone)
		}
		// A new code works.
		f.age(t, "2 minutes")
		if err := f.contacts.ResendPhoneCode(f.ctx, f.tenant, f.person); err != nil {
			t.Fatal(err)
		}
		if err := f.contacts.VerifyPhone(f.ctx, f.tenant, f.person, f.sent.last(t).Secret); err != nil {
			t.Fatal(err)
		}
		if r := f.reach(t, notify.KindApplications); r.Phone != "+41791234567" {
			t.Fatalf("ReachOf phone %q", r.Phone)
		}
	})

	t.Run("an expired code is refused", func(t *testing.T) {
		f.age(t, "2 minutes")
		if _, err := f.contacts.RequestPhoneChange(f.ctx, f.tenant, f.person, "3401112233"); err != nil {
			t.Fatal(err)
		}
		code := f.sent.last(t).Secret
		f.age(t, "11 minutes")
		wantCode(t, f.contacts.VerifyPhone(f.ctx, f.tenant, f.person, code), "code_expired")
		if r := f.reach(t, notify.KindApplications); r.Phone != "+41791234567" {
			t.Fatalf("an expired code changed the number to %q", r.Phone)
		}
	})

	t.Run("at most five sends an hour", func(t *testing.T) {
		// Sends so far this hour (aged by minutes only): 4.
		f.age(t, "2 minutes")
		if err := f.contacts.ResendPhoneCode(f.ctx, f.tenant, f.person); err != nil {
			t.Fatal(err)
		}
		f.age(t, "2 minutes")
		wantCode(t, f.contacts.ResendPhoneCode(f.ctx, f.tenant, f.person), "too_many")
	})

	t.Run("ErrPhoneInvalid", func(t *testing.T) {
		_, err := f.contacts.RequestPhoneChange(f.ctx, f.tenant, f.person, "06 1234567")
		wantCode(t, err, "phone_invalid")
	})
}

// verifiedPhone gives the fixture's person a verified number.
func (f contactsFixture) verifiedPhone(t *testing.T) {
	t.Helper()
	if _, err := f.contacts.RequestPhoneChange(f.ctx, f.tenant, f.person, "333 1234567"); err != nil {
		t.Fatal(err)
	}
	if err := f.contacts.VerifyPhone(f.ctx, f.tenant, f.person, f.sent.last(t).Secret); err != nil {
		t.Fatal(err)
	}
}

func TestPreferences(t *testing.T) {
	t.Parallel()
	f := setupContacts(t)
	set := func(channels map[notify.Kind][]notify.Channel, consent bool) error {
		return f.contacts.SetPreferences(f.ctx, f.tenant, f.person, notify.Preferences{Channels: channels, NewsConsent: consent, Language: "it"})
	}

	t.Run("defaults: email for what concerns the person, nothing for news", func(t *testing.T) {
		if r := f.reach(t, notify.KindApplications); !slices.Equal(r.Channels, []notify.Channel{notify.ChannelEmail}) {
			t.Errorf("applications %v", r.Channels)
		}
		if r := f.reach(t, notify.KindNews); len(r.Channels) != 0 {
			t.Errorf("news %v", r.Channels)
		}
	})

	t.Run("only channels with a verified address", func(t *testing.T) {
		ce := wantCode(t, set(map[notify.Kind][]notify.Channel{notify.KindApplications: {notify.ChannelSMS}}, false), "channel_unavailable")
		if ce.Field != "applications" || ce.Value != "sms" {
			t.Errorf("refusal %+v", ce)
		}
		wantCode(t, set(map[notify.Kind][]notify.Channel{notify.KindPayments: {notify.ChannelIO}}, false), "channel_unavailable")
		wantCode(t, set(map[notify.Kind][]notify.Channel{notify.KindPayments: {notify.ChannelEmail, notify.ChannelEmail}}, false), "channel_twice")
		wantCode(t, set(map[notify.Kind][]notify.Channel{notify.KindPayments: {"fax"}}, false), "channel_invalid")
		if p := f.profile(t); p.Chosen[notify.KindApplications] || p.Chosen[notify.KindPayments] {
			t.Errorf("a refused choice was saved: %v", p.Chosen)
		}
	})

	t.Run("the order chosen is the fallback order ReachOf gives", func(t *testing.T) {
		f.verifiedPhone(t)
		err := set(map[notify.Kind][]notify.Channel{
			notify.KindApplications: {notify.ChannelSMS, notify.ChannelEmail},
			notify.KindAppointments: {},
			notify.KindPayments:     {notify.ChannelEmail},
		}, false)
		if err != nil {
			t.Fatal(err)
		}
		if r := f.reach(t, notify.KindApplications); !slices.Equal(r.Channels, []notify.Channel{notify.ChannelSMS, notify.ChannelEmail}) {
			t.Errorf("applications %v", r.Channels)
		}
		if r := f.reach(t, notify.KindAppointments); len(r.Channels) != 0 {
			t.Errorf("appointments %v: inbox only was chosen", r.Channels)
		}
	})

	t.Run("news needs the consent, recorded with its text", func(t *testing.T) {
		news := map[notify.Kind][]notify.Channel{notify.KindNews: {notify.ChannelEmail, notify.ChannelSMS}}
		wantCode(t, set(news, false), "consent_required")
		if p := f.profile(t); len(p.Consents) != 0 {
			t.Fatalf("consents recorded without the box ticked: %+v", p.Consents)
		}
		if err := set(news, true); err != nil {
			t.Fatal(err)
		}
		p := f.profile(t)
		if len(p.Consents) != 2 || !p.NewsConsent[notify.ChannelEmail] || !p.NewsConsent[notify.ChannelSMS] {
			t.Fatalf("consents %+v", p.Consents)
		}
		if c := p.Consents[0]; !c.Granted || c.Language != "it" || !strings.HasPrefix(c.Text, "Acconsento") {
			t.Errorf("consent %+v", c)
		}
		if r := f.reach(t, notify.KindNews); !slices.Equal(r.Channels, []notify.Channel{notify.ChannelEmail, notify.ChannelSMS}) {
			t.Errorf("news %v", r.Channels)
		}
		// Saving the same again records nothing; dropping SMS withdraws it.
		if err := set(news, true); err != nil {
			t.Fatal(err)
		}
		if err := set(map[notify.Kind][]notify.Channel{notify.KindNews: {notify.ChannelEmail}}, true); err != nil {
			t.Fatal(err)
		}
		p = f.profile(t)
		if len(p.Consents) != 3 || p.Consents[0].Purpose != "news.sms" || p.Consents[0].Granted || !p.NewsConsent[notify.ChannelEmail] {
			t.Fatalf("consents %+v", p.Consents)
		}
	})

	t.Run("unsubscribe stops news on every channel and records it", func(t *testing.T) {
		r := f.reach(t, notify.KindNews)
		if r.UnsubscribeToken == "" {
			t.Fatal("no unsubscribe token")
		}
		wantCode(t, f.contacts.Unsubscribe(f.ctx, f.tenant, "forged", "testo", "it"), "unsubscribe_invalid")
		wantCode(t, f.contacts.Unsubscribe(f.ctx, f.other, r.UnsubscribeToken, "testo", "it"), "unsubscribe_invalid")
		if lang, err := f.contacts.UnsubscribeLanguage(f.ctx, f.tenant, r.UnsubscribeToken); err != nil || lang != "it" {
			t.Fatalf("%q %v", lang, err)
		}
		if err := f.contacts.Unsubscribe(f.ctx, f.tenant, r.UnsubscribeToken, "Non voglio più notizie.", "it"); err != nil {
			t.Fatal(err)
		}
		if r := f.reach(t, notify.KindNews); len(r.Channels) != 0 {
			t.Errorf("news after unsubscribing: %v", r.Channels)
		}
		if r := f.reach(t, notify.KindApplications); len(r.Channels) != 2 {
			t.Errorf("unsubscribing from news touched applications: %v", r.Channels)
		}
		p := f.profile(t)
		if c := p.Consents[0]; c.Purpose != "news.all" || c.Granted || c.Text != "Non voglio più notizie." || len(p.NewsConsent) != 0 {
			t.Errorf("consent %+v, in force %v", c, p.NewsConsent)
		}
	})

	t.Run("topics from the catalogue only", func(t *testing.T) {
		wantCode(t, f.contacts.SetTopics(f.ctx, f.tenant, f.person, []string{"no-such-topic"}), "topic_unknown")
		if err := f.contacts.SetTopics(f.ctx, f.tenant, f.person, []string{f.otherTopic}); err != nil {
			t.Fatal(err)
		}
		if p := f.profile(t); !slices.Equal(p.Topics, []string{f.otherTopic}) {
			t.Errorf("topics %v", p.Topics)
		}
		if err := f.contacts.SetTopics(f.ctx, f.tenant, f.person, nil); err != nil {
			t.Fatal(err)
		}
		if p := f.profile(t); len(p.Topics) != 0 {
			t.Errorf("topics %v after clearing", p.Topics)
		}
	})

	t.Run("language", func(t *testing.T) {
		wantCode(t, f.contacts.SetLanguage(f.ctx, f.tenant, f.person, "fr"), "language_invalid")
		if err := f.contacts.SetLanguage(f.ctx, f.tenant, f.person, "en"); err != nil {
			t.Fatal(err)
		}
		if r := f.reach(t, notify.KindApplications); r.Language != "en" {
			t.Errorf("ReachOf language %q", r.Language)
		}
	})
}

// TestContacts_ConsentsAppendOnlyAndIsolated: the tenant role cannot
// rewrite or erase the consents' history, and another comune sees none
// of the contact tables' rows.
func TestContacts_ConsentsAppendOnlyAndIsolated(t *testing.T) {
	t.Parallel()
	f := setupContacts(t)
	f.verifiedPhone(t)
	if err := f.contacts.SetPreferences(f.ctx, f.tenant, f.person, notify.Preferences{
		Channels: map[notify.Kind][]notify.Channel{notify.KindNews: {notify.ChannelSMS}}, NewsConsent: true, Language: "it"}); err != nil {
		t.Fatal(err)
	}
	if err := f.contacts.SetTopics(f.ctx, f.tenant, f.person, []string{f.otherTopic}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE consents SET granted = false`, `DELETE FROM consents`} {
		err := db.InTenant(f.ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
			_, err := tx.Exec(f.ctx, stmt)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("%s as the tenant role: %v, want permission denied", stmt, err)
		}
	}
	if p := f.profile(t); len(p.Consents) != 1 || !p.Consents[0].Granted {
		t.Errorf("consents %+v", p.Consents)
	}
	for _, table := range []string{"contact_profiles", "contact_verifications", "contact_preferences", "topic_follows", "consents"} {
		var mine, theirs int
		count := func(tenantID string, n *int) error {
			return db.InTenant(f.ctx, f.pool, tenantID, func(tx pgx.Tx) error {
				return tx.QueryRow(f.ctx, `SELECT count(*) FROM `+table).Scan(n) // no tenant filter on purpose
			})
		}
		if err := count(f.tenant, &mine); err != nil {
			t.Fatal(err)
		}
		if err := count(f.other, &theirs); err != nil {
			t.Fatal(err)
		}
		if mine == 0 || theirs != 0 {
			t.Errorf("%s: %d rows in the comune, %d seen from another", table, mine, theirs)
		}
	}
	// Another comune cannot read the profile by the person's id.
	other, err := f.contacts.Profile(f.ctx, f.other, f.person)
	if err == nil {
		t.Errorf("another comune read the profile: %+v", other)
	}
}
