package reports_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/reports"
	"github.com/civica/civica/internal/storage"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// bundle is what a store test works with: two comuni, a person of the
// first, a store on a fresh database and its file directory.
type bundle struct {
	pool     *pgxpool.Pool
	store    *reports.Store
	files    *storage.Dir
	alfa     string // tenant ids
	beta     string
	personID string // a person of alfa
}

func setup(t *testing.T) bundle {
	t.Helper()
	ctx := context.Background()
	b := bundle{pool: dbtest.New(t)}
	var err error
	if b.files, err = storage.NewDir(filepath.Join(t.TempDir(), "files")); err != nil {
		t.Fatal(err)
	}
	b.store = reports.NewStore(b.pool, b.files)
	for i, id := range []*string{&b.alfa, &b.beta} {
		slug := []string{"alfa", "beta"}[i]
		if err := b.pool.QueryRow(ctx, `INSERT INTO tenants (slug, name, istat_code, ipa_code, fiscal_code, primary_color, logo, logo_type)
			VALUES ($1, $1, $2, $1, '80000000000', '#000000', '\x00', 'image/png') RETURNING id::text`,
			slug, []string{"000001", "000002"}[i]).Scan(id); err != nil {
			t.Fatal(err)
		}
	}
	err = db.InTenant(ctx, b.pool, b.alfa, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name)
			VALUES ($1, 'RSSMRA85T10H501O', 'Mario', 'Rossi') RETURNING id::text`, b.alfa).Scan(&b.personID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// received makes Uploads holding a PNG and a PDF.
func received(t *testing.T) *reports.Uploads {
	t.Helper()
	u := &reports.Uploads{Dir: t.TempDir()}
	t.Cleanup(u.Discard)
	if err := u.Receive("buca.png", bytes.NewReader(PNG(t))); err != nil {
		t.Fatal(err)
	}
	if err := u.Receive("verbale.pdf", strings.NewReader(PDF)); err != nil {
		t.Fatal(err)
	}
	return u
}

// storedObjects counts the objects under the store's directory.
func storedObjects(t *testing.T, root string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReportStore_CreateStoresTheReportAndItsFiles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	u := received(t)
	r := valid()
	r.Subject = "  Lampione spento  "
	ref, err := b.store.Create(ctx, b.alfa, r, u.Files())
	if err != nil {
		t.Fatal(err)
	}
	if !reports.IsReference(ref) {
		t.Fatalf("reference %q", ref)
	}
	got, err := b.store.Get(ctx, b.alfa, ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Reference != ref || got.Status != "received" || got.Subject != "Lampione spento" || got.Category != r.Category ||
		got.Place != r.Place || got.Email != r.Email || got.PersonID != "" || got.Language != "it" || got.ReceivedAt.IsZero() {
		t.Errorf("stored %+v", got)
	}
	if len(got.Files) != 2 {
		t.Fatalf("%d files stored, want 2", len(got.Files))
	}
	for i, f := range got.Files {
		want := u.Files()[i]
		if f.Position != i+1 || f.Name != want.Name || f.ContentType != want.ContentType || f.Size != want.Size || f.SHA256 != want.SHA256 {
			t.Errorf("file %d: %+v, want %+v", i+1, f, want)
		}
		rc, err := b.files.Open(ctx, f.StorageKey)
		if err != nil {
			t.Fatalf("file %d in storage: %v", i+1, err)
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if sum := hex.EncodeToString(h.Sum(nil)); sum != f.SHA256 {
			t.Errorf("file %d: stored content hashes to %s, recorded %s", i+1, sum, f.SHA256)
		}
	}
}

func TestReportStore_LinksThePerson(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	r := valid()
	r.PersonID, r.Email = b.personID, ""
	ref, err := b.store.Create(ctx, b.alfa, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.store.Get(ctx, b.alfa, ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.PersonID != b.personID || len(got.Files) != 0 {
		t.Errorf("stored person %q with %d files, want %q and none", got.PersonID, len(got.Files), b.personID)
	}
}

func TestReportStore_Get_WrongTenant(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	ref, err := b.store.Create(ctx, b.alfa, valid(), received(t).Files())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Get(ctx, b.beta, ref); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("another comune gets alfa's report: %v, want db.ErrNotFound", err)
	}
	// Nor does a query without a tenant filter show it to beta.
	err = db.InTenant(ctx, b.pool, b.beta, func(tx pgx.Tx) error {
		var reportsSeen, filesSeen int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM problem_reports), (SELECT count(*) FROM problem_report_files)`).
			Scan(&reportsSeen, &filesSeen); err != nil {
			return err
		}
		if reportsSeen != 0 || filesSeen != 0 {
			t.Errorf("beta sees %d reports and %d files of alfa's", reportsSeen, filesSeen)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReportStore_Create_WrongTenantPerson(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := valid()
	r.PersonID = b.personID // alfa's person, on a report to beta
	if _, err := b.store.Create(context.Background(), b.beta, r, received(t).Files()); err == nil {
		t.Fatal("a report of beta was linked to a person of alfa")
	}
	if n := storedObjects(t, b.files.Root()); n != 0 {
		t.Errorf("%d files left in storage by a report that was not stored", n)
	}
}

func TestReportStore_Create_ErrInvalidStoresNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := valid()
	r.Subject = ""
	if _, err := b.store.Create(context.Background(), b.alfa, r, received(t).Files()); !errors.Is(err, reports.ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid", err)
	}
	if n := storedObjects(t, b.files.Root()); n != 0 {
		t.Errorf("%d files stored for an invalid report", n)
	}
}
