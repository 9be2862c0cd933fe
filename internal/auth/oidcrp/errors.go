package oidcrp

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
)

var (
	// ErrStateMismatch means the callback's state is not the one of the
	// login in progress in this session: a forged or stale callback, or a
	// session that expired during the login.
	ErrStateMismatch = errors.New("oidcrp: state does not match the login in progress")
	// ErrNonceMismatch means the ID token was not issued for the login in
	// progress in this session.
	ErrNonceMismatch = errors.New("oidcrp: ID token nonce does not match the login in progress")
	// ErrProviderError means the provider answered with an OAuth error, on
	// the callback or at one of its endpoints. The error is a
	// *ProviderError carrying the code, e.g. "access_denied" when the
	// person cancelled.
	ErrProviderError = errors.New("oidcrp: the identity provider returned an error")
	// ErrMissingCode means a callback carries neither a code nor an error.
	ErrMissingCode = errors.New("oidcrp: callback has no authorization code")
	// ErrProviderUnavailable means the provider could not be reached or
	// discovered, or failed on its side (5xx). Trying again later may work.
	ErrProviderUnavailable = errors.New("oidcrp: the identity provider is unavailable")
	// ErrInsufficientACR means the provider authenticated the person at a
	// lower level of assurance than requested.
	ErrInsufficientACR = errors.New("oidcrp: authentication level lower than requested")
)

// ProviderError is an OAuth error reported by the provider.
// errors.Is(err, ErrProviderError) holds for it.
type ProviderError struct {
	Code        string // OAuth error code, e.g. "access_denied", "invalid_grant"
	Description string // provider's explanation, for logs; never show it to a person
}

func (e *ProviderError) Error() string {
	if e.Description == "" {
		return fmt.Sprintf("oidcrp: identity provider error %q", e.Code)
	}
	return fmt.Sprintf("oidcrp: identity provider error %q: %s", e.Code, e.Description)
}

// Is makes errors.Is(err, ErrProviderError) true.
func (e *ProviderError) Is(target error) bool { return target == ErrProviderError }

// CheckState returns nil when got, the callback's state, equals want, the
// state stored when the login started, and ErrStateMismatch otherwise,
// including when no login was started (want is empty). The comparison takes
// constant time.
func CheckState(got, want string) error {
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return ErrStateMismatch
	}
	return nil
}

// CallbackError inspects the query of the callback request. It returns a
// *ProviderError (errors.Is ErrProviderError) when the provider reports an
// error, ErrMissingCode when there is no code, and nil when the callback
// carries a code to exchange.
func CallbackError(q url.Values) error {
	if code := q.Get("error"); code != "" {
		return &ProviderError{Code: code, Description: q.Get("error_description")}
	}
	if q.Get("code") == "" {
		return ErrMissingCode
	}
	return nil
}
