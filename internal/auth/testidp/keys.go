package testidp

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Media types of the JWTs the provider signs, set in their "typ" header.
const (
	typeJWT             = "JWT"
	typeEntityStatement = "entity-statement+jwt"
)

// signingKey is the provider's only key: it signs ID tokens and the entity
// configuration, and is published, public part only, at /jwks and in the
// entity configuration.
type signingKey struct {
	private *rsa.PrivateKey
	kid     string
}

// newSigningKey wraps key, or generates a 2048-bit key when key is nil. The
// key id is the key's RFC 7638 thumbprint, so a key passed in
// configuration keeps its kid across restarts.
func newSigningKey(key *rsa.PrivateKey) (signingKey, error) {
	if key == nil {
		var err error
		key, err = rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return signingKey{}, fmt.Errorf("generate signing key: %w", err)
		}
	}
	if key.N.BitLen() < 2048 {
		return signingKey{}, errors.New("signing key: RSA keys shorter than 2048 bits are not accepted")
	}
	jwk := jose.JSONWebKey{Key: &key.PublicKey}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return signingKey{}, fmt.Errorf("signing key thumbprint: %w", err)
	}
	return signingKey{private: key, kid: base64.RawURLEncoding.EncodeToString(thumb)}, nil
}

// publicJWKS is the key set relying parties verify the provider's
// signatures with.
func (k signingKey) publicJWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key:       &k.private.PublicKey,
		KeyID:     k.kid,
		Algorithm: string(jose.RS256),
		Use:       "sig",
	}}}
}

// sign serialises claims as a compact JWS signed with RS256, carrying the
// key id and the given "typ" header.
func (k signingKey) sign(typ string, claims any) (string, error) {
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.private, KeyID: k.kid}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)),
	)
	if err != nil {
		return "", fmt.Errorf("create signer: %w", err)
	}
	raw, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign %s: %w", typ, err)
	}
	return raw, nil
}
