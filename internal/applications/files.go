package applications

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/attachments"
	"github.com/civica/civica/internal/db"
)

// AddFile streams a file the person sends for their application into the
// file store: for a form field (fieldKey, while a draft), or with a
// message or an integration answer (fieldKey ""). It is refused, with an
// *attachments.Refusal, as soon as it crosses the per-file limit or what is
// left of the per-application one, when its content is not of a kind in
// accept, or when the scanner finds it infected; a refused file leaves
// nothing behind.
func (s *Service) AddFile(ctx context.Context, tenantID, personID, reference, fieldKey, name string, r io.Reader, accept []string) (File, error) {
	var a Application
	var used int64
	err := s.inTenant(ctx, tenantID, "add file", func(tx pgx.Tx) error {
		var err error
		if a, err = lockForPerson(ctx, tx, tenantID, personID, reference); err != nil {
			return err
		}
		if (fieldKey != "" && a.Status != Draft) || a.Status.Final() {
			return ErrNotAllowed
		}
		return tx.QueryRow(ctx, `SELECT coalesce(sum(size), 0) FROM application_files
			WHERE tenant_id = $1 AND application_id = $2 AND owner = 'citizen'`, tenantID, a.ID).Scan(&used)
	})
	if err != nil {
		return File{}, err
	}
	key := "applications/" + tenantID + "/" + a.ID + "/" + rand.Text()
	rc := attachments.Receiver{Files: s.files, Scanner: s.scanner, Limits: s.cfg.Limits}
	stored, err := rc.Receive(ctx, key, name, r, accept, used)
	if err != nil {
		return File{}, err
	}
	f := File{Owner: "citizen", FieldKey: fieldKey, Name: stored.Name, ContentType: stored.ContentType, Size: stored.Size,
		SHA256: stored.SHA256, storageKey: key}
	err = s.inTenant(ctx, tenantID, "add file", func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO application_files
				(tenant_id, application_id, owner, field_key, name, content_type, size, sha256, storage_key)
			VALUES ($1, $2, 'citizen', $3, $4, $5, $6, $7, $8) RETURNING id::text, created_at`,
			tenantID, a.ID, fieldKey, f.Name, f.ContentType, f.Size, f.SHA256, key).Scan(&f.ID, &f.CreatedAt)
	})
	if err != nil {
		_ = s.files.Delete(context.WithoutCancel(ctx), key)
		return File{}, err
	}
	return f, nil
}

// RemoveFile removes a file of the person's draft.
func (s *Service) RemoveFile(ctx context.Context, tenantID, personID, reference, fileID string) error {
	var key string
	err := s.inTenant(ctx, tenantID, "remove file", func(tx pgx.Tx) error {
		a, err := lockForPerson(ctx, tx, tenantID, personID, reference)
		if err != nil {
			return err
		}
		if a.Status != Draft {
			return ErrNotAllowed
		}
		return tx.QueryRow(ctx, `DELETE FROM application_files
			WHERE tenant_id = $1 AND application_id = $2 AND owner = 'citizen' AND id::text = $3 RETURNING storage_key`,
			tenantID, a.ID, fileID).Scan(&key)
	})
	if err != nil {
		return err
	}
	_ = s.files.Delete(context.WithoutCancel(ctx), key)
	return nil
}

// OpenFile opens a file of the person's application (theirs, the
// office's or the receipt); db.ErrNotFound for any other.
func (s *Service) OpenFile(ctx context.Context, tenantID, personID, reference, fileID string) (File, io.ReadCloser, error) {
	var f File
	err := s.inTenant(ctx, tenantID, "open file", func(tx pgx.Tx) error {
		a, err := lockForPerson(ctx, tx, tenantID, personID, reference)
		if err != nil {
			return err
		}
		all, err := files(ctx, tx, a)
		if err != nil {
			return err
		}
		for _, x := range all {
			if x.ID == fileID || (fileID == "receipt" && x.Owner == "receipt") {
				f = x
				return nil
			}
		}
		return db.ErrNotFound
	})
	if err != nil {
		return f, nil, err
	}
	rc, err := s.files.Open(ctx, f.storageKey)
	if err != nil {
		return f, nil, fmt.Errorf("open %s: %w", f.Name, err)
	}
	return f, rc, nil
}
