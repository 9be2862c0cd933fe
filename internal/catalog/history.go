package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
)

// ServiceVersion is a card as it was before one save of it: version n is
// what the n-th save replaced, EditedBy… and EditedAt tell who made that
// save and when.
type ServiceVersion struct {
	Number             int
	Service            Service // empty in ServiceHistory's list
	EditedByName       string
	EditedByFiscalCode string
	EditedAt           time.Time
}

// ServiceHistory returns the saves of the comune's card slug, newest
// first, without their cards; none for a card never saved (or another
// comune's).
func (s *Store) ServiceHistory(ctx context.Context, tenantID, slug string) ([]ServiceVersion, error) {
	var out []ServiceVersion
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT version, edited_by_name, edited_by_fiscal_code, edited_at
			FROM service_versions WHERE tenant_id = $1 AND slug = $2 ORDER BY version DESC`, tenantID, slug)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ServiceVersion, error) {
			var v ServiceVersion
			err := r.Scan(&v.Number, &v.EditedByName, &v.EditedByFiscalCode, &v.EditedAt)
			return v, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("history of service %q: %w", slug, db.Classify(err))
	}
	return out, nil
}

// VersionPair is a version of a card and what the save after it left: the
// next version, or the current card when Next is 0.
type VersionPair struct {
	Old   ServiceVersion
	New   Service
	Next  int // the number of New's version; 0 when New is the current card
	Total int // how many versions the card has
}

// CompareVersion reads version n of the comune's card slug and the one
// after it, in one transaction; db.ErrNotFound when there is no such
// version.
func (s *Store) CompareVersion(ctx context.Context, tenantID, slug string, n int) (VersionPair, error) {
	var p VersionPair
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT version, card, edited_by_name, edited_by_fiscal_code, edited_at,
				(SELECT max(version) FROM service_versions WHERE tenant_id = $1 AND slug = $2)
			FROM service_versions WHERE tenant_id = $1 AND slug = $2 AND version = $3`, tenantID, slug, n).
			Scan(&p.Old.Number, &p.Old.Service, &p.Old.EditedByName, &p.Old.EditedByFiscalCode, &p.Old.EditedAt, &p.Total)
		if err != nil {
			return err
		}
		if n < p.Total {
			p.Next = n + 1
			return tx.QueryRow(ctx, `SELECT card FROM service_versions WHERE tenant_id = $1 AND slug = $2 AND version = $3`,
				tenantID, slug, p.Next).Scan(&p.New)
		}
		return tx.QueryRow(ctx, `SELECT card FROM services WHERE tenant_id = $1 AND slug = $2`, tenantID, slug).Scan(&p.New)
	})
	if err != nil {
		return VersionPair{}, fmt.Errorf("version %d of service %q: %w", n, slug, db.Classify(err))
	}
	return p, nil
}
