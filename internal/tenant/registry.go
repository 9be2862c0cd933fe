package tenant

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"
)

// ErrUnknownHost is returned when a host name belongs to no comune.
var ErrUnknownHost = errors.New("unknown host")

// Registry resolves request host names to comuni. It keeps every comune in
// memory (a few KB each: a thousand comuni fit easily) and reloads them from
// the database when its copy is older than the refresh interval, or on a miss
// at most every couple of seconds, so a newly imported comune is reachable at
// once. While the database is unreachable it keeps answering from its last copy.
type Registry struct {
	store        *Store
	platformHost string
	refresh      time.Duration

	mu       sync.Mutex
	loaded   time.Time
	tried    time.Time
	bySlug   map[string]Tenant
	byHost   map[string]Tenant
	loadErr  error
	reloadMu sync.Mutex
}

// NewRegistry returns a registry. platformHost is the platform's own host
// name without port (e.g. "localhost" in development): it shows the platform
// pages, and <slug>.<platformHost> reaches a comune.
func NewRegistry(store *Store, platformHost string, refresh time.Duration) *Registry {
	return &Registry{store: store, platformHost: NormalizeHost(platformHost), refresh: refresh}
}

// PlatformHost is the platform's host name without port.
func (r *Registry) PlatformHost() string { return r.platformHost }

// IsPlatform reports whether host (a Host header value) is the platform's
// own. A bare IP address counts as the platform too: no comune is ever
// reached by address, and probes and operators use them.
func (r *Registry) IsPlatform(host string) bool {
	host = NormalizeHost(host)
	return host == r.platformHost || net.ParseIP(host) != nil
}

// Resolve finds the comune a Host header value names. It returns
// ErrUnknownHost for hosts of no comune and db.ErrUnavailable when it has
// never been able to load the comuni.
func (r *Registry) Resolve(ctx context.Context, host string) (Tenant, error) {
	host = NormalizeHost(host)
	t, ok, fresh := r.lookup(host)
	if ok && fresh {
		return t, nil
	}
	if err := r.reload(ctx, !ok); err != nil && !ok {
		return Tenant{}, err
	}
	if t, ok, _ = r.lookup(host); ok {
		return t, nil
	}
	return Tenant{}, ErrUnknownHost
}

// All returns every comune, ordered as the database orders them (by name).
func (r *Registry) All(ctx context.Context) ([]Tenant, error) {
	return r.store.List(ctx)
}

func (r *Registry) lookup(host string) (Tenant, bool, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fresh := time.Since(r.loaded) < r.refresh
	if slug, ok := strings.CutSuffix(host, "."+r.platformHost); ok && !strings.Contains(slug, ".") {
		t, found := r.bySlug[slug]
		return t, found, fresh
	}
	t, found := r.byHost[host]
	return t, found, fresh
}

// reload refreshes the copy when it is stale, or on a miss. Attempts are at
// least two seconds apart, so neither unknown hosts nor a database outage turn
// into a query per request.
func (r *Registry) reload(ctx context.Context, miss bool) error {
	r.reloadMu.Lock()
	defer r.reloadMu.Unlock()
	r.mu.Lock()
	stale := time.Since(r.loaded) >= r.refresh
	recent := time.Since(r.tried) < 2*time.Second
	r.mu.Unlock()
	if recent || (!stale && !miss) {
		return r.loadErr
	}
	list, err := r.store.List(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tried = time.Now()
	if err != nil {
		r.loadErr = err
		return err
	}
	r.bySlug = make(map[string]Tenant, len(list))
	r.byHost = make(map[string]Tenant, len(list))
	for _, t := range list {
		r.bySlug[t.Slug] = t
		for _, h := range t.Hosts {
			r.byHost[h] = t
		}
	}
	r.loaded, r.loadErr = time.Now(), nil
	return nil
}

// Invalidate makes the next resolution reload from the database.
func (r *Registry) Invalidate() {
	r.mu.Lock()
	r.loaded, r.tried = time.Time{}, time.Time{}
	r.mu.Unlock()
}
