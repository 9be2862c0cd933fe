package oidcrp

import (
	"crypto"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// clientAssertionType is the private_key_jwt assertion type (RFC 7523).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is how long a client assertion is valid: it is used at
// once, for a single request.
const assertionLifetime = 2 * time.Minute

// PublicJWKS returns the public half of the client's key, as published in
// its entity configuration and registered with providers.
func (c *Client) PublicJWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key:       &c.Key.PublicKey,
		KeyID:     c.keyID(),
		Algorithm: string(jose.RS256),
		Use:       "sig",
	}}}
}

func (c *Client) keyID() string {
	if c.KeyID != "" {
		return c.KeyID
	}
	jwk := jose.JSONWebKey{Key: &c.Key.PublicKey}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		// Only possible for a key type go-jose does not know; an
		// *rsa.PrivateKey always has a thumbprint.
		panic(fmt.Sprintf("oidcrp: thumbprint of the client key: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(thumb)
}

// sign returns claims as a compact JWS signed RS256 with the client's key,
// with the given "typ" header ("" means none).
func (c *Client) sign(typ string, claims any) (string, error) {
	opts := &jose.SignerOptions{}
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: c.Key, KeyID: c.keyID()}},
		opts,
	)
	if err != nil {
		return "", fmt.Errorf("create signer: %w", err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return raw, nil
}

// clientAssertion returns a fresh private_key_jwt assertion for a request
// to endpoint. Each has its own jti: providers reject replays.
func (c *Client) clientAssertion(endpoint string) (string, error) {
	now := time.Now()
	raw, err := c.sign("", jwt.Claims{
		Issuer:   c.ClientID,
		Subject:  c.ClientID,
		Audience: jwt.Audience{endpoint},
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(assertionLifetime)),
		ID:       randomString(),
	})
	if err != nil {
		return "", fmt.Errorf("client assertion: %w", err)
	}
	return raw, nil
}
