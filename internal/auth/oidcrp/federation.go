package oidcrp

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// entityConfigurationLifetime is how long a published entity
// configuration may be cached by the federation.
const entityConfigurationLifetime = 24 * time.Hour

type entityConfiguration struct {
	jwt.Claims
	JWKS           jose.JSONWebKeySet `json:"jwks"`
	AuthorityHints []string           `json:"authority_hints"`
	Metadata       entityMetadata     `json:"metadata"`
}

type entityMetadata struct {
	FederationEntity   federationEntity     `json:"federation_entity"`
	OpenIDRelyingParty relyingPartyMetadata `json:"openid_relying_party"`
}

type federationEntity struct {
	OrganizationName string `json:"organization_name"`
	HomepageURI      string `json:"homepage_uri,omitempty"`
}

type relyingPartyMetadata struct {
	ClientID                  string             `json:"client_id"`
	ClientName                string             `json:"client_name"`
	ClientRegistrationTypes   []string           `json:"client_registration_types"`
	JWKS                      jose.JSONWebKeySet `json:"jwks"`
	RedirectURIs              []string           `json:"redirect_uris"`
	ResponseTypes             []string           `json:"response_types"`
	GrantTypes                []string           `json:"grant_types"`
	TokenEndpointAuthMethod   string             `json:"token_endpoint_auth_method"`
	IDTokenSignedResponseAlg  string             `json:"id_token_signed_response_alg"`
	UserInfoSignedResponseAlg string             `json:"userinfo_signed_response_alg"`
}

// EntityConfiguration returns the client's entity configuration: the JWT
// (typ entity-statement+jwt, signed with the client's key) to serve at
// <ClientID>/.well-known/openid-federation with content type
// application/entity-statement+jwt. It is valid for 24 hours from now.
//
// The metadata declares only what this package does: the authorization
// code grant (no refresh tokens) and signed, not encrypted, UserInfo,
// which Exchange cannot decrypt yet. Trust marks are not included.
func EntityConfiguration(c *Client, orgName, homepage string, authorityHints []string, now time.Time) ([]byte, error) {
	if orgName == "" {
		return nil, errors.New("oidcrp: entity configuration: organisation name is required")
	}
	jwks := c.PublicJWKS()
	ec := entityConfiguration{
		Claims: jwt.Claims{
			Issuer:   c.ClientID,
			Subject:  c.ClientID,
			IssuedAt: jwt.NewNumericDate(now),
			Expiry:   jwt.NewNumericDate(now.Add(entityConfigurationLifetime)),
		},
		JWKS:           jwks,
		AuthorityHints: authorityHints,
		Metadata: entityMetadata{
			FederationEntity: federationEntity{OrganizationName: orgName, HomepageURI: homepage},
			OpenIDRelyingParty: relyingPartyMetadata{
				ClientID:                  c.ClientID,
				ClientName:                orgName,
				ClientRegistrationTypes:   []string{"automatic"},
				JWKS:                      jwks,
				RedirectURIs:              []string{c.RedirectURL},
				ResponseTypes:             []string{"code"},
				GrantTypes:                []string{"authorization_code"},
				TokenEndpointAuthMethod:   "private_key_jwt",
				IDTokenSignedResponseAlg:  string(jose.RS256),
				UserInfoSignedResponseAlg: string(jose.RS256),
			},
		},
	}
	if ec.AuthorityHints == nil {
		ec.AuthorityHints = []string{}
	}
	raw, err := c.sign("entity-statement+jwt", ec)
	if err != nil {
		return nil, fmt.Errorf("oidcrp: entity configuration: %w", err)
	}
	return []byte(raw), nil
}
