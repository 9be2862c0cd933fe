// Package oidcrp is Civica's OpenID Connect relying party: everything a
// login through SPID or CIE needs on Civica's side, following the SPID/CIE
// OpenID Connect Federation profile. It is built on go-oidc (discovery, ID
// token verification, UserInfo), x/oauth2 (authorization URL, code
// exchange) and go-jose (client assertions, request objects, entity
// configuration).
//
// A login goes:
//
//  1. req := NewAuthRequest(acr); store req in the session;
//     redirect to client.AuthCodeURL(ctx, req).
//  2. On the callback: CallbackError(query); CheckState(query state,
//     req.State); then client.Exchange(ctx, code, req).
//  3. On logout: client.Revoke(ctx, accessToken).
//
// Errors the web layer should turn into pages are the Err values in
// errors.go; everything else is an unexpected failure.
//
// What is not here: trust chain resolution (a [Provider] is found by plain
// OpenID discovery of its issuer URL), refresh tokens, and decryption of
// encrypted UserInfo responses (signed or plain ones are accepted). The
// session, and the mapping from a tenant to its [Client], belong to the
// web layer.
package oidcrp
