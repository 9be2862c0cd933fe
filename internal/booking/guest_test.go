package booking_test

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/notify"
)

func guestMessage(code string) notify.Email {
	return notify.Email{Subject: "Codice", Body: "Il tuo codice è " + code + "."}
}

// sentCode is the code in the last email to address.
func (f *fixture) sentCode(t *testing.T, address string) string {
	t.Helper()
	ctx := context.Background()
	var body string
	if err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT body FROM deliveries WHERE channel = 'email' AND address = $1
			ORDER BY created_at DESC LIMIT 1`, address).Scan(&body)
	}); err != nil {
		t.Fatalf("no email to %s: %v", address, err)
	}
	code := regexp.MustCompile(`\d{6}`).FindString(body)
	if code == "" {
		t.Fatalf("no code in %q", body)
	}
	return code
}

func wantCodeError(t *testing.T, err error, code string, left int) {
	t.Helper()
	var ge *booking.GuestCodeError
	if !errors.As(err, &ge) || ge.Code != code || ge.Left != left {
		t.Fatalf("got %v, want guest code error %s (left %d)", err, code, left)
	}
}

func TestGuestCode_SentByEmailAndCheckedOnce(t *testing.T) {
	t.Parallel()
	now := rome(2027, time.March, 1, 8, 0)
	f := setup(t, now)
	chk, err := f.svc.SendGuestCode(context.Background(), f.tenant, "anna@example.it", guestMessage)
	if err != nil {
		t.Fatal(err)
	}
	if chk.Email != "anna@example.it" || !chk.Expires.Equal(now.Add(booking.GuestCodeTTL)) {
		t.Fatalf("check %+v", chk)
	}
	code := f.sentCode(t, "anna@example.it")
	if chk.Hash == "" || regexp.MustCompile(code).MatchString(chk.Hash) {
		t.Errorf("the check keeps the code in the clear: %q", chk.Hash)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	wantCodeError(t, f.svc.CheckGuestCode(&chk, wrong), "wrong", booking.GuestCodeAttempts-1)
	if err := f.svc.CheckGuestCode(&chk, " "+code[:3]+" "+code[3:]); err != nil {
		t.Fatalf("the right code, spaced: %v", err)
	}
	other := chk
	other.Email = "mallory@example.it"
	wantCodeError(t, f.svc.CheckGuestCode(&other, code), "wrong", booking.GuestCodeAttempts-2)
}

func TestGuestCode_ExpiresAndDiesAfterTooManyAttempts(t *testing.T) {
	t.Parallel()
	now := rome(2027, time.March, 1, 8, 0)
	f := setup(t, now)
	chk, err := f.svc.SendGuestCode(context.Background(), f.tenant, "bea@example.it", guestMessage)
	if err != nil {
		t.Fatal(err)
	}
	code := f.sentCode(t, "bea@example.it")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	exhausted := chk
	for i := 1; i < booking.GuestCodeAttempts; i++ {
		wantCodeError(t, f.svc.CheckGuestCode(&exhausted, wrong), "wrong", booking.GuestCodeAttempts-i)
	}
	wantCodeError(t, f.svc.CheckGuestCode(&exhausted, wrong), "exhausted", 0)
	wantCodeError(t, f.svc.CheckGuestCode(&exhausted, code), "exhausted", 0)

	f.clock.Set(now.Add(booking.GuestCodeTTL))
	wantCodeError(t, f.svc.CheckGuestCode(&chk, code), "expired", 0)
	wantCodeError(t, f.svc.CheckGuestCode(nil, code), "none", 0)
}

func TestGuestCode_NewCodeRefusedTooSoon(t *testing.T) {
	t.Parallel()
	f := setup(t, rome(2027, time.March, 1, 8, 0))
	ctx := context.Background()
	if _, err := f.svc.SendGuestCode(ctx, f.tenant, "carla@example.it", guestMessage); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.SendGuestCode(ctx, f.tenant, "carla@example.it", guestMessage)
	wantCodeError(t, err, "too_soon", 0)
	// Another address, or another comune, is not held back.
	if _, err := f.svc.SendGuestCode(ctx, f.tenant, "dario@example.it", guestMessage); err != nil {
		t.Errorf("another address: %v", err)
	}
	if _, err := f.svc.SendGuestCode(ctx, f.other, "carla@example.it", guestMessage); err != nil {
		t.Errorf("another comune: %v", err)
	}
}
