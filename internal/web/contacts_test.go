package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/db"
)

// contactsWorld is a running Civica where Mario Rossi is logged in to
// Verdemare.
type contactsWorld struct {
	s      *browsertest.Server
	base   string
	tenant string
	c      *http.Client
	mario  string
}

func setupContacts(t *testing.T) contactsWorld {
	t.Helper()
	s := browsertest.Start(t)
	w := contactsWorld{s: s, base: s.ComuneURL("verdemare"), tenant: tenantID(t, s, "verdemare"), c: s.Client(t)}
	browsertest.LoginHTTP(t, w.c, w.base, browsertest.MarioRossi, "/area-personale")
	w.mario = personID(t, s, w.tenant, "RSSMRA85T10H501O")
	return w
}

// post posts values to path with the CSRF token of the page at from.
func (w contactsWorld) post(t *testing.T, from, path string, values url.Values) browsertest.Page {
	t.Helper()
	page := browsertest.Get(t, w.c, w.base+from)
	m := csrfField.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatalf("no CSRF token on %s (%d)", from, page.Status)
	}
	values.Set("_csrf", html.UnescapeString(m[1]))
	return browsertest.PostForm(t, w.c, w.base+path, values)
}

func wantStatus(t *testing.T, p browsertest.Page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d", p.URL, p.Status, status)
	}
}

func wantIn(t *testing.T, p browsertest.Page, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if !strings.Contains(p.Body, s) {
			t.Errorf("%s does not show %q", p.URL.Path, s)
		}
	}
}

func TestContactProfile_NeedsACitizen(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	p := browsertest.Get(t, s.Client(t), s.ComuneURL("verdemare")+"/area-personale/contatti")
	if strings.HasPrefix(p.URL.Path, "/area-personale/contatti") {
		t.Fatalf("an anonymous visitor sees the contacts page (%d at %s)", p.Status, p.URL)
	}
}

func TestContactProfile_Email(t *testing.T) {
	t.Parallel()
	w := setupContacts(t)
	personal := browsertest.Get(t, w.c, w.base+"/area-personale")
	wantIn(t, personal, `href="/area-personale/contatti" data-testid="personal-contacts"`)

	t.Run("invalid address: 422, kept, said beside the field", func(t *testing.T) {
		p := w.post(t, "/area-personale/contatti", "/area-personale/contatti/email", url.Values{"email": {"mario@@esempio"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantIn(t, p, `value="mario@@esempio"`, `data-testid="contact-email-error"`, `href="#contact-email"`,
			"Scrivi un indirizzo email valido", `aria-invalid="true"`)
	})

	var link string
	t.Run("a valid address gets a link; following it verifies it", func(t *testing.T) {
		p := w.post(t, "/area-personale/contatti", "/area-personale/contatti/email", url.Values{"email": {"mario@posta.it"}})
		wantStatus(t, p, http.StatusOK)
		wantIn(t, p, "Ti abbiamo inviato un link di conferma a mario@posta.it", `data-testid="contact-email-pending"`)
		var body string
		err := db.InTenant(context.Background(), w.s.Pool, w.tenant, func(tx pgx.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT body FROM email_messages WHERE to_address = 'mario@posta.it'`).Scan(&body)
		})
		if err != nil {
			t.Fatal(err)
		}
		link = regexp.MustCompile(`http\S+/area-personale/contatti/email/\S+`).FindString(body)
		if !strings.HasPrefix(link, w.base) {
			t.Fatalf("no link to %s in the email:\n%s", w.base, body)
		}
		p = browsertest.Get(t, w.c, link)
		wantStatus(t, p, http.StatusOK)
		wantIn(t, p, "Indirizzo email mario@posta.it confermato", `data-testid="contact-email-current"`)
	})

	t.Run("a used, forged or expired link: a clear page, nothing changed", func(t *testing.T) {
		p := browsertest.Get(t, w.c, link)
		wantStatus(t, p, http.StatusConflict)
		wantIn(t, p, "già stato usato")
		p = browsertest.Get(t, w.c, w.base+"/area-personale/contatti/email/forged")
		wantStatus(t, p, http.StatusNotFound)
		wantIn(t, p, "Non abbiamo cambiato nulla")
	})

	t.Run("a second request within a minute: 429", func(t *testing.T) {
		p := w.post(t, "/area-personale/contatti", "/area-personale/contatti/email", url.Values{"email": {"mario@altra.it"}})
		p = w.post(t, "/area-personale/contatti", "/area-personale/contatti/email", url.Values{"email": {"mario@terza.it"}})
		wantStatus(t, p, http.StatusTooManyRequests)
		wantIn(t, p, `value="mario@terza.it"`, "riprova tra")
	})
}

func TestContactProfile_PhoneAndLanguage(t *testing.T) {
	t.Parallel()
	w := setupContacts(t)
	const profile = "/area-personale/contatti"

	p := w.post(t, profile, profile+"/cellulare", url.Values{"phone": {"06 123"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantIn(t, p, `value="06 123"`, `data-testid="contact-phone-error"`, `href="#contact-phone"`)

	// A code with no number waiting: said beside the number.
	p = w.post(t, profile, profile+"/cellulare/codice", url.Values{"code": {"123456"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantIn(t, p, "Non c&#39;è un codice in attesa")

	p = w.post(t, profile, profile+"/cellulare", url.Values{"phone": {"333 1234567"}})
	wantStatus(t, p, http.StatusOK)
	wantIn(t, p, "+393331234567", `data-testid="contact-code-form"`, "tentativi rimasti: 5")
	// The code went out as an SMS delivery (kept in the outbox: no provider).
	var body string
	if err := db.InTenant(context.Background(), w.s.Pool, w.tenant, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT body FROM deliveries WHERE channel = 'sms' AND address = '+393331234567'
			ORDER BY created_at DESC LIMIT 1`).Scan(&body)
	}); err != nil {
		t.Fatalf("no SMS queued: %v", err)
	}
	code := regexp.MustCompile(`\d{6}`).FindString(body)
	wrong := "000000"
	if code == wrong {
		wrong = "999999"
	}
	p = w.post(t, profile, profile+"/cellulare/codice", url.Values{"code": {wrong}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantIn(t, p, "Il codice non è corretto. Tentativi rimasti: 4", `href="#contact-code"`, `data-testid="contact-code-error"`)

	p = w.post(t, profile, profile+"/cellulare/nuovo-codice", url.Values{})
	wantStatus(t, p, http.StatusTooManyRequests)
	wantIn(t, p, `href="#contact-code"`)

	p = w.post(t, profile, profile+"/cellulare/codice", url.Values{"code": {code}})
	wantStatus(t, p, http.StatusOK)
	wantIn(t, p, "Numero di cellulare confermato", `data-testid="contact-phone-current"`)
	if strings.Contains(p.Body, `data-testid="contact-code-form"`) {
		t.Error("the code form stays after the number was confirmed")
	}

	p = w.post(t, profile, profile+"/lingua", url.Values{"language": {"xx"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	p = w.post(t, profile, profile+"/lingua", url.Values{"language": {"en"}})
	wantStatus(t, p, http.StatusOK)
	wantIn(t, p, `<option value="en" selected>`)
}

func TestContactPreferences(t *testing.T) {
	t.Parallel()
	w := setupContacts(t)
	const prefs = "/area-personale/contatti/preferenze"
	all := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}

	p := browsertest.Get(t, w.c, w.base+prefs)
	wantStatus(t, p, http.StatusOK)
	wantIn(t, p, `<option value="sms" disabled>`, "SMS non disponibile", `data-testid="pref-inbox"`, `data-testid="consents-none"`,
		`name="topics"`)

	t.Run("an unverified channel: 422, kept", func(t *testing.T) {
		p := w.post(t, prefs, prefs, all("applications_1", "email", "applications_2", "sms"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantIn(t, p, `href="#pref-applications-1"`, "SMS non è disponibile", `data-testid="pref-error"`)
	})

	t.Run("news without consent: 422 beside the box", func(t *testing.T) {
		p := w.post(t, prefs, prefs, all("news_1", "email"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantIn(t, p, `data-testid="news-consent-error"`, `href="#news-consent"`)
	})

	t.Run("saved, with the consent in the history", func(t *testing.T) {
		p := w.post(t, prefs, prefs, all("applications_1", "email", "payments_1", "email", "news_1", "email", "news_consent", "yes"))
		wantStatus(t, p, http.StatusOK)
		wantIn(t, p, "Preferenze salvate", `data-testid="consent-row"`, "Notizie via email", `data-granted="true"`,
			"Acconsento a ricevere dal Comune notizie")
	})

	t.Run("topics", func(t *testing.T) {
		p := w.post(t, prefs, "/area-personale/contatti/argomenti", url.Values{"topics": {"no-such-topic"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantIn(t, p, `href="#topics"`)
		var slug string
		err := db.InTenant(context.Background(), w.s.Pool, w.tenant, func(tx pgx.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT slug FROM topics ORDER BY position LIMIT 1`).Scan(&slug)
		})
		if err != nil {
			t.Fatal(err)
		}
		p = w.post(t, prefs, "/area-personale/contatti/argomenti", url.Values{"topics": {slug}})
		wantStatus(t, p, http.StatusOK)
		wantIn(t, p, "Argomenti salvati", `value="`+slug+`" checked`)
	})

	t.Run("unsubscribe without login", func(t *testing.T) {
		var token string
		err := db.InTenant(context.Background(), w.s.Pool, w.tenant, func(tx pgx.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT unsubscribe_token FROM contact_profiles WHERE person_id = $1`, w.mario).Scan(&token)
		})
		if err != nil {
			t.Fatal(err)
		}
		anon := contactsWorld{s: w.s, base: w.base, c: w.s.Client(t)}
		p := browsertest.Get(t, anon.c, w.base+"/disiscrizione/forged")
		wantStatus(t, p, http.StatusNotFound)
		wantIn(t, p, "Non abbiamo cambiato nulla")
		p = browsertest.Get(t, anon.c, w.base+"/disiscrizione/"+token)
		wantStatus(t, p, http.StatusOK)
		wantIn(t, p, `data-testid="unsubscribe-form"`)
		// A mail client's one-click unsubscribe (RFC 8058): a bare POST, no
		// page, no CSRF token; the token in the URL is the authority.
		oneClick := w.s.Client(t)
		oneClick.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		res, err := oneClick.PostForm(w.base+"/disiscrizione/"+token, url.Values{"List-Unsubscribe": {"One-Click"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("one-click unsubscribe: %d, want 303", res.StatusCode)
		}
		forged, err := oneClick.PostForm(w.base+"/disiscrizione/forged", url.Values{"List-Unsubscribe": {"One-Click"}})
		if err != nil {
			t.Fatal(err)
		}
		forged.Body.Close()
		if forged.StatusCode != http.StatusNotFound {
			t.Errorf("one-click with a forged token: %d, want 404", forged.StatusCode)
		}
		p = anon.post(t, "/disiscrizione/"+token, "/disiscrizione/"+token, url.Values{})
		wantStatus(t, p, http.StatusOK)
		wantIn(t, p, `data-testid="unsubscribe-done"`)
		p = browsertest.Get(t, w.c, w.base+prefs)
		wantIn(t, p, "Notizie su ogni canale", "Non voglio più ricevere notizie", `data-granted="false"`)
		if strings.Contains(p.Body, `<option value="email" selected>`) && strings.Contains(p.Body, `id="pref-news-1" name="news_1"`) {
			news := p.Body[strings.Index(p.Body, `name="news_1"`):]
			news = news[:strings.Index(news, "</select>")]
			if strings.Contains(news, "selected>Email") || strings.Contains(news, `value="email" selected`) {
				t.Error("news by email still chosen after unsubscribing")
			}
		}
	})
}
