package testidp

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Levels of assurance of the SPID profile. A request without acr_values
// gets defaultACR.
const (
	acrSpidL1  = "https://www.spid.gov.it/SpidL1"
	acrSpidL2  = "https://www.spid.gov.it/SpidL2"
	acrSpidL3  = "https://www.spid.gov.it/SpidL3"
	defaultACR = acrSpidL2
)

var acrValuesSupported = []string{acrSpidL1, acrSpidL2, acrSpidL3}

// entityConfigurationLifetime is how long the provider's entity
// configuration may be cached by relying parties.
const entityConfigurationLifetime = 24 * time.Hour

// providerMetadata is the OpenID Provider metadata, served by discovery and
// embedded in the entity configuration as metadata.openid_provider.
type providerMetadata struct {
	Issuer                                     string              `json:"issuer"`
	AuthorizationEndpoint                      string              `json:"authorization_endpoint"`
	TokenEndpoint                              string              `json:"token_endpoint"`
	UserInfoEndpoint                           string              `json:"userinfo_endpoint"`
	RevocationEndpoint                         string              `json:"revocation_endpoint"`
	JWKSURI                                    string              `json:"jwks_uri"`
	JWKS                                       *jose.JSONWebKeySet `json:"jwks,omitempty"`
	ResponseTypesSupported                     []string            `json:"response_types_supported"`
	ResponseModesSupported                     []string            `json:"response_modes_supported"`
	GrantTypesSupported                        []string            `json:"grant_types_supported"`
	SubjectTypesSupported                      []string            `json:"subject_types_supported"`
	ScopesSupported                            []string            `json:"scopes_supported"`
	ACRValuesSupported                         []string            `json:"acr_values_supported"`
	ClaimsSupported                            []string            `json:"claims_supported"`
	ClaimsParameterSupported                   bool                `json:"claims_parameter_supported"`
	PromptValuesSupported                      []string            `json:"prompt_values_supported"`
	RequestParameterSupported                  bool                `json:"request_parameter_supported"`
	RequestURIParameterSupported               bool                `json:"request_uri_parameter_supported"`
	RequestObjectSigningAlgValuesSupported     []string            `json:"request_object_signing_alg_values_supported"`
	IDTokenSigningAlgValuesSupported           []string            `json:"id_token_signing_alg_values_supported"`
	CodeChallengeMethodsSupported              []string            `json:"code_challenge_methods_supported"`
	TokenEndpointAuthMethodsSupported          []string            `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgValuesSupported []string            `json:"token_endpoint_auth_signing_alg_values_supported"`
	RevocationEndpointAuthMethodsSupported     []string            `json:"revocation_endpoint_auth_methods_supported"`
	AuthorizationResponseIssParameterSupported bool                `json:"authorization_response_iss_parameter_supported"`
}

func (p *Provider) metadata() providerMetadata {
	rs256 := []string{string(jose.RS256)}
	privateKeyJWT := []string{"private_key_jwt"}
	return providerMetadata{
		Issuer:                                     p.issuer,
		AuthorizationEndpoint:                      p.endpoint(pathAuthorization),
		TokenEndpoint:                              p.endpoint(pathToken),
		UserInfoEndpoint:                           p.endpoint(pathUserInfo),
		RevocationEndpoint:                         p.endpoint(pathRevocation),
		JWKSURI:                                    p.endpoint(pathJWKS),
		ResponseTypesSupported:                     []string{"code"},
		ResponseModesSupported:                     []string{"query"},
		GrantTypesSupported:                        []string{"authorization_code"},
		SubjectTypesSupported:                      []string{"pairwise"},
		ScopesSupported:                            []string{"openid"},
		ACRValuesSupported:                         acrValuesSupported,
		ClaimsSupported:                            claimsSupported(),
		PromptValuesSupported:                      []string{"consent", "login"},
		RequestParameterSupported:                  true,
		RequestObjectSigningAlgValuesSupported:     rs256,
		IDTokenSigningAlgValuesSupported:           rs256,
		CodeChallengeMethodsSupported:              []string{"S256"},
		TokenEndpointAuthMethodsSupported:          privateKeyJWT,
		TokenEndpointAuthSigningAlgValuesSupported: rs256,
		RevocationEndpointAuthMethodsSupported:     privateKeyJWT,
		AuthorizationResponseIssParameterSupported: true,
	}
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, p.metadata())
}

func (p *Provider) serveJWKS(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, p.key.publicJWKS())
}

// entityConfiguration is the payload of the provider's entity
// configuration. There is no trust anchor above the test provider, so it
// carries no authority_hints.
type entityConfiguration struct {
	Issuer   string             `json:"iss"`
	Subject  string             `json:"sub"`
	IssuedAt *jwt.NumericDate   `json:"iat"`
	Expiry   *jwt.NumericDate   `json:"exp"`
	JWKS     jose.JSONWebKeySet `json:"jwks"`
	Metadata struct {
		FederationEntity struct {
			OrganizationName string `json:"organization_name"`
		} `json:"federation_entity"`
		OpenIDProvider providerMetadata `json:"openid_provider"`
	} `json:"metadata"`
}

func (p *Provider) serveEntityConfiguration(w http.ResponseWriter, r *http.Request) {
	now := p.now()
	jwks := p.key.publicJWKS()
	ec := entityConfiguration{
		Issuer:   p.issuer,
		Subject:  p.issuer,
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(entityConfigurationLifetime)),
		JWKS:     jwks,
	}
	ec.Metadata.FederationEntity.OrganizationName = "Civica test OpenID Provider"
	ec.Metadata.OpenIDProvider = p.metadata()
	ec.Metadata.OpenIDProvider.JWKS = &jwks

	raw, err := p.key.sign(typeEntityStatement, ec)
	if err != nil {
		http.Error(w, "cannot sign the entity configuration", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/entity-statement+jwt")
	// A write error means the client went away; there is no one left to tell.
	_, _ = w.Write([]byte(raw))
}

// writeJSON writes v as a JSON response. Responses of the provider are
// never cached: they carry tokens or change with configuration.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	// Encoding the provider's own types cannot fail, and a write error
	// means the client went away: there is no one left to tell.
	_ = json.NewEncoder(w).Encode(v)
}
