package testidp

import (
	"maps"
	"net/http"
	"slices"
	"strings"
)

// attributePrefix is the namespace of the profile's attribute names.
const attributePrefix = "https://attributes.eid.gov.it/"

// attributes returns the identity's released attributes by their short
// names.
func attributes(id Identity) map[string]string {
	return map[string]string{
		"given_name":     id.GivenName,
		"family_name":    id.FamilyName,
		"email":          id.Email,
		"phone_number":   id.Phone,
		"fiscal_number":  "TINIT-" + id.FiscalCode,
		"date_of_birth":  id.BirthDate,
		"place_of_birth": id.PlaceOfBirth,
	}
}

// userInfoClaims returns the UserInfo response: every attribute both under
// its short name (what generic OIDC clients read) and under its
// https://attributes.eid.gov.it/ URI (what SPID clients read).
func userInfoClaims(subject string, id Identity) map[string]string {
	attrs := attributes(id)
	claims := make(map[string]string, 2*len(attrs)+1)
	for name, value := range attrs {
		claims[name] = value
		claims[attributePrefix+name] = value
	}
	claims["sub"] = subject
	return claims
}

// claimsSupported lists the claim names UserInfo may return, for discovery.
func claimsSupported() []string {
	claims := slices.Collect(maps.Keys(userInfoClaims("", Identity{})))
	slices.Sort(claims)
	return claims
}

// serveUserInfo answers the attributes of the access token's identity.
// Unlike a real SPID provider, which answers a signed and encrypted JWT,
// it answers plain JSON (application/json); relying parties must accept
// both. Only GET is allowed, as in SPID.
func (p *Provider) serveUserInfo(w http.ResponseWriter, r *http.Request) {
	token, ok := bearerToken(r)
	g, live := p.grants.get(token)
	if !ok || !live {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_token", "access token is missing, unknown, expired or revoked")
		return
	}
	writeJSON(w, http.StatusOK, userInfoClaims(g.subject, g.identity))
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}
