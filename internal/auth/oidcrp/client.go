package oidcrp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
)

// Levels of assurance of SPID, from weakest to strongest. Most services
// need ACRSpidL2.
const (
	ACRSpidL1 = "https://www.spid.gov.it/SpidL1"
	ACRSpidL2 = "https://www.spid.gov.it/SpidL2"
	ACRSpidL3 = "https://www.spid.gov.it/SpidL3"
)

// requestObjectLifetime is how long the provider may accept a signed
// request object: the browser carries it there right after it is made.
const requestObjectLifetime = 5 * time.Minute

// prompt asks the provider to authenticate the person again and to show
// the consent screen, as the profile requires.
const prompt = "consent login"

// Client is Civica's registration, as one relying party, with one
// provider. In the aggregator model each tenant has its own Client
// (ClientID https://<platform>/<ipa_code>/), possibly sharing the key. A
// Client is configured once and then safe for concurrent use.
type Client struct {
	Provider    *Provider
	ClientID    string // the RP's entity id, an HTTPS URL in the federation
	RedirectURL string // the callback, as registered
	Key         *rsa.PrivateKey
	KeyID       string   // kid of Key; "" means its RFC 7638 thumbprint
	Scopes      []string // nil means ["openid"]; "openid" is always sent
}

// AuthRequest holds the secrets of one login in progress. The caller keeps
// it in the session between AuthCodeURL and Exchange and never shows it.
type AuthRequest struct {
	State        string // binds the callback to the session
	Nonce        string // binds the ID token to the session; at least 32 characters
	CodeVerifier string // PKCE verifier
	ACR          string // requested level of assurance
}

// NewAuthRequest returns fresh random secrets for a login at level acr (""
// means ACRSpidL2). All values are URL-safe.
func NewAuthRequest(acr string) AuthRequest {
	if acr == "" {
		acr = ACRSpidL2
	}
	return AuthRequest{
		State:        randomString(),
		Nonce:        randomString(),
		CodeVerifier: oauth2.GenerateVerifier(),
		ACR:          acr,
	}
}

// requestObject is the payload of the signed request object: the
// authorization request's parameters, signed by the client.
type requestObject struct {
	jwt.Claims
	ClientID            string          `json:"client_id"`
	ResponseType        string          `json:"response_type"`
	Scope               string          `json:"scope"`
	RedirectURI         string          `json:"redirect_uri"`
	State               string          `json:"state"`
	Nonce               string          `json:"nonce"`
	ACRValues           string          `json:"acr_values"`
	Prompt              string          `json:"prompt"`
	CodeChallenge       string          `json:"code_challenge"`
	CodeChallengeMethod string          `json:"code_challenge_method"`
	RequestedClaims     requestedClaims `json:"claims"`
}

// requestedClaims asks for the attributes Civica needs. SPID providers
// release only the attributes requested this way.
type requestedClaims struct {
	UserInfo map[string]*struct{} `json:"userinfo"`
}

func newRequestedClaims() requestedClaims {
	c := requestedClaims{UserInfo: map[string]*struct{}{}}
	for _, name := range []string{"given_name", "family_name", "email", "phone_number", "fiscal_number"} {
		c.UserInfo[attributePrefix+name] = nil // null: requested, not essential
	}
	return c
}

// AuthCodeURL returns the provider URL to send the browser to, to start
// the login described by req. The parameters go both in the query and in a
// request object signed with the client's key. It fails with
// ErrProviderUnavailable when the provider cannot be discovered.
func (c *Client) AuthCodeURL(ctx context.Context, req AuthRequest) (string, error) {
	if req.State == "" || len(req.Nonce) < 32 || req.CodeVerifier == "" {
		return "", errors.New("oidcrp: auth request needs a state, a nonce of at least 32 characters and a code verifier; use NewAuthRequest")
	}
	d, err := c.Provider.discover(ctx)
	if err != nil {
		return "", err
	}
	authEndpoint := d.oidc.Endpoint().AuthURL
	now := time.Now()
	obj := requestObject{
		Claims: jwt.Claims{
			Issuer:   c.ClientID,
			Audience: jwt.Audience{c.Provider.issuer, authEndpoint},
			IssuedAt: jwt.NewNumericDate(now),
			Expiry:   jwt.NewNumericDate(now.Add(requestObjectLifetime)),
			ID:       randomString(),
		},
		ClientID:            c.ClientID,
		ResponseType:        "code",
		Scope:               strings.Join(c.scopes(), " "),
		RedirectURI:         c.RedirectURL,
		State:               req.State,
		Nonce:               req.Nonce,
		ACRValues:           req.ACR,
		Prompt:              prompt,
		CodeChallenge:       oauth2.S256ChallengeFromVerifier(req.CodeVerifier),
		CodeChallengeMethod: "S256",
		RequestedClaims:     newRequestedClaims(),
	}
	signed, err := c.sign("", obj)
	if err != nil {
		return "", fmt.Errorf("oidcrp: request object: %w", err)
	}
	return c.oauth2Config(d).AuthCodeURL(req.State,
		oauth2.S256ChallengeOption(req.CodeVerifier),
		oauth2.SetAuthURLParam("nonce", req.Nonce),
		oauth2.SetAuthURLParam("acr_values", req.ACR),
		oauth2.SetAuthURLParam("prompt", prompt),
		oauth2.SetAuthURLParam("request", signed),
	), nil
}

func (c *Client) oauth2Config(d *discovery) *oauth2.Config {
	endpoint := d.oidc.Endpoint()
	// No client secret: the client authenticates with private_key_jwt,
	// whose parameters are added to each token request.
	endpoint.AuthStyle = oauth2.AuthStyleInParams
	return &oauth2.Config{
		ClientID:    c.ClientID,
		Endpoint:    endpoint,
		RedirectURL: c.RedirectURL,
		Scopes:      c.scopes(),
	}
}

func (c *Client) scopes() []string {
	if slices.Contains(c.Scopes, "openid") {
		return c.Scopes
	}
	return append([]string{"openid"}, c.Scopes...)
}

// randomString returns 256 random bits, base64url-encoded: 43 characters.
func randomString() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error; see crypto/rand.Read.
	return base64.RawURLEncoding.EncodeToString(b)
}
