package oidcrp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// Revoke revokes accessToken at the provider's revocation endpoint (RFC
// 7009), authenticating with private_key_jwt, as the profile asks at
// logout. Revoking an unknown or expired token succeeds. The caller ends
// the local session whatever the outcome.
func (c *Client) Revoke(ctx context.Context, accessToken string) error {
	d, err := c.Provider.discover(ctx)
	if err != nil {
		return err
	}
	if d.revocationEndpoint == "" {
		return errors.New("oidcrp: revoke: the provider has no revocation_endpoint")
	}
	assertion, err := c.clientAssertion(d.revocationEndpoint)
	if err != nil {
		return fmt.Errorf("oidcrp: revoke: %w", err)
	}
	form := url.Values{
		"token":                 {accessToken},
		"token_type_hint":       {"access_token"},
		"client_id":             {c.ClientID},
		"client_assertion_type": {clientAssertionType},
		"client_assertion":      {assertion},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.revocationEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("oidcrp: revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Provider.httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("oidcrp: revoke: %w", classifyTransportError(err))
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode >= 500:
		return fmt.Errorf("oidcrp: revoke: %w: status %s", ErrProviderUnavailable, resp.Status)
	}
	var oauthErr struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)).Decode(&oauthErr); err != nil || oauthErr.Error == "" {
		return fmt.Errorf("oidcrp: revoke: unexpected status %s", resp.Status)
	}
	return fmt.Errorf("oidcrp: revoke: %w", &ProviderError{Code: oauthErr.Error, Description: oauthErr.Description})
}
