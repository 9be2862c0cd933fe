package testidp

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

// authorizationCode is what a code stands for until it is redeemed.
type authorizationCode struct {
	pendingAuthorization
	identity Identity
}

// grant is what an access token stands for.
type grant struct {
	clientID string
	subject  string
	identity Identity
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	IDToken     string `json:"id_token"`
}

type idTokenClaims struct {
	jwt.Claims
	Nonce  string `json:"nonce"`
	ACR    string `json:"acr"`
	AtHash string `json:"at_hash"`
}

// codeVerifierPattern is RFC 7636's code_verifier syntax.
var codeVerifierPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// serveToken redeems an authorization code. The client authenticates with
// private_key_jwt and proves possession of the PKCE verifier; the code is
// consumed by the first attempt, successful or not.
func (p *Provider) serveToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "malformed form")
		return
	}
	form := r.PostForm
	client, err := p.authenticateClient(r.Context(), form, p.endpoint(pathToken))
	if err != nil {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", err.Error())
		return
	}
	if form.Get("grant_type") != "authorization_code" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", `grant_type must be "authorization_code"`)
		return
	}

	code := form.Get("code")
	ac, ok := p.codes.take(code)
	if !ok {
		// A code presented twice may have been stolen: revoke what its
		// first redemption issued (RFC 6749, section 4.1.2).
		if accessToken, redeemed := p.redeemed.take(code); redeemed {
			p.grants.delete(accessToken)
		}
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code is unknown, expired or already used")
		return
	}
	if ac.clientID != client.ID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code was issued to another client")
		return
	}
	if form.Get("redirect_uri") != ac.redirectURI {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request")
		return
	}
	if !verifyPKCE(form.Get("code_verifier"), ac.codeChallenge) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}

	resp, err := p.issueTokens(client, ac)
	if err != nil {
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "cannot issue tokens")
		return
	}
	p.redeemed.put(code, resp.AccessToken, accessTokenLifetime)
	writeJSON(w, http.StatusOK, resp)
}

func (p *Provider) issueTokens(client Client, ac authorizationCode) (tokenResponse, error) {
	now := p.now()
	accessToken := randomToken()
	subject := p.subject(client.ID, ac.identity.ID)
	claims := idTokenClaims{
		Claims: jwt.Claims{
			Issuer:   p.issuer,
			Subject:  subject,
			Audience: jwt.Audience{client.ID},
			IssuedAt: jwt.NewNumericDate(now),
			Expiry:   jwt.NewNumericDate(now.Add(accessTokenLifetime)),
			ID:       randomToken(),
		},
		Nonce:  ac.nonce,
		ACR:    ac.acr,
		AtHash: accessTokenHash(accessToken),
	}
	idToken, err := p.key.sign(typeJWT, claims)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("sign ID token: %w", err)
	}
	p.grants.put(accessToken, grant{clientID: client.ID, subject: subject, identity: ac.identity}, accessTokenLifetime)
	return tokenResponse{
		AccessToken: accessToken,
		TokenType:   "Bearer",
		ExpiresIn:   int(accessTokenLifetime / time.Second),
		IDToken:     idToken,
	}, nil
}

// subject returns the identity's "sub" for a client: opaque, stable across
// restarts, and different for each client, like the pairwise identifiers
// of real providers. It is keyed by the issuer, not by a secret: this is a
// test provider and nothing depends on subjects being unguessable.
func (p *Provider) subject(clientID, identityID string) string {
	mac := hmac.New(sha256.New, []byte(p.issuer))
	mac.Write([]byte(clientID + "\x00" + identityID))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// verifyPKCE reports whether verifier is well formed and its S256
// transformation equals challenge.
func verifyPKCE(verifier, challenge string) bool {
	if !codeVerifierPattern.MatchString(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	computed := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(computed), []byte(challenge)) == 1
}

// accessTokenHash is the ID token's at_hash for an RS256-signed token.
func accessTokenHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// writeOAuthError writes an RFC 6749 section 5.2 error response.
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, oauthError{Error: code, Description: description})
}
