package tenant

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
)

// Store reads and writes comuni.
type Store struct {
	pool *pgxpool.Pool
	// booking, when set (WithBooking), imports and exports offices.yaml.
	booking *booking.Service
}

// NewStore returns a Store on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

const tenantColumns = `t.id::text, t.slug, t.name, t.istat_code, t.ipa_code, t.fiscal_code, t.status,
	t.languages, t.primary_color, t.logo_type, t.contacts, coalesce(t.patron_saint_day, ''),
	coalesce(t.staff_oidc_issuer, ''), coalesce(t.staff_oidc_client_id, ''), t.deadline_warning_days,
	coalesce((SELECT array_agg(h.host ORDER BY h.host) FROM tenant_hosts h WHERE h.tenant_id = t.id), '{}')`

func scanTenant(row pgx.Row) (Tenant, error) {
	var t Tenant
	var contacts []byte
	err := row.Scan(&t.ID, &t.Slug, &t.Name, &t.ISTATCode, &t.IPACode, &t.FiscalCode, &t.Status,
		&t.Languages, &t.PrimaryColor, &t.LogoType, &contacts, &t.PatronSaintDay,
		&t.StaffLogin.Issuer, &t.StaffLogin.ClientID, &t.DeadlineWarningDays, &t.Hosts)
	if err != nil {
		return Tenant{}, err
	}
	if err := json.Unmarshal(contacts, &t.Contacts); err != nil {
		return Tenant{}, fmt.Errorf("tenant %s contacts: %w", t.Slug, err)
	}
	return t, nil
}

// List returns every comune, ordered by name.
func (s *Store) List(ctx context.Context) ([]Tenant, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tenantColumns+` FROM tenants t ORDER BY t.name`)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", db.Classify(err))
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tenants: %w", db.Classify(err))
	}
	return out, nil
}

// BySlug finds a comune by slug; db.ErrNotFound when there is none.
func (s *Store) BySlug(ctx context.Context, slug string) (Tenant, error) {
	t, err := scanTenant(s.pool.QueryRow(ctx, `SELECT `+tenantColumns+` FROM tenants t WHERE t.slug = $1`, slug))
	if err != nil {
		return Tenant{}, fmt.Errorf("tenant %q: %w", slug, db.Classify(err))
	}
	return t, nil
}

// Logo returns the comune's logo and its media type.
func (s *Store) Logo(ctx context.Context, tenantID string) ([]byte, string, error) {
	var logo []byte
	var typ string
	err := s.pool.QueryRow(ctx, `SELECT logo, logo_type FROM tenants WHERE id = $1`, tenantID).Scan(&logo, &typ)
	if err != nil {
		return nil, "", fmt.Errorf("tenant logo: %w", db.Classify(err))
	}
	return logo, typ, nil
}

// Import creates or updates a comune from a bundle, in one transaction: its
// identity, hosts, staff and catalogue. Running it twice gives the same result; staff
// members missing from the bundle are removed.
func (s *Store) Import(ctx context.Context, b Bundle) (Tenant, error) {
	contacts, err := json.Marshal(b.Contacts)
	if err != nil {
		return Tenant{}, err
	}
	var id string
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO tenants (slug, name, istat_code, ipa_code, fiscal_code, status, languages,
				primary_color, logo, logo_type, contacts, patron_saint_day, staff_oidc_issuer, staff_oidc_client_id,
				deadline_warning_days)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, nullif($12, ''), nullif($13, ''), nullif($14, ''), $15)
			ON CONFLICT (slug) DO UPDATE SET
				name = excluded.name, istat_code = excluded.istat_code, ipa_code = excluded.ipa_code,
				fiscal_code = excluded.fiscal_code, status = excluded.status, languages = excluded.languages,
				primary_color = excluded.primary_color, logo = excluded.logo, logo_type = excluded.logo_type,
				contacts = excluded.contacts, patron_saint_day = excluded.patron_saint_day,
				staff_oidc_issuer = excluded.staff_oidc_issuer, staff_oidc_client_id = excluded.staff_oidc_client_id,
				deadline_warning_days = excluded.deadline_warning_days, updated_at = now()
			RETURNING id::text`,
			b.Slug, b.Name, b.ISTATCode, b.IPACode, b.FiscalCode, b.Status, b.Languages,
			strings.ToLower(b.PrimaryColor), b.Logo, b.LogoType, contacts, b.PatronSaintDay,
			b.StaffLogin.Issuer, b.StaffLogin.ClientID, b.deadlineWarningDays()).Scan(&id)
		if err != nil {
			return fmt.Errorf("upsert tenant: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM tenant_hosts WHERE tenant_id = $1 AND NOT host = ANY($2)`, id, b.Hosts); err != nil {
			return fmt.Errorf("prune hosts: %w", err)
		}
		for _, h := range b.Hosts {
			tag, err := tx.Exec(ctx, `INSERT INTO tenant_hosts (host, tenant_id) VALUES ($1, $2)
				ON CONFLICT (host) DO UPDATE SET tenant_id = excluded.tenant_id WHERE tenant_hosts.tenant_id = excluded.tenant_id`, h, id)
			if err != nil {
				return fmt.Errorf("host %s: %w", h, err)
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("host %s already belongs to another comune", h)
			}
		}
		if err := db.EnterTenant(ctx, tx, id); err != nil {
			return err
		}
		codes := make([]string, 0, len(b.Staff))
		for _, m := range b.Staff {
			codes = append(codes, m.FiscalCode)
			if _, err := tx.Exec(ctx, `INSERT INTO staff_members (tenant_id, fiscal_code, display_name, role)
				VALUES ($1, $2, $3, $4)
				ON CONFLICT (tenant_id, fiscal_code) DO UPDATE SET display_name = excluded.display_name, role = excluded.role`,
				id, m.FiscalCode, m.Name, m.Role); err != nil {
				return fmt.Errorf("staff %s: %w", m.FiscalCode, err)
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM staff_members WHERE tenant_id = $1 AND NOT fiscal_code = ANY($2)`, id, codes); err != nil {
			return fmt.Errorf("prune staff: %w", err)
		}
		if b.Catalogue != nil {
			if err := catalog.Write(ctx, tx, id, *b.Catalogue); err != nil {
				return fmt.Errorf("catalogue: %w", err)
			}
		}
		// Offices after the catalogue, which creates them.
		for _, m := range b.Staff {
			if _, err := tx.Exec(ctx, `DELETE FROM staff_offices WHERE tenant_id = $1 AND fiscal_code = $2
				AND NOT office_slug = ANY(coalesce($3::text[], '{}'))`, id, m.FiscalCode, m.Offices); err != nil {
				return fmt.Errorf("staff %s offices: %w", m.FiscalCode, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO staff_offices (tenant_id, fiscal_code, office_slug)
				SELECT $1, $2, unnest(coalesce($3::text[], '{}')) ON CONFLICT DO NOTHING`, id, m.FiscalCode, m.Offices); err != nil {
				return fmt.Errorf("staff %s offices: %w", m.FiscalCode, err)
			}
		}
		return nil
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("import %s: %w", b.Slug, db.Classify(err))
	}
	// Desks after the catalogue, whose offices and services they name.
	if err := s.importBooking(ctx, id, b.Booking); err != nil {
		return Tenant{}, fmt.Errorf("import %s: %w", b.Slug, err)
	}
	return s.BySlug(ctx, b.Slug)
}
