package oidcrp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// attributePrefix is the namespace of the profile's attribute names.
const attributePrefix = "https://attributes.eid.gov.it/"

// fiscalNumberPrefix precedes the codice fiscale in fiscal_number
// ("TIN" of country "IT").
const fiscalNumberPrefix = "TINIT-"

// Identity is the person a login authenticated, as the provider asserted.
type Identity struct {
	Subject    string // the provider's identifier for the person; stable for this client only
	GivenName  string
	FamilyName string
	FiscalCode string // codice fiscale without the "TINIT-" prefix; "" when not released; not validated here
	Email      string
	Phone      string
	ACR        string // level of assurance the provider authenticated at
}

// userInfoClaims reads UserInfo attributes under either naming: the
// profile's URIs or the short OIDC names. The URIs win.
type userInfoClaims struct {
	Subject         string `json:"sub"`
	GivenName       string `json:"given_name"`
	FamilyName      string `json:"family_name"`
	Email           string `json:"email"`
	PhoneNumber     string `json:"phone_number"`
	FiscalNumber    string `json:"fiscal_number"`
	EIDGivenName    string `json:"https://attributes.eid.gov.it/given_name"`
	EIDFamilyName   string `json:"https://attributes.eid.gov.it/family_name"`
	EIDEmail        string `json:"https://attributes.eid.gov.it/email"`
	EIDPhoneNumber  string `json:"https://attributes.eid.gov.it/phone_number"`
	EIDFiscalNumber string `json:"https://attributes.eid.gov.it/fiscal_number"`
}

// Exchange completes the login req: it redeems code at the token endpoint
// (authenticating with private_key_jwt and proving the PKCE verifier),
// verifies the ID token (signature, issuer, audience, expiry, at_hash when
// present), checks that its nonce is req.Nonce and that its level of
// assurance is at least req.ACR, and reads the person's attributes from
// UserInfo. It returns the identity and the access token, which Revoke
// needs at logout.
//
// Errors: ErrProviderError (a *ProviderError, e.g. "invalid_grant" for a
// used or expired code), ErrNonceMismatch, ErrInsufficientACR,
// ErrProviderUnavailable; anything else is a protocol failure.
func (c *Client) Exchange(ctx context.Context, code string, req AuthRequest) (Identity, string, error) {
	d, err := c.Provider.discover(ctx)
	if err != nil {
		return Identity{}, "", err
	}
	cfg := c.oauth2Config(d)
	assertion, err := c.clientAssertion(cfg.Endpoint.TokenURL)
	if err != nil {
		return Identity{}, "", fmt.Errorf("oidcrp: exchange code: %w", err)
	}
	ctx = c.Provider.clientContext(ctx)
	token, err := cfg.Exchange(ctx, code,
		oauth2.VerifierOption(req.CodeVerifier),
		oauth2.SetAuthURLParam("client_assertion_type", clientAssertionType),
		oauth2.SetAuthURLParam("client_assertion", assertion),
	)
	if err != nil {
		return Identity{}, "", fmt.Errorf("oidcrp: exchange code: %w", classifyTokenError(err))
	}

	idToken, err := c.verifyIDToken(ctx, d, token, req)
	if err != nil {
		return Identity{}, "", err
	}
	var acr struct {
		ACR string `json:"acr"`
	}
	if err := idToken.Claims(&acr); err != nil {
		return Identity{}, "", fmt.Errorf("oidcrp: ID token claims: %w", err)
	}
	if !acrSatisfies(acr.ACR, req.ACR) {
		return Identity{}, "", fmt.Errorf("%w: requested %s, got %q", ErrInsufficientACR, req.ACR, acr.ACR)
	}

	info, err := d.oidc.UserInfo(ctx, oauth2.StaticTokenSource(token))
	if err != nil {
		return Identity{}, "", fmt.Errorf("oidcrp: userinfo: %w", classifyTransportError(err))
	}
	var claims userInfoClaims
	if err := info.Claims(&claims); err != nil {
		return Identity{}, "", fmt.Errorf("oidcrp: userinfo claims: %w", err)
	}
	// OpenID Connect Core 5.3.2: UserInfo must be about the ID token's
	// subject, or it may be substituted.
	if claims.Subject != idToken.Subject {
		return Identity{}, "", errors.New("oidcrp: userinfo sub differs from the ID token's")
	}
	return Identity{
		Subject:    idToken.Subject,
		GivenName:  firstNonEmpty(claims.EIDGivenName, claims.GivenName),
		FamilyName: firstNonEmpty(claims.EIDFamilyName, claims.FamilyName),
		FiscalCode: strings.TrimPrefix(firstNonEmpty(claims.EIDFiscalNumber, claims.FiscalNumber), fiscalNumberPrefix),
		Email:      firstNonEmpty(claims.EIDEmail, claims.Email),
		Phone:      firstNonEmpty(claims.EIDPhoneNumber, claims.PhoneNumber),
		ACR:        acr.ACR,
	}, token.AccessToken, nil
}

func (c *Client) verifyIDToken(ctx context.Context, d *discovery, token *oauth2.Token, req AuthRequest) (*oidc.IDToken, error) {
	raw, ok := token.Extra("id_token").(string)
	if !ok || raw == "" {
		return nil, errors.New("oidcrp: token response has no id_token")
	}
	verifier := d.oidc.Verifier(&oidc.Config{ClientID: c.ClientID, SupportedSigningAlgs: []string{oidc.RS256}})
	idToken, err := verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("oidcrp: verify ID token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(req.Nonce)) != 1 {
		return nil, ErrNonceMismatch
	}
	if idToken.AccessTokenHash != "" {
		if err := idToken.VerifyAccessToken(token.AccessToken); err != nil {
			return nil, fmt.Errorf("oidcrp: verify ID token: %w", err)
		}
	}
	return idToken, nil
}

// acrLevels orders the SPID levels of assurance.
var acrLevels = map[string]int{ACRSpidL1: 1, ACRSpidL2: 2, ACRSpidL3: 3}

// acrSatisfies reports whether an authentication at level got meets the
// requested level: a SPID level meets itself and the levels below; any
// other value meets only itself.
func acrSatisfies(got, requested string) bool {
	if requested == "" {
		return true
	}
	g, gotKnown := acrLevels[got]
	r, requestedKnown := acrLevels[requested]
	if !gotKnown || !requestedKnown {
		return got == requested
	}
	return g >= r
}

// classifyTokenError turns an x/oauth2 token error into this package's
// errors: the provider's OAuth errors into *ProviderError, its failures
// and unreachability into ErrProviderUnavailable.
func classifyTokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil && re.Response.StatusCode >= 500 {
			return fmt.Errorf("%w: %w", ErrProviderUnavailable, err)
		}
		return &ProviderError{Code: re.ErrorCode, Description: re.ErrorDescription}
	}
	return classifyTransportError(err)
}

// classifyTransportError marks network failures as ErrProviderUnavailable
// and leaves other errors as they are.
func classifyTransportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%w: %w", ErrProviderUnavailable, err)
	}
	return err
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
