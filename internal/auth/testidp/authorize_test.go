package testidp_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/civica/civica/internal/auth/testidp"
)

// wantErrorRedirect checks that resp sends the browser back to the client
// with the given OAuth error and the request's state.
func (b *bundle) wantErrorRedirect(t *testing.T, resp *http.Response, code string) {
	t.Helper()
	wantStatus(t, resp, http.StatusFound)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != b.redirectURI {
		t.Errorf("redirected to %q, want %q", got, b.redirectURI)
	}
	q := loc.Query()
	if q.Get("error") != code || q.Get("state") != "state-123" || q.Get("iss") != b.issuer {
		t.Errorf("redirect query = %v, want error %q, state and iss", q, code)
	}
	if q.Get("error_description") == "" {
		t.Error("error_description is empty")
	}
}

// wantErrorPage checks that resp is a 400 page that does not redirect.
func wantErrorPage(t *testing.T, resp *http.Response) {
	t.Helper()
	wantStatus(t, resp, http.StatusBadRequest)
	if loc := resp.Header.Get("Location"); loc != "" {
		t.Errorf("redirected to %q; an unverified client must not be redirected", loc)
	}
}

func TestAuthorize(t *testing.T) {
	t.Parallel()

	t.Run("ShowsLoginPage", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		resp := b.get(t, "/authorize", b.authorizeQuery())
		wantStatus(t, resp, http.StatusOK)
		page := decodeJSON[testidp.LoginPage](t, resp)
		if len(page.Identities) != len(testidp.DefaultIdentities()) || page.Action != b.issuer+"/authorize" ||
			page.ClientID != b.clientID || page.ACR != "https://www.spid.gov.it/SpidL2" || page.Hidden["req"] == "" || page.Error != "" {
			t.Errorf("page = %+v", page)
		}
	})
	t.Run("ErrUnknownClient", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := b.authorizeQuery()
		q.Set("client_id", "https://elsewhere.example/")
		wantErrorPage(t, b.get(t, "/authorize", q))
	})
	t.Run("ErrWrongRedirectURI", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := b.authorizeQuery()
		q.Set("redirect_uri", "https://attacker.example/callback")
		wantErrorPage(t, b.get(t, "/authorize", q))
	})
	t.Run("ErrMissingNonce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := b.authorizeQuery()
		q.Del("nonce")
		b.wantErrorRedirect(t, b.get(t, "/authorize", q), "invalid_request")
	})
	t.Run("ErrShortNonce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := b.authorizeQuery()
		q.Set("nonce", strings.Repeat("n", 31))
		b.wantErrorRedirect(t, b.get(t, "/authorize", q), "invalid_request")
	})
	t.Run("ErrMissingCodeChallenge", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := b.authorizeQuery()
		q.Del("code_challenge")
		b.wantErrorRedirect(t, b.get(t, "/authorize", q), "invalid_request")
	})
	t.Run("ErrPlainCodeChallengeMethod", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := b.authorizeQuery()
		q.Set("code_challenge_method", "plain")
		b.wantErrorRedirect(t, b.get(t, "/authorize", q), "invalid_request")
	})
	t.Run("ErrUnsupportedACR", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := b.authorizeQuery()
		q.Set("acr_values", "urn:example:loa:high")
		b.wantErrorRedirect(t, b.get(t, "/authorize", q), "invalid_request")
	})
}

// requestObject returns a request object carrying every parameter of q.
func (b *bundle) requestObject(q url.Values) map[string]any {
	now := time.Now()
	obj := map[string]any{
		"iss": b.clientID,
		"aud": []string{b.issuer, b.issuer + "/authorize"},
		"iat": jwt.NewNumericDate(now),
		"exp": jwt.NewNumericDate(now.Add(time.Minute)),
		"jti": "request-1",
	}
	for k := range q {
		obj[k] = q.Get(k)
	}
	return obj
}

// withRequestObject returns the query a profile client sends: the
// parameters inside the signed request object, and only client_id,
// response_type and scope in the clear.
func withRequestObject(q url.Values, raw string) url.Values {
	return url.Values{
		"client_id":     {q.Get("client_id")},
		"response_type": {q.Get("response_type")},
		"scope":         {q.Get("scope")},
		"request":       {raw},
	}
}

func TestAuthorize_RequestObject(t *testing.T) {
	t.Parallel()

	t.Run("ParametersFromObject", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := b.authorizeQuery()
		q.Set("acr_values", "https://www.spid.gov.it/SpidL3")
		raw := sign(t, b.clientKey, b.requestObject(q))
		resp := b.get(t, "/authorize", withRequestObject(q, raw))
		wantStatus(t, resp, http.StatusOK)
		if page := decodeJSON[testidp.LoginPage](t, resp); page.ACR != "https://www.spid.gov.it/SpidL3" {
			t.Errorf("ACR = %q, want the one from the request object", page.ACR)
		}
	})
	t.Run("ErrSignedByOtherKey", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := b.authorizeQuery()
		raw := sign(t, generateKey(t), b.requestObject(q))
		// redirect_uri and state in the clear let the error reach the client.
		clear := withRequestObject(q, raw)
		clear.Set("redirect_uri", b.redirectURI)
		clear.Set("state", "state-123")
		b.wantErrorRedirect(t, b.get(t, "/authorize", clear), "invalid_request")
	})
	t.Run("ErrDiffersFromQuery", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := b.authorizeQuery()
		raw := sign(t, b.clientKey, b.requestObject(q))
		q.Set("nonce", strings.Repeat("m", 32))
		q.Set("request", raw)
		b.wantErrorRedirect(t, b.get(t, "/authorize", q), "invalid_request")
	})
	t.Run("ErrRedirectURIOnlyInInvalidObject", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		q := b.authorizeQuery()
		raw := sign(t, generateKey(t), b.requestObject(q))
		wantErrorPage(t, b.get(t, "/authorize", withRequestObject(q, raw)))
	})
}

func TestLoginForm(t *testing.T) {
	t.Parallel()

	t.Run("ErrNoIdentity", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		page := decodeJSON[testidp.LoginPage](t, b.get(t, "/authorize", b.authorizeQuery()))
		resp := b.postForm(t, "/authorize", url.Values{"req": {page.Hidden["req"]}})
		wantStatus(t, resp, http.StatusUnprocessableEntity)
		again := decodeJSON[testidp.LoginPage](t, resp)
		if again.Error != "no_identity" || again.Hidden["req"] != page.Hidden["req"] {
			t.Errorf("page = %+v, want error no_identity and the same handle", again)
		}
	})
	t.Run("ErrUnknownRequest", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		wantErrorPage(t, b.postForm(t, "/authorize", url.Values{"req": {"forged"}, "identity": {"mario-rossi"}}))
	})
	t.Run("IssuesCodeOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		page := decodeJSON[testidp.LoginPage](t, b.get(t, "/authorize", b.authorizeQuery()))
		form := url.Values{"req": {page.Hidden["req"]}, "identity": {"mario-rossi"}}
		resp := b.postForm(t, "/authorize", form)
		wantStatus(t, resp, http.StatusFound)
		loc, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		if q := loc.Query(); q.Get("code") == "" || q.Get("state") != "state-123" || q.Get("iss") != b.issuer {
			t.Errorf("callback query = %v", q)
		}
		wantErrorPage(t, b.postForm(t, "/authorize", form))
	})
}
