package testidp_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

type oauthError struct {
	Error string `json:"error"`
}

func wantOAuthError(t *testing.T, resp *http.Response, status int, code string) {
	t.Helper()
	wantStatus(t, resp, status)
	if got := decodeJSON[oauthError](t, resp); got.Error != code {
		t.Errorf("error = %q, want %q", got.Error, code)
	}
}

func (b *bundle) tokenForm(assertion string) url.Values {
	return url.Values{
		"grant_type":            {"authorization_code"},
		"code":                  {"no-such-code"},
		"redirect_uri":          {b.redirectURI},
		"code_verifier":         {b.verifier},
		"client_id":             {b.clientID},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
}

func TestToken(t *testing.T) {
	t.Parallel()

	t.Run("ErrReplayedAssertion", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		form := b.tokenForm(b.clientAssertion(t, b.clientKey, "jti-1"))
		// The first use authenticates the client, then fails on the code.
		wantOAuthError(t, b.postForm(t, "/token", form), http.StatusBadRequest, "invalid_grant")
		wantOAuthError(t, b.postForm(t, "/token", form), http.StatusUnauthorized, "invalid_client")
	})
	t.Run("ErrAssertionForOtherAudience", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		assertion := sign(t, b.clientKey, jwt.Claims{
			Issuer: b.clientID, Subject: b.clientID, ID: "jti-1",
			Audience: jwt.Audience{"https://other-provider.example/token"},
			Expiry:   jwt.NewNumericDate(time.Now().Add(time.Minute)),
		})
		wantOAuthError(t, b.postForm(t, "/token", b.tokenForm(assertion)), http.StatusUnauthorized, "invalid_client")
	})
	t.Run("ErrNoClientAuthentication", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		form := b.tokenForm("")
		form.Del("client_assertion_type")
		wantOAuthError(t, b.postForm(t, "/token", form), http.StatusUnauthorized, "invalid_client")
	})
}

func TestUserInfo(t *testing.T) {
	t.Parallel()

	t.Run("ErrUnknownToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req, err := http.NewRequest(http.MethodGet, b.issuer+"/userinfo", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer forged")
		resp := b.do(t, req)
		wantOAuthError(t, resp, http.StatusUnauthorized, "invalid_token")
		if resp.Header.Get("WWW-Authenticate") == "" {
			t.Error("WWW-Authenticate is missing")
		}
	})
	t.Run("ErrPost", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		wantStatus(t, b.postForm(t, "/userinfo", url.Values{}), http.StatusMethodNotAllowed)
	})
}
