// Package auth decides who a person is on a comune once their identity
// provider has vouched for them: it records the person (once-only: one row
// per fiscal code per comune), finds their staff role in the comune, and
// returns the Principal the session keeps.
//
// The OpenID Connect mechanics live in the subpackages: oidcrp is the relying
// party every login goes through (SPID and CIE over OpenID Connect: PKCE S256,
// state, nonce, private_key_jwt, signed request objects); testidp is the
// project's own test provider for development and tests. Roles never come
// from a provider: staff roles are the comune's own data (staff_members), and
// platform administrators are named in the platform's configuration.
package auth
