package testidp

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// store is an in-memory map whose entries expire. Expired entries behave as
// absent and are swept on writes, so memory stays bounded by what is live.
// It is safe for concurrent use.
type store[V any] struct {
	now func() time.Time

	mu    sync.Mutex
	items map[string]storeEntry[V]
}

type storeEntry[V any] struct {
	value   V
	expires time.Time
}

func newStore[V any](now func() time.Time) *store[V] {
	return &store[V]{now: now, items: make(map[string]storeEntry[V])}
}

// put stores value under key for ttl, replacing any previous entry.
func (s *store[V]) put(key string, value V, ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	s.items[key] = storeEntry[V]{value: value, expires: now.Add(ttl)}
}

// putNew stores value under key for ttl unless a live entry already exists.
// It reports whether the value was stored; the check and the write are
// atomic, which is what replay detection needs.
func (s *store[V]) putNew(key string, value V, ttl time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.sweep(now)
	if _, ok := s.items[key]; ok {
		return false
	}
	s.items[key] = storeEntry[V]{value: value, expires: now.Add(ttl)}
	return true
}

// get returns the live value stored under key.
func (s *store[V]) get(key string) (V, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.items[key]
	if !ok || !s.now().Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// take returns the live value stored under key and removes it, so that at
// most one caller ever gets it.
func (s *store[V]) take(key string) (V, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.items[key]
	delete(s.items, key)
	if !ok || !s.now().Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

func (s *store[V]) delete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.items, key)
}

// sweep removes expired entries. The caller holds s.mu.
func (s *store[V]) sweep(now time.Time) {
	for k, e := range s.items {
		if !now.Before(e.expires) {
			delete(s.items, k)
		}
	}
}

// randomToken returns 256 random bits, base64url-encoded (43 characters):
// unguessable handles for pending logins, codes and access tokens.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error; see crypto/rand.Read.
	return base64.RawURLEncoding.EncodeToString(b)
}
