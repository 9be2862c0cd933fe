package catalog_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
)

func TestVersionHistory_ASaveKeepsThePreviousCardWithWhoAndWhen(t *testing.T) {
	t.Parallel()
	store, ids := editSetup(t)
	ctx := context.Background()
	vm := ids["verdemare"]
	admin := catalog.Editor{TenantID: vm, Role: catalog.EditorRole, Name: "Sara Greco", FiscalCode: "GRCSRA80A41F205X"}
	card, v1, err := store.ServiceForEdit(ctx, vm, cie)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := store.ServiceHistory(ctx, vm, cie); err != nil || len(h) != 0 {
		t.Fatalf("history before any save: %v %v", h, err)
	}
	before := time.Now()
	e := catalog.EditOf(card)
	e.Texts["title"] = catalog.Text{"it": "Primo titolo nuovo", "en": "First new title"}
	v2, err := store.UpdateService(ctx, vm, admin, cie, v1, e)
	if err != nil {
		t.Fatal(err)
	}
	h, err := store.ServiceHistory(ctx, vm, cie)
	if err != nil || len(h) != 1 {
		t.Fatalf("history after one save: %+v %v, want one version", h, err)
	}
	if h[0].Number != 1 || h[0].EditedByName != "Sara Greco" || h[0].EditedByFiscalCode != "GRCSRA80A41F205X" ||
		h[0].EditedAt.Before(before.Add(-time.Minute)) {
		t.Errorf("version %+v, want 1 by Sara Greco now", h[0])
	}
	pair, err := store.CompareVersion(ctx, vm, cie, 1)
	if err != nil {
		t.Fatal(err)
	}
	if pair.Old.Service.Title["it"] != card.Title["it"] || pair.New.Title["it"] != "Primo titolo nuovo" || pair.Next != 0 {
		t.Errorf("version 1 %q → %q (next %d), want the old title then the current one", pair.Old.Service.Title["it"], pair.New.Title["it"], pair.Next)
	}
	// The version's time is the save's: the card's new version.
	if _, v, _ := store.ServiceForEdit(ctx, vm, cie); v != v2 || h[0].EditedAt.UnixMicro() != mustParse(t, v2.String()) {
		t.Errorf("edited at %v, want the save's time %v", h[0].EditedAt, v2)
	}
	e.Texts["title"] = catalog.Text{"it": "Secondo titolo nuovo", "en": "Second new title"}
	if _, err := store.UpdateService(ctx, vm, admin, cie, v2, e); err != nil {
		t.Fatal(err)
	}
	h, _ = store.ServiceHistory(ctx, vm, cie)
	if len(h) != 2 || h[0].Number != 2 || h[1].Number != 1 {
		t.Fatalf("history %+v, want versions 2 and 1", h)
	}
	pair, err = store.CompareVersion(ctx, vm, cie, 1)
	if err != nil || pair.Next != 2 || pair.New.Title["it"] != "Primo titolo nuovo" || pair.Total != 2 {
		t.Errorf("version 1 now compares with %d %q (%v), want version 2", pair.Next, pair.New.Title["it"], err)
	}
	if _, err := store.CompareVersion(ctx, vm, cie, 3); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("version 3: %v, want db.ErrNotFound", err)
	}
}

func TestVersionHistory_AFailedSaveKeepsNoVersion(t *testing.T) {
	t.Parallel()
	store, ids := editSetup(t)
	ctx := context.Background()
	vm := ids["verdemare"]
	admin := catalog.Editor{TenantID: vm, Role: catalog.EditorRole, Name: "Sara Greco", FiscalCode: "GRCSRA80A41F205X"}
	card, v, err := store.ServiceForEdit(ctx, vm, cie)
	if err != nil {
		t.Fatal(err)
	}
	invalid := catalog.EditOf(card)
	invalid.Texts["title"] = catalog.Text{"it": "", "en": "x"}
	var ie *catalog.InvalidEditError
	if _, err := store.UpdateService(ctx, vm, admin, cie, v, invalid); !errors.As(err, &ie) {
		t.Fatalf("invalid edit: %v", err)
	}
	stale := catalog.EditOf(card)
	if _, err := store.UpdateService(ctx, vm, admin, cie, catalog.Version{}, stale); !errors.Is(err, catalog.ErrConflict) {
		t.Fatalf("edit from another version: %v, want ErrConflict", err)
	}
	clerk := admin
	clerk.Role = "clerk"
	if _, err := store.UpdateService(ctx, vm, clerk, cie, v, stale); !errors.Is(err, catalog.ErrForbidden) {
		t.Fatalf("clerk: %v", err)
	}
	if h, err := store.ServiceHistory(ctx, vm, cie); err != nil || len(h) != 0 {
		t.Errorf("history after failed saves: %+v %v, want none", h, err)
	}
}

func TestVersionHistory_AnotherComuneReadsNoVersion(t *testing.T) {
	t.Parallel()
	store, ids := editSetup(t)
	ctx := context.Background()
	vm, rs := ids["verdemare"], ids["roccasole"]
	admin := catalog.Editor{TenantID: vm, Role: catalog.EditorRole, Name: "Sara Greco", FiscalCode: "GRCSRA80A41F205X"}
	card, v, err := store.ServiceForEdit(ctx, vm, cie)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpdateService(ctx, vm, admin, cie, v, catalog.EditOf(card)); err != nil {
		t.Fatal(err)
	}
	if h, err := store.ServiceHistory(ctx, rs, cie); err != nil || len(h) != 0 {
		t.Errorf("Roccasole reads Verdemare's history: %+v %v", h, err)
	}
	if _, err := store.CompareVersion(ctx, rs, cie, 1); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("Roccasole reads Verdemare's version 1: %v, want db.ErrNotFound", err)
	}
}

func mustParse(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
