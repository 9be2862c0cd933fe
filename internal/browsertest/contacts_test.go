package browsertest

import (
	"context"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
)

// TestContactsInBrowser opens the contact profile, the preferences and the
// unsubscribe page in Chromium, with JavaScript on and off, in Italian and
// English, and checks them as every page is checked (checkPage: one h1,
// skip link, axe, clean console), including a form sent back (422).
func TestContactsInBrowser(t *testing.T) {
	t.Parallel()
	s := Start(t)
	ctx := context.Background()
	base := s.ComuneURL("verdemare")
	var tenantID string
	if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = 'verdemare'`).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	LoginHTTP(t, s.Client(t), base, MarioRossi, "/area-personale") // Mario exists from now on
	// Mario's profile, with the token of his unsubscribe link.
	var mario, token string
	if err := db.InTenant(ctx, s.Pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM people WHERE fiscal_code = 'RSSMRA85T10H501O'`).Scan(&mario)
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.InTenant(ctx, s.Pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO contact_profiles (tenant_id, person_id) VALUES ($1, $2) RETURNING unsubscribe_token`,
			tenantID, mario).Scan(&token)
	}); err != nil {
		t.Fatal(err)
	}

	for _, js := range []bool{true, false} {
		for _, lang := range []string{"it", "en"} {
			name := lang + "-js"
			opts := []Option{WithLanguage(lang)}
			if !js {
				name = lang + "-nojs"
				opts = append(opts, WithoutJavaScript())
			}
			t.Run(name, func(t *testing.T) {
				b := NewBrowser(t, opts...)
				b.LogIn(t, base, MarioRossi)
				t.Run("profile", func(t *testing.T) {
					b.Visit(t, base+"/area-personale")
					b.Follow(t, `[data-testid="personal-contacts"]`)
					checkPage(t, b, lang, http.StatusOK)
				})
				t.Run("profile-invalid-phone", func(t *testing.T) {
					b.Visit(t, base+"/area-personale/contatti")
					b.Follow(t, `[data-testid="contact-phone-submit"]`) // empty number
					checkPage(t, b, lang, http.StatusUnprocessableEntity)
					if n := b.Count(t, `[data-testid="error-summary"] a[href="#contact-phone"]`); n != 1 {
						t.Errorf("%d links to the number in the error summary, want 1", n)
					}
				})
				t.Run("preferences", func(t *testing.T) {
					b.Visit(t, base+"/area-personale/contatti")
					b.Follow(t, `[data-testid="contact-preferences-link"]`)
					checkPage(t, b, lang, http.StatusOK)
				})
				t.Run("preferences-without-consent", func(t *testing.T) {
					b.Visit(t, base+"/area-personale/contatti/preferenze")
					Eval[bool](t, b, `(() => { const s = document.getElementById('pref-news-1'); s.value = 'email'; return true })()`)
					b.Follow(t, `[data-testid="preferences-submit"]`)
					checkPage(t, b, lang, http.StatusUnprocessableEntity)
					if n := b.Count(t, `[data-testid="news-consent-error"]`); n != 1 {
						t.Errorf("%d consent errors, want 1", n)
					}
				})
				t.Run("unsubscribe", func(t *testing.T) {
					b.Visit(t, base+"/disiscrizione/"+token)
					checkPage(t, b, lang, http.StatusOK)
					b.Follow(t, `[data-testid="unsubscribe-submit"]`)
					checkPage(t, b, lang, http.StatusOK)
					if n := b.Count(t, `[data-testid="unsubscribe-done"]`); n != 1 {
						t.Error("the unsubscription is not confirmed")
					}
				})
				t.Run("unsubscribe-invalid", func(t *testing.T) {
					b.Visit(t, base+"/disiscrizione/not-a-token")
					checkPage(t, b, lang, http.StatusNotFound)
				})
			})
		}
	}
}
