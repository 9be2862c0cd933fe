package browsertest

import (
	"context"
	"crypto/rand"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/db"
)

// TestBookingInBrowser books an appointment in Chromium, with JavaScript on
// and off, as a logged-in person and as a guest, and checks every page of
// the way as every page is checked (checkPage: one h1, skip link, axe with
// no violation, clean console): the steps, a step sent back (422), the
// confirmation, the personal area's list and detail, moving, cancelling,
// the guest's manage link (and a forged one), and the video waiting room
// before and while it is open, with the development placeholder.
func TestBookingInBrowser(t *testing.T) {
	t.Parallel()
	s := Start(t)
	ctx := context.Background()
	base := s.ComuneURL("verdemare")
	var tenantID string
	if err := s.Pool.QueryRow(ctx, `SELECT id::text FROM tenants WHERE slug = 'verdemare'`).Scan(&tenantID); err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	svc := booking.New(s.Pool, s.App.Jobs, booking.Config{Secret: secret})
	var allDay [7][]booking.Range
	for i := range allDay {
		allDay[i] = []booking.Range{{Start: 0, End: 24 * 60}}
	}
	for _, d := range []booking.Desk{
		{Slug: "prova-browser", Office: "anagrafe", Name: "Sportello di prova", Location: "Piano terra",
			Services: []string{"carta-identita-elettronica"}, Modes: []booking.Mode{booking.ModeInPerson, booking.ModeVideo},
			Hours: allDay, SlotMinutes: 30, Capacity: 5, MinNoticeHours: 48, HorizonDays: 30, Active: true},
		{Slug: "prova-sala", Office: "anagrafe", Name: "Sportello video", Services: []string{"carta-identita-elettronica"},
			Modes: []booking.Mode{booking.ModeVideo}, Hours: allDay, SlotMinutes: 5, Capacity: 5, HorizonDays: 30, Active: true},
	} {
		if err := svc.SaveDesk(ctx, tenantID, d); err != nil {
			t.Fatalf("desk %s: %v", d.Slug, err)
		}
	}
	LoginHTTP(t, s.Client(t), base, MarioRossi, "/area-personale") // Mario exists from now on
	var mario string
	if err := db.InTenant(ctx, s.Pool, tenantID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id::text FROM people WHERE fiscal_code = 'RSSMRA85T10H501O'`).Scan(&mario)
	}); err != nil {
		t.Fatal(err)
	}
	// Two video appointments of Mario's: one starting within minutes (the
	// room is open), one in hours (not yet).
	now := time.Now().In(booking.Rome)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, booking.Rome)
	days, err := svc.FreeSlots(ctx, tenantID, "prova-sala", booking.ModeVideo, today, today.AddDate(0, 0, 2))
	if err != nil {
		t.Fatal(err)
	}
	var free []time.Time
	for _, d := range days {
		for _, sl := range d.Slots {
			free = append(free, sl.Start)
		}
	}
	var rooms []string
	for i, at := range []time.Time{free[0], free[40]} {
		a, err := svc.Book(ctx, tenantID, booking.Request{DeskSlug: "prova-sala", Start: at, Mode: booking.ModeVideo, PersonID: mario,
			Name: "Mario Rossi", FiscalCode: "RSSMRA85T10H501O", IdempotencyKey: "room-" + string(rune('a'+i))})
		if err != nil {
			t.Fatal(err)
		}
		rooms = append(rooms, "/area-personale/appuntamenti/"+a.Reference+"/sala")
	}

	code := func(t *testing.T, email string) string {
		t.Helper()
		var body string
		if err := db.InTenant(ctx, s.Pool, tenantID, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT body FROM email_messages WHERE to_address = $1 ORDER BY created_at DESC LIMIT 1`, email).Scan(&body)
		}); err != nil {
			t.Fatalf("no email to %s: %v", email, err)
		}
		return regexp.MustCompile(`\b\d{6}\b`).FindString(body)
	}

	for _, js := range []bool{true, false} {
		name, opts := "js", []Option{WithLanguage("it")}
		if !js {
			name, opts = "nojs", append(opts, WithoutJavaScript())
		}
		t.Run(name, func(t *testing.T) {
			b := NewBrowser(t, opts...)
			b.LogIn(t, base, MarioRossi)
			var detail string
			t.Run("logged-in journey", func(t *testing.T) {
				b.Visit(t, base+"/servizi/carta-identita-elettronica")
				b.Follow(t, `main a[data-element="appointment-booking"][href*="servizio="]`)
				checkPage(t, b, "it", http.StatusOK)
				choose(t, b, "desk-prova-browser")
				choose(t, b, "mode-in_person")
				b.Follow(t, `[data-testid=booking-next]`)
				checkPage(t, b, "it", http.StatusOK) // date and time
				b.Follow(t, `[data-testid=booking-next]`)
				checkPage(t, b, "it", http.StatusUnprocessableEntity)
				if n := b.Count(t, `[data-testid="error-summary"] a`); n != 1 {
					t.Errorf("%d links in the error summary, want 1", n)
				}
				b.Follow(t, `[data-testid=booking-next-week]`)
				checkPage(t, b, "it", http.StatusOK)
				b.Click(t, `[data-testid=booking-day] label`)
				b.Follow(t, `[data-testid=booking-next]`)
				checkPage(t, b, "it", http.StatusOK) // reason
				typeIn(t, b, "#note", "Rinnovo della carta")
				b.Follow(t, `[data-testid=booking-next]`)
				checkPage(t, b, "it", http.StatusOK) // applicant
				if v := valueOf(t, b, "name"); v != "Mario Rossi" {
					t.Errorf("name %q, want Mario Rossi", v)
				}
				b.Follow(t, `[data-testid=booking-next]`)
				checkPage(t, b, "it", http.StatusOK) // summary
				if got := b.Text(t, `[data-testid=booking-summary]`); !strings.Contains(got, "Rinnovo della carta") {
					t.Errorf("summary without the note: %s", got)
				}
				b.Follow(t, `[data-testid=booking-confirm]`)
				checkPage(t, b, "it", http.StatusOK)
				ref := b.Text(t, `[data-testid=booking-reference]`)
				detail = base + "/area-personale/appuntamenti/" + ref
				b.Follow(t, `[data-testid=booking-list]`)
				checkPage(t, b, "it", http.StatusOK)
				b.Follow(t, `[data-reference="`+ref+`"] a`)
				checkPage(t, b, "it", http.StatusOK)
			})
			t.Run("move and cancel", func(t *testing.T) {
				if detail == "" {
					t.Skip("no booking")
				}
				b.Visit(t, detail)
				b.Follow(t, `[data-testid=appointment-move]`)
				checkPage(t, b, "it", http.StatusOK)
				b.Click(t, `[data-testid=booking-day]:last-of-type label`)
				b.Follow(t, `[data-testid=booking-next]`)
				checkPage(t, b, "it", http.StatusOK)
				if n := b.Count(t, `[data-testid=appointment-notice]`); n != 1 {
					t.Error("no notice after moving")
				}
				b.Follow(t, `[data-testid=appointment-cancel]`)
				checkPage(t, b, "it", http.StatusOK)
				b.Follow(t, `[data-testid=appointment-cancel-confirm]`)
				checkPage(t, b, "it", http.StatusOK)
				if got := b.Text(t, `[data-testid=appointment-status]`); got != "Annullato" {
					t.Errorf("status %q after cancelling", got)
				}
			})
			t.Run("waiting room", func(t *testing.T) {
				b.Visit(t, base+rooms[1])
				checkPage(t, b, "it", http.StatusOK)
				if n := b.Count(t, `[data-testid=room-early]`); n != 1 {
					t.Error("the later room is not waiting")
				}
				b.Visit(t, base+rooms[0])
				checkPage(t, b, "it", http.StatusOK)
				b.Follow(t, `[data-testid=room-enter]`)
				checkPage(t, b, "it", http.StatusOK)
				if !strings.HasSuffix(b.Location(t), "/appuntamenti/sala-prova") {
					t.Errorf("entered %s, want the placeholder", b.Location(t))
				}
			})
			t.Run("guest", func(t *testing.T) {
				g := NewBrowser(t, opts...)
				email := "ospite-" + name + "@esempio.it"
				g.Visit(t, base+"/prenota")
				choose(t, g, "desk-prova-browser")
				choose(t, g, "mode-video")
				g.Follow(t, `[data-testid=booking-next]`)
				g.Click(t, `[data-testid=booking-day] label`)
				g.Follow(t, `[data-testid=booking-next]`)
				g.Follow(t, `[data-testid=booking-next]`)
				checkPage(t, g, "it", http.StatusOK) // applicant, as a guest
				typeIn(t, g, "#name", "Ospite Prova")
				typeIn(t, g, "#email", "non-valida")
				g.Follow(t, `[data-testid=booking-next]`)
				checkPage(t, g, "it", http.StatusUnprocessableEntity)
				typeIn(t, g, "#email", email)
				g.Follow(t, `[data-testid=booking-next]`)
				checkPage(t, g, "it", http.StatusOK) // the code
				typeIn(t, g, "#code", code(t, email))
				g.Follow(t, `[data-testid=booking-next]`)
				checkPage(t, g, "it", http.StatusOK) // summary
				g.Follow(t, `[data-testid=booking-confirm]`)
				checkPage(t, g, "it", http.StatusOK)
				g.Follow(t, `[data-testid=booking-manage]`)
				checkPage(t, g, "it", http.StatusOK)
				g.Follow(t, `[data-testid=appointment-room]`)
				checkPage(t, g, "it", http.StatusOK)
				g.Visit(t, base+"/appuntamenti/gestisci/APP-XXXXXXXX.1.forged")
				checkPage(t, g, "it", http.StatusNotFound)
			})
		})
	}
}
