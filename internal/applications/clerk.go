package applications

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
)

// Staff roles in a comune, as staff_members stores them.
const (
	RoleAdmin         = "admin"
	RoleOfficeManager = "office_manager"
	RoleClerk         = "clerk"
)

// Clerk is a member of a comune's staff acting on applications, as the
// request knows them. What they may do is never taken from here: every
// staff function reads their role and offices from the comune's staff
// list in its own transaction (Scope), so a removed clerk or a changed
// office counts at once.
type Clerk struct {
	FiscalCode string
	Name       string
	// RemoteAddr is where the request came from, for the audit log.
	RemoteAddr string
}

// Actor is the clerk as the timeline names them.
func (c Clerk) Actor() Actor { return Actor{Kind: ActorStaff, ID: c.FiscalCode, Name: c.Name} }

// ErrForbidden: the person is not staff of this comune, or their role does
// not allow the action. An application outside a clerk's offices is
// ErrNotFound instead, as if it did not exist.
var ErrForbidden = errors.New("applications: not allowed for this member of staff")

// Scope is what a member of staff may reach: their role and the offices
// they work for. A comune admin reaches every office.
type Scope struct {
	FiscalCode string
	Name       string
	Role       string
	Offices    []string
}

// Sees reports whether the staff member works on the office's
// applications.
func (s Scope) Sees(office string) bool {
	return s.Role == RoleAdmin || slices.Contains(s.Offices, office)
}

// Manages reports whether the staff member manages the office: assigns its
// applications to others, sees its dashboards and its deadline warnings.
func (s Scope) Manages(office string) bool {
	return s.Role == RoleAdmin || (s.Role == RoleOfficeManager && slices.Contains(s.Offices, office))
}

// AllOffices reports whether the scope is the whole comune.
func (s Scope) AllOffices() bool { return s.Role == RoleAdmin }

// LoadScope reads a staff member's role and offices inside tx (a tenant
// transaction); ErrForbidden when they are not staff of the comune.
func LoadScope(ctx context.Context, tx pgx.Tx, tenantID, fiscalCode string) (Scope, error) {
	sc := Scope{FiscalCode: fiscalCode}
	err := tx.QueryRow(ctx, `SELECT m.display_name, m.role,
			coalesce((SELECT array_agg(o.office_slug ORDER BY o.office_slug) FROM staff_offices o
				WHERE o.tenant_id = m.tenant_id AND o.fiscal_code = m.fiscal_code), '{}')
		FROM staff_members m WHERE m.tenant_id = $1 AND m.fiscal_code = $2`, tenantID, fiscalCode).
		Scan(&sc.Name, &sc.Role, &sc.Offices)
	if errors.Is(err, pgx.ErrNoRows) {
		return sc, ErrForbidden
	}
	if err != nil {
		return sc, fmt.Errorf("staff scope: %w", db.Classify(err))
	}
	return sc, nil
}

// ScopeOf is LoadScope in a transaction of its own.
func (s *Service) ScopeOf(ctx context.Context, tenantID, fiscalCode string) (Scope, error) {
	var sc Scope
	err := s.inTenant(ctx, tenantID, "staff scope", func(tx pgx.Tx) (err error) {
		sc, err = LoadScope(ctx, tx, tenantID, fiscalCode)
		return err
	})
	return sc, err
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Action        string // "view", or the event kind of what was done
	ApplicationID string
	Reference     string
	Detail        string
}

// Audit appends what a clerk saw or did to the comune's audit log, inside
// tx so that the line exists exactly when what it records happened. The
// tenant role can only add and read rows there.
func Audit(ctx context.Context, tx pgx.Tx, tenantID string, by Clerk, e AuditEntry) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_log
			(tenant_id, actor_kind, actor_id, actor_name, action, application_id, reference, remote_addr, detail)
		VALUES ($1, 'staff', $2, $3, $4, $5, $6, $7, left($8, 2000))`,
		tenantID, by.FiscalCode, by.Name, e.Action, nullableID(e.ApplicationID), e.Reference, by.RemoteAddr, e.Detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}
