package oidcrp_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"

	"github.com/civica/civica/internal/auth/oidcrp"
	"github.com/civica/civica/internal/auth/testidp"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	req := oidcrp.NewAuthRequest(oidcrp.ACRSpidL2)

	page := b.openLoginPage(t, req)
	if len(page.Identities) != len(testidp.DefaultIdentities()) || page.ClientID != b.client.ClientID ||
		page.ACR != oidcrp.ACRSpidL2 || page.Action != b.issuer+"/authorize" || page.Hidden["req"] == "" {
		t.Fatalf("login page = %+v", page)
	}
	q := b.submitLoginPage(t, page, url.Values{"identity": {"mario-rossi"}})
	if err := oidcrp.CallbackError(q); err != nil {
		t.Fatalf("CallbackError: %v", err)
	}
	if err := oidcrp.CheckState(q.Get("state"), req.State); err != nil {
		t.Fatalf("CheckState: %v", err)
	}
	if q.Get("iss") != b.issuer {
		t.Errorf("iss = %q, want %q", q.Get("iss"), b.issuer)
	}

	identity, accessToken, err := b.client.Exchange(ctx, q.Get("code"), req)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	want := oidcrp.Identity{
		Subject:    identity.Subject, // opaque; checked below
		GivenName:  "Mario",
		FamilyName: "Rossi",
		FiscalCode: "RSSMRA85T10H501O",
		Email:      "mario.rossi@example.it",
		Phone:      "+393330000001",
		ACR:        oidcrp.ACRSpidL2,
	}
	if identity != want {
		t.Errorf("identity = %+v, want %+v", identity, want)
	}
	if identity.Subject == "" || accessToken == "" {
		t.Errorf("subject %q, access token %q: want both set", identity.Subject, accessToken)
	}

	t.Run("SameSubjectNextTime", func(t *testing.T) {
		req := oidcrp.NewAuthRequest(oidcrp.ACRSpidL2)
		again, _, err := b.client.Exchange(ctx, b.login(t, req, "mario-rossi"), req)
		if err != nil {
			t.Fatalf("Exchange: %v", err)
		}
		if again.Subject != identity.Subject {
			t.Errorf("subject changed from %q to %q", identity.Subject, again.Subject)
		}
	})
}

func TestExchange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("ErrWrongCodeVerifier", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := oidcrp.NewAuthRequest("")
		code := b.login(t, req, "mario-rossi")
		req.CodeVerifier = oidcrp.NewAuthRequest("").CodeVerifier
		_, _, err := b.client.Exchange(ctx, code, req)
		wantProviderError(t, err, "invalid_grant")
	})
	t.Run("ErrCodeReused", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := oidcrp.NewAuthRequest("")
		code := b.login(t, req, "mario-rossi")
		if _, _, err := b.client.Exchange(ctx, code, req); err != nil {
			t.Fatalf("first Exchange: %v", err)
		}
		_, _, err := b.client.Exchange(ctx, code, req)
		wantProviderError(t, err, "invalid_grant")
	})
	t.Run("ErrWrongClientKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := oidcrp.NewAuthRequest("")
		code := b.login(t, req, "mario-rossi")
		impostor := *b.client
		impostor.Key = generateKey(t)
		_, _, err := impostor.Exchange(ctx, code, req)
		wantProviderError(t, err, "invalid_client")
	})
	t.Run("ErrNonceMismatch", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := oidcrp.NewAuthRequest("")
		code := b.login(t, req, "mario-rossi")
		req.Nonce = oidcrp.NewAuthRequest("").Nonce
		if _, _, err := b.client.Exchange(ctx, code, req); !errors.Is(err, oidcrp.ErrNonceMismatch) {
			t.Fatalf("err = %v, want ErrNonceMismatch", err)
		}
	})
}

func TestCheckState(t *testing.T) {
	t.Parallel()
	req := oidcrp.NewAuthRequest("")
	for name, tc := range map[string]struct {
		got, want string
		err       error
	}{
		"Match":               {req.State, req.State, nil},
		"ErrStateMismatch":    {oidcrp.NewAuthRequest("").State, req.State, oidcrp.ErrStateMismatch},
		"ErrNoLoginStarted":   {"", "", oidcrp.ErrStateMismatch},
		"ErrMissingInBrowser": {"", req.State, oidcrp.ErrStateMismatch},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := oidcrp.CheckState(tc.got, tc.want); !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Errorf("CheckState = %v, want %v", err, tc.err)
			}
		})
	}
}

func TestCallbackError(t *testing.T) {
	t.Parallel()

	t.Run("ErrProviderErrorOnCancel", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := oidcrp.NewAuthRequest("")
		q := b.submitLoginPage(t, b.openLoginPage(t, req), url.Values{"cancel": {"1"}})
		wantProviderError(t, oidcrp.CallbackError(q), "access_denied")
		if err := oidcrp.CheckState(q.Get("state"), req.State); err != nil {
			t.Errorf("CheckState: %v", err)
		}
	})
	t.Run("ErrMissingCode", func(t *testing.T) {
		t.Parallel()
		if err := oidcrp.CallbackError(url.Values{"state": {"s"}}); !errors.Is(err, oidcrp.ErrMissingCode) {
			t.Errorf("CallbackError = %v, want ErrMissingCode", err)
		}
	})
	t.Run("Code", func(t *testing.T) {
		t.Parallel()
		if err := oidcrp.CallbackError(url.Values{"code": {"c"}, "state": {"s"}}); err != nil {
			t.Errorf("CallbackError = %v, want nil", err)
		}
	})
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	req := oidcrp.NewAuthRequest("")
	_, accessToken, err := b.client.Exchange(ctx, b.login(t, req, "giulia-bianchi"), req)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	userInfo := func() int {
		httpReq, err := http.NewRequest(http.MethodGet, b.issuer+"/userinfo", nil)
		if err != nil {
			t.Fatal(err)
		}
		httpReq.Header.Set("Authorization", "Bearer "+accessToken)
		return b.do(t, httpReq).StatusCode
	}
	if status := userInfo(); status != http.StatusOK {
		t.Fatalf("userinfo before revocation: status %d", status)
	}

	if err := b.client.Revoke(ctx, accessToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if status := userInfo(); status != http.StatusUnauthorized {
		t.Errorf("userinfo after revocation: status %d, want 401", status)
	}
	if err := b.client.Revoke(ctx, accessToken); err != nil {
		t.Errorf("Revoke twice: %v; revoking an unknown token succeeds", err)
	}
}

func TestProvider_LazyDiscovery(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	req := oidcrp.NewAuthRequest("")

	b.up.Store(false)
	if _, err := b.client.AuthCodeURL(ctx, req); !errors.Is(err, oidcrp.ErrProviderUnavailable) {
		t.Fatalf("AuthCodeURL while down: err = %v, want ErrProviderUnavailable", err)
	}
	if err := b.client.Revoke(ctx, "token"); !errors.Is(err, oidcrp.ErrProviderUnavailable) {
		t.Fatalf("Revoke while down: err = %v, want ErrProviderUnavailable", err)
	}

	b.up.Store(true)
	if _, _, err := b.client.Exchange(ctx, b.login(t, req, "luca-esposito"), req); err != nil {
		t.Fatalf("login once up: %v", err)
	}
}
