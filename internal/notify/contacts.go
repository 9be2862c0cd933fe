package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/locale"
)

// The contact profile (issue 6): the addresses a person proved, the
// channels they chose for each kind of message, the topics they follow and
// their consents. ReachOf (reach.go) reads what this file writes.
//
// An address is written to contact_profiles only once proved: a new email
// or phone number waits in contact_verifications until its link is
// followed or its code typed, and until then the address proved before
// (if any) keeps receiving messages. So contact_profiles.email and .phone
// are always verified addresses, or "".

// Limits of the verification flows.
const (
	EmailLinkTTL    = 24 * time.Hour
	SMSCodeTTL      = 10 * time.Minute
	MaxCodeAttempts = 5
	// A new link or code for the same channel is refused within
	// ResendInterval of the last one, and after MaxSendsPerHour in an hour.
	ResendInterval  = time.Minute
	MaxSendsPerHour = 5
)

// ContactError is a refusal a person can act on: Code names the message
// ("contacts.error.<code>" in the catalogue), Field the form field it is
// about.
type ContactError struct {
	Code  string
	Field string
	Left  int           // attempts left, for a wrong code
	Wait  time.Duration // how long to wait, for a refused resend
	Value string        // what it is about (a channel), when it helps
}

func (e *ContactError) Error() string { return "contacts: " + e.Code }

// The refusals.
var (
	ErrEmailInvalid   = &ContactError{Code: "email_invalid", Field: "email"}
	ErrPhoneInvalid   = &ContactError{Code: "phone_invalid", Field: "phone"}
	ErrLanguage       = &ContactError{Code: "language_invalid", Field: "language"}
	ErrNoPendingCode  = &ContactError{Code: "code_none", Field: "code"}
	ErrCodeExpired    = &ContactError{Code: "code_expired", Field: "code"}
	ErrCodeExhausted  = &ContactError{Code: "code_exhausted", Field: "code"}
	ErrLinkInvalid    = &ContactError{Code: "link_invalid"}
	ErrLinkExpired    = &ContactError{Code: "link_expired"}
	ErrLinkUsed       = &ContactError{Code: "link_used"}
	ErrConsentNeeded  = &ContactError{Code: "consent_required", Field: "news-consent"}
	ErrTopicUnknown   = &ContactError{Code: "topic_unknown", Field: "topics"}
	ErrUnsubscribeBad = &ContactError{Code: "unsubscribe_invalid"}
)

// ErrCodeWrong is a wrong code with left attempts left.
func ErrCodeWrong(left int) *ContactError {
	return &ContactError{Code: "code_wrong", Field: "code", Left: left}
}

// Consent purposes: news on each channel.
func newsPurpose(c Channel) string { return "news." + string(c) }

// ConsentNewsKey is the catalogue key of the news consent's text, the
// exact words recorded with each consent.
const ConsentNewsKey = "contacts.consent.news"

// ConsentUnsubscribeKey is the text recorded when a person unsubscribes
// through the link in a message.
const ConsentUnsubscribeKey = "contacts.unsubscribe.text"

// Profile is what a person set about how to be reached.
type Profile struct {
	// Email is the address proved on the profile; IdentityEmail the one
	// the identity provider asserted (used when Email is "").
	Email           string
	EmailVerifiedAt *time.Time
	IdentityEmail   string
	// PendingEmail waits for its link to be followed (until
	// PendingEmailUntil); "" when none.
	PendingEmail      string
	PendingEmailUntil time.Time
	Phone             string
	PhoneVerifiedAt   *time.Time
	// PendingPhone waits for its code; CodeLeft attempts remain.
	PendingPhone      string
	PendingPhoneUntil time.Time
	CodeLeft          int
	Language          string
	IOStatus          string // unknown, available, not_available, sender_blocked
	IOCheckedAt       *time.Time
	// Channels per kind: chosen, or the default; Chosen says which.
	Channels map[Kind][]Channel
	Chosen   map[Kind]bool
	Topics   []string
	// NewsConsent: the consents in force, by channel.
	NewsConsent map[Channel]bool
	Consents    []Consent // newest first
}

// Usable reports whether a channel can be chosen: it has an address the
// person proved (email: or the identity provider's), as ReachOf uses.
func (p Profile) Usable(c Channel) bool {
	switch c {
	case ChannelEmail:
		return p.Email != "" || p.IdentityEmail != ""
	case ChannelSMS:
		return p.Phone != ""
	case ChannelIO:
		return p.IOStatus == "available"
	}
	return c == ChannelInbox
}

// Consent is one consent given or withdrawn.
type Consent struct {
	Purpose  string
	Granted  bool
	Text     string
	Language string
	At       time.Time
}

// VerificationMessage is a link or a code on its way to an address.
type VerificationMessage struct {
	TenantID, PersonID string
	Key                string // idempotency key: one per verification
	To                 string
	Subject            string // email only
	Body               string
	Secret             string // the link or the code, for recorders
}

// VerificationSender sends what proves an address. It is called inside the
// transaction that records the verification: a rolled-back request sends
// nothing.
type VerificationSender interface {
	SendEmailLink(ctx context.Context, tx pgx.Tx, m VerificationMessage) error
	SendSMSCode(ctx context.Context, tx pgx.Tx, m VerificationMessage) error
}

// SMSQueuer queues a text message inside tx: QueuedSMS, a delivery on the
// SMS channel (kept in the development outbox when no provider is set).
type SMSQueuer interface {
	QueueSMS(ctx context.Context, tx pgx.Tx, tenantID, personID, dedupKey, to, body string) error
}

// QueuedVerifications sends verification links as queued email
// (QueueEmail) and codes through SMS.
type QueuedVerifications struct {
	Inserter jobs.Inserter
	SMS      SMSQueuer
}

// SendEmailLink queues the email.
func (q QueuedVerifications) SendEmailLink(ctx context.Context, tx pgx.Tx, m VerificationMessage) error {
	return QueueEmail(ctx, tx, q.Inserter, m.TenantID, m.PersonID, "", m.Key, Email{To: m.To, Subject: m.Subject, Body: m.Body})
}

// SendSMSCode queues the text message.
func (q QueuedVerifications) SendSMSCode(ctx context.Context, tx pgx.Tx, m VerificationMessage) error {
	if q.SMS == nil {
		return errors.New("send sms code: no SMS channel")
	}
	return q.SMS.QueueSMS(ctx, tx, m.TenantID, m.PersonID, m.Key, m.To, m.Body)
}

// Contacts reads and changes people's contact profiles.
type Contacts struct {
	pool    *pgxpool.Pool
	sender  VerificationSender
	catalog *locale.Catalog
}

// NewContacts returns Contacts on pool; links and codes go through sender,
// worded from catalog.
func NewContacts(pool *pgxpool.Pool, sender VerificationSender, catalog *locale.Catalog) *Contacts {
	return &Contacts{pool: pool, sender: sender, catalog: catalog}
}

// NormalizeEmail checks an email address and returns it trimmed, with its
// domain in lower case.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", ErrEmailInvalid
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", ErrEmailInvalid
	}
	return local + "@" + strings.ToLower(domain), nil
}

var (
	e164        = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	phoneFiller = strings.NewReplacer(" ", "", ".", "", "-", "", "/", "", "(", "", ")", "", "\u00a0", "")
)

// NormalizePhone writes a mobile number in E.164: "333 1234567" (an Italian
// mobile without prefix), "0039 333 1234567" and "+39 333 1234567" all
// become "+393331234567". Italian numbers must be mobiles (3xx): only those
// receive text messages.
func NormalizePhone(s string) (string, error) {
	s = phoneFiller.Replace(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(s, "00"):
		s = "+" + s[2:]
	case !strings.HasPrefix(s, "+"):
		s = "+39" + s
	}
	if !e164.MatchString(s) {
		return "", ErrPhoneInvalid
	}
	if national, ok := strings.CutPrefix(s, "+39"); ok && (!strings.HasPrefix(national, "3") || len(national) < 9 || len(national) > 10) {
		return "", ErrPhoneInvalid
	}
	return s, nil
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// codeHash binds a code to its person: the same six digits of two people
// hash differently.
func codeHash(personID, code string) string { return hashSecret(personID + ":" + code) }

func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// ensureProfile creates the person's profile row, in the language they
// use, if it does not exist.
func ensureProfile(ctx context.Context, tx pgx.Tx, tenantID, personID string) error {
	_, err := tx.Exec(ctx, `INSERT INTO contact_profiles (tenant_id, person_id, language)
		SELECT tenant_id, id, CASE WHEN language IN ('it', 'en') THEN language ELSE 'it' END FROM people
		WHERE tenant_id = $1 AND id = $2
		ON CONFLICT (tenant_id, person_id) DO NOTHING`, tenantID, personID)
	return err
}

// Profile reads a person's contact profile (the defaults when they set
// nothing yet).
func (c *Contacts) Profile(ctx context.Context, tenantID, personID string) (Profile, error) {
	var p Profile
	err := db.InTenant(ctx, c.pool, tenantID, func(tx pgx.Tx) error {
		var err error
		p, err = readProfile(ctx, tx, tenantID, personID)
		return err
	})
	if err != nil {
		return p, fmt.Errorf("contact profile: %w", db.Classify(err))
	}
	return p, nil
}

func readProfile(ctx context.Context, tx pgx.Tx, tenantID, personID string) (Profile, error) {
	p := Profile{Channels: map[Kind][]Channel{}, Chosen: map[Kind]bool{}, NewsConsent: map[Channel]bool{}}
	err := tx.QueryRow(ctx, `SELECT coalesce(c.email, ''), c.email_verified_at, p.email, coalesce(c.phone, ''), c.phone_verified_at,
			coalesce(c.language, CASE WHEN p.language IN ('it', 'en') THEN p.language ELSE 'it' END),
			coalesce(c.io_status, 'unknown'), c.io_checked_at
		FROM people p LEFT JOIN contact_profiles c ON c.tenant_id = p.tenant_id AND c.person_id = p.id
		WHERE p.tenant_id = $1 AND p.id = $2`, tenantID, personID).
		Scan(&p.Email, &p.EmailVerifiedAt, &p.IdentityEmail, &p.Phone, &p.PhoneVerifiedAt, &p.Language, &p.IOStatus, &p.IOCheckedAt)
	if err != nil {
		return p, err
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (channel) channel, address, expires_at, attempts FROM contact_verifications
		WHERE tenant_id = $1 AND person_id = $2 AND verified_at IS NULL AND expires_at > now()
		ORDER BY channel, created_at DESC`, tenantID, personID)
	if err != nil {
		return p, err
	}
	var channel, address string
	var until time.Time
	var attempts int
	_, err = pgx.ForEachRow(rows, []any{&channel, &address, &until, &attempts}, func() error {
		if channel == "email" {
			p.PendingEmail, p.PendingEmailUntil = address, until
		} else {
			p.PendingPhone, p.PendingPhoneUntil, p.CodeLeft = address, until, max(0, MaxCodeAttempts-attempts)
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	for _, k := range Kinds {
		p.Channels[k] = DefaultChannels(k)
	}
	rows, err = tx.Query(ctx, `SELECT kind, channels FROM contact_preferences WHERE tenant_id = $1 AND person_id = $2`, tenantID, personID)
	if err != nil {
		return p, err
	}
	var kind string
	var chosen []string
	_, err = pgx.ForEachRow(rows, []any{&kind, &chosen}, func() error {
		list := []Channel{}
		for _, ch := range chosen {
			list = append(list, Channel(ch))
		}
		p.Channels[Kind(kind)], p.Chosen[Kind(kind)] = list, true
		return nil
	})
	if err != nil {
		return p, err
	}
	rows, err = tx.Query(ctx, `SELECT topic_slug FROM topic_follows WHERE tenant_id = $1 AND person_id = $2 ORDER BY topic_slug`, tenantID, personID)
	if err != nil {
		return p, err
	}
	if p.Topics, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return p, err
	}
	rows, err = tx.Query(ctx, `SELECT purpose, granted, text_shown, language, at FROM consents
		WHERE tenant_id = $1 AND person_id = $2 ORDER BY at DESC, id DESC`, tenantID, personID)
	if err != nil {
		return p, err
	}
	if p.Consents, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Consent]); err != nil {
		return p, err
	}
	for i := len(p.Consents) - 1; i >= 0; i-- { // oldest to newest: the last word wins
		ch, ok := strings.CutPrefix(p.Consents[i].Purpose, "news.")
		switch {
		case ok && ch == "all": // an unsubscribe link: every channel
			clear(p.NewsConsent)
		case ok:
			p.NewsConsent[Channel(ch)] = p.Consents[i].Granted
		}
	}
	return p, nil
}

// checkRate refuses a new link or code sent too soon after the last ones.
func checkRate(ctx context.Context, tx pgx.Tx, tenantID, personID, channel string) error {
	var last *time.Time
	var lastHour int
	var now time.Time
	err := tx.QueryRow(ctx, `SELECT max(created_at), count(*) FILTER (WHERE created_at > now() - interval '1 hour'), now()
		FROM contact_verifications WHERE tenant_id = $1 AND person_id = $2 AND channel = $3`,
		tenantID, personID, channel).Scan(&last, &lastHour, &now)
	if err != nil {
		return err
	}
	field := "email"
	if channel == "sms" {
		field = "phone"
	}
	if last != nil && now.Sub(*last) < ResendInterval {
		return &ContactError{Code: "too_soon", Field: field, Wait: ResendInterval - now.Sub(*last)}
	}
	if lastHour >= MaxSendsPerHour {
		return &ContactError{Code: "too_many", Field: field, Wait: time.Hour}
	}
	return nil
}

// startVerification supersedes the channel's pending verifications and
// records a new one.
func startVerification(ctx context.Context, tx pgx.Tx, tenantID, personID, channel, address, hash string, ttl time.Duration) (string, error) {
	if _, err := tx.Exec(ctx, `UPDATE contact_verifications SET expires_at = least(expires_at, now())
		WHERE tenant_id = $1 AND person_id = $2 AND channel = $3 AND verified_at IS NULL`, tenantID, personID, channel); err != nil {
		return "", err
	}
	var id string
	err := tx.QueryRow(ctx, `INSERT INTO contact_verifications (tenant_id, person_id, channel, address, secret_hash, expires_at)
		VALUES ($1, $2, $3, $4, $5, now() + $6::interval) RETURNING id::text`,
		tenantID, personID, channel, address, hash, fmt.Sprintf("%d seconds", int(ttl.Seconds()))).Scan(&id)
	return id, err
}

// RequestEmailChange sends a link to a new address; the address replaces
// the profile's when the link is followed. linkBase is the comune's
// portal URL. It returns the address as kept.
func (c *Contacts) RequestEmailChange(ctx context.Context, tenantID, personID, email, linkBase string) (string, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	token, err := newToken()
	if err != nil {
		return "", err
	}
	err = db.InTenant(ctx, c.pool, tenantID, func(tx pgx.Tx) error {
		if err := ensureProfile(ctx, tx, tenantID, personID); err != nil {
			return err
		}
		if err := checkRate(ctx, tx, tenantID, personID, "email"); err != nil {
			return err
		}
		id, err := startVerification(ctx, tx, tenantID, personID, "email", email, hashSecret(token), EmailLinkTTL)
		if err != nil {
			return err
		}
		lang, err := profileLanguage(ctx, tx, tenantID, personID)
		if err != nil {
			return err
		}
		l := c.catalog.For(lang)
		link := strings.TrimSuffix(linkBase, "/") + "/area-personale/contatti/email/" + token
		return c.sender.SendEmailLink(ctx, tx, VerificationMessage{
			TenantID: tenantID, PersonID: personID, Key: "verify:" + id, To: email, Secret: link,
			Subject: l.T("contacts.verify_email.subject"),
			Body:    l.T("contacts.verify_email.body", "link", link, "hours", int(EmailLinkTTL.Hours())),
		})
	})
	if err != nil {
		return "", fmt.Errorf("change email: %w", db.Classify(err))
	}
	return email, nil
}

func profileLanguage(ctx context.Context, tx pgx.Tx, tenantID, personID string) (string, error) {
	var lang string
	err := tx.QueryRow(ctx, `SELECT language FROM contact_profiles WHERE tenant_id = $1 AND person_id = $2`, tenantID, personID).Scan(&lang)
	return lang, err
}

// VerifyEmail follows an email link: the address it was sent to becomes
// the profile's. A link of another person, forged, expired, superseded or
// used changes nothing. It returns the address.
func (c *Contacts) VerifyEmail(ctx context.Context, tenantID, personID, token string) (string, error) {
	var address string
	err := db.InTenant(ctx, c.pool, tenantID, func(tx pgx.Tx) error {
		var id string
		var expired, used bool
		err := tx.QueryRow(ctx, `SELECT id::text, address, expires_at <= now(), verified_at IS NOT NULL FROM contact_verifications
			WHERE tenant_id = $1 AND person_id = $2 AND channel = 'email' AND secret_hash = $3`,
			tenantID, personID, hashSecret(token)).Scan(&id, &address, &expired, &used)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return ErrLinkInvalid
		case err != nil:
			return err
		case used:
			return ErrLinkUsed
		case expired:
			return ErrLinkExpired
		}
		if _, err := tx.Exec(ctx, `UPDATE contact_verifications SET verified_at = now() WHERE tenant_id = $1 AND id = $2`, tenantID, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE contact_profiles SET email = $3, email_verified_at = now(), updated_at = now()
			WHERE tenant_id = $1 AND person_id = $2`, tenantID, personID, address)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("verify email: %w", db.Classify(err))
	}
	return address, nil
}

// RequestPhoneChange sends a code to a new mobile number; the number
// replaces the profile's when the code is typed. It returns the number
// in E.164.
func (c *Contacts) RequestPhoneChange(ctx context.Context, tenantID, personID, phone string) (string, error) {
	phone, err := NormalizePhone(phone)
	if err != nil {
		return "", err
	}
	if err := c.sendCode(ctx, tenantID, personID, phone); err != nil {
		return "", err
	}
	return phone, nil
}

// ResendPhoneCode sends a new code to the number waiting for one.
func (c *Contacts) ResendPhoneCode(ctx context.Context, tenantID, personID string) error {
	var phone string
	err := db.InTenant(ctx, c.pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT CASE WHEN verified_at IS NULL THEN address ELSE '' END FROM contact_verifications
			WHERE tenant_id = $1 AND person_id = $2 AND channel = 'sms'
			ORDER BY created_at DESC LIMIT 1`, tenantID, personID).Scan(&phone)
	})
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && phone == "") {
		return ErrNoPendingCode
	}
	if err != nil {
		return fmt.Errorf("resend code: %w", db.Classify(err))
	}
	return c.sendCode(ctx, tenantID, personID, phone)
}

func (c *Contacts) sendCode(ctx context.Context, tenantID, personID, phone string) error {
	code, err := newCode()
	if err != nil {
		return err
	}
	err = db.InTenant(ctx, c.pool, tenantID, func(tx pgx.Tx) error {
		if err := ensureProfile(ctx, tx, tenantID, personID); err != nil {
			return err
		}
		if err := checkRate(ctx, tx, tenantID, personID, "sms"); err != nil {
			return err
		}
		id, err := startVerification(ctx, tx, tenantID, personID, "sms", phone, codeHash(personID, code), SMSCodeTTL)
		if err != nil {
			return err
		}
		lang, err := profileLanguage(ctx, tx, tenantID, personID)
		if err != nil {
			return err
		}
		return c.sender.SendSMSCode(ctx, tx, VerificationMessage{
			TenantID: tenantID, PersonID: personID, Key: "verify:" + id, To: phone, Secret: code,
			Body: c.catalog.For(lang).T("contacts.verify_sms.body", "code", code, "minutes", int(SMSCodeTTL.Minutes())),
		})
	})
	if err != nil {
		return fmt.Errorf("send code: %w", db.Classify(err))
	}
	return nil
}

// VerifyPhone checks the code typed for the number waiting for one. A
// wrong code counts an attempt (kept even though it is refused); after
// MaxCodeAttempts, or once expired, the code is dead and a new one is
// needed.
func (c *Contacts) VerifyPhone(ctx context.Context, tenantID, personID, code string) error {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	var refusal error
	err := db.InTenant(ctx, c.pool, tenantID, func(tx pgx.Tx) error {
		var id, address, hash string
		var attempts int
		var expired, used bool
		err := tx.QueryRow(ctx, `SELECT id::text, address, secret_hash, attempts, expires_at <= now(), verified_at IS NOT NULL
			FROM contact_verifications WHERE tenant_id = $1 AND person_id = $2 AND channel = 'sms'
			ORDER BY created_at DESC LIMIT 1 FOR UPDATE`, tenantID, personID).Scan(&id, &address, &hash, &attempts, &expired, &used)
		switch {
		case errors.Is(err, pgx.ErrNoRows), err == nil && used:
			refusal = ErrNoPendingCode
			return nil
		case err != nil:
			return err
		case attempts >= MaxCodeAttempts:
			refusal = ErrCodeExhausted
			return nil
		case expired:
			refusal = ErrCodeExpired
			return nil
		}
		if codeHash(personID, code) != hash {
			attempts++
			if _, err := tx.Exec(ctx, `UPDATE contact_verifications SET attempts = $3 WHERE tenant_id = $1 AND id = $2`, tenantID, id, attempts); err != nil {
				return err
			}
			if attempts >= MaxCodeAttempts {
				refusal = ErrCodeExhausted
			} else {
				refusal = ErrCodeWrong(MaxCodeAttempts - attempts)
			}
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE contact_verifications SET verified_at = now(), attempts = attempts + 1 WHERE tenant_id = $1 AND id = $2`, tenantID, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE contact_profiles SET phone = $3, phone_verified_at = now(), updated_at = now()
			WHERE tenant_id = $1 AND person_id = $2`, tenantID, personID, address)
		return err
	})
	if err != nil {
		return fmt.Errorf("verify phone: %w", db.Classify(err))
	}
	return refusal
}

// Languages a person may choose for messages.
var Languages = []string{"it", "en"}

// SetLanguage sets the language messages are written in.
func (c *Contacts) SetLanguage(ctx context.Context, tenantID, personID, lang string) error {
	if !slices.Contains(Languages, lang) {
		return ErrLanguage
	}
	err := db.InTenant(ctx, c.pool, tenantID, func(tx pgx.Tx) error {
		if err := ensureProfile(ctx, tx, tenantID, personID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE contact_profiles SET language = $3, updated_at = now() WHERE tenant_id = $1 AND person_id = $2`,
			tenantID, personID, lang)
		return err
	})
	if err != nil {
		return fmt.Errorf("set language: %w", db.Classify(err))
	}
	return nil
}

// Preferences are the channels chosen for each kind, in fallback order,
// and whether the person ticked the news consent (in Language, the
// language the consent's text was shown in).
type Preferences struct {
	Channels    map[Kind][]Channel
	NewsConsent bool
	Language    string
}

// SetPreferences saves the channels of the kinds in p.Channels (the
// others stay as they are). Each must
// have an address the person proved (ContactError "channel_unavailable",
// Field "<kind>"); a channel twice in a kind is refused ("channel_twice").
// News on a channel needs the consent ticked; every channel that gains or
// loses news records a consent given or withdrawn, with the text shown.
func (c *Contacts) SetPreferences(ctx context.Context, tenantID, personID string, p Preferences) error {
	var refusal error
	err := db.InTenant(ctx, c.pool, tenantID, func(tx pgx.Tx) error {
		current, err := readProfile(ctx, tx, tenantID, personID)
		if err != nil {
			return err
		}
		for k := range p.Channels {
			seen := map[Channel]bool{}
			for _, ch := range p.Channels[k] {
				switch {
				case ch == ChannelInbox || !slices.Contains([]Channel{ChannelEmail, ChannelSMS, ChannelIO}, ch):
					refusal = &ContactError{Code: "channel_invalid", Field: string(k)}
				case seen[ch]:
					refusal = &ContactError{Code: "channel_twice", Field: string(k), Value: string(ch)}
				case !current.Usable(ch):
					refusal = &ContactError{Code: "channel_unavailable", Field: string(k), Value: string(ch)}
				}
				if refusal != nil {
					return nil
				}
				seen[ch] = true
			}
		}
		if len(p.Channels[KindNews]) > 0 && !p.NewsConsent {
			refusal = ErrConsentNeeded
			return nil
		}
		if err := ensureProfile(ctx, tx, tenantID, personID); err != nil {
			return err
		}
		for _, k := range Kinds {
			if _, ok := p.Channels[k]; !ok {
				continue
			}
			list := make([]string, 0, len(p.Channels[k]))
			for _, ch := range p.Channels[k] {
				list = append(list, string(ch))
			}
			if _, err := tx.Exec(ctx, `INSERT INTO contact_preferences (tenant_id, person_id, kind, channels) VALUES ($1, $2, $3, $4)
				ON CONFLICT (tenant_id, person_id, kind) DO UPDATE SET channels = EXCLUDED.channels, updated_at = now()
				WHERE contact_preferences.channels IS DISTINCT FROM EXCLUDED.channels`,
				tenantID, personID, string(k), list); err != nil {
				return err
			}
		}
		if _, ok := p.Channels[KindNews]; !ok {
			return nil
		}
		text := c.catalog.For(p.Language).T(ConsentNewsKey)
		for _, ch := range []Channel{ChannelEmail, ChannelSMS, ChannelIO} {
			want := slices.Contains(p.Channels[KindNews], ch)
			if want == current.NewsConsent[ch] {
				continue
			}
			if err := recordConsent(ctx, tx, tenantID, personID, newsPurpose(ch), want, text, p.Language); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set preferences: %w", db.Classify(err))
	}
	return refusal
}

func recordConsent(ctx context.Context, tx pgx.Tx, tenantID, personID, purpose string, granted bool, text, lang string) error {
	_, err := tx.Exec(ctx, `INSERT INTO consents (tenant_id, person_id, purpose, granted, text_shown, language)
		VALUES ($1, $2, $3, $4, $5, $6)`, tenantID, personID, purpose, granted, text, lang)
	return err
}

// SetTopics replaces the topics a person follows with slugs, which must
// be topics of the comune's catalogue.
func (c *Contacts) SetTopics(ctx context.Context, tenantID, personID string, slugs []string) error {
	if slugs == nil {
		slugs = []string{}
	}
	var refusal error
	err := db.InTenant(ctx, c.pool, tenantID, func(tx pgx.Tx) error {
		var known int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM topics WHERE tenant_id = $1 AND slug = ANY($2)`, tenantID, slugs).Scan(&known); err != nil {
			return err
		}
		if uniq := len(slices.Compact(slices.Sorted(slices.Values(slugs)))); known != uniq {
			refusal = ErrTopicUnknown
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM topic_follows WHERE tenant_id = $1 AND person_id = $2 AND NOT (topic_slug = ANY($3))`,
			tenantID, personID, slugs); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO topic_follows (tenant_id, person_id, topic_slug)
			SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`, tenantID, personID, slugs)
		return err
	})
	if err != nil {
		return fmt.Errorf("set topics: %w", db.Classify(err))
	}
	return refusal
}

// UnsubscribeLanguage checks an unsubscribe token and returns the language
// of its person's profile; an unknown token is ErrUnsubscribeBad.
func (c *Contacts) UnsubscribeLanguage(ctx context.Context, tenantID, token string) (string, error) {
	var lang string
	err := db.InTenant(ctx, c.pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT language FROM contact_profiles WHERE tenant_id = $1 AND unsubscribe_token = $2`,
			tenantID, token).Scan(&lang)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrUnsubscribeBad
	}
	if err != nil {
		return "", fmt.Errorf("unsubscribe: %w", db.Classify(err))
	}
	return lang, nil
}

// Unsubscribe stops news on every channel for the person of token, and
// records the withdrawal with text, the words shown on the page, in lang.
// Doing it twice records one more withdrawal and changes nothing else.
func (c *Contacts) Unsubscribe(ctx context.Context, tenantID, token, text, lang string) error {
	var refusal error
	err := db.InTenant(ctx, c.pool, tenantID, func(tx pgx.Tx) error {
		var personID string
		err := tx.QueryRow(ctx, `SELECT person_id::text FROM contact_profiles WHERE tenant_id = $1 AND unsubscribe_token = $2`,
			tenantID, token).Scan(&personID)
		if errors.Is(err, pgx.ErrNoRows) {
			refusal = ErrUnsubscribeBad
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO contact_preferences (tenant_id, person_id, kind, channels) VALUES ($1, $2, 'news', '{}')
			ON CONFLICT (tenant_id, person_id, kind) DO UPDATE SET channels = '{}', updated_at = now()`, tenantID, personID); err != nil {
			return err
		}
		return recordConsent(ctx, tx, tenantID, personID, "news.all", false, text, lang)
	})
	if err != nil {
		return fmt.Errorf("unsubscribe: %w", db.Classify(err))
	}
	return refusal
}
