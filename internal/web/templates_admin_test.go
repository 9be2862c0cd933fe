package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/notify"
)

const (
	tplList       = "/amministrazione/modelli"
	tplInboxIt    = tplList + "/application.submitted/inbox/it"
	tplEmailIt    = tplList + "/application.submitted/email/it"
	tplSMSIt      = tplList + "/application.submitted/sms/it"
	tplIOIt       = tplList + "/application.submitted/io/it"
	saraGrecoCF   = "GRCSRA75P48H501B"
	saraGrecoMail = "sara.greco@example.it"
)

// tplPost posts the template form of path with values and the action.
func tplPost(t *testing.T, c *http.Client, base, path, action string, values url.Values) browsertest.Page {
	t.Helper()
	p := browsertest.Get(t, c, base+path)
	if p.Status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, p.Status)
	}
	form := formWithAction(t, p, path)
	for k, v := range values {
		form.Values[k] = v
	}
	form.Values.Set("action", action)
	return browsertest.PostForm(t, c, form.Action, form.Values)
}

func TestTemplatesAdmin_WhoMaySeeThem(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base, roccasole := s.ComuneURL("verdemare"), s.ComuneURL("roccasole")
	login := func(base, identity string) *http.Client {
		c := s.Client(t)
		browsertest.LoginHTTP(t, c, base, identity, "/")
		return c
	}
	sara := login(base, browsertest.SaraGreco)
	giorgio := login(roccasole, "giorgio-marino")
	for _, tc := range []struct {
		who    string
		c      *http.Client
		base   string
		path   string
		status int
	}{
		{"admin", sara, base, tplList, http.StatusOK},
		{"admin", sara, base, tplEmailIt, http.StatusOK},
		{"admin, unknown event", sara, base, tplList + "/application.nothing/email/it", http.StatusNotFound},
		{"admin, unknown channel", sara, base, tplList + "/application.submitted/fax/it", http.StatusNotFound},
		{"admin, unknown language", sara, base, tplList + "/application.submitted/email/de", http.StatusNotFound},
		{"office manager", login(base, "marco-gallo"), base, tplList, http.StatusForbidden},
		{"clerk", login(base, browsertest.PaoloConti), base, tplEmailIt, http.StatusForbidden},
		{"citizen", login(base, browsertest.MarioRossi), base, tplList, http.StatusForbidden},
		{"another comune's admin", giorgio, roccasole, tplList, http.StatusOK},
	} {
		if p := browsertest.Get(t, tc.c, tc.base+tc.path); p.Status != tc.status {
			t.Errorf("%s GET %s: %d, want %d", tc.who, tc.path, p.Status, tc.status)
		}
	}
	desk := browsertest.Get(t, sara, base+"/scrivania")
	mustContain(t, "the desk's admin links", desk.Body, `href="`+tplList+`"`)

	list := browsertest.Get(t, sara, base+tplList)
	mustContain(t, "list", list.Body, `data-testid="templates"`, `href="`+tplEmailIt+`"`, `href="`+tplList+`/payment.due/sms/en"`,
		"Pratica inviata", "Pagamento da effettuare", "App IO")
	if strings.Contains(list.Body, `data-custom="true"`) {
		t.Error("a fresh comune lists a template of its own")
	}

	// Verdemare's admin saves a version; Roccasole's still has the default.
	saved := tplPost(t, sara, base, tplEmailIt, "save", url.Values{"subject": {"Verdemare ha ricevuto {{.Reference}}"}})
	if saved.Status != http.StatusOK || saved.URL.Path != tplEmailIt {
		t.Fatalf("saving: %d at %s", saved.Status, saved.URL)
	}
	mustContain(t, "after saving", saved.Body, `data-testid="template-notice"`, `data-custom="true"`, "Verdemare ha ricevuto {{.Reference}}", saraGrecoCF)
	if l := browsertest.Get(t, sara, base+tplList); strings.Count(l.Body, `data-custom="true"`) != 1 {
		t.Errorf("Verdemare's list shows %d templates of its own, want 1", strings.Count(l.Body, `data-custom="true"`))
	}
	theirs := browsertest.Get(t, giorgio, roccasole+tplList)
	if strings.Contains(theirs.Body, `data-custom="true"`) {
		t.Error("Roccasole's list shows Verdemare's template as its own")
	}
	if e := browsertest.Get(t, giorgio, roccasole+tplEmailIt); strings.Contains(e.Body, "Verdemare ha ricevuto") {
		t.Error("Roccasole's editor shows Verdemare's text")
	}
}

func TestTemplatesAdmin_RefusalsPreviewSaveResetAndTest(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	tenant := tenantID(t, s, "verdemare")
	sara := s.Client(t)
	browsertest.LoginHTTP(t, sara, base, browsertest.SaraGreco, "/scrivania")
	mario := s.Client(t)
	browsertest.LoginHTTP(t, mario, base, browsertest.MarioRossi, "/area-personale")
	marioID := personID(t, s, tenant, "RSSMRA85T10H501O")
	saraID := personID(t, s, tenant, saraGrecoCF)
	ctx := context.Background()
	customs := func() int {
		return count(t, s, "verdemare", `SELECT count(*) FROM message_templates`)
	}

	t.Run("an unknown variable: 422 with the reason beside the field, the text kept", func(t *testing.T) {
		typed := "Gentile {{.Name}}, la pratica {{.Targa}} è arrivata."
		p := tplPost(t, sara, base, tplEmailIt, "save", url.Values{"body": {typed}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		mustContain(t, "refused", p.Body, `data-testid="error-summary"`, `href="#template-body"`, `id="template-body-error"`,
			"Variabile sconosciuta", "Targa", html.EscapeString(typed), `aria-invalid="true"`)
		if customs() != 0 {
			t.Error("a refused template was saved")
		}
	})
	t.Run("too long for an SMS: 422 with the lengths", func(t *testing.T) {
		typed := "Pratica {{.Reference}}: " + strings.Repeat("testo lungo ", 40)
		p := tplPost(t, sara, base, tplSMSIt, "save", url.Values{"body": {typed}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		mustContain(t, "refused", p.Body, `id="template-body-error"`, "Troppo lungo per un SMS", "al massimo 459", strings.TrimSpace(typed[:60]))
		if strings.Contains(p.Body, `id="template-subject"`) {
			t.Error("the SMS editor has a subject field")
		}
		if customs() != 0 {
			t.Error("a refused template was saved")
		}
	})
	t.Run("an App IO subject too short: 422 beside the subject", func(t *testing.T) {
		p := tplPost(t, sara, base, tplIOIt, "preview", url.Values{"subject": {"Ciao"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		mustContain(t, "refused", p.Body, `id="template-subject-error"`, `href="#template-subject"`, "almeno 10 caratteri")
	})
	t.Run("preview: rendered with the examples, not saved", func(t *testing.T) {
		p := tplPost(t, sara, base, tplSMSIt, "preview", url.Values{"body": {"Pratica {{.Reference}} ricevuta da {{.Comune}}."}})
		wantStatus(t, p, http.StatusOK)
		mustContain(t, "preview", p.Body, `data-testid="template-preview"`, "Pratica PR-7KXQ4M2W ricevuta da Comune di Sant&#39;Agata sul Santerno.",
			"SMS", "Pratica {{.Reference}} ricevuta da {{.Comune}}.")
		if customs() != 0 {
			t.Error("a preview saved the template")
		}
	})

	notifyMario := func(t *testing.T, key string) (inboxSubject, emailSubject string) {
		t.Helper()
		err := db.InTenant(ctx, s.Pool, tenant, func(tx pgx.Tx) error {
			if err := notify.Notify(ctx, tx, s.App.Jobs, notify.Notification{TenantID: tenant, PersonID: marioID,
				Kind: notify.KindApplications, Event: notify.EventApplicationSubmitted, IdempotencyKey: key,
				Vars: notify.Vars{Comune: "Comune di Verdemare", Reference: "PR-TEST0001", Service: "Segnalazione"}}); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT subject FROM inbox_messages WHERE tenant_id = $1 AND person_id = $2 AND dedup_key = $3`,
				tenant, marioID, key).Scan(&inboxSubject); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT subject FROM deliveries WHERE tenant_id = $1 AND message_key = $2 AND channel = 'email'`,
				tenant, key).Scan(&emailSubject)
		})
		if err != nil {
			t.Fatal(err)
		}
		return inboxSubject, emailSubject
	}

	t.Run("saved: the next notification of the event uses the comune's text; reset: the default again", func(t *testing.T) {
		_, defaultEmail := notifyMario(t, "before")
		for path, subject := range map[string]string{
			tplInboxIt: "Verdemare: ricevuta la pratica {{.Reference}}",
			tplEmailIt: "Verdemare conferma: pratica {{.Reference}}{{if .Protocol}} protocollo {{.Protocol}}{{end}}",
		} {
			p := tplPost(t, sara, base, path, "save", url.Values{"subject": {subject}})
			if p.Status != http.StatusOK || p.URL.Path != path || !strings.Contains(p.Body, `data-testid="template-notice"`) {
				t.Fatalf("saving %s: %d at %s", path, p.Status, p.URL)
			}
		}
		var by string
		inComune(t, s, "verdemare", func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT updated_by FROM message_templates WHERE event = 'application.submitted' AND channel = 'email'`).Scan(&by)
		})
		if by != saraGrecoCF {
			t.Errorf("saved by %q, want the admin's fiscal code", by)
		}
		inbox, email := notifyMario(t, "after-save")
		if inbox != "Verdemare: ricevuta la pratica PR-TEST0001" || email != "Verdemare conferma: pratica PR-TEST0001" {
			t.Errorf("after saving: inbox %q, email %q", inbox, email)
		}
		p := tplPost(t, sara, base, tplEmailIt, "reset", nil)
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `data-custom="false"`) || strings.Contains(p.Body, "Verdemare conferma") {
			t.Fatalf("after reset: %d, still the comune's text", p.Status)
		}
		if _, email := notifyMario(t, "after-reset"); email != defaultEmail {
			t.Errorf("after reset, the email says %q, want the default %q", email, defaultEmail)
		}
		if n := customs(); n != 1 {
			t.Errorf("%d templates of the comune after resetting one of two, want 1", n)
		}
	})

	t.Run("send me a test", func(t *testing.T) {
		p := tplPost(t, sara, base, tplEmailIt, "test", url.Values{"subject": {"Prova di {{.Comune}} per {{.Name}}"}})
		wantStatus(t, p, http.StatusOK)
		mustContain(t, "test sent", p.Body, `data-testid="template-notice"`, saraGrecoMail, "Prova di {{.Comune}} per {{.Name}}")
		var address, subject, event string
		inComune(t, s, "verdemare", func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT address, subject, event FROM deliveries WHERE person_id = $1 AND channel = 'email'`, saraID).
				Scan(&address, &subject, &event)
		})
		if address != saraGrecoMail || subject != "Prova di Comune di Sant'Agata sul Santerno per Maria Antonietta" {
			t.Errorf("the test went to %q with subject %q", address, subject)
		}
		if n := count(t, s, "verdemare", `SELECT count(*) FROM deliveries WHERE person_id = $1`, saraID); n != 1 {
			t.Errorf("%d deliveries to the admin, want 1", n)
		}
		if customs() != 1 {
			t.Error("a test send saved the template")
		}
		// the same test pressed again at once is not sent twice
		tplPost(t, sara, base, tplEmailIt, "test", url.Values{"subject": {"Prova di {{.Comune}} per {{.Name}}"}})
		if n := count(t, s, "verdemare", `SELECT count(*) FROM deliveries WHERE person_id = $1`, saraID); n > 2 {
			t.Errorf("%d deliveries after pressing twice", n)
		}

		in := tplPost(t, sara, base, tplInboxIt, "test", nil)
		wantStatus(t, in, http.StatusOK)
		if n := count(t, s, "verdemare", `SELECT count(*) FROM inbox_messages WHERE person_id = $1 AND subject LIKE 'Verdemare: ricevuta la pratica PR-7KXQ4M2W'`, saraID); n != 1 {
			t.Errorf("%d test messages in the admin's inbox, want 1", n)
		}

		for _, path := range []string{tplSMSIt, tplIOIt} {
			p := tplPost(t, sara, base, path, "test", nil)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			mustContain(t, path, p.Body, `data-testid="template-problem"`)
		}
		if n := count(t, s, "verdemare", `SELECT count(*) FROM deliveries WHERE person_id = $1 AND channel IN ('sms', 'io')`, saraID); n != 0 {
			t.Errorf("%d SMS or IO tests queued to an admin without a phone or App IO", n)
		}
	})
}

func TestContactProfile_CheckAppIOAgain(t *testing.T) {
	t.Parallel()
	w := setupContacts(t)
	page := browsertest.Get(t, w.c, w.base+"/area-personale/contatti")
	wantIn(t, page, `data-testid="contact-io-check"`, `action="/area-personale/contatti/app-io"`)
	if strings.Contains(page.Body, `data-testid="contact-io-checking"`) {
		t.Fatal("a check is shown running before anyone asked")
	}
	// The check may run (and finish) at once: the page says either that it
	// is being checked or its result.
	p := w.post(t, "/area-personale/contatti", "/area-personale/contatti/app-io", url.Values{})
	wantStatus(t, p, http.StatusOK)
	wantIn(t, p, `data-testid="contacts-notice"`)
	again := w.post(t, "/area-personale/contatti", "/area-personale/contatti/app-io", url.Values{})
	if again.Status != http.StatusTooManyRequests && again.Status != http.StatusOK {
		t.Fatalf("asking again at once: %d", again.Status)
	}
	if again.Status == http.StatusTooManyRequests {
		wantIn(t, again, `data-testid="contact-io-error"`, `href="#contact-io-check"`)
	}
	waitFor(t, "the App IO check", func() bool {
		return count(t, w.s, "verdemare", `SELECT count(*) FROM contact_profiles WHERE person_id = $1 AND io_checked_at IS NOT NULL`, w.mario) == 1
	})
	// No IO configured in tests: not available.
	done := browsertest.Get(t, w.c, w.base+"/area-personale/contatti")
	wantIn(t, done, `data-status="not_available"`)
	if n := count(t, w.s, "verdemare", `SELECT count(*) FROM river_job WHERE kind = 'io_profile_check'`); n < 1 || n > 2 {
		t.Errorf("%d checks queued for two presses, want 1 (2 only across a minute's turn)", n)
	}
	// a check waiting to run: the page says it is being checked
	ctx := context.Background()
	if _, err := w.s.Pool.Exec(ctx, `DELETE FROM river_job WHERE kind = 'io_profile_check'`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.App.Jobs.Insert(ctx, notify.IOCheckArgs{TenantID: w.tenant, PersonID: w.mario},
		&river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	waiting := browsertest.Get(t, w.c, w.base+"/area-personale/contatti")
	wantIn(t, waiting, `data-testid="contact-io-checking"`)
	// without the CSRF token, nothing
	bad := browsertest.PostForm(t, w.c, w.base+"/area-personale/contatti/app-io", url.Values{})
	if bad.Status != http.StatusForbidden {
		t.Errorf("a post without CSRF token: %d, want 403", bad.Status)
	}
}
