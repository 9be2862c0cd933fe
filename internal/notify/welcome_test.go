package notify_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/tenant"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestWelcomeWorker_WritesOnceInTheLanguageAndOnlyForItsComune(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	list, err := tenant.ImportDir(ctx, tenant.NewStore(pool), filepath.Join("..", "..", "tenants"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := list[0], list[1]
	var person string
	err = db.InTenant(ctx, pool, a.ID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name)
			VALUES ($1, 'BNCGLI92C62F205U', 'Giulia', 'Bianchi') RETURNING id::text`, a.ID).Scan(&person)
	})
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := locale.Load(i18n.FS, "it", "en")
	if err != nil {
		t.Fatal(err)
	}
	w := &notify.WelcomeWorker{Pool: pool, Catalog: catalog}
	job := &river.Job[notify.WelcomeArgs]{Args: notify.WelcomeArgs{TenantID: a.ID, PersonID: person, ComuneName: a.Name, GivenName: "Giulia", Lang: "en"}}
	for range 2 { // a retried job must not write twice
		if err := w.Work(ctx, job); err != nil {
			t.Fatal(err)
		}
	}
	inbox := notify.NewInbox(pool)
	msgs, err := inbox.List(ctx, a.ID, person, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Subject != "Welcome to the "+a.Name+" portal" {
		t.Fatalf("inbox %+v", msgs)
	}
	// Another comune asking for the same person id sees nothing.
	other, err := inbox.List(ctx, b.ID, person, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(other) != 0 {
		t.Errorf("comune %s sees %d messages of a person of %s", b.Slug, len(other), a.Slug)
	}
	// A job naming the wrong comune for the person fails rather than write
	// across tenants (the foreign key to people is checked under RLS).
	bad := &river.Job[notify.WelcomeArgs]{Args: notify.WelcomeArgs{TenantID: b.ID, PersonID: person, ComuneName: b.Name, GivenName: "Giulia", Lang: "it"}}
	if err := w.Work(ctx, bad); err == nil {
		t.Error("welcome for a person of another comune was written")
	}
}
