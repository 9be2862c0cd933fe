package web_test

import (
	"context"
	"crypto/rand"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/db"
)

// bookingWorld is a running Civica with a booking service of its own on
// the same database, to set desks up and to book behind a person's back.
type bookingWorld struct {
	s      *browsertest.Server
	base   string
	tenant string
	svc    *booking.Service
}

func setupBooking(t *testing.T) bookingWorld {
	t.Helper()
	s := browsertest.Start(t)
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	return bookingWorld{s: s, base: s.ComuneURL("verdemare"), tenant: tenantID(t, s, "verdemare"),
		svc: booking.New(s.Pool, s.App.Jobs, booking.Config{Secret: secret})}
}

// allWeek opens every day from from to to (minutes after midnight).
func allWeek(from, to booking.Clock) [7][]booking.Range {
	var h [7][]booking.Range
	for i := range h {
		h[i] = []booking.Range{{Start: from, End: to}}
	}
	return h
}

// desk saves a desk of the Anagrafe office for the CIE, open every day
// all day, with no notice; edit changes it.
func (w bookingWorld) desk(t *testing.T, slug string, edit func(*booking.Desk)) booking.Desk {
	t.Helper()
	d := booking.Desk{Slug: slug, Office: "anagrafe", Name: "Sportello di prova " + slug, Location: "Piano terra",
		Services: []string{"carta-identita-elettronica", "cambio-residenza"}, Modes: []booking.Mode{booking.ModeInPerson},
		Hours: allWeek(0, 24*60), SlotMinutes: 30, Capacity: 1, HorizonDays: 30, Active: true}
	if edit != nil {
		edit(&d)
	}
	if err := w.svc.SaveDesk(context.Background(), w.tenant, d); err != nil {
		t.Fatalf("save desk %s: %v", slug, err)
	}
	return d
}

// firstSlots are the first n free starts of a desk from today.
func (w bookingWorld) firstSlots(t *testing.T, desk string, mode booking.Mode, n int) []time.Time {
	t.Helper()
	now := time.Now().In(booking.Rome)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, booking.Rome)
	days, err := w.svc.FreeSlots(context.Background(), w.tenant, desk, mode, today, today.AddDate(0, 0, 3))
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for _, d := range days {
		for _, s := range d.Slots {
			if len(out) < n {
				out = append(out, s.Start)
			}
		}
	}
	if len(out) < n {
		t.Fatalf("desk %s has %d free slots, want %d", desk, len(out), n)
	}
	return out
}

var (
	slotValue   = regexp.MustCompile(`name="slot" value="([^"]+)"`)
	keyField    = regexp.MustCompile(`name="key" value="([^"]+)"`)
	referenceIn = regexp.MustCompile(`data-testid="booking-reference">([A-Z0-9-]+)<`)
	manageLink  = regexp.MustCompile(`href="(/appuntamenti/gestisci/[^"]+)" data-testid="booking-manage"`)
)

func find(t *testing.T, re *regexp.Regexp, p browsertest.Page) string {
	t.Helper()
	m := re.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("%s (%d): nothing matches %s", p.URL, p.Status, re)
	}
	return html.UnescapeString(m[1])
}

// send posts values to path with the CSRF token of page (the client's).
func (w bookingWorld) send(t *testing.T, c *http.Client, from browsertest.Page, path string, values url.Values) browsertest.Page {
	t.Helper()
	if m := csrfField.FindStringSubmatch(from.Body); m != nil {
		values.Set("_csrf", html.UnescapeString(m[1]))
	} else { // a page without a form: the token is the client's, any form has it
		values.Set("_csrf", find(t, csrfField, browsertest.Get(t, c, w.base+"/segnalazione-disservizio")))
	}
	return browsertest.PostForm(t, c, w.base+path, values)
}

func wantPath(t *testing.T, p browsertest.Page, path string) {
	t.Helper()
	if p.URL.Path != path {
		t.Fatalf("at %s (%d), want %s:\n%s", p.URL, p.Status, path, p.Body)
	}
}

// toSummary walks a logged-in person from the service card's link to the
// summary, choosing slot (the first one shown when zero) and writing note.
func (w bookingWorld) toSummary(t *testing.T, c *http.Client, desk string, slot time.Time, note string) browsertest.Page {
	t.Helper()
	p := browsertest.Get(t, c, w.base+"/prenota?servizio=carta-identita-elettronica")
	wantStatus(t, p, http.StatusOK)
	wantIn(t, p, `value="`+desk+`"`, `data-testid="booking-service-filter"`)
	p = w.send(t, c, p, "/prenota", url.Values{"desk": {desk}, "mode": {"in_person"}})
	wantPath(t, p, "/prenota/data")
	v := slot.Format(time.RFC3339)
	if slot.IsZero() {
		v = find(t, slotValue, p)
	}
	p = w.send(t, c, p, "/prenota/data", url.Values{"slot": {v}})
	wantPath(t, p, "/prenota/motivo")
	wantIn(t, p, `<option value="carta-identita-elettronica" selected>`)
	p = w.send(t, c, p, "/prenota/motivo", url.Values{"service": {"carta-identita-elettronica"}, "note": {note}})
	wantPath(t, p, "/prenota/richiedente")
	wantIn(t, p, `value="Mario Rossi"`, "RSSMRA85T10H501O", "readonly")
	p = w.send(t, c, p, "/prenota/richiedente", url.Values{"email": {"mario@esempio.it"}, "phone": {""}})
	wantPath(t, p, "/prenota/riepilogo")
	return p
}

func TestBooking_LoggedInFlow(t *testing.T) {
	t.Parallel()
	w := setupBooking(t)
	w.desk(t, "prova-cie", func(d *booking.Desk) { d.MinNoticeHours = 48 }) // beyond the cut-off
	c := w.s.Client(t)
	browsertest.LoginHTTP(t, c, w.base, browsertest.MarioRossi, "/area-personale")

	t.Run("a step reached too early goes to the first one missing", func(t *testing.T) {
		c := w.s.Client(t)
		browsertest.LoginHTTP(t, c, w.base, browsertest.MarioRossi, "/area-personale")
		for _, path := range []string{"/prenota/data", "/prenota/motivo", "/prenota/richiedente", "/prenota/riepilogo"} {
			if p := browsertest.Get(t, c, w.base+path); p.URL.Path != "/prenota" {
				t.Errorf("%s went to %s, want /prenota", path, p.URL.Path)
			}
		}
	})

	t.Run("no desk or no time chosen: 422 beside the field", func(t *testing.T) {
		c := w.s.Client(t)
		browsertest.LoginHTTP(t, c, w.base, browsertest.MarioRossi, "/area-personale")
		p := browsertest.Get(t, c, w.base+"/prenota")
		p = w.send(t, c, p, "/prenota", url.Values{})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantIn(t, p, "Scegli lo sportello", `href="#desk"`, `data-testid="desk-error"`)
		p = w.send(t, c, p, "/prenota", url.Values{"desk": {"prova-cie"}})
		wantPath(t, p, "/prenota/data")
		p = w.send(t, c, p, "/prenota/data", url.Values{})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantIn(t, p, "Scegli un giorno e un orario", `data-testid="error-summary"`, `data-testid="slot-error"`, `name="slot"`)
	})

	t.Run("from an application: its service and reference, for its owner only", func(t *testing.T) {
		d, err := w.s.App.Applications.StartDraft(context.Background(), w.tenant, personID(t, w.s, w.tenant, "RSSMRA85T10H501O"),
			"cambio-residenza", "it")
		if err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{browsertest.MarioRossi, "giulia-bianchi"} {
			c := w.s.Client(t)
			browsertest.LoginHTTP(t, c, w.base, who, "/area-personale")
			p := browsertest.Get(t, c, w.base+"/prenota?servizio=carta-identita-elettronica&pratica="+d.Reference)
			p = w.send(t, c, p, "/prenota", url.Values{"desk": {"prova-cie"}})
			p = w.send(t, c, p, "/prenota/data", url.Values{"slot": {find(t, slotValue, p)}})
			wantPath(t, p, "/prenota/motivo")
			mine := strings.Contains(p.Body, d.Reference) && strings.Contains(p.Body, `<option value="cambio-residenza" selected>`)
			if mine != (who == browsertest.MarioRossi) {
				t.Errorf("%s: the application %s shown: %v", who, d.Reference, mine)
			}
		}
	})

	p := w.toSummary(t, c, "prova-cie", time.Time{}, "Porto la vecchia carta")
	wantIn(t, p, "Porto la vecchia carta", "Mario Rossi", "mario@esempio.it", "Sportello di prova prova-cie", "Conferma")
	key := find(t, keyField, p)
	done := w.send(t, c, p, "/prenota/riepilogo", url.Values{"key": {key}})
	wantPath(t, done, "/prenota/conferma")
	ref := find(t, referenceIn, done)
	wantIn(t, done, `data-testid="booking-ics"`, `href="/area-personale/appuntamenti"`, `href="/area-personale/appuntamenti/`+ref+`"`)

	t.Run("sending the summary twice books once", func(t *testing.T) {
		again := w.send(t, c, p, "/prenota/riepilogo", url.Values{"key": {key}})
		wantPath(t, again, "/prenota/conferma")
		if got := find(t, referenceIn, again); got != ref {
			t.Errorf("second submit shows %s, want %s", got, ref)
		}
		list, err := w.svc.ForPerson(context.Background(), w.tenant, personID(t, w.s, w.tenant, "RSSMRA85T10H501O"))
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Errorf("%d appointments after two submits, want 1", len(list))
		}
	})

	t.Run("the iCalendar file", func(t *testing.T) {
		res, err := c.Get(w.base + "/area-personale/appuntamenti/" + ref + "/calendario.ics")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
			t.Errorf("Content-Disposition %q", cd)
		}
		if !strings.HasPrefix(string(body), "BEGIN:VCALENDAR\r\n") || !strings.Contains(string(body), ref) {
			t.Errorf("body is not the appointment's calendar:\n%s", body)
		}
	})

	t.Run("the personal area lists it; another person cannot see it", func(t *testing.T) {
		p := browsertest.Get(t, c, w.base+"/area-personale")
		wantIn(t, p, `data-testid="personal-appointments"`)
		p = browsertest.Get(t, c, w.base+"/area-personale/appuntamenti")
		wantStatus(t, p, http.StatusOK)
		wantIn(t, p, `data-testid="appointments-coming"`, `data-reference="`+ref+`"`, "Prenotato")
		other := w.s.Client(t)
		browsertest.LoginHTTP(t, other, w.base, "giulia-bianchi", "/area-personale")
		for _, path := range []string{"", "/calendario.ics", "/annulla", "/sposta"} {
			if p := browsertest.Get(t, other, w.base+"/area-personale/appuntamenti/"+ref+path); p.Status != http.StatusNotFound {
				t.Errorf("another person gets %d at %s, want 404", p.Status, path)
			}
		}
		// Another comune's portal does not know it either.
		roccasole := w.s.Client(t)
		browsertest.LoginHTTP(t, roccasole, w.s.ComuneURL("roccasole"), browsertest.MarioRossi, "/area-personale")
		if p := browsertest.Get(t, roccasole, w.s.ComuneURL("roccasole")+"/area-personale/appuntamenti/"+ref); p.Status != http.StatusNotFound {
			t.Errorf("another comune answers %d, want 404", p.Status)
		}
	})

	t.Run("move, then cancel with a confirmation", func(t *testing.T) {
		detail := browsertest.Get(t, c, w.base+"/area-personale/appuntamenti/"+ref)
		wantIn(t, detail, `data-testid="appointment-move"`, `data-testid="appointment-cancel"`, "fino a 24 ore prima")
		move := browsertest.Get(t, c, w.base+"/area-personale/appuntamenti/"+ref+"/sposta?dal="+time.Now().AddDate(0, 0, 3).Format(time.DateOnly))
		wantStatus(t, move, http.StatusOK)
		slot := find(t, slotValue, move)
		p := w.send(t, c, move, "/area-personale/appuntamenti/"+ref+"/sposta", url.Values{"slot": {slot}})
		wantPath(t, p, "/area-personale/appuntamenti/"+ref)
		wantIn(t, p, "Appuntamento spostato", `data-testid="appointment-notice"`)
		a, err := w.svc.Get(context.Background(), w.tenant, ref)
		if err != nil {
			t.Fatal(err)
		}
		if a.Start.Format(time.RFC3339) != slot {
			t.Errorf("moved to %s, want %s", a.Start, slot)
		}
		confirm := browsertest.Get(t, c, w.base+"/area-personale/appuntamenti/"+ref+"/annulla")
		wantIn(t, confirm, `data-testid="appointment-cancel-confirm"`)
		p = w.send(t, c, confirm, "/area-personale/appuntamenti/"+ref+"/annulla", url.Values{})
		wantPath(t, p, "/area-personale/appuntamenti/"+ref)
		wantIn(t, p, `data-status="cancelled"`, "annullato")
		p = browsertest.Get(t, c, w.base+"/area-personale/appuntamenti")
		wantIn(t, p, `data-testid="appointments-past"`, `data-testid="appointments-none"`)
	})
}

func TestBooking_JustTakenKeepsEverythingElse(t *testing.T) {
	t.Parallel()
	w := setupBooking(t)
	w.desk(t, "prova-presa", nil)
	c := w.s.Client(t)
	browsertest.LoginHTTP(t, c, w.base, browsertest.MarioRossi, "/area-personale")
	slot := w.firstSlots(t, "prova-presa", booking.ModeInPerson, 1)[0]
	summary := w.toSummary(t, c, "prova-presa", slot, "Nota da non perdere")

	// Someone else books the same slot meanwhile.
	if _, err := w.svc.Book(context.Background(), w.tenant, booking.Request{DeskSlug: "prova-presa", Start: slot, Mode: booking.ModeInPerson,
		Name: "Altra Persona", Email: "altra@esempio.it", IdempotencyKey: "behind-the-back"}); err != nil {
		t.Fatal(err)
	}
	p := w.send(t, c, summary, "/prenota/riepilogo", url.Values{"key": {find(t, keyField, summary)}})
	wantPath(t, p, "/prenota/data")
	wantIn(t, p, "Questo orario è appena stato prenotato da qualcun altro", `data-testid="booking-nearest"`)
	if strings.Contains(p.Body, `value="`+slot.Format(time.RFC3339)+`"`) {
		t.Error("the slot taken is still offered")
	}
	p = w.send(t, c, p, "/prenota/data", url.Values{"slot": {find(t, slotValue, p)}})
	wantPath(t, p, "/prenota/riepilogo")
	wantIn(t, p, "Nota da non perdere", "mario@esempio.it")
	p = w.send(t, c, p, "/prenota/riepilogo", url.Values{"key": {find(t, keyField, p)}})
	wantPath(t, p, "/prenota/conferma")
}

func TestBooking_GuestFlow(t *testing.T) {
	t.Parallel()
	w := setupBooking(t)
	w.desk(t, "prova-ospiti", func(d *booking.Desk) { d.MinNoticeHours = 48 })
	ctx := context.Background()

	// toApplicant brings a new guest to the applicant step.
	toApplicant := func(t *testing.T) (*http.Client, browsertest.Page) {
		c := w.s.Client(t)
		p := browsertest.Get(t, c, w.base+"/prenota")
		p = w.send(t, c, p, "/prenota", url.Values{"desk": {"prova-ospiti"}})
		p = w.send(t, c, p, "/prenota/data", url.Values{"slot": {find(t, slotValue, p)}})
		p = w.send(t, c, p, "/prenota/motivo", url.Values{"service": {""}, "note": {"Informazioni"}})
		wantPath(t, p, "/prenota/richiedente")
		return c, p
	}
	code := func(t *testing.T, email string) string {
		t.Helper()
		var body string
		err := db.InTenant(ctx, w.s.Pool, w.tenant, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT body FROM email_messages WHERE to_address = $1 ORDER BY created_at DESC LIMIT 1`, email).Scan(&body)
		})
		if err != nil {
			t.Fatalf("no email to %s: %v", email, err)
		}
		m := regexp.MustCompile(`\b\d{6}\b`).FindString(body)
		if m == "" {
			t.Fatalf("no code in the email:\n%s", body)
		}
		return m
	}

	var manage string
	t.Run("email check, then booking", func(t *testing.T) {
		c, p := toApplicant(t)
		wantIn(t, p, `id="name"`, `id="email"`, `data-testid="booking-login"`)
		p = w.send(t, c, p, "/prenota/richiedente", url.Values{"name": {"Ospite Prova"}, "email": {"ospite@@esempio"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantIn(t, p, "Scrivi un indirizzo email valido", `value="ospite@@esempio"`, `value="Ospite Prova"`, `href="#email"`)
		p = w.send(t, c, p, "/prenota/richiedente", url.Values{"name": {"Ospite Prova"}, "email": {"ospite@esempio.it"}})
		wantPath(t, p, "/prenota/verifica")
		wantIn(t, p, "ospite@esempio.it")
		// The summary is not reachable before the code.
		if q := browsertest.Get(t, c, w.base+"/prenota/riepilogo"); q.URL.Path != "/prenota/verifica" {
			t.Errorf("summary before the code went to %s", q.URL.Path)
		}
		right := code(t, "ospite@esempio.it")
		wrong := "000000"
		if right == wrong {
			wrong = "111111"
		}
		p = w.send(t, c, p, "/prenota/verifica", url.Values{"code": {wrong}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantIn(t, p, "Il codice non è corretto (tentativi rimasti: 4)", `data-testid="code-error"`)
		p = w.send(t, c, p, "/prenota/verifica", url.Values{"code": {right}})
		wantPath(t, p, "/prenota/riepilogo")
		wantIn(t, p, "Ospite Prova", "ospite@esempio.it", "Informazioni")
		p = w.send(t, c, p, "/prenota/riepilogo", url.Values{"key": {find(t, keyField, p)}})
		wantPath(t, p, "/prenota/conferma")
		manage = find(t, manageLink, p)
		wantIn(t, p, `href="`+html.EscapeString(manage)+`/calendario.ics"`)
		if strings.Contains(p.Body, `data-testid="booking-list"`) {
			t.Error("a guest is offered the personal area's list")
		}
	})

	t.Run("too many wrong codes", func(t *testing.T) {
		c, p := toApplicant(t)
		p = w.send(t, c, p, "/prenota/richiedente", url.Values{"name": {"Altro Ospite"}, "email": {"altro@esempio.it"}})
		wantPath(t, p, "/prenota/verifica")
		right := code(t, "altro@esempio.it")
		wrong := "000000"
		if right == wrong {
			wrong = "111111"
		}
		for range booking.GuestCodeAttempts {
			p = w.send(t, c, p, "/prenota/verifica", url.Values{"code": {wrong}})
			wantStatus(t, p, http.StatusUnprocessableEntity)
		}
		wantIn(t, p, "troppe volte")
		p = w.send(t, c, p, "/prenota/verifica", url.Values{"code": {right}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantIn(t, p, "troppe volte")
	})

	t.Run("the manage link; a forged one changes nothing", func(t *testing.T) {
		if manage == "" {
			t.Skip("no booking")
		}
		c := w.s.Client(t)
		p := browsertest.Get(t, c, w.base+manage)
		wantStatus(t, p, http.StatusOK)
		wantIn(t, p, `data-testid="appointment-cancel"`, "Ospite Prova")
		// The link the booking's messages carry opens the same page.
		alias := browsertest.Get(t, c, w.base+booking.ManagePath(strings.TrimPrefix(manage, "/appuntamenti/gestisci/")))
		wantStatus(t, alias, http.StatusOK)
		wantIn(t, alias, "Ospite Prova")
		forged := manage[:len(manage)-2] + "xx"
		for _, bad := range []string{"/appuntamenti/gestisci/forged", forged, forged + "/annulla"} {
			q := browsertest.Get(t, c, w.base+bad)
			wantStatus(t, q, http.StatusNotFound)
			wantIn(t, q, "Il link non è valido o è scaduto")
		}
		q := w.send(t, c, p, forged+"/annulla", url.Values{})
		wantStatus(t, q, http.StatusNotFound)
		ref := strings.SplitN(strings.TrimPrefix(manage, "/appuntamenti/gestisci/"), ".", 2)[0]
		if a, err := w.svc.Get(ctx, w.tenant, ref); err != nil || a.Status != booking.StatusBooked {
			t.Fatalf("after a forged link: %v %s", err, a.Status)
		}
		confirm := browsertest.Get(t, c, w.base+manage+"/annulla")
		p = w.send(t, c, confirm, manage+"/annulla", url.Values{})
		wantPath(t, p, manage)
		wantIn(t, p, `data-status="cancelled"`)
	})

	t.Run("a comune that takes no guests asks to log in", func(t *testing.T) {
		st, err := w.svc.Settings(ctx, w.tenant)
		if err != nil {
			t.Fatal(err)
		}
		st.GuestsAllowed = false
		if err := w.svc.SaveSettings(ctx, w.tenant, st); err != nil {
			t.Fatal(err)
		}
		c, p := toApplicant(t)
		wantIn(t, p, `data-testid="booking-login-required"`, `href="/accedi?next=%2Fprenota%2Frichiedente"`)
		p = w.send(t, c, p, "/prenota/richiedente", url.Values{"name": {"X"}, "email": {"x@esempio.it"}})
		wantPath(t, p, "/accedi")
	})
}

func TestBooking_CutOffRefusesChanges(t *testing.T) {
	t.Parallel()
	w := setupBooking(t)
	w.desk(t, "prova-vicina", nil)
	c := w.s.Client(t)
	browsertest.LoginHTTP(t, c, w.base, browsertest.MarioRossi, "/area-personale")
	slot := w.firstSlots(t, "prova-vicina", booking.ModeInPerson, 1)[0] // within the hour: inside the 24-hour cut-off
	a, err := w.svc.Book(context.Background(), w.tenant, booking.Request{DeskSlug: "prova-vicina", Start: slot, Mode: booking.ModeInPerson,
		PersonID: personID(t, w.s, w.tenant, "RSSMRA85T10H501O"), Name: "Mario Rossi", FiscalCode: "RSSMRA85T10H501O", IdempotencyKey: "cutoff"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/area-personale/appuntamenti/" + a.Reference
	p := browsertest.Get(t, c, w.base+path)
	wantStatus(t, p, http.StatusOK)
	wantIn(t, p, "Puoi annullare o spostare fino a 24 ore prima", `data-testid="appointment-rule"`)
	if strings.Contains(p.Body, `data-testid="appointment-cancel"`) || strings.Contains(p.Body, `data-testid="appointment-move"`) {
		t.Error("move and cancel are offered after the cut-off")
	}
	q := w.send(t, c, p, path+"/annulla", url.Values{})
	wantStatus(t, q, http.StatusUnprocessableEntity)
	wantIn(t, q, "Puoi annullare o spostare fino a 24 ore prima", `data-testid="appointment-problem"`)
	later := w.firstSlots(t, "prova-vicina", booking.ModeInPerson, 10)[9]
	q = w.send(t, c, p, path+"/sposta", url.Values{"slot": {later.Format(time.RFC3339)}})
	wantStatus(t, q, http.StatusUnprocessableEntity)
	wantIn(t, q, "Puoi annullare o spostare fino a 24 ore prima")
	if got, err := w.svc.Get(context.Background(), w.tenant, a.Reference); err != nil || got.Status != booking.StatusBooked || !got.Start.Equal(slot) {
		t.Errorf("after refused changes: %v %s %s", err, got.Status, got.Start)
	}
}

func TestBooking_WaitingRoom(t *testing.T) {
	t.Parallel()
	w := setupBooking(t)
	w.desk(t, "prova-video", func(d *booking.Desk) {
		d.Modes, d.SlotMinutes = []booking.Mode{booking.ModeVideo}, 5
	})
	c := w.s.Client(t)
	browsertest.LoginHTTP(t, c, w.base, browsertest.MarioRossi, "/area-personale")
	mario := personID(t, w.s, w.tenant, "RSSMRA85T10H501O")
	slots := w.firstSlots(t, "prova-video", booking.ModeVideo, 40) // 5 minutes apart
	book := func(start time.Time, key string) booking.Appointment {
		a, err := w.svc.Book(context.Background(), w.tenant, booking.Request{DeskSlug: "prova-video", Start: start, Mode: booking.ModeVideo,
			PersonID: mario, Name: "Mario Rossi", FiscalCode: "RSSMRA85T10H501O", IdempotencyKey: key})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	soon, later := book(slots[0], "soon"), book(slots[39], "later") // in ≤ 5 minutes; in over 3 hours

	p := browsertest.Get(t, c, w.base+"/area-personale/appuntamenti/"+later.Reference+"/sala")
	wantStatus(t, p, http.StatusOK)
	opens := later.Start.Add(-10 * time.Minute).In(booking.Rome)
	wantIn(t, p, `data-testid="room-early"`, "La stanza si apre alle "+opens.Format("15:04")+" del "+opens.Format("02/01")+": torna qui a quell&#39;ora",
		`data-testid="room-reload"`)
	if strings.Contains(p.Body, `data-testid="room-enter"`) {
		t.Error("the room can be entered before it opens")
	}

	p = browsertest.Get(t, c, w.base+"/area-personale/appuntamenti/"+soon.Reference+"/sala")
	wantIn(t, p, `data-testid="room-open"`, `href="/appuntamenti/sala-prova" data-testid="room-enter"`, "Entra nella stanza")
	p = browsertest.Get(t, c, w.base+"/appuntamenti/sala-prova")
	wantStatus(t, p, http.StatusOK)
	wantIn(t, p, "nessun servizio di videochiamata")

	st, err := w.svc.Settings(context.Background(), w.tenant)
	if err != nil {
		t.Fatal(err)
	}
	st.VideoBaseURL = "https://meet.esempio.it"
	if err := w.svc.SaveSettings(context.Background(), w.tenant, st); err != nil {
		t.Fatal(err)
	}
	p = browsertest.Get(t, c, w.base+"/area-personale/appuntamenti/"+soon.Reference+"/sala")
	wantIn(t, p, `href="https://meet.esempio.it/verdemare-`)

	detail := browsertest.Get(t, c, w.base+"/area-personale/appuntamenti/"+soon.Reference)
	wantIn(t, detail, `href="/area-personale/appuntamenti/`+soon.Reference+`/sala"`)

	// An unknown appointment has no room.
	if p := browsertest.Get(t, c, w.base+"/area-personale/appuntamenti/NOPE-0000/sala"); p.Status != http.StatusNotFound {
		t.Errorf("unknown appointment's room: %d", p.Status)
	}
}
