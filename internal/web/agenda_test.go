package web_test

import (
	"context"
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
)

// agendaWorld is a comune with two desks of their own for the agenda's
// tests: one of the URP (Paolo Conti and Marco Gallo work there) and one
// of the local police (Luigi Fontana's), open every day from 7 to 21 with
// half-hour slots for one citizen at a time and no notice.
type agendaWorld struct {
	s        *browsertest.Server
	bk       *booking.Service
	tenantID string
	base     string
	urp      booking.Desk
	police   booking.Desk
}

func newAgendaWorld(t *testing.T) *agendaWorld {
	t.Helper()
	s := browsertest.Start(t)
	w := &agendaWorld{s: s, tenantID: tenantID(t, s, "verdemare"), base: s.ComuneURL("verdemare")}
	w.bk = booking.New(s.Pool, s.App.Jobs, booking.Config{Secret: []byte("agenda-test-secret-agenda-test-secret!")})
	w.urp = w.desk(t, w.tenantID, "agenda-urp", "urp")
	w.police = w.desk(t, w.tenantID, "agenda-pl", "polizia-locale")
	return w
}

// desk saves a desk open every day and reads it back (with its feed token).
func (w *agendaWorld) desk(t *testing.T, tenantID, slug, office string) booking.Desk {
	t.Helper()
	ctx := context.Background()
	d := booking.Desk{Slug: slug, Office: office, Name: "Sportello " + slug, NameEn: "Desk " + slug, Location: "Piano terra",
		Modes: []booking.Mode{booking.ModeInPerson, booking.ModeVideo}, SlotMinutes: 30, Capacity: 1,
		MinNoticeHours: 0, HorizonDays: 60, Active: true}
	for wd := range d.Hours {
		d.Hours[wd] = []booking.Range{{Start: 7 * 60, End: 21 * 60}}
	}
	if err := w.bk.SaveDesk(ctx, tenantID, d); err != nil {
		t.Fatalf("save desk %s: %v", slug, err)
	}
	saved, err := w.bk.Desk(ctx, tenantID, slug)
	if err != nil {
		t.Fatal(err)
	}
	return saved
}

// days are a desk's days with free slots in the next four weeks.
func (w *agendaWorld) days(t *testing.T, tenantID, slug string) []booking.Day {
	t.Helper()
	today := time.Now().In(booking.Rome)
	days, err := w.bk.FreeSlots(context.Background(), tenantID, slug, booking.ModeInPerson, today, today.AddDate(0, 0, 28))
	if err != nil {
		t.Fatal(err)
	}
	if len(days) < 3 {
		t.Fatalf("desk %s has free slots on %d days only", slug, len(days))
	}
	return days
}

func (w *agendaWorld) book(t *testing.T, tenantID, slug string, start time.Time, mode booking.Mode, name string) booking.Appointment {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.it"
	a, err := w.bk.Book(context.Background(), tenantID, booking.Request{DeskSlug: slug, Start: start, Mode: mode,
		Note: "Porto i documenti", Name: name, Email: email, Phone: "+39 333 0000000", Language: "it"})
	if err != nil {
		t.Fatalf("book %s at %s: %v", name, start, err)
	}
	return a
}

func (w *agendaWorld) get(t *testing.T, ref string) booking.Appointment {
	t.Helper()
	a, err := w.bk.Get(context.Background(), w.tenantID, ref)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var agendaRowRef = regexp.MustCompile(`data-testid="agenda-row" data-reference="(APP-[A-Z0-9]+)"`)

func agendaRefs(body string) map[string]bool {
	out := map[string]bool{}
	for _, m := range agendaRowRef.FindAllStringSubmatch(body, -1) {
		out[m[1]] = true
	}
	return out
}

// wantRefs checks which of the appointments the page lists.
func wantRefs(t *testing.T, what string, p browsertest.Page, in []booking.Appointment, out ...booking.Appointment) {
	t.Helper()
	if p.Status != http.StatusOK {
		t.Fatalf("%s: status %d at %s", what, p.Status, p.URL)
	}
	got := agendaRefs(p.Body)
	for _, a := range in {
		if !got[a.Reference] {
			t.Errorf("%s: %s (%s) is missing", what, a.Reference, a.Name)
		}
	}
	for _, a := range out {
		if got[a.Reference] {
			t.Errorf("%s: %s (%s) should not be there", what, a.Reference, a.Name)
		}
	}
}

func day(d time.Time) string { return d.In(booking.Rome).Format(time.DateOnly) }

func TestAgenda_DayAndWeekPerDeskAndClerk(t *testing.T) {
	t.Parallel()
	w := newAgendaWorld(t)
	days := w.days(t, w.tenantID, w.urp.Slug)
	d1 := days[1] // a whole day ahead: every slot free
	a := w.book(t, w.tenantID, w.urp.Slug, d1.Slots[0].Start, booking.ModeInPerson, "Giulia Bianchi")
	b := w.book(t, w.tenantID, w.urp.Slug, d1.Slots[2].Start, booking.ModeVideo, "Luca Esposito")
	police := w.book(t, w.tenantID, w.police.Slug, d1.Slots[1].Start, booking.ModeInPerson, "Chiara Ferrari")
	// Another day of the same week (Monday to Sunday), when there is one,
	// and a day of a later week.
	monday := d1.Date.AddDate(0, 0, -((int(d1.Date.Weekday()) + 6) % 7))
	var sameWeek, later *booking.Appointment
	for _, d := range days {
		switch {
		case sameWeek == nil && day(d.Date) != day(d1.Date) && !d.Date.Before(monday) && d.Date.Before(monday.AddDate(0, 0, 7)):
			x := w.book(t, w.tenantID, w.urp.Slug, d.Slots[0].Start, booking.ModeInPerson, "Aminata Diallo")
			sameWeek = &x
		case later == nil && !d.Date.Before(monday.AddDate(0, 0, 7)):
			x := w.book(t, w.tenantID, w.urp.Slug, d.Slots[0].Start, booking.ModeInPerson, "Mario Rossi")
			later = &x
		}
	}
	if later == nil {
		t.Fatal("no free day after the first week")
	}

	paolo := w.s.Client(t)
	p := browsertest.LoginHTTP(t, paolo, w.base, "paolo-conti", "/scrivania")
	mustContain(t, "the desk's links", p.Body, `href="/scrivania/agenda"`)
	p = browsertest.Get(t, paolo, w.base+"/scrivania/agenda?giorno="+day(d1.Date))
	wantRefs(t, "Paolo's day", p, []booking.Appointment{a, b}, police, *later)
	mustContain(t, "day view", p.Body, "<caption", `scope="col"`, `scope="row"`, "Giulia Bianchi", "In videochiamata",
		"Prenotato", "/scrivania/agenda/"+a.Reference, `name="giorno"`, `data-testid="agenda-filter-submit"`,
		"giorno="+day(d1.Date.AddDate(0, 0, 1)), "giorno="+day(d1.Date.AddDate(0, 0, -1)))
	if sameWeek != nil && agendaRefs(p.Body)[sameWeek.Reference] {
		t.Errorf("the day view lists %s of another day", sameWeek.Reference)
	}

	p = browsertest.Get(t, paolo, w.base+"/scrivania/agenda?vista=settimana&giorno="+day(d1.Date))
	in := []booking.Appointment{a, b}
	if sameWeek != nil {
		in = append(in, *sameWeek)
	}
	wantRefs(t, "Paolo's week", p, in, police, *later)
	if n := strings.Count(p.Body, `data-testid="agenda-day"`); n != 7 {
		t.Errorf("the week shows %d days, want 7", n)
	}

	// Per desk: the police desk is not one of Paolo's.
	p = browsertest.Get(t, paolo, w.base+"/scrivania/agenda?sportello=agenda-pl&giorno="+day(d1.Date))
	if p.Status != http.StatusUnprocessableEntity {
		t.Errorf("Paolo asking for the police desk: %d, want 422", p.Status)
	}
	mustContain(t, "refused desk", p.Body, `data-testid="error-summary"`, `href="#a-desk"`)
	p = browsertest.Get(t, paolo, w.base+"/scrivania/agenda?giorno=7-12-2026")
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `value="7-12-2026"`) {
		t.Errorf("a bad day: %d, want 422 with the value kept", p.Status)
	}

	// Luigi works for the police: their desk only.
	luigi := w.s.Client(t)
	browsertest.LoginHTTP(t, luigi, w.base, "luigi-fontana", "/scrivania")
	p = browsertest.Get(t, luigi, w.base+"/scrivania/agenda?giorno="+day(d1.Date))
	wantRefs(t, "Luigi's day", p, []booking.Appointment{police}, a, b)
	// Sara, the comune's admin, sees every desk; per desk, one.
	sara := w.s.Client(t)
	browsertest.LoginHTTP(t, sara, w.base, "sara-greco", "/scrivania")
	p = browsertest.Get(t, sara, w.base+"/scrivania/agenda?giorno="+day(d1.Date))
	wantRefs(t, "Sara's day", p, []booking.Appointment{a, b, police})
	p = browsertest.Get(t, sara, w.base+"/scrivania/agenda?sportello=agenda-pl&giorno="+day(d1.Date))
	wantRefs(t, "Sara's police desk", p, []booking.Appointment{police}, a, b)
	// The selected desk's feed address, in full.
	mustContain(t, "feed address", p.Body, w.base+"/agenda/"+w.police.FeedToken+".ics")
	// In English too.
	p = browsertest.Get(t, sara, w.base+"/lingua?"+url.Values{"to": {"en"}, "next": {"/scrivania/agenda?vista=settimana&giorno=" + day(d1.Date)}}.Encode())
	wantRefs(t, "Sara's week in English", p, []booking.Appointment{a, b, police})
	mustContain(t, "English week", p.Body, `lang="en"`, "Appointments agenda", d1.Date.Weekday().String(), "Desk agenda-urp", "By video call")

	// Per clerk: Paolo takes one; "mine" lists it alone.
	detail := browsertest.Get(t, paolo, w.base+"/scrivania/agenda/"+a.Reference)
	take := formWithAction(t, detail, "/assegna")
	if r := browsertest.PostForm(t, paolo, take.Action, take.Values); r.Status != http.StatusOK ||
		!strings.Contains(r.Body, "assegnato a te") {
		t.Fatalf("assign to me: %d at %s", r.Status, r.URL)
	}
	if got := w.get(t, a.Reference).Clerk; got != "CNTPLA80A12H501T" {
		t.Errorf("assigned to %q, want Paolo", got)
	}
	p = browsertest.Get(t, paolo, w.base+"/scrivania/agenda?operatore=me&giorno="+day(d1.Date))
	wantRefs(t, "Paolo's own", p, []booking.Appointment{a}, b)
	mustContain(t, "assignee column", p.Body, "Paolo Conti")
	// Marco filters by Paolo.
	marco := w.s.Client(t)
	browsertest.LoginHTTP(t, marco, w.base, "marco-gallo", "/scrivania")
	p = browsertest.Get(t, marco, w.base+"/scrivania/agenda?operatore=CNTPLA80A12H501T&giorno="+day(d1.Date))
	wantRefs(t, "Paolo's, as Marco sees them", p, []booking.Appointment{a}, b)
	// Paolo lets it go.
	detail = browsertest.Get(t, paolo, w.base+"/scrivania/agenda/"+a.Reference)
	release := formWithAction(t, detail, "/assegna")
	if release.Values.Get("a") != "" {
		t.Fatalf("the form of an appointment of Paolo's offers %q", release.Values.Get("a"))
	}
	browsertest.PostForm(t, paolo, release.Action, release.Values)
	if got := w.get(t, a.Reference).Clerk; got != "" {
		t.Errorf("after unassigning, assigned to %q", got)
	}
}

func TestAgenda_CheckInDoneNoShowAndNotePersist(t *testing.T) {
	t.Parallel()
	w := newAgendaWorld(t)
	d := w.days(t, w.tenantID, w.urp.Slug)[1]
	a := w.book(t, w.tenantID, w.urp.Slug, d.Slots[0].Start, booking.ModeInPerson, "Giulia Bianchi")
	b := w.book(t, w.tenantID, w.urp.Slug, d.Slots[1].Start, booking.ModeInPerson, "Luca Esposito")
	c := w.s.Client(t)
	browsertest.LoginHTTP(t, c, w.base, "paolo-conti", "/scrivania")

	mark := func(ref, outcome, note string) browsertest.Page {
		t.Helper()
		p := browsertest.Get(t, c, w.base+"/scrivania/agenda/"+ref)
		form := formWithAction(t, p, "/esito")
		form.Values.Set("esito", outcome)
		form.Values.Set("nota", note)
		return browsertest.PostForm(t, c, form.Action, form.Values)
	}
	p := browsertest.Get(t, c, w.base+"/scrivania/agenda/"+a.Reference)
	mustContain(t, "detail", p.Body, "Giulia Bianchi", "giulia.bianchi@example.it", `href="mailto:giulia.bianchi@example.it"`,
		"Porto i documenti", "In presenza", `data-testid="agenda-mark-arrivato"`, "/sposta", "/annulla")

	p = mark(a.Reference, "arrivato", "Ha portato la carta d'identità")
	if p.Status != http.StatusOK || p.URL.Path != "/scrivania/agenda/"+a.Reference || !strings.Contains(p.Body, "Arrivo registrato.") {
		t.Fatalf("check-in: %d at %s", p.Status, p.URL)
	}
	if got := w.get(t, a.Reference); got.Status != booking.StatusCheckedIn || got.StaffNote != "Ha portato la carta d'identità" {
		t.Errorf("after check-in: %q, note %q", got.Status, got.StaffNote)
	}
	mark(a.Reference, "concluso", "Pratica avviata")
	if got := w.get(t, a.Reference); got.Status != booking.StatusDone || got.StaffNote != "Pratica avviata" {
		t.Errorf("after done: %q, note %q", got.Status, got.StaffNote)
	}
	mark(a.Reference, "nota", "Richiamare lunedì")
	if got := w.get(t, a.Reference); got.Status != booking.StatusDone || got.StaffNote != "Richiamare lunedì" {
		t.Errorf("after the note alone: %q, note %q", got.Status, got.StaffNote)
	}
	mark(b.Reference, "assente", "")
	if got := w.get(t, b.Reference); got.Status != booking.StatusNoShow {
		t.Errorf("after no-show: %q", got.Status)
	}
	// A note too long comes back as typed.
	long := strings.Repeat("a", 2001)
	if p := mark(a.Reference, "nota", long); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, long) ||
		!strings.Contains(p.Body, `href="#agenda-note"`) {
		t.Errorf("a note too long: %d", p.Status)
	}
	if got := w.get(t, a.Reference); got.StaffNote != "Richiamare lunedì" {
		t.Errorf("a refused note was saved: %q", got.StaffNote)
	}
}

func TestAgenda_CancelNeedsAMessageAndTellsTheCitizen(t *testing.T) {
	t.Parallel()
	w := newAgendaWorld(t)
	d := w.days(t, w.tenantID, w.urp.Slug)[1]
	a := w.book(t, w.tenantID, w.urp.Slug, d.Slots[0].Start, booking.ModeInPerson, "Giulia Bianchi")
	c := w.s.Client(t)
	browsertest.LoginHTTP(t, c, w.base, "paolo-conti", "/scrivania")
	p := browsertest.Get(t, c, w.base+"/scrivania/agenda/"+a.Reference+"/annulla")
	form := formWithAction(t, p, "/annulla")
	form.Values.Set("messaggio", "   ")
	p = browsertest.PostForm(t, c, form.Action, form.Values)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("cancel without a message: %d, want 422", p.Status)
	}
	mustContain(t, "422", p.Body, `data-testid="error-summary"`, `href="#agenda-message"`, `id="agenda-message-error"`)
	if got := w.get(t, a.Reference).Status; got != booking.StatusBooked {
		t.Fatalf("cancelled without a message: %q", got)
	}

	msg := "L'ufficio resta chiuso per un guasto: prenoti un altro giorno."
	form.Values.Set("messaggio", msg)
	p = browsertest.PostForm(t, c, form.Action, form.Values)
	if p.Status != http.StatusOK || p.URL.Path != "/scrivania/agenda/"+a.Reference || !strings.Contains(p.Body, "Appuntamento annullato") {
		t.Fatalf("cancel: %d at %s", p.Status, p.URL)
	}
	got := w.get(t, a.Reference)
	if got.Status != booking.StatusCancelled || got.CancelledBy != "office" {
		t.Errorf("after cancelling: %q by %q", got.Status, got.CancelledBy)
	}
	var address, body string
	inComune(t, w.s, "verdemare", func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT address, body FROM deliveries
			WHERE message_key = $1 AND channel = 'email'`, "appointment:"+a.ID+":cancelled").Scan(&address, &body)
	})
	if address != "giulia.bianchi@example.it" {
		t.Errorf("the citizen was told at %q, want giulia.bianchi@example.it", address)
	}
	if !strings.Contains(body, msg) {
		t.Errorf("the clerk's message is not in what the citizen was sent: %q", body)
	}
	// No second cancellation, and no more actions but the note.
	p = browsertest.Get(t, c, w.base+"/scrivania/agenda/"+a.Reference+"/annulla")
	if p.Status != http.StatusConflict {
		t.Errorf("the cancel form of a cancelled appointment: %d, want 409", p.Status)
	}
	p = browsertest.PostForm(t, c, form.Action, form.Values)
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, `data-testid="agenda-problem"`) {
		t.Errorf("cancelling twice: %d, want 409 with the reason", p.Status)
	}
}

func TestAgenda_MoveToATakenSlotIsAFriendlyError(t *testing.T) {
	t.Parallel()
	w := newAgendaWorld(t)
	d := w.days(t, w.tenantID, w.urp.Slug)[1]
	a := w.book(t, w.tenantID, w.urp.Slug, d.Slots[0].Start, booking.ModeInPerson, "Giulia Bianchi")
	b := w.book(t, w.tenantID, w.urp.Slug, d.Slots[1].Start, booking.ModeInPerson, "Luca Esposito")
	c := w.s.Client(t)
	browsertest.LoginHTTP(t, c, w.base, "paolo-conti", "/scrivania")
	p := browsertest.Get(t, c, w.base+"/scrivania/agenda/"+b.Reference+"/sposta")
	if p.Status != http.StatusOK {
		t.Fatalf("move form: %d", p.Status)
	}
	taken := a.Start.UTC().Format(time.RFC3339)
	free := d.Slots[3].Start.UTC().Format(time.RFC3339)
	if strings.Contains(p.Body, `value="`+taken+`"`) || !strings.Contains(p.Body, `value="`+free+`"`) {
		t.Fatalf("the move form should offer %s and not %s", free, taken)
	}
	form := formWithAction(t, p, "/sposta")

	// Nothing chosen: 422, the message kept.
	form.Values.Set("messaggio", "Ci scusiamo per il cambio.")
	p = browsertest.PostForm(t, c, form.Action, form.Values)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Ci scusiamo per il cambio.") ||
		!strings.Contains(p.Body, `href="#agenda-slots"`) {
		t.Errorf("moving without a slot: %d", p.Status)
	}
	// A taken slot (as when someone books it meanwhile): the reason, the
	// nearest free slots, the message kept.
	form.Values.Set("inizio", taken)
	p = browsertest.PostForm(t, c, form.Action, form.Values)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("moving to a taken slot: %d, want 422", p.Status)
	}
	mustContain(t, "taken slot", p.Body, "appena stato preso", `data-testid="agenda-slot"`, "Ci scusiamo per il cambio.")
	if got := w.get(t, b.Reference); !got.Start.Equal(b.Start) {
		t.Fatalf("moved anyway, to %s", got.Start)
	}
	// A free one.
	form.Values.Set("inizio", free)
	p = browsertest.PostForm(t, c, form.Action, form.Values)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Appuntamento spostato") {
		t.Fatalf("moving to a free slot: %d at %s", p.Status, p.URL)
	}
	if got := w.get(t, b.Reference); !got.Start.Equal(d.Slots[3].Start) || got.Reference != b.Reference {
		t.Errorf("after moving: %s %s, want %s", got.Reference, got.Start, d.Slots[3].Start)
	}
	var body string
	inComune(t, w.s, "verdemare", func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT body FROM deliveries WHERE message_key LIKE $1 AND channel = 'email'`,
			"appointment:"+b.ID+":moved:%").Scan(&body)
	})
	if !strings.Contains(body, "Ci scusiamo per il cambio.") {
		t.Errorf("the clerk's message is not in what the citizen was sent: %q", body)
	}
}

func TestAgenda_AnotherOfficesOrComunesAppointmentIsNotFound(t *testing.T) {
	t.Parallel()
	w := newAgendaWorld(t)
	d := w.days(t, w.tenantID, w.urp.Slug)[1]
	a := w.book(t, w.tenantID, w.urp.Slug, d.Slots[0].Start, booking.ModeVideo, "Giulia Bianchi")
	roccasole := tenantID(t, w.s, "roccasole")
	w.desk(t, roccasole, "agenda-rs", "urp")
	other := w.book(t, roccasole, "agenda-rs", w.days(t, roccasole, "agenda-rs")[1].Slots[0].Start, booking.ModeInPerson, "Luca Esposito")

	luigi := w.s.Client(t)
	browsertest.LoginHTTP(t, luigi, w.base, "luigi-fontana", "/scrivania")
	for _, path := range []string{"", "/sposta", "/annulla", "/sala"} {
		if p := browsertest.Get(t, luigi, w.base+"/scrivania/agenda/"+a.Reference+path); p.Status != http.StatusNotFound {
			t.Errorf("Luigi opening %s%s of another office: %d, want 404", a.Reference, path, p.Status)
		}
	}
	tok := csrfOf(t, luigi, w.base)
	for _, post := range []struct{ path, field, value string }{{"/esito", "esito", "arrivato"}, {"/assegna", "a", "me"},
		{"/annulla", "messaggio", "no"}} {
		p := browsertest.PostForm(t, luigi, w.base+"/scrivania/agenda/"+a.Reference+post.path, url.Values{"_csrf": {tok}, post.field: {post.value}})
		if p.Status != http.StatusNotFound {
			t.Errorf("Luigi posting %s to another office's: %d, want 404", post.path, p.Status)
		}
	}
	if got := w.get(t, a.Reference); got.Status != booking.StatusBooked || got.Clerk != "" {
		t.Errorf("Luigi changed it: %q, clerk %q", got.Status, got.Clerk)
	}

	paolo := w.s.Client(t)
	browsertest.LoginHTTP(t, paolo, w.base, "paolo-conti", "/scrivania")
	if p := browsertest.Get(t, paolo, w.base+"/scrivania/agenda/"+other.Reference); p.Status != http.StatusNotFound {
		t.Errorf("Roccasole's appointment on Verdemare's desk: %d, want 404", p.Status)
	}
	if p := browsertest.Get(t, paolo, w.base+"/scrivania/agenda/APP-NOTHERE2"); p.Status != http.StatusNotFound {
		t.Errorf("an unknown appointment: %d, want 404", p.Status)
	}
}

func TestAgenda_WaitingRoom(t *testing.T) {
	t.Parallel()
	w := newAgendaWorld(t)
	d := w.days(t, w.tenantID, w.urp.Slug)[1]
	video := w.book(t, w.tenantID, w.urp.Slug, d.Slots[0].Start, booking.ModeVideo, "Giulia Bianchi")
	inPerson := w.book(t, w.tenantID, w.urp.Slug, d.Slots[1].Start, booking.ModeInPerson, "Luca Esposito")
	c := w.s.Client(t)
	browsertest.LoginHTTP(t, c, w.base, "paolo-conti", "/scrivania")
	p := browsertest.Get(t, c, w.base+"/scrivania/agenda/"+video.Reference)
	mustContain(t, "video detail", p.Body, `href="/scrivania/agenda/`+video.Reference+`/sala"`)
	p = browsertest.Get(t, c, w.base+"/scrivania/agenda/"+video.Reference+"/sala")
	if p.Status != http.StatusOK {
		t.Fatalf("waiting room: %d", p.Status)
	}
	// Verdemare has no video service: development's placeholder; the
	// appointment is tomorrow at the earliest, so the room is not open.
	mustContain(t, "waiting room", p.Body, `data-testid="agenda-room-placeholder"`, `href="/appuntamenti/sala-prova"`,
		`data-testid="agenda-room-wait"`, "La stanza si apre")
	if strings.Contains(p.Body, `data-testid="agenda-room-enter"`) {
		t.Error("the room can be entered a day early")
	}
	if p := browsertest.Get(t, c, w.base+"/scrivania/agenda/"+inPerson.Reference+"/sala"); p.Status != http.StatusNotFound {
		t.Errorf("the waiting room of an appointment in person: %d, want 404", p.Status)
	}
}

func TestAgendaFeed_IsTheDesksCalendar(t *testing.T) {
	t.Parallel()
	w := newAgendaWorld(t)
	d := w.days(t, w.tenantID, w.urp.Slug)[1]
	a := w.book(t, w.tenantID, w.urp.Slug, d.Slots[0].Start, booking.ModeInPerson, "Giulia Bianchi")
	police := w.book(t, w.tenantID, w.police.Slug, d.Slots[0].Start, booking.ModeInPerson, "Luca Esposito")
	c := w.s.Client(t) // no login: calendar apps have none
	res, err := c.Get(w.base + "/agenda/" + w.urp.FeedToken + ".ics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	body := string(raw)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !strings.HasPrefix(body, "BEGIN:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
		t.Errorf("the feed's lines do not all end in CRLF:\n%q", body[:min(200, len(body))])
	}
	if !strings.Contains(body, "BEGIN:VEVENT") || !strings.Contains(unfold(body), a.Reference) {
		t.Errorf("the feed does not hold %s", a.Reference)
	}
	if strings.Contains(unfold(body), police.Reference) {
		t.Errorf("the URP's feed holds the police desk's %s", police.Reference)
	}
	for _, path := range []string{"/agenda/not-a-token.ics", "/agenda/" + w.urp.FeedToken, "/agenda/.ics"} {
		if p := browsertest.Get(t, c, w.base+path); p.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, p.Status)
		}
	}
	// Another comune's host does not know Verdemare's token.
	if p := browsertest.Get(t, c, w.s.ComuneURL("roccasole")+"/agenda/"+w.urp.FeedToken+".ics"); p.Status != http.StatusNotFound {
		t.Errorf("Verdemare's feed on Roccasole's host: %d, want 404", p.Status)
	}
}

// unfold joins an iCalendar's folded lines (RFC 5545, 3.1).
func unfold(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }
