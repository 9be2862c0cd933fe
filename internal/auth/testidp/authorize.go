package testidp

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4/jwt"
)

// minNonceLength is the profile's minimum nonce length.
const minNonceLength = 32

// pendingAuthorization is a validated authorization request waiting for
// the person to pick an identity.
type pendingAuthorization struct {
	clientID      string
	redirectURI   string
	state         string
	nonce         string
	codeChallenge string // S256
	acr           string
}

// authorizationParams are the request parameters the provider reads, from
// the query or from the signed request object.
var authorizationParams = []string{
	"client_id", "response_type", "scope", "redirect_uri", "state", "nonce",
	"code_challenge", "code_challenge_method", "acr_values", "prompt",
}

func (p *Provider) serveAuthorization(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		p.serveLoginForm(w, r)
		return
	}
	p.startAuthorization(w, r)
}

// startAuthorization validates an authorization request and shows the login
// page. Until the client and its redirect_uri are known good, errors are
// plain 400 pages: redirecting to an unverified URI would make the provider
// an open redirector. Afterwards they go back to the client as OAuth errors.
func (p *Provider) startAuthorization(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	clientID := query.Get("client_id")
	if clientID == "" {
		http.Error(w, "client_id is missing", http.StatusBadRequest)
		return
	}
	client, err := p.lookup(r.Context(), clientID)
	if err != nil {
		http.Error(w, "client_id is not a registered client", http.StatusBadRequest)
		return
	}

	params, objectErr := p.mergeRequestObject(query, client)
	redirectURI := params.Get("redirect_uri")
	if !slices.Contains(client.RedirectURIs, redirectURI) {
		http.Error(w, "redirect_uri is not registered for this client", http.StatusBadRequest)
		return
	}
	if objectErr != nil {
		p.redirectError(w, r, redirectURI, params.Get("state"), "invalid_request", objectErr.Error())
		return
	}

	pending, err := p.validateAuthorization(params)
	if err != nil {
		p.redirectError(w, r, redirectURI, params.Get("state"), "invalid_request", err.Error())
		return
	}
	handle := randomToken()
	p.pending.put(handle, pending, pendingLifetime)
	p.renderLogin(w, r, p.loginPage(handle, pending, ""))
}

// mergeRequestObject returns the effective request parameters: the query,
// overlaid with the claims of the signed request object when there is one.
// A parameter present in both must have the same value. When the request
// object is invalid it returns the query alone together with the error, so
// that the error can still be reported to a verified redirect_uri.
func (p *Provider) mergeRequestObject(query url.Values, client Client) (url.Values, error) {
	if query.Has("request_uri") {
		return query, errors.New("request_uri is not supported; send the request object by value")
	}
	raw := query.Get("request")
	if raw == "" {
		return query, nil
	}

	var std jwt.Claims
	var claims map[string]any
	if err := verifyClientJWT(raw, client.Keys, &std, &claims); err != nil {
		return query, fmt.Errorf("request object: %w", err)
	}
	expected := jwt.Expected{
		Issuer:      client.ID,
		AnyAudience: jwt.Audience{p.issuer, p.endpoint(pathAuthorization)},
		Time:        p.now(),
	}
	if err := std.ValidateWithLeeway(expected, clockLeeway); err != nil {
		return query, fmt.Errorf("request object: %w", err)
	}
	if std.Expiry == nil {
		return query, errors.New("request object: exp is missing")
	}
	if claims["client_id"] != client.ID {
		return query, errors.New("request object: client_id is missing or differs from the query")
	}

	merged := url.Values{}
	for _, name := range authorizationParams {
		value := query.Get(name)
		if claim, ok := claims[name]; ok {
			s, isString := claim.(string)
			if !isString {
				return query, fmt.Errorf("request object: %s must be a string", name)
			}
			if value != "" && value != s {
				return query, fmt.Errorf("request object: %s differs from the query", name)
			}
			value = s
		}
		if value != "" {
			merged.Set(name, value)
		}
	}
	return merged, nil
}

// validateAuthorization checks the profile's requirements on the effective
// parameters of an authorization request.
func (p *Provider) validateAuthorization(params url.Values) (pendingAuthorization, error) {
	if params.Get("response_type") != "code" {
		return pendingAuthorization{}, errors.New(`response_type must be "code"`)
	}
	if !slices.Contains(strings.Fields(params.Get("scope")), "openid") {
		return pendingAuthorization{}, errors.New(`scope must include "openid"`)
	}
	state := params.Get("state")
	if state == "" {
		return pendingAuthorization{}, errors.New("state is missing")
	}
	nonce := params.Get("nonce")
	if len(nonce) < minNonceLength {
		return pendingAuthorization{}, fmt.Errorf("nonce must be at least %d characters", minNonceLength)
	}
	challenge := params.Get("code_challenge")
	if challenge == "" {
		return pendingAuthorization{}, errors.New("code_challenge is missing (PKCE is required)")
	}
	if params.Get("code_challenge_method") != "S256" {
		return pendingAuthorization{}, errors.New(`code_challenge_method must be "S256"`)
	}
	acr, err := requestedACR(params.Get("acr_values"))
	if err != nil {
		return pendingAuthorization{}, err
	}
	return pendingAuthorization{
		clientID:      params.Get("client_id"),
		redirectURI:   params.Get("redirect_uri"),
		state:         state,
		nonce:         nonce,
		codeChallenge: challenge,
		acr:           acr,
	}, nil
}

// requestedACR returns the first supported level in acr_values (a
// space-separated list in order of preference), or defaultACR when the
// list is empty.
func requestedACR(acrValues string) (string, error) {
	values := strings.Fields(acrValues)
	if len(values) == 0 {
		return defaultACR, nil
	}
	for _, v := range values {
		if slices.Contains(acrValuesSupported, v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("acr_values: none of %q is supported", acrValues)
}

func (p *Provider) loginPage(handle string, pending pendingAuthorization, errCode string) LoginPage {
	return LoginPage{
		Identities: slices.Clone(p.identities),
		Action:     p.endpoint(pathAuthorization),
		Hidden:     map[string]string{"req": handle},
		ClientID:   pending.clientID,
		ACR:        pending.acr,
		Error:      errCode,
	}
}

// redirectError sends an OAuth error to the client's verified redirect URI.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state, code, description string) {
	params := url.Values{"error": {code}, "error_description": {description}}
	if state != "" {
		params.Set("state", state)
	}
	p.redirect(w, r, redirectURI, params)
}

// redirect sends the authorization response to redirectURI, keeping any
// query it already has and adding iss (RFC 9207), which the profile
// requires for CIE.
func (p *Provider) redirect(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		http.Error(w, "redirect_uri is not a valid URL", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	q.Set("iss", p.issuer)
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}
