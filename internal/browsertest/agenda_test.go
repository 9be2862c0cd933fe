package browsertest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"github.com/civica/civica/internal/booking"
)

// TestAgendaInChromium opens the clerk's agenda in Chromium, with
// JavaScript on and off, and checks each page as every page is checked
// (one h1, skip link, axe with no violation, a clean console): the day and
// the week, an appointment, the move and cancel forms (also refused), and
// the video waiting room. Then a clerk checks a citizen in with the
// keyboard alone: Tab to the appointment in the day's table, Enter, Tab to
// "Segna arrivato", Enter.
func TestAgendaInChromium(t *testing.T) {
	t.Parallel()
	s := Start(t)
	ctx := context.Background()
	base := s.ComuneURL("verdemare")
	var tenantID string
	if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = 'verdemare'`).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	bk := booking.New(s.Pool, s.App.Jobs, booking.Config{Secret: []byte("agenda-browser-secret-agenda-browser!")})
	desk := booking.Desk{Slug: "agenda-chromium", Office: "urp", Name: "Sportello di prova", Location: "Piano terra",
		Modes: []booking.Mode{booking.ModeInPerson, booking.ModeVideo}, SlotMinutes: 30, Capacity: 1, HorizonDays: 60, Active: true}
	for wd := range desk.Hours {
		desk.Hours[wd] = []booking.Range{{Start: 7 * 60, End: 21 * 60}}
	}
	if err := bk.SaveDesk(ctx, tenantID, desk); err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(booking.Rome)
	days, err := bk.FreeSlots(ctx, tenantID, desk.Slug, booking.ModeInPerson, today, today.AddDate(0, 0, 14))
	if err != nil || len(days) < 2 {
		t.Fatalf("free slots: %d days, %v", len(days), err)
	}
	d := days[1]
	book := func(i int, mode booking.Mode, name string) booking.Appointment {
		t.Helper()
		a, err := bk.Book(ctx, tenantID, booking.Request{DeskSlug: desk.Slug, Start: d.Slots[i].Start, Mode: mode, Name: name,
			Email: "agenda@example.it", Note: "Una nota", Language: "it"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	video := book(0, booking.ModeVideo, "Giulia Bianchi")
	day := d.Date.In(booking.Rome).Format(time.DateOnly)
	agenda := base + "/scrivania/agenda?sportello=" + desk.Slug + "&giorno=" + day

	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "js", false: "nojs"}[js]
		t.Run(name, func(t *testing.T) {
			var opts []Option
			if !js {
				opts = append(opts, WithoutJavaScript())
			}
			// Each run checks a citizen of its own in.
			walkIn := book(map[bool]int{true: 1, false: 2}[js], booking.ModeInPerson, "Luca Esposito "+name)
			b := NewBrowser(t, opts...)
			b.LogIn(t, base, PaoloConti)

			b.Visit(t, agenda)
			checkPage(t, b, "it", http.StatusOK)
			if n := b.Count(t, `[data-testid="agenda-row"]`); n < 2 {
				t.Errorf("%d appointments in the day, want at least 2", n)
			}
			if n := b.Count(t, `[data-testid="agenda-feed-url"]`); n != 1 {
				t.Errorf("%d feed addresses, want 1", n)
			}
			b.Visit(t, base+"/scrivania/agenda?vista=settimana&giorno="+day)
			checkPage(t, b, "it", http.StatusOK)
			if n := b.Count(t, `[data-testid="agenda-day"]`); n != 7 {
				t.Errorf("%d days in the week, want 7", n)
			}
			b.Visit(t, base+"/scrivania/agenda?giorno=ieri")
			checkPage(t, b, "it", http.StatusUnprocessableEntity)

			b.Visit(t, base+"/scrivania/agenda/"+video.Reference)
			checkPage(t, b, "it", http.StatusOK)
			b.Follow(t, `[data-testid="agenda-room"]`)
			checkPage(t, b, "it", http.StatusOK)
			if n := b.Count(t, `[data-testid="agenda-room-placeholder"]`); n != 1 {
				t.Errorf("the waiting room without a video service shows %d placeholder notes, want 1", n)
			}
			b.Visit(t, base+"/scrivania/agenda/"+video.Reference+"/sposta")
			checkPage(t, b, "it", http.StatusOK)
			b.Follow(t, `[data-testid="agenda-change-submit"]`)
			checkPage(t, b, "it", http.StatusUnprocessableEntity)
			b.Visit(t, base+"/scrivania/agenda/"+video.Reference+"/annulla")
			checkPage(t, b, "it", http.StatusOK)
			b.Follow(t, `[data-testid="agenda-change-submit"]`)
			checkPage(t, b, "it", http.StatusUnprocessableEntity)

			// Check-in with the keyboard only.
			b.Visit(t, agenda)
			tabTo(t, b, `[data-testid="agenda-open"][href="/scrivania/agenda/`+walkIn.Reference+`"]`, 120)
			pressFollow(t, b, kb.Enter)
			if got := pathOf(t, b.Location(t)); got != "/scrivania/agenda/"+walkIn.Reference {
				t.Fatalf("Enter on the appointment led to %s", got)
			}
			tabTo(t, b, `[data-testid="agenda-mark-arrivato"]`, 80)
			pressFollow(t, b, kb.Enter)
			checkPage(t, b, "it", http.StatusOK)
			if got := b.Text(t, `[data-testid="agenda-notice"]`); got != "Arrivo registrato." {
				t.Errorf("notice %q after the check-in", got)
			}
			if got := b.Text(t, `[data-testid="agenda-status"]`); got != "Arrivato" {
				t.Errorf("status %q after the check-in", got)
			}
			a, err := bk.Get(ctx, tenantID, walkIn.Reference)
			if err != nil || a.Status != booking.StatusCheckedIn {
				t.Errorf("stored status %q (%v), want checked_in", a.Status, err)
			}
		})
	}
}

// tabTo presses Tab until the element matching selector has the focus,
// at most max times.
func tabTo(t *testing.T, b *Browser, selector string, max int) {
	t.Helper()
	for range max {
		b.Press(t, kb.Tab)
		if Eval[bool](t, b, `document.activeElement === document.querySelector(`+jsString(selector)+`)`) {
			return
		}
	}
	t.Fatalf("%d presses of Tab did not reach %s on %s", max, selector, b.Location(t))
}
