package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
)

// EditorRole is the staff role that may edit a comune's catalogue: the
// comune's administrator. It is auth.RoleAdmin's value; catalog does not
// depend on how people log in, only on what role they hold.
const EditorRole = "admin"

// Editor is who asks to change a comune's catalogue: the comune they are
// logged in to, their staff role there ("" for a citizen), and their name
// and fiscal code, which the card's history keeps.
type Editor struct {
	TenantID   string
	Role       string
	Name       string
	FiscalCode string
}

func (e Editor) mayEdit(tenantID string) bool {
	return e.TenantID != "" && e.TenantID == tenantID && e.Role == EditorRole
}

// Errors of UpdateService besides db.ErrNotFound and *InvalidEditError.
var (
	ErrForbidden = errors.New("not allowed to edit the catalogue")
	ErrConflict  = errors.New("the card changed since it was read")
)

// InvalidEditError is an edit that would leave the card breaking the
// catalogue's rules. Problems holds every one, each an ErrStatus or a
// TextError, in the order of the card's fields.
type InvalidEditError struct {
	Problems []error
}

func (e *InvalidEditError) Error() string {
	return "invalid edit: " + errors.Join(e.Problems...).Error()
}

// Version is one saved state of a card: an edit names the version it
// started from, and is refused if the card has changed since (optimistic
// locking). Its String form is what travels in a form.
type Version struct{ micros int64 }

func (v Version) String() string { return strconv.FormatInt(v.micros, 10) }

// ParseVersion reads a Version from its String form.
func ParseVersion(s string) (Version, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return Version{}, fmt.Errorf("version %q: not a version", s)
	}
	return Version{n}, nil
}

func versionOf(updatedAt time.Time) Version { return Version{updatedAt.UnixMicro()} }

// Edit is what an administrator changes on a card: its status and its
// texts. Everything else on the card (category, topics, office, channels,
// fees, deadlines) stays as it is.
type Edit struct {
	Status       string
	StatusReason Text            // kept only when Status is suspended
	Texts        map[string]Text // by CardTexts field; a field or language missing here is empty
}

// Apply returns svc with the edit made: texts trimmed, line ends as "\n",
// every language present.
func (e Edit) Apply(svc Service) Service {
	svc.Status = e.Status
	svc.StatusReason = nil
	if e.Status == StatusSuspended {
		svc.StatusReason = clean(e.StatusReason)
	}
	for _, r := range CardTexts {
		*svc.text(r.Field) = clean(e.Texts[r.Field])
	}
	return svc
}

func clean(t Text) Text {
	out := make(Text, len(Languages))
	for _, l := range Languages {
		out[l] = strings.TrimSpace(strings.ReplaceAll(t[l], "\r\n", "\n"))
	}
	return out
}

// ServiceForEdit returns a card and its version, which an edit of it must
// name; db.ErrNotFound when the comune has no such service.
func (s *Store) ServiceForEdit(ctx context.Context, tenantID, slug string) (Service, Version, error) {
	var svc Service
	var updated time.Time
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT card, updated_at FROM services WHERE tenant_id = $1 AND slug = $2`,
			tenantID, slug).Scan(&svc, &updated)
	})
	if err != nil {
		return Service{}, Version{}, fmt.Errorf("service %q: %w", slug, db.Classify(err))
	}
	return svc, versionOf(updated), nil
}

// UpdateService saves an edit of the comune's card slug that started from
// version from, in one tenant transaction, and returns the card's new
// version. Nothing is saved when it fails with:
//   - ErrForbidden: editor is not an administrator of this comune;
//   - db.ErrNotFound: the comune has no such service;
//   - *InvalidEditError: the edited card would break the catalogue's rules
//     (the same TextProblems the catalogue files are checked with);
//   - ErrConflict: someone saved the card after version from.
//
// A save keeps the card as it was in service_versions, with the editor and
// the time, in the same transaction (see ServiceHistory).
func (s *Store) UpdateService(ctx context.Context, tenantID string, editor Editor, slug string, from Version, e Edit) (Version, error) {
	if !editor.mayEdit(tenantID) {
		return Version{}, ErrForbidden
	}
	var saved time.Time
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		var cur Service
		var updated time.Time
		err := tx.QueryRow(ctx, `SELECT card, updated_at FROM services WHERE tenant_id = $1 AND slug = $2 FOR UPDATE`,
			tenantID, slug).Scan(&cur, &updated)
		if err != nil {
			return err
		}
		next := e.Apply(cur)
		if problems := next.TextProblems(); len(problems) > 0 {
			return &InvalidEditError{Problems: problems}
		}
		if versionOf(updated) != from {
			return ErrConflict
		}
		card, err := json.Marshal(next)
		if err != nil {
			return err
		}
		// The new version must differ from every earlier one, even for a
		// save that changes nothing within the same microsecond.
		err = tx.QueryRow(ctx, `UPDATE services SET card = $3, status = $4,
				updated_at = greatest(clock_timestamp(), updated_at + interval '1 microsecond')
			WHERE tenant_id = $1 AND slug = $2 RETURNING updated_at`,
			tenantID, slug, card, next.Status).Scan(&saved)
		if err != nil {
			return err
		}
		prev, err := json.Marshal(cur)
		if err != nil {
			return err
		}
		// The row lock taken above orders the saves of one card, so the
		// numbers of its versions follow one another.
		_, err = tx.Exec(ctx, `INSERT INTO service_versions
				(tenant_id, slug, version, card, status, edited_by_name, edited_by_fiscal_code, edited_at)
			SELECT $1::uuid, $2::text, coalesce(max(version), 0) + 1, $3::jsonb, $4::text, $5::text, $6::text, $7::timestamptz
			FROM service_versions WHERE tenant_id = $1 AND slug = $2`,
			tenantID, slug, prev, cur.Status, editor.Name, editor.FiscalCode, saved)
		return err
	})
	if err != nil {
		return Version{}, fmt.Errorf("update service %q: %w", slug, db.Classify(err))
	}
	return versionOf(saved), nil
}

// EditOf is the edit that leaves svc as it is: what an edit form starts
// from.
func EditOf(svc Service) Edit {
	e := Edit{Status: svc.Status, StatusReason: svc.StatusReason, Texts: make(map[string]Text, len(CardTexts))}
	for _, r := range CardTexts {
		e.Texts[r.Field] = *svc.text(r.Field)
	}
	return e
}
