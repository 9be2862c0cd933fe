package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/browsertest"
)

// TestDatabaseLost_503ThenRecoversByItself cuts the server off its database
// while it serves (no new connections allowed, existing ones terminated),
// then lets it back.
func TestDatabaseLost_503ThenRecoversByItself(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	ctx := context.Background()
	c := s.Client(t)
	base := s.ComuneURL("roccasole")
	browsertest.LoginHTTP(t, c, base, "aminata-diallo", "/area-personale")

	var dbName string
	if err := s.Pool.QueryRow(ctx, "SELECT current_database()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	cc := s.Pool.Config().ConnConfig
	admin, err := pgx.Connect(ctx, fmt.Sprintf("postgres://%s@%s:%d/postgres?sslmode=disable", cc.User, cc.Host, cc.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	setAllowed := func(allowed bool) {
		t.Helper()
		if _, err := admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS %t`, dbName, allowed)); err != nil {
			t.Fatal(err)
		}
		if !allowed {
			if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, dbName); err != nil {
				t.Fatal(err)
			}
		}
	}
	setAllowed(false)
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS true`, dbName))
	})

	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting: %s", what)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitFor("/readyz 503", func() bool {
		return browsertest.Get(t, c, s.PlatformURL+"/readyz").Status == http.StatusServiceUnavailable
	})
	for _, u := range []string{base + "/area-personale", s.PlatformURL + "/"} {
		p := browsertest.Get(t, c, u)
		if p.Status != http.StatusServiceUnavailable || !strings.Contains(p.Body, "Servizio momentaneamente non disponibile") {
			t.Errorf("%s while the database is away: %d, want the 503 page", u, p.Status)
		}
	}

	setAllowed(true)
	waitFor("/readyz 200", func() bool { return browsertest.Get(t, c, s.PlatformURL+"/readyz").Status == http.StatusOK })
	waitFor("personal area back", func() bool {
		p := browsertest.Get(t, c, base+"/area-personale")
		return p.Status == http.StatusOK && strings.Contains(p.Body, "Aminata Diallo")
	})
}
