package testidp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// clientAssertionType is the only client authentication the profile
// allows: private_key_jwt (RFC 7523).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// clockLeeway tolerates clock skew between the relying party and the
// provider when checking exp and iat.
const clockLeeway = 30 * time.Second

// verifyClientJWT checks that raw is a JWS signed RS256 with one of the
// client's keys (the one named by kid, or any when the header has none)
// and decodes its claims into dest.
func verifyClientJWT(raw string, keys jose.JSONWebKeySet, dest ...any) error {
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return fmt.Errorf("parse JWT: %w", err)
	}
	candidates := keys.Keys
	if kid := tok.Headers[0].KeyID; kid != "" {
		candidates = keys.Key(kid)
	}
	for _, k := range candidates {
		if k.Use == "enc" {
			continue
		}
		if err := tok.Claims(k.Key, dest...); err == nil {
			return nil
		}
	}
	return errors.New("signature does not verify with any of the client's keys")
}

// authenticateClient authenticates the client calling the token or
// revocation endpoint with private_key_jwt. The assertion must be signed by
// the client's key, have iss and sub equal to the client id, an aud naming
// the issuer, the token endpoint or the endpoint being called, a future
// exp, and a jti never seen before from that client. An error means
// invalid_client.
func (p *Provider) authenticateClient(ctx context.Context, form url.Values, endpoint string) (Client, error) {
	if form.Get("client_assertion_type") != clientAssertionType {
		return Client{}, errors.New("client_assertion_type must be " + clientAssertionType)
	}
	raw := form.Get("client_assertion")
	if raw == "" {
		return Client{}, errors.New("client_assertion is missing")
	}

	// The client id comes from the unverified assertion, only to find the
	// keys that then verify it.
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return Client{}, fmt.Errorf("client_assertion: %w", err)
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return Client{}, fmt.Errorf("client_assertion: %w", err)
	}
	clientID := unverified.Issuer
	if id := form.Get("client_id"); id != "" && id != clientID {
		return Client{}, errors.New("client_id does not match the client_assertion issuer")
	}
	client, err := p.lookup(ctx, clientID)
	if err != nil {
		return Client{}, fmt.Errorf("client %q: %w", clientID, err)
	}

	var claims jwt.Claims
	if err := verifyClientJWT(raw, client.Keys, &claims); err != nil {
		return Client{}, fmt.Errorf("client_assertion: %w", err)
	}
	now := p.now()
	expected := jwt.Expected{
		Issuer:      client.ID,
		Subject:     client.ID,
		AnyAudience: jwt.Audience{p.issuer, p.endpoint(pathToken), endpoint},
		Time:        now,
	}
	if err := claims.ValidateWithLeeway(expected, clockLeeway); err != nil {
		return Client{}, fmt.Errorf("client_assertion: %w", err)
	}
	if claims.Expiry == nil {
		return Client{}, errors.New("client_assertion: exp is missing")
	}
	if claims.ID == "" {
		return Client{}, errors.New("client_assertion: jti is missing")
	}
	// Remember the jti for as long as the assertion could still be accepted.
	ttl := claims.Expiry.Time().Add(clockLeeway).Sub(now)
	if !p.assertions.putNew(client.ID+"\x00"+claims.ID, struct{}{}, ttl) {
		return Client{}, errors.New("client_assertion: jti already used")
	}
	return client, nil
}
