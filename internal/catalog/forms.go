package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/forms"
)

// publishForm makes f the service's current online form inside tx. A form
// equal to one published before (same digest) takes that version back;
// any other becomes a new version. Versions are never changed: applications
// pin the one they were filled with. It returns the version, or nil for a
// service without a form.
func publishForm(ctx context.Context, tx pgx.Tx, tenantID, slug string, f *forms.Form) (*int, error) {
	if f == nil {
		return nil, nil
	}
	def, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(def)
	digest := hex.EncodeToString(sum[:])
	var version int
	err = tx.QueryRow(ctx, `SELECT version FROM form_versions WHERE tenant_id = $1 AND service_slug = $2 AND digest = $3`,
		tenantID, slug, digest).Scan(&version)
	if err == pgx.ErrNoRows {
		err = tx.QueryRow(ctx, `INSERT INTO form_versions (tenant_id, service_slug, version, definition, digest)
			SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4 FROM form_versions WHERE tenant_id = $1 AND service_slug = $2
			RETURNING version`, tenantID, slug, def, digest).Scan(&version)
	}
	if err != nil {
		return nil, fmt.Errorf("publish form of %s: %w", slug, err)
	}
	return &version, nil
}

// PublishedForm is one published version of a service's form.
type PublishedForm struct {
	Service string
	Version int
	Form    forms.Form
}

// CurrentForm returns the form a new application for the service is filled
// with; db.ErrNotFound when the service has none (or does not exist).
func CurrentForm(ctx context.Context, tx pgx.Tx, tenantID, slug string) (PublishedForm, error) {
	p := PublishedForm{Service: slug}
	err := tx.QueryRow(ctx, `SELECT f.version, f.definition FROM services s
		JOIN form_versions f ON f.tenant_id = s.tenant_id AND f.service_slug = s.slug AND f.version = s.form_version
		WHERE s.tenant_id = $1 AND s.slug = $2`, tenantID, slug).Scan(&p.Version, &p.Form)
	if err != nil {
		return p, fmt.Errorf("form of %s: %w", slug, db.Classify(err))
	}
	return p, nil
}

// FormVersion returns one version of a service's form, current or not.
func FormVersion(ctx context.Context, tx pgx.Tx, tenantID, slug string, version int) (PublishedForm, error) {
	p := PublishedForm{Service: slug, Version: version}
	err := tx.QueryRow(ctx, `SELECT definition FROM form_versions WHERE tenant_id = $1 AND service_slug = $2 AND version = $3`,
		tenantID, slug, version).Scan(&p.Form)
	if err != nil {
		return p, fmt.Errorf("form %s v%d: %w", slug, version, db.Classify(err))
	}
	return p, nil
}

// CurrentForm returns the form a new application for the service is
// filled with; db.ErrNotFound when it has none.
func (s *Store) CurrentForm(ctx context.Context, tenantID, slug string) (PublishedForm, error) {
	var p PublishedForm
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		var err error
		p, err = CurrentForm(ctx, tx, tenantID, slug)
		return err
	})
	return p, err
}
