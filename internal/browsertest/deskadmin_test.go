package browsertest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/forms"
)

// TestDeskAdminInBrowser opens, in Chromium and in both languages, the
// comune admin's jobs page (with a failed job to retry) and audit log
// search (with its 422), the dashboard with its charts, and the public
// processing-time page, and checks them as every page is checked
// (checkPage: one h1, skip link, axe with zero violations, clean console).
func TestDeskAdminInBrowser(t *testing.T) {
	t.Parallel()
	s := Start(t)
	ctx := context.Background()
	base := s.ComuneURL("verdemare")
	var tenantID string
	if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = 'verdemare'`).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	giveWithdrawableForm(t, s, tenantID, "carta-identita-elettronica")
	LoginHTTP(t, s.Client(t), base, MarioRossi, "/area-personale")
	var mario string
	if err := db.InTenant(ctx, s.Pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM people WHERE fiscal_code = 'RSSMRA85T10H501O'`).Scan(&mario)
	}); err != nil {
		t.Fatal(err)
	}
	apps := s.App.Applications
	clerk := applications.Clerk{FiscalCode: "CNTPLA80A12H501T", Name: "Paolo Conti", RemoteAddr: "192.0.2.10"}
	d, err := apps.StartDraft(ctx, tenantID, mario, "carta-identita-elettronica", "it")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apps.SaveStep(ctx, tenantID, mario, d.Reference, 0, forms.Values{"note": {"Richiesta di prova"}}); err != nil {
		t.Fatal(err)
	}
	if r, err := apps.Submit(ctx, tenantID, mario, d.Reference, nil); err != nil || len(r.Errors) > 0 {
		t.Fatalf("submit: %v %+v", err, r.Errors)
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got, err := apps.ForPerson(ctx, tenantID, mario, d.Reference)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == applications.Registered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not registered after 15s", d.Reference)
		}
	}
	if err := apps.TakeInCharge(ctx, tenantID, d.Reference, 0, clerk); err != nil {
		t.Fatal(err)
	}
	if err := apps.Decide(ctx, tenantID, d.Reference, 0, clerk, true, "Documentazione completa."); err != nil {
		t.Fatal(err)
	}
	// failed leaves a registration that failed for good, for the jobs
	// page to offer a retry.
	failed := func(t *testing.T) {
		t.Helper()
		res, err := s.App.Jobs.Insert(ctx, applications.RegisterArgs{TenantID: tenantID, ApplicationID: d.ID},
			&river.InsertOpts{ScheduledAt: time.Now().Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Pool.Exec(ctx, `UPDATE river_job SET state = 'discarded', finalized_at = now(), attempt = 15,
				errors = ARRAY[jsonb_build_object('at', now(), 'attempt', 15, 'error', 'protocol register unreachable')]
			WHERE id = $1`, res.Job.ID); err != nil {
			t.Fatal(err)
		}
	}

	for _, lang := range []string{"it", "en"} {
		t.Run(lang, func(t *testing.T) {
			failed(t)
			b := NewBrowser(t, WithLanguage(lang))
			t.Run("transparency", func(t *testing.T) {
				b.Visit(t, base+"/tempi-procedimento")
				checkPage(t, b, lang, http.StatusOK)
				if n := b.Count(t, `[data-testid="transparency-row"]`); n < 1 {
					t.Errorf("%d services on the processing-time page", n)
				}
			})
			b.LogIn(t, base, SaraGreco)
			t.Run("jobs", func(t *testing.T) {
				b.Visit(t, base+"/amministrazione/lavori?stato=falliti")
				checkPage(t, b, lang, http.StatusOK)
				if n := b.Count(t, `[data-testid="job-retry"]`); n < 1 {
					t.Errorf("no retry button on the failed jobs")
				}
			})
			t.Run("audit", func(t *testing.T) {
				b.Visit(t, base+"/amministrazione/registro-accessi?pratica="+d.Reference)
				checkPage(t, b, lang, http.StatusOK)
				if n := b.Count(t, `[data-testid="audit-line"]`); n < 2 {
					t.Errorf("%d audit lines about %s", n, d.Reference)
				}
			})
			t.Run("audit-bad-date", func(t *testing.T) {
				b.Visit(t, base+"/amministrazione/registro-accessi?dal=ieri")
				checkPage(t, b, lang, http.StatusUnprocessableEntity)
			})
			t.Run("dashboard", func(t *testing.T) {
				b.Visit(t, base+"/scrivania/cruscotto")
				checkPage(t, b, lang, http.StatusOK)
				if n := b.Count(t, `svg[role="img"]`); n != 2 {
					t.Errorf("%d charts, want 2", n)
				}
			})
			t.Run("retry", func(t *testing.T) {
				b.Visit(t, base+"/amministrazione/lavori?stato=falliti")
				b.Follow(t, `[data-testid="job-retry"]`)
				checkPage(t, b, lang, http.StatusOK)
				if n := b.Count(t, `[data-testid="jobs-notice"]`); n != 1 {
					t.Errorf("no notice after retrying")
				}
			})
			b.Visit(t, base+"/scrivania")
			b.LogOut(t)
		})
	}
}
