package testidp_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/civica/civica/internal/auth/testidp"
)

// bundle is a running provider with one registered client.
type bundle struct {
	idp         *testidp.Provider
	issuer      string
	clientID    string
	redirectURI string
	clientKey   *rsa.PrivateKey
	verifier    string // PKCE verifier matching authorizeQuery's challenge
	browser     *http.Client
}

func setup(t *testing.T) *bundle {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	b := &bundle{
		issuer:      srv.URL + "/idp",
		clientID:    "https://civica.example/verdemare/",
		redirectURI: "https://civica.example/verdemare/auth/callback",
		clientKey:   generateKey(t),
		verifier:    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
		browser: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
	idp, err := testidp.New(testidp.Config{
		Issuer: b.issuer,
		LookupClient: func(_ context.Context, clientID string) (testidp.Client, error) {
			if clientID != b.clientID {
				return testidp.Client{}, errors.New("unknown client")
			}
			return testidp.Client{ID: b.clientID, RedirectURIs: []string{b.redirectURI}, Keys: publicJWKS(b.clientKey)}, nil
		},
		RenderLogin: renderLoginJSON,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	b.idp = idp
	mux.Handle("/idp/", idp)
	return b
}

// renderLoginJSON stands in for the host application's template: it
// writes the view model as JSON, with the status the contract asks for.
func renderLoginJSON(w http.ResponseWriter, _ *http.Request, page testidp.LoginPage) {
	w.Header().Set("Content-Type", "application/json")
	if page.Error != "" {
		w.WriteHeader(http.StatusUnprocessableEntity)
	}
	_ = json.NewEncoder(w).Encode(page)
}

func generateKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	return key
}

func publicJWKS(key *rsa.PrivateKey) jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "client-key", Algorithm: "RS256", Use: "sig"}}}
}

// sign returns claims signed RS256 by key, with the kid publicJWKS uses.
func sign(t *testing.T, key *rsa.PrivateKey, claims any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "client-key"}}, nil)
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return raw
}

// authorizeQuery returns a valid authorization request without a request
// object; tests change one parameter to probe one rule.
func (b *bundle) authorizeQuery() url.Values {
	sum := sha256.Sum256([]byte(b.verifier))
	return url.Values{
		"client_id":             {b.clientID},
		"response_type":         {"code"},
		"scope":                 {"openid"},
		"redirect_uri":          {b.redirectURI},
		"state":                 {"state-123"},
		"nonce":                 {strings.Repeat("n", 32)},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
		"acr_values":            {"https://www.spid.gov.it/SpidL2"},
	}
}

func (b *bundle) do(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := b.browser.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func (b *bundle) get(t *testing.T, path string, query url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.issuer+path+"?"+query.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.do(t, req)
}

func (b *bundle) postForm(t *testing.T, path string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.issuer+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, req)
}

// clientAssertion returns a private_key_jwt assertion for the token
// endpoint, signed by key.
func (b *bundle) clientAssertion(t *testing.T, key *rsa.PrivateKey, jti string) string {
	t.Helper()
	now := time.Now()
	return sign(t, key, jwt.Claims{
		Issuer:   b.clientID,
		Subject:  b.clientID,
		Audience: jwt.Audience{b.issuer + "/token"},
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(time.Minute)),
		ID:       jti,
	})
}

func decodeJSON[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
	return v
}

func wantStatus(t *testing.T, resp *http.Response, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d", resp.StatusCode, status)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	valid := func() testidp.Config {
		return testidp.Config{
			Issuer:       "http://localhost:8080/idp",
			LookupClient: func(context.Context, string) (testidp.Client, error) { return testidp.Client{}, nil },
			RenderLogin:  renderLoginJSON,
			SigningKey:   generateKey(t),
		}
	}
	for name, mutate := range map[string]func(*testidp.Config){
		"RelativeIssuer":      func(c *testidp.Config) { c.Issuer = "/idp" },
		"IssuerTrailingSlash": func(c *testidp.Config) { c.Issuer = "http://localhost:8080/idp/" },
		"NoLookupClient":      func(c *testidp.Config) { c.LookupClient = nil },
		"NoRenderLogin":       func(c *testidp.Config) { c.RenderLogin = nil },
		"DuplicateIdentity": func(c *testidp.Config) {
			c.Identities = append(testidp.DefaultIdentities(), testidp.DefaultIdentities()[0])
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := valid()
			mutate(&cfg)
			if _, err := testidp.New(cfg); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
	t.Run("Valid", func(t *testing.T) {
		t.Parallel()
		if _, err := testidp.New(valid()); err != nil {
			t.Errorf("New: %v", err)
		}
	})
}

func TestServeHTTP(t *testing.T) {
	t.Parallel()

	t.Run("FullPath", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		wantStatus(t, b.get(t, "/.well-known/openid-configuration", nil), http.StatusOK)
	})
	t.Run("StrippedPath", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		srv := httptest.NewServer(http.StripPrefix("/idp", b.idp))
		t.Cleanup(srv.Close)
		resp, err := srv.Client().Get(srv.URL + "/idp/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		wantStatus(t, resp, http.StatusOK)
	})
	t.Run("UnknownPath", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		wantStatus(t, b.get(t, "/nowhere", nil), http.StatusNotFound)
	})
	t.Run("WrongMethod", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		resp := b.get(t, "/token", nil)
		wantStatus(t, resp, http.StatusMethodNotAllowed)
		if got := resp.Header.Get("Allow"); got != http.MethodPost {
			t.Errorf("Allow = %q", got)
		}
	})
}

func TestDiscovery(t *testing.T) {
	t.Parallel()
	b := setup(t)

	resp := b.get(t, "/.well-known/openid-configuration", nil)
	wantStatus(t, resp, http.StatusOK)
	meta := decodeJSON[map[string]any](t, resp)

	for field, want := range map[string]any{
		"issuer":                                b.issuer,
		"authorization_endpoint":                b.issuer + "/authorize",
		"token_endpoint":                        b.issuer + "/token",
		"userinfo_endpoint":                     b.issuer + "/userinfo",
		"revocation_endpoint":                   b.issuer + "/revoke",
		"jwks_uri":                              b.issuer + "/jwks",
		"request_parameter_supported":           true,
		"code_challenge_methods_supported":      []any{"S256"},
		"token_endpoint_auth_methods_supported": []any{"private_key_jwt"},
		"acr_values_supported": []any{
			"https://www.spid.gov.it/SpidL1", "https://www.spid.gov.it/SpidL2", "https://www.spid.gov.it/SpidL3",
		},
	} {
		if got, _ := json.Marshal(meta[field]); string(got) != mustJSON(t, want) {
			t.Errorf("%s = %s, want %s", field, got, mustJSON(t, want))
		}
	}
	claims, _ := json.Marshal(meta["claims_supported"])
	for _, c := range []string{`"fiscal_number"`, `"https://attributes.eid.gov.it/fiscal_number"`} {
		if !strings.Contains(string(claims), c) {
			t.Errorf("claims_supported %s lacks %s", claims, c)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEntityConfiguration(t *testing.T) {
	t.Parallel()
	b := setup(t)

	resp := b.get(t, "/.well-known/openid-federation", nil)
	wantStatus(t, resp, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); ct != "application/entity-statement+jwt" {
		t.Errorf("Content-Type = %q", ct)
	}
	var raw strings.Builder
	if _, err := io.Copy(&raw, resp.Body); err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.ParseSigned(raw.String(), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if typ := tok.Headers[0].ExtraHeaders["typ"]; typ != "entity-statement+jwt" {
		t.Errorf("typ = %v", typ)
	}
	jwks := decodeJSON[jose.JSONWebKeySet](t, b.get(t, "/jwks", nil))
	keys := jwks.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q not in /jwks", tok.Headers[0].KeyID)
	}
	var claims struct {
		jwt.Claims
		Metadata struct {
			OpenIDProvider struct {
				Issuer string `json:"issuer"`
			} `json:"openid_provider"`
		} `json:"metadata"`
	}
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if claims.Issuer != b.issuer || claims.Subject != b.issuer || claims.Metadata.OpenIDProvider.Issuer != b.issuer {
		t.Errorf("iss %q, sub %q, metadata issuer %q; want %q", claims.Issuer, claims.Subject, claims.Metadata.OpenIDProvider.Issuer, b.issuer)
	}
	if err := claims.Validate(jwt.Expected{Time: time.Now()}); err != nil {
		t.Errorf("validity: %v", err)
	}
}
