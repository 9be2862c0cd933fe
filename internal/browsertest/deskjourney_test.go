package browsertest

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/forms"
)

// TestDeskJourneyInBrowser is the clerk's journey in Chromium, with
// JavaScript and without: Paolo logs in, opens Mario's application, takes
// it in charge and asks for an integration; Mario logs in and answers with
// a document; Paolo accepts with a generated outcome document; Mario sees
// the application accepted and the document. Every page on the way, the
// application view and each action form among them, passes axe.
func TestDeskJourneyInBrowser(t *testing.T) {
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
	registered := func(t *testing.T) string {
		t.Helper()
		d, err := apps.StartDraft(ctx, tenantID, mario, "carta-identita-elettronica", "it")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := apps.SaveStep(ctx, tenantID, mario, d.Reference, 0, forms.Values{"note": {"Rinnovo per scadenza"}}); err != nil {
			t.Fatal(err)
		}
		if r, err := apps.Submit(ctx, tenantID, mario, d.Reference, nil); err != nil || len(r.Errors) > 0 {
			t.Fatalf("submit: %v %+v", err, r.Errors)
		}
		awaitApplication(t, apps, tenantID, mario, d.Reference, func(d applications.Detail) bool { return d.Status == applications.Registered })
		return d.Reference
	}
	photo := filepath.Join(t.TempDir(), "fototessera.pdf")
	if err := os.WriteFile(photo, []byte("%PDF-1.4\n% fototessera\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	set := func(t *testing.T, b *Browser, id, value string) {
		t.Helper()
		if !Eval[bool](t, b, `(() => { const el = document.getElementById(`+jsString(id)+`); if (!el) return false; el.value = `+jsString(value)+`; return true })()`) {
			t.Fatalf("no #%s on %s", id, b.Location(t))
		}
	}

	for _, mode := range applyModes {
		t.Run(mode.name, func(t *testing.T) {
			ref := registered(t)
			app := base + "/scrivania/pratiche/" + ref

			clerk := NewBrowser(t, mode.opts...)
			clerk.LogIn(t, base, PaoloConti)
			clerk.Visit(t, app)
			checkPage(t, clerk, "it", http.StatusOK)
			if got := clerk.Text(t, "[data-testid=deskapp-status]"); got != "Protocollata" {
				t.Errorf("status %q, want Protocollata", got)
			}
			clerk.Follow(t, "[data-testid=deskapp-take]")
			checkPage(t, clerk, "it", http.StatusOK)
			if got := clerk.Text(t, "[data-testid=deskapp-status]"); got != "In lavorazione" {
				t.Fatalf("after taking in charge: %q", got)
			}

			// The integration request: sent back once (no date), then sent.
			clerk.Follow(t, "[data-testid=deskapp-action-integration]")
			checkPage(t, clerk, "it", http.StatusOK)
			set(t, clerk, "deskaction-message", "Serve una fototessera recente.")
			set(t, clerk, "deskaction-documents", "Fototessera")
			clerk.Follow(t, "[data-testid=deskaction-submit]")
			checkPage(t, clerk, "it", http.StatusUnprocessableEntity)
			if got := valueOf(t, clerk, "deskaction-message"); got != "Serve una fototessera recente." {
				t.Errorf("message after the 422: %q", got)
			}
			set(t, clerk, "deskaction-reply_by", time.Now().AddDate(0, 0, 10).Format(time.DateOnly))
			clerk.Follow(t, "[data-testid=deskaction-submit]")
			checkPage(t, clerk, "it", http.StatusOK)
			if got := clerk.Text(t, "[data-testid=deskapp-deadline]"); !strings.Contains(got, "sospeso") {
				t.Errorf("deadline after the request: %q, want suspended", got)
			}

			// Mario answers with a document.
			citizen := NewBrowser(t, mode.opts...)
			citizen.LogIn(t, base, MarioRossi)
			citizen.Visit(t, base+"/area-personale/pratiche/"+ref)
			if got := citizen.Text(t, "[data-testid=myapp-request]"); !strings.Contains(got, "– Fototessera") {
				t.Errorf("the request as Mario sees it: %q", got)
			}
			set(t, citizen, "integration-text", "Ecco la fototessera.")
			citizen.do(t, "attach the photo", chromedp.SetUploadFiles(chromedp.CSS("#integration-files"), []string{photo}))
			citizen.Follow(t, "[data-testid=integration-submit]")
			if got := citizen.Text(t, "[data-testid=myapp-status]"); got != "In lavorazione" {
				t.Fatalf("after the answer Mario sees %q", got)
			}

			// Paolo sees the answer and accepts, with a generated document.
			clerk.Visit(t, app)
			checkPage(t, clerk, "it", http.StatusOK)
			if got := clerk.Text(t, "[data-testid=deskapp-conversation]"); !strings.Contains(got, "Ecco la fototessera.") || !strings.Contains(got, "fototessera.pdf") {
				t.Errorf("conversation: %q", got)
			}
			clerk.Follow(t, "[data-testid=deskapp-action-accept]")
			checkPage(t, clerk, "it", http.StatusOK)
			if !isChecked(t, clerk, "outcome-generate") {
				t.Error("the generated document is not the default")
			}
			set(t, clerk, "deskaction-motivation", "Requisiti verificati: la carta sarà pronta in 6 giorni.")
			clerk.Follow(t, "[data-testid=deskaction-submit]")
			checkPage(t, clerk, "it", http.StatusOK)
			if got := clerk.Text(t, "[data-testid=deskapp-status]"); got != "Accolta" {
				t.Fatalf("after accepting: %q", got)
			}

			// Mario sees it accepted, and the outcome document once the
			// job has written it.
			deadline := time.Now().Add(20 * time.Second)
			for {
				citizen.Visit(t, base+"/area-personale/pratiche/"+ref)
				if strings.Contains(citizen.Text(t, "main"), "esito-"+ref+".pdf") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("no outcome document for Mario after 20s: %q", citizen.Text(t, "main"))
				}
				time.Sleep(200 * time.Millisecond)
			}
			checkPage(t, citizen, "it", http.StatusOK)
			if got := citizen.Text(t, "[data-testid=myapp-status]"); got != "Accolta" {
				t.Errorf("Mario sees %q, want Accolta", got)
			}
		})
	}

	// Every action form, as the comune's admin sees them on an
	// application in progress (all of them are open then).
	t.Run("ActionForms", func(t *testing.T) {
		ref := registered(t)
		clerk := applications.Clerk{FiscalCode: "CNTPLA80A12H501T", Name: "Paolo Conti"}
		if err := apps.TakeInCharge(ctx, tenantID, ref, 0, clerk); err != nil {
			t.Fatal(err)
		}
		if err := apps.AddNote(ctx, tenantID, ref, clerk, "Controllare la foto."); err != nil {
			t.Fatal(err)
		}
		admin := NewBrowser(t)
		admin.LogIn(t, base, SaraGreco)
		for _, action := range []string{"assegna", "integrazione", "accogli", "rigetta", "annulla", "messaggio", "nota"} {
			admin.Visit(t, base+"/scrivania/pratiche/"+ref+"/"+action)
			checkPage(t, admin, "it", http.StatusOK)
		}
		// A decision sent back (no motivation) is checked too.
		admin.Visit(t, base+"/scrivania/pratiche/"+ref+"/rigetta")
		admin.Follow(t, "[data-testid=deskaction-submit]")
		checkPage(t, admin, "it", http.StatusUnprocessableEntity)
	})
}

// awaitApplication waits until the person's application satisfies ok:
// registration comes from a job.
func awaitApplication(t *testing.T, apps *applications.Service, tenantID, person, ref string, ok func(applications.Detail) bool) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		d, err := apps.ForPerson(context.Background(), tenantID, person, ref)
		if err != nil {
			t.Fatal(err)
		}
		if ok(d) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still %s after 15s", ref, d.Status)
		}
	}
}
