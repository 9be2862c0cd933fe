package db_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var errRollback = errors.New("roll back")

// twoComuni makes two tenants, each with one person and one inbox message,
// written as the owner (outside any tenant transaction would be refused by
// RLS, so each is written inside its own tenant's transaction).
func twoComuni(t *testing.T, pool *pgxpool.Pool) (a, b string) {
	t.Helper()
	ctx := context.Background()
	for i, slug := range []string{"alfa", "beta"} {
		var id string
		err := pool.QueryRow(ctx, `INSERT INTO tenants (slug, name, istat_code, ipa_code, fiscal_code, primary_color, logo, logo_type)
			VALUES ($1, $1, $2, $1, '80000000000', '#000000', '\x00', 'image/png') RETURNING id::text`,
			slug, []string{"000001", "000002"}[i]).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTenant(ctx, pool, id, func(tx pgx.Tx) error {
			var person string
			if err := tx.QueryRow(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name)
				VALUES ($1, $2, 'Nome', $3) RETURNING id::text`, id, []string{"RSSMRA85T10H501O", "BNCGLI92C62F205U"}[i], slug).Scan(&person); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO inbox_messages (tenant_id, person_id, dedup_key, subject, body)
				VALUES ($1, $2, 'k', $3, 'body')`, id, person, "message of "+slug)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			a = id
		} else {
			b = id
		}
	}
	return a, b
}

func TestInTenant_QueryWithoutFilterSeesOnlyItsTenant(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, b := twoComuni(t, pool)
	ctx := context.Background()
	for _, tc := range []struct{ tenant, wantSubject, wantName string }{
		{a, "message of alfa", "alfa"},
		{b, "message of beta", "beta"},
	} {
		err := db.InTenant(ctx, pool, tc.tenant, func(tx pgx.Tx) error {
			// Deliberately no WHERE tenant_id: the database must filter.
			rows, err := tx.Query(ctx, `SELECT tenant_id::text, subject FROM inbox_messages`)
			if err != nil {
				return err
			}
			type row struct{ Tenant, Subject string }
			got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
			if err != nil {
				return err
			}
			if len(got) != 1 || got[0].Tenant != tc.tenant || got[0].Subject != tc.wantSubject {
				t.Errorf("tenant %s sees inbox rows %+v, want only its own %q", tc.tenant, got, tc.wantSubject)
			}
			var names []string
			rows, err = tx.Query(ctx, `SELECT family_name FROM people`)
			if err != nil {
				return err
			}
			names, err = pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			if len(names) != 1 || names[0] != tc.wantName {
				t.Errorf("tenant %s sees people %v, want only %q", tc.tenant, names, tc.wantName)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestInTenant_CannotWriteAnotherTenantsRows(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, b := twoComuni(t, pool)
	ctx := context.Background()

	err := db.InTenant(ctx, pool, a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO people (tenant_id, fiscal_code, given_name, family_name)
			VALUES ($1, 'SPSLCU78L04F839F', 'Intruso', 'Intruso')`, b)
		return err
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Fatalf("insert into another tenant: got %v, want a row-level security violation (42501)", err)
	}

	err = db.InTenant(ctx, pool, a, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE people SET family_name = 'changed'`)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			t.Errorf("unfiltered UPDATE in tenant a touched %d rows, want 1 (its own)", tag.RowsAffected())
		}
		tag, err = tx.Exec(ctx, `DELETE FROM inbox_messages WHERE tenant_id = $1`, b)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 0 {
			t.Errorf("DELETE of tenant b's messages from tenant a deleted %d rows", tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var name string
	if err := db.InTenant(ctx, pool, b, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT family_name FROM people`).Scan(&name)
	}); err != nil {
		t.Fatal(err)
	}
	if name != "beta" {
		t.Errorf("tenant b's person was changed to %q by tenant a", name)
	}
}

func TestInTenant_RoleCannotBypassRowLevelSecurity(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, _ := twoComuni(t, pool)
	ctx := context.Background()
	err := db.InTenant(ctx, pool, a, func(tx pgx.Tx) error {
		var bypass, super bool
		if err := tx.QueryRow(ctx, `SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&bypass, &super); err != nil {
			return err
		}
		if bypass || super {
			t.Errorf("tenant transactions run as a role with bypassrls=%v superuser=%v", bypass, super)
		}
		// Turning row security off must not be a way around it.
		if _, err := tx.Exec(ctx, `SET LOCAL row_security = off`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT count(*) FROM people`)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("with row_security off, a query got %v, want an insufficient-privilege error", err)
		}
		return errRollback // the failed statement aborted the transaction
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
}

func TestWithoutTenant_TenantTablesShowNothing(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	twoComuni(t, pool)
	ctx := context.Background()
	// A transaction that switches to the tenant role but sets no tenant
	// (a programming error) sees no rows at all.
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+db.TenantRole); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM inbox_messages`).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("with no tenant set, %d inbox rows are visible, want 0", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestEveryTenantTableHasTenantFirstAndForcedRLS(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	rows, err := pool.Query(context.Background(), `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       (SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
		        WHERE i.indrelid = c.oid AND i.indisprimary) AS first_pk_column,
		       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid) AS has_policy
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind = 'r'
		  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')`)
	if err != nil {
		t.Fatal(err)
	}
	type table struct {
		Name        string
		RLS, Forced bool
		FirstPK     *string
		HasPolicy   bool
	}
	tables, err := pgx.CollectRows(rows, pgx.RowToStructByPos[table])
	if err != nil {
		t.Fatal(err)
	}
	platform := map[string]bool{"tenant_hosts": true} // resolved before any tenant is known
	found := 0
	for _, tb := range tables {
		if platform[tb.Name] {
			continue
		}
		found++
		if !tb.RLS || !tb.Forced || !tb.HasPolicy {
			t.Errorf("table %s: row level security enabled=%v forced=%v policy=%v, want all true", tb.Name, tb.RLS, tb.Forced, tb.HasPolicy)
		}
		if tb.FirstPK == nil || *tb.FirstPK != "tenant_id" {
			t.Errorf("table %s: primary key does not start with tenant_id", tb.Name)
		}
	}
	if found < 3 {
		t.Errorf("found %d tenant tables, want at least people, staff_members, inbox_messages", found)
	}
}

func TestQueryInTenant_IsBoundToItsTenantAndAtomic(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a, b := twoComuni(t, pool)
	ctx := context.Background()
	// No tenant filter: the binding alone limits what the statement sees.
	var subjects []string
	err := db.QueryInTenant(ctx, pool, a, func(rows pgx.Rows) error {
		var err error
		subjects, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	}, `SELECT subject FROM inbox_messages`)
	if err != nil {
		t.Fatal(err)
	}
	if len(subjects) != 1 || subjects[0] != "message of alfa" {
		t.Errorf("tenant alfa sees %v, want only its own message", subjects)
	}
	// Writing another tenant's rows changes nothing.
	err = db.QueryInTenant(ctx, pool, a, nil, `UPDATE inbox_messages SET subject = 'hijacked' WHERE tenant_id = $1`, b)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := db.InTenant(ctx, pool, b, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT subject FROM inbox_messages`).Scan(&got)
	}); err != nil || got != "message of beta" {
		t.Errorf("beta's message is %q (%v) after alfa's update", got, err)
	}
	// A failing statement commits nothing, and the pool stays usable.
	err = db.QueryInTenant(ctx, pool, a, nil, `UPDATE inbox_messages SET subject = 'changed', body = 1/0`)
	if err == nil {
		t.Fatal("division by zero succeeded")
	}
	for range 8 { // every connection of a small pool
		if err := db.QueryInTenant(ctx, pool, a, func(rows pgx.Rows) error {
			subjects, _ = pgx.CollectRows(rows, pgx.RowTo[string])
			return nil
		}, `SELECT subject FROM inbox_messages`); err != nil {
			t.Fatalf("after a failed statement: %v", err)
		}
		if len(subjects) != 1 || subjects[0] != "message of alfa" {
			t.Fatalf("after a failed statement alfa sees %v", subjects)
		}
	}
	// Outside the batch the connection is no longer bound to the tenant.
	var role string
	if err := pool.QueryRow(ctx, `SELECT current_user || '/' || coalesce(current_setting('app.tenant_id', true), '')`).Scan(&role); err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(role, a) || strings.HasPrefix(role, db.TenantRole+"/") {
		t.Errorf("a pooled connection is still bound: %s", role)
	}
}

func TestPlatformSecret_DrawnOnceKeptForEveryone(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	keys := make([][]byte, 8)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = db.PlatformSecret(ctx, pool, "booking")
		}()
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil || len(keys[i]) != 32 || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("call %d: %x (%v), want the same 32 bytes as %x", i, keys[i], errs[i], keys[0])
		}
	}
	other, err := db.PlatformSecret(ctx, pool, "other")
	if err != nil || bytes.Equal(other, keys[0]) {
		t.Errorf("another name's key %x (%v) equals booking's", other, err)
	}
	// No tenant transaction can read them.
	a, _ := twoComuni(t, pool)
	err = db.InTenant(ctx, pool, a, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT value FROM platform_secrets`)
		return err
	})
	if err == nil {
		t.Error("a tenant transaction read the platform's secrets")
	}
}
