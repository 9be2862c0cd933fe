package tenant_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/tenant"
)

// readTree returns every file under dir by its path relative to dir.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = string(raw)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// state is everything of a comune the database holds that a bundle
// describes, without the ids the database gives.
type state struct {
	Tenant    tenant.Tenant
	Logo      []byte
	Staff     []string
	Catalogue catalog.Catalogue
	Cards     map[string]string // raw card jsonb by slug
	Offices   map[string]string // raw office jsonb by slug
}

func readState(t *testing.T, pool *pgxpool.Pool, slug string) state {
	t.Helper()
	ctx := context.Background()
	store := tenant.NewStore(pool)
	tn, err := store.BySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	s := state{Tenant: tn, Cards: map[string]string{}, Offices: map[string]string{}}
	s.Tenant.ID = ""
	if s.Logo, _, err = store.Logo(ctx, tn.ID); err != nil {
		t.Fatal(err)
	}
	if s.Catalogue, err = catalog.NewStore(pool).Export(ctx, tn.ID); err != nil {
		t.Fatal(err)
	}
	err = db.InTenant(ctx, pool, tn.ID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT m.fiscal_code || ' ' || m.display_name || ' ' || m.role || ' ' ||
			coalesce((SELECT string_agg(o.office_slug, ',' ORDER BY o.office_slug) FROM staff_offices o WHERE o.fiscal_code = m.fiscal_code), '')
			FROM staff_members m ORDER BY m.fiscal_code`)
		if err != nil {
			return err
		}
		if s.Staff, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			return err
		}
		for q, into := range map[string]map[string]string{
			`SELECT slug, card::text FROM services`:  s.Cards,
			`SELECT slug, office::text FROM offices`: s.Offices,
		} {
			rows, err := tx.Query(ctx, q)
			if err != nil {
				return err
			}
			var k, v string
			if _, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error { into[k] = v; return nil }); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func compareState(t *testing.T, what string, got, want state) {
	t.Helper()
	if !reflect.DeepEqual(got.Tenant, want.Tenant) {
		t.Errorf("%s: tenant\n got %+v\nwant %+v", what, got.Tenant, want.Tenant)
	}
	if string(got.Logo) != string(want.Logo) {
		t.Errorf("%s: logo differs", what)
	}
	if !reflect.DeepEqual(got.Staff, want.Staff) {
		t.Errorf("%s: staff %q, want %q", what, got.Staff, want.Staff)
	}
	if !reflect.DeepEqual(got.Catalogue.Topics, want.Catalogue.Topics) {
		t.Errorf("%s: topics differ", what)
	}
	if len(got.Cards) != len(want.Cards) || len(got.Offices) != len(want.Offices) {
		t.Errorf("%s: %d services, %d offices; want %d, %d", what, len(got.Cards), len(got.Offices), len(want.Cards), len(want.Offices))
	}
	for slug, card := range want.Cards {
		if got.Cards[slug] != card {
			t.Errorf("%s: card %s\n got %s\nwant %s", what, slug, got.Cards[slug], card)
		}
	}
	for slug, office := range want.Offices {
		if got.Offices[slug] != office {
			t.Errorf("%s: office %s\n got %s\nwant %s", what, slug, got.Offices[slug], office)
		}
	}
	if !reflect.DeepEqual(got.Catalogue, want.Catalogue) {
		t.Errorf("%s: catalogue read back differs", what)
	}
}

func TestExport_RoundTrips(t *testing.T) {
	t.Parallel()
	// Both demo comuni: between them they have offices without hours and
	// cards without some lists, which the database holds as null.
	for _, slug := range []string{"verdemare", "roccasole"} {
		t.Run(slug, func(t *testing.T) {
			t.Parallel()
			testRoundTrip(t, slug)
		})
	}
}

func testRoundTrip(t *testing.T, slug string) {
	ctx := context.Background()
	pool := dbtest.New(t)
	store := tenant.NewStore(pool)
	if _, err := tenant.ImportDir(ctx, store, demoBundles); err != nil {
		t.Fatal(err)
	}
	// A staff issuer of its own, as an admin would configure it.
	if _, err := pool.Exec(ctx, `UPDATE tenants SET staff_oidc_issuer = 'https://login.comune.example/realms/staff',
		staff_oidc_client_id = 'civica-desk', deadline_warning_days = 3 WHERE slug = $1`, slug); err != nil {
		t.Fatal(err)
	}
	before := readState(t, pool, slug)
	if len(before.Staff) < 2 || len(before.Tenant.Hosts) == 0 || len(before.Catalogue.Services) < 10 || before.Tenant.PatronSaintDay == "" {
		t.Fatalf("demo comune too thin to test with: %+v, %d staff, %d services", before.Tenant, len(before.Staff), len(before.Catalogue.Services))
	}

	first := filepath.Join(t.TempDir(), slug)
	if err := tenant.Export(ctx, store, catalog.NewStore(pool), slug, first); err != nil {
		t.Fatal(err)
	}
	files := readTree(t, first)
	for _, want := range []string{"tenant.yaml", "logo.svg", "catalogue/topics.yaml", "catalogue/offices.yaml", "catalogue/services/cambio-residenza.yaml"} {
		if _, ok := files[want]; !ok {
			t.Errorf("export wrote no %s", want)
		}
	}
	if n := len(files) - 4; n != len(before.Catalogue.Services) {
		t.Errorf("%d service files for %d services", n, len(before.Catalogue.Services))
	}
	b, err := tenant.LoadBundle(first)
	if err != nil {
		t.Fatal(err)
	}
	if b.Catalogue == nil || len(b.Catalogue.Services) != len(before.Catalogue.Services) {
		t.Fatal("the exported bundle does not load its own catalogue")
	}

	// Into a fresh database: the same comune, and the same files again.
	fresh := dbtest.New(t)
	if _, err := tenant.ImportDir(ctx, tenant.NewStore(fresh), first); err != nil {
		t.Fatal(err)
	}
	compareState(t, "fresh database", readState(t, fresh, slug), before)
	second := t.TempDir()
	if err := tenant.Export(ctx, tenant.NewStore(fresh), catalog.NewStore(fresh), slug, second); err != nil {
		t.Fatal(err)
	}
	if again := readTree(t, second); !reflect.DeepEqual(again, files) {
		for name, content := range files {
			if again[name] != content {
				t.Errorf("second export: %s differs", name)
			}
		}
		t.Errorf("second export: %d files, first %d", len(again), len(files))
	}

	// Into the database it came from: nothing changes, not even when the
	// cards were last updated.
	var stamp string
	stamps := `SELECT string_agg(slug || updated_at::text, ',' ORDER BY slug) FROM services`
	tn, err := store.BySlug(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InTenant(ctx, pool, tn.ID, func(tx pgx.Tx) error { return tx.QueryRow(ctx, stamps).Scan(&stamp) }); err != nil {
		t.Fatal(err)
	}
	if _, err := tenant.ImportDir(ctx, store, first); err != nil {
		t.Fatal(err)
	}
	compareState(t, "same database", readState(t, pool, slug), before)
	var stampAfter string
	if err := db.InTenant(ctx, pool, tn.ID, func(tx pgx.Tx) error { return tx.QueryRow(ctx, stamps).Scan(&stampAfter) }); err != nil {
		t.Fatal(err)
	}
	if stamp != stampAfter {
		t.Error("importing the export touched the cards' updated_at")
	}
}

func TestExport_TheDatabaseIsTheSourceOfTruth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	store := tenant.NewStore(pool)
	if _, err := tenant.ImportDir(ctx, store, demoBundles); err != nil {
		t.Fatal(err)
	}
	tn, err := store.BySlug(ctx, "verdemare")
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTenant(ctx, pool, tn.ID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE services SET card = jsonb_set(card, '{title,it}', '"Titolo cambiato"') WHERE tenant_id = $1 AND slug = 'cambio-residenza'`, tn.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE tenants SET name = 'Comune di Verdemare' WHERE id = $1`, tn.ID); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Stale files from an earlier export are replaced or removed.
	if err := os.MkdirAll(filepath.Join(dir, "catalogue", "services"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "catalogue", "services", "gone.yaml"), []byte("slug: gone\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tenant.Export(ctx, store, catalog.NewStore(pool), "verdemare", dir); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "catalogue", "services", "cambio-residenza.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "Titolo cambiato") {
		t.Errorf("the card edited in the database was exported without the edit:\n%s", raw)
	}
	if _, err := os.Stat(filepath.Join(dir, "catalogue", "services", "gone.yaml")); err == nil {
		t.Error("a stale service file was left in the export")
	}
	b, err := tenant.LoadBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != "Comune di Verdemare" {
		t.Errorf("exported name %q", b.Name)
	}
	for _, s := range b.Catalogue.Services {
		if s.Slug == "cambio-residenza" && s.Title["it"] != "Titolo cambiato" {
			t.Errorf("loaded title %q", s.Title["it"])
		}
	}
	if err := tenant.Export(ctx, store, catalog.NewStore(pool), "nowhere", t.TempDir()); err == nil {
		t.Error("exporting an unknown comune succeeded")
	}
}
