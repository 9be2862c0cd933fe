package browsertest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
)

// TestDeskQueueInChromium opens the work queue as an office manager in
// Chromium, with JavaScript on and off, and checks each state as every
// page is checked (one h1, skip link, axe with no violation, a clean
// console): the first page, the next one, filters refused (422), and the
// report of a bulk assignment made by ticking a row.
func TestDeskQueueInChromium(t *testing.T) {
	t.Parallel()
	s := Start(t)
	ctx := context.Background()
	base := s.ComuneURL("verdemare")
	var tenantID string
	if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = 'verdemare'`).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	err := db.InTenant(ctx, s.Pool, tenantID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO applications (tenant_id, reference, service_slug, form_version, contact_email,
				status, office_slug, submitted_at, due_on, suspended_at, applicant_name, applicant_fiscal_code)
			SELECT $1, 'PR-' || (SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + floor(random() * 31)::int, 1), '')
					FROM generate_series(1, 8 + 0 * g)),
				s.slug, s.form_version, 'test@example.it',
				CASE WHEN g % 5 = 0 THEN 'awaiting_integration' ELSE 'registered' END, 'urp', now() - interval '3 days',
				current_date + g - 10, CASE WHEN g % 5 = 0 THEN now() END, 'Giulia Bianchi ' || g, 'BNCGLI80A41H501U'
			FROM services s, generate_series(1, 30) g WHERE s.tenant_id = $1 AND s.slug = 'segnalazione-disservizio'`, tenantID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "js", false: "nojs"}[js]
		t.Run(name, func(t *testing.T) {
			var opts []Option
			if !js {
				opts = append(opts, WithoutJavaScript())
			}
			b := NewBrowser(t, opts...)
			b.LogIn(t, base, "marco-gallo")
			if got := pathOf(t, b.Location(t)); got != "/scrivania" {
				t.Fatalf("logged in on %s, want /scrivania", got)
			}
			checkPage(t, b, "it", http.StatusOK)
			if n := b.Count(t, `[data-testid="desk-row"]`); n != 25 {
				t.Errorf("%d rows on the first page, want 25", n)
			}
			if n := b.Count(t, `table caption`); n != 1 {
				t.Errorf("%d captions, want 1", n)
			}
			if got := b.Text(t, `[data-testid="desk-row"] [data-testid="desk-deadline"]`); !strings.Contains(got, "Scaduta da 9 giorni") {
				t.Errorf("the first row's deadline says %q, want overdue by 9 days", got)
			}

			b.Follow(t, `[data-testid="desk-next"]`)
			checkPage(t, b, "it", http.StatusOK)
			if n := b.Count(t, `[data-testid="desk-row"]`); n != 5 {
				t.Errorf("%d rows on the second page, want 5", n)
			}

			b.Visit(t, base+"/scrivania?testo=ab&dal=2026-02-30")
			checkPage(t, b, "it", http.StatusUnprocessableEntity)
			if n := b.Count(t, `[data-testid="error-summary"] a[href="#f-text"]`); n != 1 {
				t.Errorf("the error summary links %d times to the text field, want 1", n)
			}

			// Tick the first row with the keyboard and give it to Paolo.
			b.Visit(t, base+"/scrivania")
			Eval[bool](t, b, `(() => { document.querySelector('[data-testid="desk-row"] input[type=checkbox]').focus(); return true })()`)
			b.Press(t, " ")
			Eval[bool](t, b, `(() => { document.getElementById("assign-to").value = "CNTPLA80A12H501T"; return true })()`)
			b.Follow(t, `[data-testid="desk-assign"]`)
			checkPage(t, b, "it", http.StatusOK)
			if got := b.Text(t, `[data-testid="desk-notice"]`); !strings.Contains(got, "Pratiche assegnate: 1.") {
				t.Errorf("notice %q, want one assigned", got)
			}
		})
	}
}
