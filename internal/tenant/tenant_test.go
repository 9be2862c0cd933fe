package tenant_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/tenant"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const demoBundles = "../../tenants"

func TestLoadBundle_DemoComuniAreValid(t *testing.T) {
	t.Parallel()
	dirs, err := tenant.BundleDirs(demoBundles)
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 2 {
		t.Fatalf("want at least two demo comuni, found %v", dirs)
	}
	seen := map[string]bool{}
	for _, d := range dirs {
		b, err := tenant.LoadBundle(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{b.Name, b.PrimaryColor} {
			if seen[v] {
				t.Errorf("%s: %q is shared with another demo comune", d, v)
			}
			seen[v] = true
		}
		if b.LogoType != "image/svg+xml" || len(b.Staff) < 2 {
			t.Errorf("%s: logo %s, %d staff", d, b.LogoType, len(b.Staff))
		}
	}
}

func writeBundle(t *testing.T, yaml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tenant.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "logo.svg"), []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadBundle_ReportsEveryProblem(t *testing.T) {
	t.Parallel()
	dir := writeBundle(t, `
slug: Bad Slug
name: X
istat_code: "12"
ipa_code: C-1
fiscal_code: "1"
status: closed
languages: [it, fr]
hosts: ["not a host"]
patron_saint_day: "13-40"
branding: {primary_color: blue, logo: ../logo.svg}
staff:
  - {fiscal_code: RSSMRA85T10H501X, name: "", role: boss}
staff_login: {issuer: "http://idp.example/realms/x?debug=1", client_id: ""}
deadline_warning_days: 90
`)
	_, err := tenant.LoadBundle(dir)
	if err == nil {
		t.Fatal("invalid bundle accepted")
	}
	for _, want := range []string{"slug", "name", "istat_code", "ipa_code", "fiscal_code", "status", `"fr" is not supported`,
		"hosts", "patron_saint_day", "primary_color", "branding.logo", "staff[0].fiscal_code", "staff[0].name", "staff[0].role",
		"staff_login.issuer", "staff_login.client_id", "deadline_warning_days"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no problem reported about %s in:\n%v", want, err)
		}
	}
	if _, err := tenant.LoadBundle(writeBundle(t, "slug: ok\nunknown_field: 1\n")); err == nil || !strings.Contains(err.Error(), "unknown_field") {
		t.Errorf("unknown field not reported: %v", err)
	}
}

func TestImportDir_IsIdempotent(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	store := tenant.NewStore(pool)
	ctx := context.Background()
	first, err := tenant.ImportDir(ctx, store, demoBundles)
	if err != nil {
		t.Fatal(err)
	}
	second, err := tenant.ImportDir(ctx, store, demoBundles)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != len(second) {
		t.Fatalf("imported %d then %d", len(first), len(second))
	}
	for i := range first {
		if first[i].ID != second[i].ID || first[i].Name != second[i].Name || strings.Join(first[i].Hosts, ",") != strings.Join(second[i].Hosts, ",") {
			t.Errorf("second import changed %s: %+v vs %+v", first[i].Slug, first[i], second[i])
		}
	}
	list, err := store.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(first) {
		t.Errorf("%d comuni after two imports of %d bundles", len(list), len(first))
	}
	var staff int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM staff_members`).Scan(&staff); err != nil {
		t.Fatal(err)
	}
	if staff != 0 {
		t.Errorf("the owner outside a tenant transaction sees %d staff rows; RLS should show none", staff)
	}
}

func TestImport_HostOfAnotherComuneIsRefused(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	store := tenant.NewStore(pool)
	ctx := context.Background()
	if _, err := tenant.ImportDir(ctx, store, demoBundles); err != nil {
		t.Fatal(err)
	}
	b, err := tenant.LoadBundle(filepath.Join(demoBundles, "roccasole"))
	if err != nil {
		t.Fatal(err)
	}
	b.Hosts = append(b.Hosts, "servizi.comune.verdemare.example")
	if _, err := store.Import(ctx, b); err == nil || !strings.Contains(err.Error(), "already belongs to another comune") {
		t.Errorf("stealing a host: %v", err)
	}
}

func TestRegistry_ResolvesHosts(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	store := tenant.NewStore(pool)
	ctx := context.Background()
	if _, err := tenant.ImportDir(ctx, store, demoBundles); err != nil {
		t.Fatal(err)
	}
	r := tenant.NewRegistry(store, "localhost", time.Minute)
	for host, want := range map[string]string{
		"verdemare.localhost:8080":             "verdemare",
		"VERDEMARE.localhost":                  "verdemare",
		"roccasole.localhost:8080":             "roccasole",
		"servizi.comune.verdemare.example":     "verdemare",
		"servizi.comune.roccasole.example:443": "roccasole",
		"servizi.comune.roccasole.example.":    "roccasole",
	} {
		got, err := r.Resolve(ctx, host)
		if err != nil || got.Slug != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", host, got.Slug, err, want)
		}
	}
	for _, host := range []string{"nowhere.localhost:8080", "a.verdemare.localhost", "evil.example", "verdemare.localhost.evil.example"} {
		if _, err := r.Resolve(ctx, host); !errors.Is(err, tenant.ErrUnknownHost) {
			t.Errorf("Resolve(%q): %v, want ErrUnknownHost", host, err)
		}
	}
	for host, want := range map[string]bool{"localhost:8080": true, "127.0.0.1:8080": true, "[::1]:8080": true, "verdemare.localhost": false} {
		if got := r.IsPlatform(host); got != want {
			t.Errorf("IsPlatform(%q) = %v", host, got)
		}
	}
}

func TestContrastWithWhite(t *testing.T) {
	t.Parallel()
	for hex, want := range map[string]float64{"#000000": 21, "#ffffff": 1, "#0066cc": 5.57} {
		if got := tenant.ContrastWithWhite(hex); got < want-0.01 || got > want+0.01 {
			t.Errorf("%s: %.2f, want %.2f", hex, got, want)
		}
	}
	dir := writeBundle(t, "slug: chiaro\nname: Chiaro\nistat_code: \"000001\"\nipa_code: c_x\nfiscal_code: \"80000000000\"\nbranding: {primary_color: \"#66ccff\", logo: logo.svg}\n")
	if _, err := tenant.LoadBundle(dir); err == nil || !strings.Contains(err.Error(), "at least 4.5:1") {
		t.Errorf("a light header colour was accepted: %v", err)
	}
}

func TestImportMissing_KeepsWhatIsAlreadyThere(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	store := tenant.NewStore(pool)
	ctx := context.Background()
	first, err := tenant.ImportMissing(ctx, store, demoBundles)
	if err != nil || len(first) < 2 {
		t.Fatalf("first start: %d comuni, %v", len(first), err)
	}
	// An operator renames a comune in the database; a restart keeps it.
	if _, err := pool.Exec(ctx, `UPDATE tenants SET name = 'Rinominato' WHERE slug = 'roccasole'`); err != nil {
		t.Fatal(err)
	}
	second, err := tenant.ImportMissing(ctx, store, demoBundles)
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.BySlug(ctx, "roccasole")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Rinominato" || len(second) != len(first) {
		t.Errorf("restart overwrote the database: name %q, %d comuni", got.Name, len(second))
	}
}
