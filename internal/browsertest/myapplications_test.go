package browsertest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/forms"
)

// TestMyApplicationsInBrowser opens the pages of "Le mie pratiche" in
// Chromium, in Italian and in English, and checks them as every page is
// checked (checkPage: one h1, skip link, axe, clean console): the list,
// an application waiting for an integration, its answer sent back empty
// (422), the withdrawal page and the application once withdrawn.
func TestMyApplicationsInBrowser(t *testing.T) {
	t.Parallel()
	s := Start(t)
	ctx := context.Background()
	base := s.ComuneURL("verdemare")
	var tenantID string
	if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = 'verdemare'`).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	giveWithdrawableForm(t, s, tenantID, "carta-identita-elettronica")
	LoginHTTP(t, s.Client(t), base, MarioRossi, "/area-personale") // Mario exists from now on
	var mario string
	if err := db.InTenant(ctx, s.Pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM people WHERE fiscal_code = 'RSSMRA85T10H501O'`).Scan(&mario)
	}); err != nil {
		t.Fatal(err)
	}
	apps := s.App.Applications
	clerk := applications.Clerk{FiscalCode: "CNTPLA80A12H501T", Name: "Paolo Conti"}

	// waiting sends an application and has the office ask for more.
	waiting := func(t *testing.T) string {
		t.Helper()
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
		if err := apps.MessageCitizen(ctx, tenantID, d.Reference, clerk, "Abbiamo ricevuto la domanda."); err != nil {
			t.Fatal(err)
		}
		if err := apps.RequestIntegration(ctx, tenantID, d.Reference, 0, clerk, "Allega una fototessera recente.", time.Now().AddDate(0, 0, 10)); err != nil {
			t.Fatal(err)
		}
		return d.Reference
	}
	if _, err := apps.StartDraft(ctx, tenantID, mario, "carta-identita-elettronica", "it"); err != nil {
		t.Fatal(err)
	}

	for _, lang := range []string{"it", "en"} {
		t.Run(lang, func(t *testing.T) {
			ref := waiting(t)
			detail := base + "/area-personale/pratiche/" + ref
			b := NewBrowser(t, WithLanguage(lang))
			b.LogIn(t, base, MarioRossi)

			t.Run("list", func(t *testing.T) {
				b.Visit(t, base+"/area-personale/pratiche")
				checkPage(t, b, lang, http.StatusOK)
			})
			t.Run("list-filtered", func(t *testing.T) {
				b.Visit(t, base+"/area-personale/pratiche?stato=da-integrare")
				checkPage(t, b, lang, http.StatusOK)
				if n := b.Count(t, `[data-testid="myapps-item"]`); n < 1 {
					t.Errorf("%d applications waiting for an integration listed", n)
				}
			})
			t.Run("detail", func(t *testing.T) {
				b.Visit(t, detail)
				checkPage(t, b, lang, http.StatusOK)
			})
			t.Run("integration-empty", func(t *testing.T) {
				b.Visit(t, detail)
				b.Follow(t, `[data-testid="integration-submit"]`)
				checkPage(t, b, lang, http.StatusUnprocessableEntity)
				if n := b.Count(t, `[data-testid="error-summary"] a[href="#integration-text"]`); n != 1 {
					t.Errorf("%d links to the answer in the error summary, want 1", n)
				}
			})
			t.Run("withdraw", func(t *testing.T) {
				b.Visit(t, detail)
				b.Follow(t, `[data-testid="myapp-withdraw"]`)
				checkPage(t, b, lang, http.StatusOK)
				b.Follow(t, `[data-testid="withdraw-submit"]`)
				checkPage(t, b, lang, http.StatusOK)
				if got := b.Count(t, `[data-testid="myapp-status"][data-status="withdrawn"]`); got != 1 {
					t.Errorf("after withdrawing, the page does not show the application withdrawn")
				}
			})
		})
	}
}

// giveWithdrawableForm gives a service of the comune a one-step online
// form, with one optional question, that may be withdrawn.
func giveWithdrawableForm(t *testing.T, s *Server, tenantID, slug string) {
	t.Helper()
	ctx := context.Background()
	c, err := catalog.NewStore(s.Pool).Export(ctx, tenantID)
	if err != nil {
		t.Fatal(err)
	}
	f, err := forms.Parse([]byte(`
withdrawable: true
steps:
  - id: request
    title: {it: "Richiesta", en: "Request"}
    fields:
      - id: note
        type: textarea
        label: {it: "Note", en: "Notes"}
`))
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Services {
		if c.Services[i].Slug == slug {
			c.Services[i].Form, c.Services[i].Status = &f, "active"
		}
	}
	if err := db.InTenant(ctx, s.Pool, tenantID, func(tx pgx.Tx) error { return catalog.Write(ctx, tx, tenantID, c) }); err != nil {
		t.Fatal(err)
	}
}
