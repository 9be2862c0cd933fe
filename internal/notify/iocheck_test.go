package notify_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/notify"
)

// ioState reads Mario's recorded App IO status, the time of the check and
// how many profile rows he has.
func (f deliveryFixture) ioState(t *testing.T) (string, *time.Time, int) {
	t.Helper()
	ctx := context.Background()
	var status string
	var at *time.Time
	var rows int
	err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT coalesce(max(io_status), ''), max(io_checked_at), count(*) FROM contact_profiles
			WHERE tenant_id = $1 AND person_id = $2`, f.tenant, f.mario).Scan(&status, &at, &rows)
	})
	if err != nil {
		t.Fatal(err)
	}
	return status, at, rows
}

func TestIOCheck_RecordsWhatTheIOProfileSays(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	ctx := context.Background()
	sender := notify.IOSender{Client: f.ioClient, Keys: map[string]string{"verdemare": "key-verdemare"}}
	worker := &notify.IOCheckWorker{Pool: f.pool, IO: sender}
	run := func(w *notify.IOCheckWorker) error {
		return w.Work(ctx, &river.Job[notify.IOCheckArgs]{Args: notify.IOCheckArgs{TenantID: f.tenant, PersonID: f.mario}})
	}
	check := func(t *testing.T, want string) time.Time {
		t.Helper()
		if err := run(worker); err != nil {
			t.Fatalf("check: %v", err)
		}
		status, at, rows := f.ioState(t)
		if status != want || at == nil || rows != 1 {
			t.Fatalf("recorded %q at %v in %d rows, want %q, a time, one row", status, at, rows, want)
		}
		return *at
	}
	reaches := func(t *testing.T) bool {
		t.Helper()
		var r notify.Reach
		err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
			var err error
			r, err = notify.ReachOf(ctx, tx, f.tenant, f.mario, notify.KindApplications)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return r.IO
	}

	t.Run("no IO profile: not available, and the profile row is created", func(t *testing.T) {
		if status, _, rows := f.ioState(t); rows != 0 {
			t.Fatalf("Mario already has a profile (%q)", status)
		}
		check(t, notify.IONotAvailable)
		if reaches(t) {
			t.Error("ReachOf offers App IO to someone without an IO profile")
		}
	})
	t.Run("a profile that allows the comune: available; run twice, same answer", func(t *testing.T) {
		f.io.SetProfile(marioCF, notify.IOProfile{SenderAllowed: true})
		first := check(t, notify.IOAvailable)
		second := check(t, notify.IOAvailable)
		if second.Before(first) {
			t.Errorf("the second check went back in time: %v, then %v", first, second)
		}
		if !reaches(t) {
			t.Error("ReachOf does not offer App IO after IO said available")
		}
	})
	t.Run("IO down: retried, the last answer kept", func(t *testing.T) {
		f.io.FailNext(1, http.StatusServiceUnavailable)
		if err := run(worker); err == nil || notify.Permanent(err) {
			t.Fatalf("a 503 from IO: %v, want a temporary error", err)
		}
		if status, _, _ := f.ioState(t); status != notify.IOAvailable {
			t.Errorf("after a failed check: %q, want the last answer kept", status)
		}
	})
	t.Run("the comune's messages turned off: sender blocked", func(t *testing.T) {
		f.io.SetProfile(marioCF, notify.IOProfile{SenderAllowed: false})
		check(t, notify.IOSenderBlocked)
		check(t, notify.IOSenderBlocked)
		if reaches(t) {
			t.Error("ReachOf offers App IO to someone who blocked the comune")
		}
	})
	t.Run("a comune without an IO service: not available", func(t *testing.T) {
		f.io.SetProfile(marioCF, notify.IOProfile{SenderAllowed: true})
		w := &notify.IOCheckWorker{Pool: f.pool, IO: notify.IOSender{Client: f.ioClient, Keys: map[string]string{"roccasole": "key-verdemare"}}}
		if err := run(w); err != nil {
			t.Fatal(err)
		}
		if status, _, _ := f.ioState(t); status != notify.IONotAvailable {
			t.Errorf("recorded %q, want not_available", status)
		}
	})
	t.Run("a key IO refuses: not available, not retried", func(t *testing.T) {
		w := &notify.IOCheckWorker{Pool: f.pool, IO: notify.IOSender{Client: f.ioClient, DefaultKey: "wrong-key"}}
		if err := run(w); err != nil {
			t.Fatalf("a refused key: %v, want the check recorded", err)
		}
		if status, _, _ := f.ioState(t); status != notify.IONotAvailable {
			t.Errorf("recorded %q, want not_available", status)
		}
	})
	t.Run("no IO configured (development): not available", func(t *testing.T) {
		check(t, notify.IOAvailable)
		if err := run(&notify.IOCheckWorker{Pool: f.pool}); err != nil {
			t.Fatal(err)
		}
		if status, _, _ := f.ioState(t); status != notify.IONotAvailable {
			t.Errorf("recorded %q, want not_available", status)
		}
	})
}

func TestIOCheck_RequestedAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	ctx := context.Background()
	for {
		minute := time.Now().Truncate(time.Minute)
		pending, err := notify.IOCheckPending(ctx, f.pool, f.tenant, f.mario)
		if err != nil || pending {
			t.Fatalf("before asking: pending %v, %v", pending, err)
		}
		first, err := notify.RequestIOCheck(ctx, f.pool, f.jobs, f.tenant, f.mario)
		if err != nil || !first {
			t.Fatalf("first request: queued %v, %v", first, err)
		}
		second, err := notify.RequestIOCheck(ctx, f.pool, f.jobs, f.tenant, f.mario)
		if err != nil {
			t.Fatal(err)
		}
		if !time.Now().Truncate(time.Minute).Equal(minute) {
			// The two requests straddled a minute: River's period is a
			// clock minute. Start again in the new one, from scratch.
			if _, err := f.pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'io_profile_check'`); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if second {
			t.Fatal("a second request within the minute queued another check")
		}
		break
	}
	if pending, err := notify.IOCheckPending(ctx, f.pool, f.tenant, f.mario); err != nil || !pending {
		t.Errorf("after asking: pending %v, %v", pending, err)
	}
	if pending, err := notify.IOCheckPending(ctx, f.pool, f.other, f.mario); err != nil || pending {
		t.Errorf("another comune sees the check pending: %v, %v", pending, err)
	}
	var n int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'io_profile_check'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d checks queued (%v), want 1", n, err)
	}
}
