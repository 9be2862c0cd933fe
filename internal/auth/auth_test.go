package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/tenant"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// welcomeJobs returns the welcome jobs River holds, as the real insert-only
// client wrote them inside the login transactions.
func welcomeJobs(t *testing.T, pool *pgxpool.Pool) []notify.WelcomeArgs {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT args FROM river_job WHERE kind = 'welcome_message' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		t.Fatal(err)
	}
	out := make([]notify.WelcomeArgs, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func newService(t *testing.T, pool *pgxpool.Pool) *auth.Service {
	t.Helper()
	client, err := jobs.New(pool, nil, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return auth.NewService(pool, client, []string{"RCCLNE88R67A944M"})
}

func setup(t *testing.T) (*pgxpool.Pool, map[string]tenant.Tenant) {
	t.Helper()
	pool := dbtest.New(t)
	list, err := tenant.ImportDir(context.Background(), tenant.NewStore(pool), filepath.Join("..", "..", "tenants"))
	if err != nil {
		t.Fatal(err)
	}
	bySlug := map[string]tenant.Tenant{}
	for _, tn := range list {
		bySlug[tn.Slug] = tn
	}
	return pool, bySlug
}

var mario = auth.Identity{FiscalCode: "rssmra85t10h501o", GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.it"}

func TestLoginToComune_FirstLoginCreatesThePersonAndEnqueuesOneWelcome(t *testing.T) {
	t.Parallel()
	pool, tn := setup(t)
	s := newService(t, pool)
	ctx := context.Background()
	first, err := s.LoginToComune(ctx, tn["verdemare"].ID, "Città di Verdemare", mario, "en")
	if err != nil {
		t.Fatal(err)
	}
	if first.Kind != auth.KindCitizen || first.FiscalCode != "RSSMRA85T10H501O" || first.PersonID == "" {
		t.Errorf("principal %+v", first)
	}
	again, err := s.LoginToComune(ctx, tn["verdemare"].ID, "Città di Verdemare", mario, "en")
	if err != nil {
		t.Fatal(err)
	}
	if again.PersonID != first.PersonID {
		t.Errorf("second login made a new person")
	}
	queued := welcomeJobs(t, pool)
	if len(queued) != 1 {
		t.Fatalf("%d jobs enqueued over two logins, want 1", len(queued))
	}
	w := queued[0]
	if w.TenantID != tn["verdemare"].ID || w.PersonID != first.PersonID || w.Lang != "en" {
		t.Errorf("welcome args %+v", w)
	}
	// The same person in another comune is another record there.
	other, err := s.LoginToComune(ctx, tn["roccasole"].ID, "Comune di Roccasole", mario, "it")
	if err != nil {
		t.Fatal(err)
	}
	if other.PersonID == first.PersonID || other.TenantID != tn["roccasole"].ID {
		t.Errorf("person shared across comuni: %+v", other)
	}
	if n := len(welcomeJobs(t, pool)); n != 2 {
		t.Errorf("%d welcome jobs after first logins in two comuni, want 2", n)
	}
}

func TestLoginToComune_StaffRoleComesFromTheComune(t *testing.T) {
	t.Parallel()
	pool, tn := setup(t)
	s := newService(t, pool)
	ctx := context.Background()
	paolo := auth.Identity{FiscalCode: "CNTPLA80A12H501T", GivenName: "Paolo", FamilyName: "Conti"}
	p, err := s.LoginToComune(ctx, tn["verdemare"].ID, "Città di Verdemare", paolo, "it")
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != auth.KindStaff || p.Role != auth.RoleClerk {
		t.Errorf("in his comune: %+v", p)
	}
	p, err = s.LoginToComune(ctx, tn["roccasole"].ID, "Comune di Roccasole", paolo, "it")
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != auth.KindCitizen || p.Role != "" {
		t.Errorf("in another comune (wrong tenant): %+v", p)
	}
	if n := len(welcomeJobs(t, pool)); n != 1 {
		t.Errorf("staff got a citizen's welcome, or the citizen did not: %d jobs", n)
	}
}

func TestLoginToComune_RefusesAnInvalidIdentity(t *testing.T) {
	t.Parallel()
	pool, tn := setup(t)
	s := newService(t, pool)
	for _, id := range []auth.Identity{
		{FiscalCode: "RSSMRA85T10H501X", GivenName: "Mario", FamilyName: "Rossi"},
		{FiscalCode: "", GivenName: "Mario", FamilyName: "Rossi"},
		{FiscalCode: "RSSMRA85T10H501O", GivenName: "", FamilyName: "Rossi"},
	} {
		if _, err := s.LoginToComune(context.Background(), tn["verdemare"].ID, "X", id, "it"); !errors.Is(err, auth.ErrInvalidIdentity) {
			t.Errorf("%+v: %v, want ErrInvalidIdentity", id, err)
		}
	}
}

func TestLoginToPlatform_OnlyConfiguredAdmins(t *testing.T) {
	t.Parallel()
	s := auth.NewService(nil, nil, []string{"RCCLNE88R67A944M"})
	if p, err := s.LoginToPlatform(auth.Identity{FiscalCode: "RCCLNE88R67A944M", GivenName: "Elena", FamilyName: "Ricci"}); err != nil || p.Kind != auth.KindPlatformAdmin {
		t.Errorf("admin: %+v %v", p, err)
	}
	if _, err := s.LoginToPlatform(mario); !errors.Is(err, auth.ErrNotPlatformAdmin) {
		t.Errorf("citizen: %v", err)
	}
}

func TestSessionCleanup_DeletesOnlyExpiredSessions(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES
		('old', '\x00', now() - interval '1 minute'), ('live', '\x00', now() + interval '1 hour')`); err != nil {
		t.Fatal(err)
	}
	w := &auth.SessionCleanupWorker{Pool: pool}
	for range 2 {
		if err := w.Work(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := pool.Query(ctx, `SELECT token FROM sessions ORDER BY token`)
	if err != nil {
		t.Fatal(err)
	}
	left, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != "live" {
		t.Errorf("sessions left: %v, want [live]", left)
	}
}
