package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/db"
)

var campaignIDPattern = regexp.MustCompile(`/amministrazione/campagne/([0-9a-f-]{36})$`)

func campaignValues(tok string) url.Values {
	return url.Values{"_csrf": {tok}, "title": {"Chiusura uffici"}, "subject_it": {"Uffici chiusi venerdì 18 dicembre"},
		"body_it": {"Venerdì 18 dicembre gli uffici restano chiusi.\n\nI servizi online restano disponibili."},
		"segment": {"all"}}
}

func TestCampaigns_AdminWritesSchedulesAndWatchesACampaign(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	verdemare := tenantID(t, s, "verdemare")
	mario := s.Client(t)
	browsertest.LoginHTTP(t, mario, base, browsertest.MarioRossi, "/area-personale")
	sara := s.Client(t)
	desk := browsertest.LoginHTTP(t, sara, base, browsertest.SaraGreco, "/scrivania")
	if !strings.Contains(desk.Body, `href="/amministrazione/campagne"`) {
		t.Error("the desk has no link to the campaigns")
	}
	tok := desk.FirstPostForm(t).Values.Get("_csrf")

	list := browsertest.Get(t, sara, base+"/amministrazione/campagne")
	if list.Status != http.StatusOK || !strings.Contains(list.Body, `data-testid="campaigns-empty"`) {
		t.Fatalf("the list: %d\n%s", list.Status, list.Body)
	}
	form := browsertest.Get(t, sara, base+"/amministrazione/campagne/nuova")
	if form.Status != http.StatusOK || regexp.MustCompile(`id="campaign-segment-appointments"[^>]*disabled`).MatchString(form.Body) ||
		!strings.Contains(form.Body, `name="appointments_day"`) {
		t.Fatalf("the form, with the appointments of a day to choose: %d\n%s", form.Status, form.Body)
	}
	// The appointments of a day: a day that is not one is refused beside
	// its field, kept as typed.
	badDay := campaignValues(tok)
	badDay.Set("segment", "appointments")
	badDay.Set("appointments_day", "24 dicembre")
	refusedDay := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/nuova", badDay)
	if refusedDay.Status != http.StatusUnprocessableEntity || !strings.Contains(refusedDay.Body, `value="24 dicembre"`) ||
		!strings.Contains(refusedDay.Body, "Scrivi il giorno come 2026-12-24.") {
		t.Fatalf("appointments on a day that is not one: %d\n%s", refusedDay.Status, refusedDay.Body)
	}

	// Refused: 422 with a summary, messages by the fields, all kept.
	bad := campaignValues(tok)
	bad.Set("title", "")
	bad.Set("subject_it", "Breve")
	bad.Set("body_it", "Il testo resta <qui> com'era.")
	bad.Set("segment", "topic")
	refused := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/nuova", bad)
	if refused.Status != http.StatusUnprocessableEntity {
		t.Fatalf("an invalid campaign: %d, want 422", refused.Status)
	}
	for _, want := range []string{`data-testid="error-summary"`, `href="#campaign-title"`, `href="#campaign-subject-it"`,
		`href="#campaign-topic"`, `data-testid="form-error-title"`, `value="Breve"`, `Il testo resta &lt;qui&gt; com&#39;era.`,
		`id="campaign-segment-topic" name="segment" value="topic" checked`} {
		if !strings.Contains(refused.Body, want) {
			t.Errorf("the 422 page lacks %s", want)
		}
	}

	// Saved: the campaign's page says whom it reaches.
	created := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/nuova", campaignValues(tok))
	m := campaignIDPattern.FindStringSubmatch(created.URL.Path)
	if created.Status != http.StatusOK || m == nil || !strings.Contains(created.Body, `data-testid="campaign-notice"`) {
		t.Fatalf("after saving: %d at %s\n%s", created.Status, created.URL, created.Body)
	}
	id := m[1]
	var people int
	if err := db.InTenant(context.Background(), s.Pool, verdemare, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM people WHERE tenant_id = $1`, verdemare).Scan(&people)
	}); err != nil {
		t.Fatal(err)
	}
	if people == 0 || !regexp.MustCompile(`data-testid="campaign-reach">`+regexp.QuoteMeta(strconv.Itoa(people))+` persone: 0 per email`).MatchString(created.Body) {
		t.Errorf("the reach should count %d people, none by email (no consent to news):\n%s", people, created.Body)
	}

	// Edited: 422 keeps, then saved.
	tooLong := campaignValues(tok)
	tooLong.Set("subject_it", strings.Repeat("Lungo ", 30))
	if p := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/"+id+"/modifica", tooLong); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, "al massimo 120 caratteri") {
		t.Errorf("a subject too long: %d", p.Status)
	}
	edited := campaignValues(tok)
	edited.Set("title", "Chiusura straordinaria")
	if p := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/"+id+"/modifica", edited); p.Status != http.StatusOK ||
		!strings.Contains(p.Body, "<h1>Chiusura straordinaria</h1>") {
		t.Errorf("after editing: %d", p.Status)
	}

	// Scheduling: a wrong or past time is refused and kept.
	for typed, msg := range map[string]string{"domani": "2026-12-24 09:30", "2020-01-01T10:00": "già passate"} {
		p := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/"+id+"/programma", url.Values{"_csrf": {tok}, "when": {typed}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `value="`+typed+`"`) || !strings.Contains(p.Body, msg) ||
			!strings.Contains(p.Body, `href="#campaign-when"`) {
			t.Errorf("scheduling at %q: %d", typed, p.Status)
		}
	}
	// Now: the worker sends it, the page shows the progress.
	sent := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/"+id+"/programma", url.Values{"_csrf": {tok}, "when": {""}})
	if sent.Status != http.StatusOK {
		t.Fatalf("scheduling now: %d", sent.Status)
	}
	var page browsertest.Page
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		page = browsertest.Get(t, sara, base+"/amministrazione/campagne/"+id)
		if strings.Contains(page.Body, `data-status="done"`) {
			break
		}
	}
	if !strings.Contains(page.Body, `data-status="done"`) || !strings.Contains(page.Body, `<progress id="campaign-progress-bar"`) ||
		!strings.Contains(page.Body, strconv.Itoa(people)+" di "+strconv.Itoa(people)+" persone (100%)") {
		t.Fatalf("the campaign did not finish with its progress shown:\n%s", page.Body)
	}
	inbox := browsertest.Get(t, mario, base+"/area-personale")
	if !strings.Contains(inbox.Body, "Uffici chiusi venerdì 18 dicembre") {
		t.Error("Mario's inbox lacks the campaign's message")
	}
	if p := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/"+id+"/pausa", url.Values{"_csrf": {tok}}); p.Status != http.StatusConflict ||
		!strings.Contains(p.Body, `data-testid="campaign-error"`) {
		t.Errorf("pausing a finished campaign: %d, want 409", p.Status)
	}
	if p := browsertest.Get(t, sara, base+"/amministrazione/campagne"); !strings.Contains(p.Body, `data-campaign-id="`+id+`" data-status="done"`) {
		t.Error("the list does not show the campaign as done")
	}

	// A campaign scheduled for later can be cancelled, not paused.
	later := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/nuova", campaignValues(tok))
	laterID := campaignIDPattern.FindStringSubmatch(later.URL.Path)[1]
	when := time.Now().Add(48 * time.Hour).In(time.FixedZone("CET", 3600)).Format("2006-01-02T15:04")
	if p := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/"+laterID+"/programma", url.Values{"_csrf": {tok}, "when": {when}}); p.Status != http.StatusOK ||
		!strings.Contains(p.Body, `data-status="scheduled"`) || !strings.Contains(p.Body, `data-testid="campaign-cancel"`) ||
		strings.Contains(p.Body, `data-testid="campaign-pause"`) {
		t.Errorf("scheduled for later: %d", p.Status)
	}
	if p := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/"+laterID+"/pausa", url.Values{"_csrf": {tok}}); p.Status != http.StatusConflict {
		t.Errorf("pausing a scheduled campaign: %d", p.Status)
	}
	if p := browsertest.PostForm(t, sara, base+"/amministrazione/campagne/"+laterID+"/annulla", url.Values{"_csrf": {tok}}); p.Status != http.StatusOK ||
		!strings.Contains(p.Body, `data-status="cancelled"`) {
		t.Errorf("cancelling: %d", p.Status)
	}

	// Another comune's admin sees nothing; a clerk may not come in.
	roccasole := s.ComuneURL("roccasole")
	giorgio := s.Client(t)
	gp := browsertest.LoginHTTP(t, giorgio, roccasole, "giorgio-marino", "/scrivania")
	gtok := gp.FirstPostForm(t).Values.Get("_csrf")
	if p := browsertest.Get(t, giorgio, roccasole+"/amministrazione/campagne/"+id); p.Status != http.StatusNotFound {
		t.Errorf("Roccasole's admin opening Verdemare's campaign: %d, want 404", p.Status)
	}
	for _, action := range []string{"pausa", "riprendi", "annulla", "programma", "modifica"} {
		if p := browsertest.PostForm(t, giorgio, roccasole+"/amministrazione/campagne/"+laterID+"/"+action, url.Values{"_csrf": {gtok}}); p.Status != http.StatusNotFound {
			t.Errorf("Roccasole's admin posting %s: %d, want 404", action, p.Status)
		}
	}
	if p := browsertest.Get(t, giorgio, roccasole+"/amministrazione/campagne"); p.Status != http.StatusOK || strings.Contains(p.Body, id) {
		t.Errorf("Roccasole's list: %d, with Verdemare's campaign: %v", p.Status, strings.Contains(p.Body, id))
	}
	paolo := s.Client(t)
	browsertest.LoginHTTP(t, paolo, base, browsertest.PaoloConti, "/scrivania")
	if p := browsertest.Get(t, paolo, base+"/amministrazione/campagne"); p.Status != http.StatusForbidden {
		t.Errorf("a clerk on the campaigns: %d, want 403", p.Status)
	}
	if p := browsertest.Get(t, sara, base+"/amministrazione/campagne/00000000-0000-0000-0000-000000000000"); p.Status != http.StatusNotFound {
		t.Errorf("an unknown campaign: %d", p.Status)
	}
}
