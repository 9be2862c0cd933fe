package oidcrp

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// defaultHTTPTimeout bounds calls to a provider when the caller does not
// bring its own http.Client.
const defaultHTTPTimeout = 10 * time.Second

// Provider is one OpenID Provider, known by its issuer URL. Discovery
// happens on first use, not at construction: the issuer may be served by
// the same process and not be listening yet. A failed discovery is retried
// on the next use; a successful one is kept for the Provider's lifetime
// (the signing keys themselves are refreshed by go-oidc when an unknown
// kid appears). It is safe for concurrent use.
type Provider struct {
	issuer     string
	httpClient *http.Client

	mu         sync.Mutex // serialises discovery, so concurrent logins do not stampede the provider
	discovered *discovery
}

// discovery is what a successful discovery yields.
type discovery struct {
	oidc               *oidc.Provider
	revocationEndpoint string
}

// NewProvider returns the provider at issuer, reached with httpClient (nil
// means a client with a 10-second timeout). It does no I/O.
func NewProvider(issuer string, httpClient *http.Client) *Provider {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: defaultHTTPTimeout}
	}
	return &Provider{issuer: issuer, httpClient: httpClient}
}

// Issuer returns the provider's issuer URL.
func (p *Provider) Issuer() string { return p.issuer }

// discover returns the provider's metadata, fetching it if no earlier call
// succeeded. Failures wrap ErrProviderUnavailable.
func (p *Provider) discover(ctx context.Context) (*discovery, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.discovered != nil {
		return p.discovered, nil
	}
	op, err := oidc.NewProvider(p.clientContext(ctx), p.issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: discover %s: %w", ErrProviderUnavailable, p.issuer, err)
	}
	var extra struct {
		RevocationEndpoint string `json:"revocation_endpoint"`
	}
	if err := op.Claims(&extra); err != nil {
		return nil, fmt.Errorf("%w: discover %s: %w", ErrProviderUnavailable, p.issuer, err)
	}
	p.discovered = &discovery{oidc: op, revocationEndpoint: extra.RevocationEndpoint}
	return p.discovered, nil
}

// clientContext makes go-oidc and x/oauth2 use the provider's http.Client.
func (p *Provider) clientContext(ctx context.Context) context.Context {
	ctx = oidc.ClientContext(ctx, p.httpClient)
	return context.WithValue(ctx, oauth2.HTTPClient, p.httpClient)
}
