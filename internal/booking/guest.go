package booking

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/notify"
)

// The email check of a guest: someone who books without logging in proves
// the address by typing back a 6-digit code sent there. The pending check
// is a GuestCheck the caller keeps between requests (the web layer keeps
// it in the person's session); it holds the code only as an HMAC under the
// service's secret, so what is kept reveals nothing. The code goes out as
// a queued email (notify.QueueEmail), the same path as a contact
// verification link: the development outbox or SMTP.

// Limits of the guest email check.
const (
	GuestCodeTTL      = 15 * time.Minute
	GuestCodeAttempts = 5
	// A new code for the same address is refused within GuestResendInterval
	// of the last one, and after GuestCodesPerHour codes in an hour.
	GuestResendInterval = time.Minute
	GuestCodesPerHour   = 5
)

// GuestCheck is a code on its way to a guest's address.
type GuestCheck struct {
	Email    string
	Hash     string // HMAC of the code and the address
	SentAt   time.Time
	Expires  time.Time
	Attempts int // wrong codes typed so far
}

// GuestCodeError refuses a code or a new code: Code is "wrong" (Left
// attempts left), "expired", "exhausted" (too many wrong codes), "none"
// (no code was sent) or "too_soon" (a new code asked for too often).
type GuestCodeError struct {
	Code string
	Left int
}

func (e *GuestCodeError) Error() string { return "booking: guest code " + e.Code }

// GuestMessage words the email that carries code.
type GuestMessage func(code string) notify.Email

// SendGuestCode sends a new code to email (already normalised) and
// returns the check to keep. The message is queued in the comune's
// transaction, keyed by the code so that it is sent once.
func (s *Service) SendGuestCode(ctx context.Context, tenantID, email string, word GuestMessage) (GuestCheck, error) {
	code, err := guestCode()
	if err != nil {
		return GuestCheck{}, err
	}
	now := s.now()
	chk := GuestCheck{Email: email, Hash: s.guestHash(email, code), SentAt: now, Expires: now.Add(GuestCodeTTL)}
	m := word(code)
	m.To = email
	var refused error
	err = db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		// The database's clock, like the deliveries' created_at.
		var recent int
		var tooSoon bool
		if err := tx.QueryRow(ctx, `SELECT count(*), coalesce(max(created_at) > now() - $3::interval, false) FROM deliveries
			WHERE tenant_id = $1 AND channel = 'email' AND address = $2 AND message_key LIKE 'booking-guest:%'
				AND created_at > now() - interval '1 hour'`, tenantID, email,
			fmt.Sprintf("%d seconds", int(GuestResendInterval.Seconds()))).Scan(&recent, &tooSoon); err != nil {
			return err
		}
		if recent >= GuestCodesPerHour || tooSoon {
			refused = &GuestCodeError{Code: "too_soon"}
			return nil
		}
		return notify.QueueEmail(ctx, tx, s.inserter, tenantID, "", "", "booking-guest:"+chk.Hash[:32], m)
	})
	if err != nil {
		return GuestCheck{}, fmt.Errorf("send guest code: %w", db.Classify(err))
	}
	if refused != nil {
		return GuestCheck{}, refused
	}
	return chk, nil
}

// CheckGuestCode checks code against chk, counting a wrong one in
// chk.Attempts (the caller keeps chk again, refused or not). After
// GuestCodeAttempts wrong codes, or once expired, the code is dead.
func (s *Service) CheckGuestCode(chk *GuestCheck, code string) error {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	switch {
	case chk == nil || chk.Hash == "":
		return &GuestCodeError{Code: "none"}
	case chk.Attempts >= GuestCodeAttempts:
		return &GuestCodeError{Code: "exhausted"}
	case !s.now().Before(chk.Expires):
		return &GuestCodeError{Code: "expired"}
	}
	if !hmac.Equal([]byte(s.guestHash(chk.Email, code)), []byte(chk.Hash)) {
		chk.Attempts++
		if chk.Attempts >= GuestCodeAttempts {
			return &GuestCodeError{Code: "exhausted"}
		}
		return &GuestCodeError{Code: "wrong", Left: GuestCodeAttempts - chk.Attempts}
	}
	return nil
}

func (s *Service) guestHash(email, code string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("guest-code\x00" + strings.ToLower(email) + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

func guestCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}
