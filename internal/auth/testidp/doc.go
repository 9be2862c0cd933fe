// Package testidp is Civica's test OpenID Provider: a small, in-memory
// provider that behaves like an identity provider of the SPID/CIE OpenID
// Connect Federation profile, so that development and tests can log in
// without network access to the real providers, and switching to the real
// federation is a matter of configuration.
//
// It implements the parts of the profile a relying party depends on:
// discovery and an entity configuration, signed request objects, PKCE with
// S256, private_key_jwt client authentication with replay protection,
// single-use authorization codes, RS256 ID tokens with a pairwise-style
// subject, UserInfo with the attribute names of the profile, and token
// revocation. It offers a fixed set of test identities with Italian
// attributes (valid codici fiscali) instead of checking credentials: the
// person picks who to be on a login page that the host application renders
// from a [LoginPage] view model.
//
// All state (pending logins, codes, tokens, seen assertion ids) lives in
// memory and is lost on restart. The package must never be wired into a
// production deployment: anyone reaching it can log in as any identity.
//
// Deliberate simplifications, compared with a real provider: UserInfo
// answers plain JSON instead of a signed and encrypted JWT; there is no
// trust chain (the entity configuration has no authority hints) and no
// refresh tokens.
package testidp
