package reports

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/refcode"
	"github.com/civica/civica/internal/storage"
)

// Store keeps reports in the database and their files in a storage.Store.
type Store struct {
	pool  *pgxpool.Pool
	files storage.Store
}

// NewStore returns a Store on pool, keeping files in files.
func NewStore(pool *pgxpool.Pool, files storage.Store) *Store {
	return &Store{pool: pool, files: files}
}

// Create stores a report, normalized, with its files, and returns its
// reference. The files go to storage first, each under a random key of its
// own; the report and its file rows are then written in one transaction of
// the comune. When anything fails the stored files are deleted again, so
// nothing is left of a report that was not stored.
func (s *Store) Create(ctx context.Context, tenantID string, r Report, files []Upload) (string, error) {
	r = r.Normalize()
	if errs := r.Validate(); len(errs) > 0 {
		return "", fmt.Errorf("create report: %w: %v", ErrInvalid, errors.Join(toErrors(errs)...))
	}
	if len(files) > MaxFiles {
		return "", fmt.Errorf("create report: %w: %d files", ErrInvalid, len(files))
	}
	keys := make([]string, 0, len(files))
	stored := false
	defer func() {
		if !stored {
			for _, key := range keys {
				// Best effort: an orphan file is harmless, and the
				// caller needs the original error more.
				_ = s.files.Delete(context.WithoutCancel(ctx), key)
			}
		}
	}()
	for _, f := range files {
		key := "problem-reports/" + tenantID + "/" + rand.Text()
		if err := s.put(ctx, key, f); err != nil {
			return "", fmt.Errorf("create report: %w", err)
		}
		keys = append(keys, key)
	}

	// A reference is 8 characters of 31: two reports of a comune drawing
	// the same one is unlikely, but possible; then draw again.
	for attempt := 1; ; attempt++ {
		ref := newReference()
		err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
			var id string
			err := tx.QueryRow(ctx, `INSERT INTO problem_reports
				(tenant_id, reference, category, place, subject, description, email, person_id, language)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::text`,
				tenantID, ref, r.Category, r.Place, r.Subject, r.Description, r.Email, nullable(r.PersonID), r.Language).Scan(&id)
			if err != nil {
				return err
			}
			for i, f := range files {
				if _, err := tx.Exec(ctx, `INSERT INTO problem_report_files
					(tenant_id, report_id, position, name, content_type, size, sha256, storage_key)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
					tenantID, id, i+1, f.Name, f.ContentType, f.Size, f.SHA256, keys[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if referenceTaken(err) && attempt < 5 {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("create report: %w", db.Classify(err))
		}
		stored = true
		return ref, nil
	}
}

func (s *Store) put(ctx context.Context, key string, f Upload) error {
	file, err := f.open()
	if err != nil {
		return err
	}
	defer file.Close()
	return s.files.Put(ctx, key, file)
}

// Get returns the comune's report with the reference; db.ErrNotFound when
// it has none (another comune's reports included).
func (s *Store) Get(ctx context.Context, tenantID, reference string) (Received, error) {
	var rec Received
	if !IsReference(reference) {
		return rec, db.ErrNotFound
	}
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `SELECT id::text, reference, category, place, subject, description, email,
				coalesce(person_id::text, ''), language, status, created_at
			FROM problem_reports WHERE tenant_id = $1 AND reference = $2`, tenantID, reference).Scan(
			&id, &rec.Reference, &rec.Category, &rec.Place, &rec.Subject, &rec.Description, &rec.Email,
			&rec.PersonID, &rec.Language, &rec.Status, &rec.ReceivedAt)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT position, name, content_type, size, sha256, storage_key
			FROM problem_report_files WHERE tenant_id = $1 AND report_id = $2 ORDER BY position`, tenantID, id)
		if err != nil {
			return err
		}
		rec.Files, err = pgx.CollectRows(rows, pgx.RowToStructByPos[File])
		return err
	})
	if err != nil {
		return Received{}, fmt.Errorf("get report %s: %w", reference, db.Classify(err))
	}
	return rec, nil
}

var referencePattern = refcode.Pattern("DS-")

// IsReference reports whether s is written as a report's reference.
func IsReference(s string) bool { return referencePattern.MatchString(s) }

func newReference() string { return refcode.New("DS-") }

func referenceTaken(err error) bool {
	return refcode.Taken(err, "problem_reports_tenant_id_reference_key")
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toErrors(fes []*FieldError) []error {
	out := make([]error, len(fes))
	for i, e := range fes {
		out[i] = e
	}
	return out
}
