package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/db"
)

// Write replaces a comune's catalogue inside tx, a transaction already bound
// to the tenant (db.EnterTenant). What the catalogue no longer holds is
// removed; writing the same catalogue twice changes nothing.
func Write(ctx context.Context, tx pgx.Tx, tenantID string, c Catalogue) error {
	topicSlugs := make([]string, 0, len(c.Topics))
	for i, t := range c.Topics {
		topicSlugs = append(topicSlugs, t.Slug)
		if _, err := tx.Exec(ctx, `INSERT INTO topics (tenant_id, slug, name, description, position) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tenant_id, slug) DO UPDATE SET name = excluded.name, description = excluded.description, position = excluded.position`,
			tenantID, t.Slug, t.Name, t.Description, i); err != nil {
			return fmt.Errorf("topic %s: %w", t.Slug, err)
		}
	}
	officeSlugs := make([]string, 0, len(c.Offices))
	for _, o := range c.Offices {
		officeSlugs = append(officeSlugs, o.Slug)
		if _, err := tx.Exec(ctx, `INSERT INTO offices (tenant_id, slug, office) VALUES ($1, $2, $3)
			ON CONFLICT (tenant_id, slug) DO UPDATE SET office = excluded.office`, tenantID, o.Slug, o); err != nil {
			return fmt.Errorf("office %s: %w", o.Slug, err)
		}
	}
	serviceSlugs := make([]string, 0, len(c.Services))
	for _, s := range c.Services {
		serviceSlugs = append(serviceSlugs, s.Slug)
		card, err := json.Marshal(s)
		if err != nil {
			return err
		}
		formVersion, err := publishForm(ctx, tx, tenantID, s.Slug, s.Form)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO services (tenant_id, slug, category, office_slug, topics, status, card, form_version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (tenant_id, slug) DO UPDATE SET category = excluded.category, office_slug = excluded.office_slug,
				topics = excluded.topics, status = excluded.status, card = excluded.card, form_version = excluded.form_version,
				updated_at = CASE WHEN services.card = excluded.card AND services.form_version IS NOT DISTINCT FROM excluded.form_version
					THEN services.updated_at ELSE now() END`,
			tenantID, s.Slug, s.Category, s.Office, s.Topics, s.Status, card, formVersion); err != nil {
			return fmt.Errorf("service %s: %w", s.Slug, err)
		}
	}
	for _, q := range []struct {
		sql   string
		slugs []string
	}{
		{`DELETE FROM services WHERE tenant_id = $1 AND NOT slug = ANY($2)`, serviceSlugs},
		{`DELETE FROM offices WHERE tenant_id = $1 AND NOT slug = ANY($2)`, officeSlugs},
		{`DELETE FROM topics WHERE tenant_id = $1 AND NOT slug = ANY($2)`, topicSlugs},
	} {
		if _, err := tx.Exec(ctx, q.sql, tenantID, q.slugs); err != nil {
			return fmt.Errorf("prune catalogue: %w", err)
		}
	}
	return nil
}

// Store reads a comune's catalogue.
type Store struct {
	pool *pgxpool.Pool

	// lists keeps each comune's service summaries with the version they
	// were read at (latest change and count). Every read still asks the
	// database for the version, so an edit or an import on any instance
	// shows at once; what it saves is moving and decoding ~50 summaries on
	// every page that lists services.
	mu    sync.Mutex
	lists map[string]cachedList
}

type cachedList struct {
	version  string
	services []Service
}

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool, lists: map[string]cachedList{}} }

// summaryColumns is what lists read: the card's summary column (the card
// without its long sections, kept by the database).
const summaryColumns = `summary`

// Services returns every service of the comune, ordered by category (in
// the Modello Comuni's order) then slug. Each holds what lists and open data
// show (identity, category, topics, office, status, channels, times, fees,
// title, description), not the card's long sections: Service reads those.
//
// The slice is the caller's to change; the Services in it share their maps
// and slices with other callers and must not be modified.
func (s *Store) Services(ctx context.Context, tenantID string) ([]Service, error) {
	var out []Service
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		var version string
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(updated_at)::text, '') || '/' || count(*) FROM services WHERE tenant_id = $1`,
			tenantID).Scan(&version); err != nil {
			return err
		}
		s.mu.Lock()
		cached, ok := s.lists[tenantID]
		s.mu.Unlock()
		if ok && cached.version == version {
			out = slices.Clone(cached.services)
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT `+summaryColumns+` FROM services WHERE tenant_id = $1
			ORDER BY array_position($2::text[], category), slug`, tenantID, Categories)
		if err != nil {
			return err
		}
		list, err := pgx.CollectRows(rows, pgx.RowTo[Service])
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.lists[tenantID] = cachedList{version: version, services: list}
		s.mu.Unlock()
		out = slices.Clone(list)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list services: %w", db.Classify(err))
	}
	return out, nil
}

// Service returns one card and the office in charge; db.ErrNotFound when
// the comune has no such service.
func (s *Store) Service(ctx context.Context, tenantID, slug string) (Service, Office, error) {
	card, err := s.Card(ctx, tenantID, slug)
	return card.Service, card.Office, err
}

// Card is what a service card page shows: the service, its office and its
// topics.
type Card struct {
	Service Service
	Office  Office
	Topics  []Topic
	// FormVersion is the version of the online form applications are
	// filled with now; 0 when the service cannot be applied for online.
	FormVersion int
}

// Card reads a service card with its office and topics in one transaction;
// db.ErrNotFound when the comune has no such service.
func (s *Store) Card(ctx context.Context, tenantID, slug string) (Card, error) {
	var c Card
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT s.card, o.office,
				coalesce((SELECT jsonb_agg(jsonb_build_object('slug', t.slug, 'name', t.name, 'description', t.description) ORDER BY t.position)
				          FROM topics t WHERE t.tenant_id = s.tenant_id AND t.slug = ANY(s.topics)), '[]'),
				coalesce(s.form_version, 0)
			FROM services s
			JOIN offices o ON o.tenant_id = s.tenant_id AND o.slug = s.office_slug
			WHERE s.tenant_id = $1 AND s.slug = $2`, tenantID, slug).Scan(&c.Service, &c.Office, &c.Topics, &c.FormVersion)
	})
	if err != nil {
		return Card{}, fmt.Errorf("service %q: %w", slug, db.Classify(err))
	}
	return c, nil
}

// Topics returns the comune's topics in vocabulary order.
func (s *Store) Topics(ctx context.Context, tenantID string) ([]Topic, error) {
	var out []Topic
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT slug, name, description FROM topics WHERE tenant_id = $1 ORDER BY position`, tenantID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Topic])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", db.Classify(err))
	}
	return out, nil
}

// Offices returns the comune's offices, by slug.
func (s *Store) Offices(ctx context.Context, tenantID string) ([]Office, error) {
	var out []Office
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT office FROM offices WHERE tenant_id = $1 ORDER BY slug`, tenantID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[Office])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list offices: %w", db.Classify(err))
	}
	return out, nil
}

// Export reads the comune's whole catalogue in one transaction, as it is in
// the database: topics in vocabulary order, offices and services (every
// field of their cards) by slug. Written out as files and loaded again, it
// writes back the same rows (tenant export).
func (s *Store) Export(ctx context.Context, tenantID string) (Catalogue, error) {
	var c Catalogue
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT slug, name, description FROM topics WHERE tenant_id = $1 ORDER BY position, slug`, tenantID)
		if err != nil {
			return err
		}
		if c.Topics, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Topic]); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT office FROM offices WHERE tenant_id = $1 ORDER BY slug`, tenantID)
		if err != nil {
			return err
		}
		if c.Offices, err = pgx.CollectRows(rows, pgx.RowTo[Office]); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT s.card, f.definition FROM services s
			LEFT JOIN form_versions f ON f.tenant_id = s.tenant_id AND f.service_slug = s.slug AND f.version = s.form_version
			WHERE s.tenant_id = $1 ORDER BY s.slug`, tenantID)
		if err != nil {
			return err
		}
		c.Services, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Service, error) {
			var svc Service
			err := row.Scan(&svc, &svc.Form)
			return svc, err
		})
		return err
	})
	if err != nil {
		return Catalogue{}, fmt.Errorf("export catalogue: %w", db.Classify(err))
	}
	return c, nil
}
