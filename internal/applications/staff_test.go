package applications_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
)

// Verdemare's staff, as tenants/verdemare/tenant.yaml lists them. The
// report of reportAnswers (roads) goes to lavori-pubblici.
var (
	paolo  = applications.Clerk{FiscalCode: "CNTPLA80A12H501T", Name: "Paolo Conti", RemoteAddr: "192.0.2.10"}   // clerk: anagrafe, urp, lavori-pubblici, ambiente
	marco  = applications.Clerk{FiscalCode: "GLLMRC72D21H501W", Name: "Marco Gallo", RemoteAddr: "192.0.2.11"}   // office manager of the same
	luigi  = applications.Clerk{FiscalCode: "FNTLGU85C02A944Y", Name: "Luigi Fontana", RemoteAddr: "192.0.2.12"} // clerk: polizia-locale, scuola
	sara   = applications.Clerk{FiscalCode: "GRCSRA75P48H501B", Name: "Sara Greco"}                              // admin
	franca = applications.Clerk{FiscalCode: "RMNFNC83H59F205Z", Name: "Francesca Romano"}                        // Roccasole's clerk
)

func (f fixture) registered(t *testing.T) string {
	t.Helper()
	ref := f.submitted(t)
	f.register(t, ref)
	return ref
}

func TestStaff_ClerkOutsideTheOfficeGetsNotFound(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ref := f.registered(t)
	ctx := context.Background()
	if err := f.svc.TakeInCharge(ctx, f.verdemare, ref, 0, luigi); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a clerk of other offices took it in charge: %v, want ErrNotFound", err)
	}
	if err := f.svc.TakeInCharge(ctx, f.verdemare, ref, 0, franca); !errors.Is(err, applications.ErrForbidden) {
		t.Errorf("another comune's clerk: %v, want ErrForbidden", err)
	}
	if err := f.svc.TakeInCharge(ctx, f.verdemare, ref, 0, paolo); err != nil {
		t.Errorf("the office's clerk: %v", err)
	}
}

func TestStaff_OnlyManagersAssignToOthers(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ref := f.registered(t)
	ctx := context.Background()
	if err := f.svc.Assign(ctx, f.verdemare, ref, 0, paolo, marco.FiscalCode); !errors.Is(err, applications.ErrForbidden) {
		t.Errorf("a clerk assigned to someone else: %v, want ErrForbidden", err)
	}
	if err := f.svc.Assign(ctx, f.verdemare, ref, 0, paolo, paolo.FiscalCode); err != nil {
		t.Errorf("a clerk took it for themselves: %v", err)
	}
	if err := f.svc.Assign(ctx, f.verdemare, ref, 0, marco, luigi.FiscalCode); !errors.Is(err, applications.ErrNotAllowed) {
		t.Errorf("assigned to a clerk of another office: %v, want ErrNotAllowed", err)
	}
	if err := f.svc.Assign(ctx, f.verdemare, ref, 0, marco, marco.FiscalCode); err != nil {
		t.Errorf("the office manager reassigned it: %v", err)
	}
	if err := f.svc.Assign(ctx, f.verdemare, ref, 0, sara, paolo.FiscalCode); err != nil {
		t.Errorf("the admin reassigned it: %v", err)
	}
	var assignee string
	db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT coalesce(assignee, '') FROM applications WHERE reference = $1`, ref).Scan(&assignee)
	})
	if assignee != paolo.FiscalCode {
		t.Errorf("assignee %q, want Paolo", assignee)
	}
}

func TestStaff_NotesAndAssignmentsStayInsideTheOffice(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ref := f.registered(t)
	ctx := context.Background()
	if err := f.svc.Assign(ctx, f.verdemare, ref, 0, marco, paolo.FiscalCode); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AddNote(ctx, f.verdemare, ref, paolo, "Sopralluogo fissato per giovedì."); err != nil {
		t.Fatal(err)
	}
	d, err := f.svc.ForPerson(ctx, f.verdemare, f.mario, ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range d.Events {
		if e.Kind == applications.EventNote || e.Kind == applications.EventAssigned || e.Note != "" {
			t.Errorf("the citizen sees an internal event: %+v", e)
		}
	}
}

func TestStaff_ActionsAreAuditedAndTheAuditCannotBeRewritten(t *testing.T) {
	t.Parallel()
	f := setup(t)
	ref := f.registered(t)
	ctx := context.Background()
	if err := f.svc.TakeInCharge(ctx, f.verdemare, ref, 0, paolo); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.TakeInCharge(ctx, f.verdemare, ref, 0, luigi); err == nil {
		t.Fatal("a clerk outside the office acted")
	}
	var n int
	var who, addr, action string
	err := db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) OVER (), actor_id, remote_addr, action FROM audit_log WHERE reference = $1`, ref).
			Scan(&n, &who, &addr, &action)
	})
	if err != nil || n != 1 || who != paolo.FiscalCode || addr != paolo.RemoteAddr || action != "in_progress" {
		t.Errorf("audit: %d rows, %s from %s did %s (%v); want Paolo's one take in charge", n, who, addr, action, err)
	}
	for _, q := range []string{`UPDATE audit_log SET actor_id = 'X'`, `DELETE FROM audit_log`} {
		err := db.InTenant(ctx, f.pool, f.verdemare, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, q)
			return err
		})
		if err == nil {
			t.Errorf("the tenant role could run %q", q)
		}
	}
	err = db.InTenant(ctx, f.pool, f.roccasole, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&n)
	})
	if err != nil || n != 0 {
		t.Errorf("another comune reads %d audit rows (%v)", n, err)
	}
}
