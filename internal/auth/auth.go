package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/codicefiscale"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/notify"
)

// Kind of principal.
type Kind string

const (
	KindCitizen       Kind = "citizen"
	KindStaff         Kind = "staff"
	KindPlatformAdmin Kind = "platform_admin"
)

// Staff roles in a comune.
const (
	RoleAdmin         = "admin"
	RoleOfficeManager = "office_manager"
	RoleClerk         = "clerk"
)

// Principal is who is logged in, as the session keeps it.
type Principal struct {
	Kind       Kind
	TenantID   string // "" for the platform administrator
	PersonID   string // "" for the platform administrator
	GivenName  string
	FamilyName string
	FiscalCode string
	Role       string // staff role; "" for citizens
}

// Name is the person's full name.
func (p Principal) Name() string { return p.GivenName + " " + p.FamilyName }

// Identity is what an identity provider asserted about a person.
type Identity struct {
	FiscalCode string
	GivenName  string
	FamilyName string
	Email      string
}

// ErrInvalidIdentity is returned when the provider's assertion lacks a valid
// fiscal code or a name.
var ErrInvalidIdentity = errors.New("identity without a valid fiscal code or name")

// ErrNotPlatformAdmin is returned when someone who is not a platform
// administrator logs in on the platform's own host.
var ErrNotPlatformAdmin = errors.New("not a platform administrator")

// Service logs people in.
type Service struct {
	pool           *pgxpool.Pool
	jobs           jobs.Inserter
	platformAdmins []string
}

// NewService returns a Service. platformAdmins are the fiscal codes of the
// platform's administrators.
func NewService(pool *pgxpool.Pool, inserter jobs.Inserter, platformAdmins []string) *Service {
	return &Service{pool: pool, jobs: inserter, platformAdmins: platformAdmins}
}

// LoginToComune records a login to a comune, in one tenant transaction: the
// person is created at their first login (and their name refreshed at every
// later one), their staff role is looked up, and a citizen's first login
// enqueues the welcome message in the same transaction.
func (s *Service) LoginToComune(ctx context.Context, tenantID, comuneName string, id Identity, lang string) (Principal, error) {
	cf, err := codicefiscale.Parse(id.FiscalCode)
	if err != nil || id.GivenName == "" || id.FamilyName == "" {
		return Principal{}, ErrInvalidIdentity
	}
	p := Principal{Kind: KindCitizen, TenantID: tenantID, GivenName: id.GivenName, FamilyName: id.FamilyName, FiscalCode: string(cf)}
	err = db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		var first bool
		err := tx.QueryRow(ctx, `
			INSERT INTO people (tenant_id, fiscal_code, given_name, family_name, email, language)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (tenant_id, fiscal_code) DO UPDATE SET
				given_name = excluded.given_name, family_name = excluded.family_name,
				email = CASE WHEN excluded.email <> '' THEN excluded.email ELSE people.email END,
				last_login_at = now()
			RETURNING id::text, (xmax = 0)`,
			tenantID, p.FiscalCode, id.GivenName, id.FamilyName, id.Email, lang).Scan(&p.PersonID, &first)
		if err != nil {
			return fmt.Errorf("record person: %w", err)
		}
		err = tx.QueryRow(ctx, `SELECT role FROM staff_members WHERE tenant_id = $1 AND fiscal_code = $2`,
			tenantID, p.FiscalCode).Scan(&p.Role)
		switch {
		case err == nil:
			p.Kind = KindStaff
		case errors.Is(err, pgx.ErrNoRows):
		default:
			return fmt.Errorf("staff role: %w", err)
		}
		if first && p.Kind == KindCitizen {
			_, err := s.jobs.InsertTx(ctx, tx, notify.WelcomeArgs{
				TenantID: tenantID, PersonID: p.PersonID, ComuneName: comuneName, GivenName: id.GivenName, Lang: lang,
			}, nil)
			if err != nil {
				return fmt.Errorf("enqueue welcome: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return Principal{}, fmt.Errorf("login: %w", db.Classify(err))
	}
	return p, nil
}

// LoginToPlatform admits a platform administrator to the platform's pages.
func (s *Service) LoginToPlatform(id Identity) (Principal, error) {
	cf, err := codicefiscale.Parse(id.FiscalCode)
	if err != nil {
		return Principal{}, ErrInvalidIdentity
	}
	if !slices.Contains(s.platformAdmins, string(cf)) {
		return Principal{}, ErrNotPlatformAdmin
	}
	return Principal{Kind: KindPlatformAdmin, GivenName: id.GivenName, FamilyName: id.FamilyName, FiscalCode: string(cf)}, nil
}

// Email returns the email address the person's identity provider gave
// for them ("" when none).
func (s *Service) Email(ctx context.Context, tenantID, personID string) (string, error) {
	var email string
	err := db.InTenant(ctx, s.pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT email FROM people WHERE tenant_id = $1 AND id = $2`, tenantID, personID).Scan(&email)
	})
	return email, db.Classify(err)
}
