package oidcrp_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/civica/civica/internal/auth/oidcrp"
)

func TestNewAuthRequest(t *testing.T) {
	t.Parallel()
	a, b := oidcrp.NewAuthRequest(""), oidcrp.NewAuthRequest(oidcrp.ACRSpidL3)
	if a.ACR != oidcrp.ACRSpidL2 || b.ACR != oidcrp.ACRSpidL3 {
		t.Errorf("ACR = %q, %q; want the default SpidL2, then SpidL3", a.ACR, b.ACR)
	}
	if len(a.Nonce) < 32 || a.State == "" || a.CodeVerifier == "" {
		t.Errorf("request %+v: want a state, a verifier and a nonce of at least 32 characters", a)
	}
	if a.State == b.State || a.Nonce == b.Nonce || a.CodeVerifier == b.CodeVerifier || a.State == a.Nonce {
		t.Error("secrets repeat")
	}
	for _, v := range []string{a.State, a.Nonce, a.CodeVerifier} {
		if url.QueryEscape(v) != v {
			t.Errorf("%q is not URL-safe", v)
		}
	}
}

func TestAuthCodeURL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	req := oidcrp.NewAuthRequest(oidcrp.ACRSpidL2)
	raw, err := b.client.AuthCodeURL(context.Background(), req)
	if err != nil {
		t.Fatalf("AuthCodeURL: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	want := map[string]string{
		"client_id":             b.client.ClientID,
		"response_type":         "code",
		"scope":                 "openid",
		"redirect_uri":          b.client.RedirectURL,
		"state":                 req.State,
		"nonce":                 req.Nonce,
		"acr_values":            oidcrp.ACRSpidL2,
		"prompt":                "consent login",
		"code_challenge":        oauth2.S256ChallengeFromVerifier(req.CodeVerifier),
		"code_challenge_method": "S256",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("query %s = %q, want %q", k, q.Get(k), v)
		}
	}

	tok, err := jwt.ParseSigned(q.Get("request"), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("request object: %v", err)
	}
	var std jwt.Claims
	var claims map[string]any
	if err := tok.Claims(b.client.PublicJWKS().Keys[0].Key, &std, &claims); err != nil {
		t.Fatalf("request object does not verify with the client's key: %v", err)
	}
	expected := jwt.Expected{Issuer: b.client.ClientID, AnyAudience: jwt.Audience{b.issuer}, Time: time.Now()}
	if err := std.Validate(expected); err != nil || std.ID == "" || std.Expiry == nil {
		t.Errorf("request object claims %+v: %v", std, err)
	}
	if !std.Audience.Contains(b.issuer + "/authorize") {
		t.Errorf("aud = %v, want the authorization endpoint too", std.Audience)
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("request object %s = %v, want %q", k, claims[k], v)
		}
	}
	if _, ok := claims["claims"]; !ok {
		t.Error("request object has no claims request")
	}
}

func TestEntityConfiguration(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Now()
	raw, err := oidcrp.EntityConfiguration(b.client, "Città di Verdemare", "https://verdemare.example", []string{"https://trust-anchor.example"}, now)
	if err != nil {
		t.Fatalf("EntityConfiguration: %v", err)
	}
	tok, err := jwt.ParseSigned(string(raw), []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if typ := tok.Headers[0].ExtraHeaders["typ"]; typ != "entity-statement+jwt" {
		t.Errorf("typ = %v", typ)
	}
	var ec struct {
		jwt.Claims
		JWKS           jose.JSONWebKeySet `json:"jwks"`
		AuthorityHints []string           `json:"authority_hints"`
		Metadata       struct {
			RP struct {
				ClientID                string             `json:"client_id"`
				JWKS                    jose.JSONWebKeySet `json:"jwks"`
				RedirectURIs            []string           `json:"redirect_uris"`
				TokenEndpointAuthMethod string             `json:"token_endpoint_auth_method"`
				ClientRegistrationTypes []string           `json:"client_registration_types"`
			} `json:"openid_relying_party"`
			FederationEntity struct {
				OrganizationName string `json:"organization_name"`
			} `json:"federation_entity"`
		} `json:"metadata"`
	}
	if err := tok.Claims(b.client.PublicJWKS().Keys[0].Key, &ec); err != nil {
		t.Fatalf("does not verify with the client's key: %v", err)
	}
	id := b.client.ClientID
	if ec.Issuer != id || ec.Subject != id || ec.Metadata.RP.ClientID != id {
		t.Errorf("iss %q, sub %q, client_id %q; want %q", ec.Issuer, ec.Subject, ec.Metadata.RP.ClientID, id)
	}
	if err := ec.Claims.Validate(jwt.Expected{Time: now}); err != nil {
		t.Errorf("validity: %v", err)
	}
	rp := ec.Metadata.RP
	if len(ec.JWKS.Keys) != 1 || len(rp.JWKS.Keys) != 1 || len(rp.RedirectURIs) != 1 || rp.RedirectURIs[0] != b.client.RedirectURL ||
		rp.TokenEndpointAuthMethod != "private_key_jwt" || len(rp.ClientRegistrationTypes) != 1 ||
		len(ec.AuthorityHints) != 1 || ec.Metadata.FederationEntity.OrganizationName != "Città di Verdemare" {
		t.Errorf("entity configuration = %+v", ec)
	}
}
