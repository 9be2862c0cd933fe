package booking

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/locale"
)

// Service runs the comune's calendars and appointments.
type Service struct {
	pool     *pgxpool.Pool
	inserter jobs.Inserter
	secret   []byte // signs manage links and guest codes
	now      func() time.Time
	catalog  func() *locale.Catalog
	baseURL  func(tenantID string) string
	portal   func(slug string) string
}

// Config configures the Service.
type Config struct {
	// Secret signs manage links (at least 32 bytes).
	Secret []byte
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// BaseURL of a tenant's portal, for links in messages and calendars.
	BaseURL func(tenantID string) string
	// PortalURL is the same by the comune's slug; it wins over BaseURL
	// when both are set ("http://verdemare.localhost:8080").
	PortalURL func(slug string) string
	// Catalog words the messages people are sent (dates, the video
	// desk's "place"); nil loads Civica's catalogues when first needed.
	Catalog *locale.Catalog
}

// New builds the Service.
func New(pool *pgxpool.Pool, inserter jobs.Inserter, cfg Config) *Service {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	catalog := func() *locale.Catalog { return cfg.Catalog }
	if cfg.Catalog == nil {
		catalog = sync.OnceValue(func() *locale.Catalog {
			c, err := locale.Load(i18n.FS, "it", "en")
			if err != nil {
				return nil // the catalogues are embedded: their tests catch this
			}
			return c
		})
	}
	return &Service{pool: pool, inserter: inserter, secret: cfg.Secret, now: now,
		catalog: catalog, baseURL: cfg.BaseURL, portal: cfg.PortalURL}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// key derives the key of one use of the secret (manage links, rooms), so
// a value signed for one use is worthless for another.
func (s *Service) key(label string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("civica booking " + label))
	return m.Sum(nil)
}

// inTenant runs fn in the comune's transaction; a missing row is
// ErrNotFound.
func (s *Service) inTenant(ctx context.Context, tenantID, what string, fn func(tx pgx.Tx) error) error {
	err := db.InTenant(ctx, s.pool, tenantID, fn)
	if err == nil {
		return nil
	}
	err = db.Classify(err)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// link is the absolute address of path on the comune's portal ("" base
// when no URL is configured, then path alone).
func (s *Service) link(tenantID, slug, path string) string {
	switch {
	case s.portal != nil:
		return s.portal(slug) + path
	case s.baseURL != nil:
		return s.baseURL(tenantID) + path
	}
	return path
}

// PersonalPath is the page of an appointment in the personal area.
func PersonalPath(ref string) string { return "/area-personale/appuntamenti/" + ref }

// ManagePath is the page a guest's manage link opens.
func ManagePath(token string) string { return "/appuntamenti/gestisci/" + token }
