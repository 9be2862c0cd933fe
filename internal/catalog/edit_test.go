package catalog_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/tenant"
)

// editSetup is a database holding the demo comuni, their catalogue store,
// and each comune's id by slug.
func editSetup(t *testing.T) (*catalog.Store, map[string]string) {
	t.Helper()
	pool := dbtest.New(t)
	list, err := tenant.ImportDir(context.Background(), tenant.NewStore(pool), filepath.Join("..", "..", "tenants"))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, tn := range list {
		ids[tn.Slug] = tn.ID
	}
	return catalog.NewStore(pool), ids
}

const cie = "carta-identita-elettronica"

func TestAdminUpdateService_SavesStatusAndTextsWithANewVersion(t *testing.T) {
	t.Parallel()
	store, ids := editSetup(t)
	ctx := context.Background()
	admin := catalog.Editor{TenantID: ids["verdemare"], Role: catalog.EditorRole}
	card, v1, err := store.ServiceForEdit(ctx, ids["verdemare"], cie)
	if err != nil {
		t.Fatal(err)
	}
	e := catalog.EditOf(card)
	e.Status = catalog.StatusSuspended
	e.StatusReason = catalog.Text{"it": "Sospeso per l'aggiornamento del sistema.", "en": "Suspended while the system is updated."}
	e.Texts["title"] = catalog.Text{"it": "Carta d'identità elettronica (CIE)", "en": "Electronic identity card (CIE)"}
	v2, err := store.UpdateService(ctx, ids["verdemare"], admin, cie, v1, e)
	if err != nil {
		t.Fatal(err)
	}
	if v2 == v1 {
		t.Error("the version did not change")
	}
	got, v, err := store.ServiceForEdit(ctx, ids["verdemare"], cie)
	if err != nil {
		t.Fatal(err)
	}
	if v != v2 || got.Status != catalog.StatusSuspended || got.Title["it"] != "Carta d'identità elettronica (CIE)" ||
		got.StatusReason["en"] != "Suspended while the system is updated." || len(got.Fees) != len(card.Fees) {
		t.Errorf("saved card %+v at %v, want the edit at %v", got, v, v2)
	}
	list, err := store.Services(ctx, ids["verdemare"])
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.Slug == cie && s.Status != catalog.StatusSuspended {
			t.Errorf("the list still shows %s %s", cie, s.Status)
		}
	}
	// Saving the same values again still gives a new version.
	v3, err := store.UpdateService(ctx, ids["verdemare"], admin, cie, v2, e)
	if err != nil || v3 == v2 {
		t.Errorf("second save: %v, version %v after %v", err, v3, v2)
	}
}

func TestAdminUpdateService_ErrForbiddenUnlessAdministratorOfThisComune(t *testing.T) {
	t.Parallel()
	store, ids := editSetup(t)
	ctx := context.Background()
	card, v, err := store.ServiceForEdit(ctx, ids["verdemare"], cie)
	if err != nil {
		t.Fatal(err)
	}
	e := catalog.EditOf(card)
	e.Texts["title"] = catalog.Text{"it": "Titolo cambiato", "en": "Changed title"}
	for name, ed := range map[string]catalog.Editor{
		"clerk":                      {TenantID: ids["verdemare"], Role: "clerk"},
		"office manager":             {TenantID: ids["verdemare"], Role: "office_manager"},
		"citizen":                    {TenantID: ids["verdemare"]},
		"another comune's admin":     {TenantID: ids["roccasole"], Role: catalog.EditorRole},
		"administrator of no comune": {Role: catalog.EditorRole},
	} {
		if _, err := store.UpdateService(ctx, ids["verdemare"], ed, cie, v, e); !errors.Is(err, catalog.ErrForbidden) {
			t.Errorf("%s: %v, want ErrForbidden", name, err)
		}
	}
	if got, _, _ := store.ServiceForEdit(ctx, ids["verdemare"], cie); got.Title["it"] != card.Title["it"] {
		t.Errorf("a refused edit was saved: %q", got.Title["it"])
	}
}

func TestAdminUpdateService_WrongTenantSeesAndChangesNothingOfAnother(t *testing.T) {
	t.Parallel()
	store, ids := editSetup(t)
	ctx := context.Background()
	rocca := catalog.Editor{TenantID: ids["roccasole"], Role: catalog.EditorRole}
	// Verdemare has a ZTL permit; Roccasole excludes it.
	if _, _, err := store.ServiceForEdit(ctx, ids["roccasole"], "permesso-ztl"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("Roccasole reads Verdemare's card: %v", err)
	}
	ztl, v, err := store.ServiceForEdit(ctx, ids["verdemare"], "permesso-ztl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpdateService(ctx, ids["roccasole"], rocca, "permesso-ztl", v, catalog.EditOf(ztl)); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("Roccasole's admin edits permesso-ztl: %v, want db.ErrNotFound", err)
	}
	// A card both comuni have changes only in the comune that edits it.
	card, rv, err := store.ServiceForEdit(ctx, ids["roccasole"], cie)
	if err != nil {
		t.Fatal(err)
	}
	e := catalog.EditOf(card)
	e.Texts["title"] = catalog.Text{"it": "CIE a Roccasole", "en": "CIE in Roccasole"}
	if _, err := store.UpdateService(ctx, ids["roccasole"], rocca, cie, rv, e); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := store.ServiceForEdit(ctx, ids["verdemare"], cie); got.Title["it"] == "CIE a Roccasole" {
		t.Error("Roccasole's edit changed Verdemare's card")
	}
}

func TestAdminUpdateService_InvalidEditSavesNothing(t *testing.T) {
	t.Parallel()
	store, ids := editSetup(t)
	ctx := context.Background()
	admin := catalog.Editor{TenantID: ids["verdemare"], Role: catalog.EditorRole}
	card, v, err := store.ServiceForEdit(ctx, ids["verdemare"], cie)
	if err != nil {
		t.Fatal(err)
	}
	e := catalog.EditOf(card)
	e.Texts["title"] = catalog.Text{"it": "", "en": card.Title["en"]}
	e.Texts["access"] = catalog.Text{"it": "Nuovo testo per accedere al servizio.", "en": card.Access["en"]}
	_, err = store.UpdateService(ctx, ids["verdemare"], admin, cie, v, e)
	var invalid *catalog.InvalidEditError
	if !errors.As(err, &invalid) || len(invalid.Problems) != 1 {
		t.Fatalf("got %v, want an InvalidEditError with one problem", err)
	}
	if got, gv, _ := store.ServiceForEdit(ctx, ids["verdemare"], cie); gv != v || got.Access["it"] != card.Access["it"] {
		t.Error("part of an invalid edit was saved")
	}
}

func TestAdminUpdateService_ErrConflictWhenSavedMeanwhile(t *testing.T) {
	t.Parallel()
	store, ids := editSetup(t)
	ctx := context.Background()
	admin := catalog.Editor{TenantID: ids["verdemare"], Role: catalog.EditorRole}
	card, v, err := store.ServiceForEdit(ctx, ids["verdemare"], cie)
	if err != nil {
		t.Fatal(err)
	}
	first, second := catalog.EditOf(card), catalog.EditOf(card)
	first.Texts["title"] = catalog.Text{"it": "Prima modifica", "en": "First edit"}
	second.Texts["title"] = catalog.Text{"it": "Seconda modifica", "en": "Second edit"}
	if _, err := store.UpdateService(ctx, ids["verdemare"], admin, cie, v, first); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpdateService(ctx, ids["verdemare"], admin, cie, v, second); !errors.Is(err, catalog.ErrConflict) {
		t.Errorf("second edit from the same version: %v, want ErrConflict", err)
	}
	if got, _, _ := store.ServiceForEdit(ctx, ids["verdemare"], cie); got.Title["it"] != "Prima modifica" {
		t.Errorf("title %q, want the first edit's", got.Title["it"])
	}
}
