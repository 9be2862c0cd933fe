package booking_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/civica/civica/internal/booking"
)

// unfold undoes RFC 5545 line folding.
func unfold(b []byte) string { return strings.ReplaceAll(string(b), "\r\n ", "") }

func checkLines(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		t.Fatal("does not end with CRLF")
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\r\n")), []byte("\r\n")) {
		if len(line) > 75 {
			t.Errorf("line %d has %d octets: %q", i, len(line), line)
		}
		if bytes.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i, line)
		}
		if !utf8.Valid(line) {
			t.Errorf("line %d splits a character: %q", i, line)
		}
	}
}

func TestICS_IsRFC5545InEuropeRome(t *testing.T) {
	t.Parallel()
	a := booking.Appointment{Reference: "APP-7KQ2M9XD", DeskName: "Sportello anagrafe", Mode: booking.ModeInPerson,
		Location: "Palazzo comunale, piazza Vittorio Emanuele II 1; piano terra, stanza 12 – accesso dal cortile interno (è ammesso l'accompagnatore)",
		Start:    rome(2027, time.March, 29, 9, 30), End: rome(2027, time.March, 29, 10, 0), Status: booking.StatusBooked}
	b := booking.ICS(a, booking.CalendarInfo{Comune: "Comune di Roccasole", Host: "roccasole.example.it",
		URL: "https://roccasole.example.it/area-personale/appuntamenti/APP-7KQ2M9XD", Stamp: time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)})
	checkLines(t, b)
	s := unfold(b)
	for _, want := range []string{
		"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "METHOD:PUBLISH\r\n",
		"BEGIN:VTIMEZONE\r\nTZID:Europe/Rome\r\n", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n",
		"UID:APP-7KQ2M9XD@roccasole.example.it\r\n", "DTSTAMP:20270301T080000Z\r\n",
		"DTSTART;TZID=Europe/Rome:20270329T093000\r\n", "DTEND;TZID=Europe/Rome:20270329T100000\r\n",
		"SUMMARY:Sportello anagrafe – Comune di Roccasole\r\n",
		`LOCATION:Palazzo comunale\, piazza Vittorio Emanuele II 1\; piano terra\, stanza 12 – accesso dal cortile interno (è ammesso l'accompagnatore)` + "\r\n",
		"URL:https://roccasole.example.it/area-personale/appuntamenti/APP-7KQ2M9XD\r\n",
		"STATUS:CONFIRMED\r\n", "END:VEVENT\r\nEND:VCALENDAR\r\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
	if !bytes.Contains(b, []byte("\r\n ")) {
		t.Error("the long location was not folded")
	}
}

func TestFeedICS_ListsTheDesksAppointmentsCancelledOnesMarked(t *testing.T) {
	t.Parallel()
	d := booking.Desk{Name: "Sportello anagrafe"}
	as := []booking.Appointment{
		{Reference: "APP-7KQ2M9XD", Name: "Mario Rossi", Service: "carta-identita", Mode: booking.ModeInPerson, Note: "Porto la foto,\ne il vecchio documento",
			Start: rome(2027, time.October, 29, 9, 0), End: rome(2027, time.October, 29, 9, 30), Status: booking.StatusBooked},
		{Reference: "APP-7KQ2M9XE", Name: "Anna Verdi", Mode: booking.ModeVideo,
			Start: rome(2027, time.November, 2, 9, 0), End: rome(2027, time.November, 2, 9, 30), Status: booking.StatusCancelled},
	}
	b := booking.FeedICS(d, as, booking.CalendarInfo{Comune: "Comune di Roccasole", Host: "roccasole.example.it"})
	checkLines(t, b)
	s := unfold(b)
	if strings.Count(s, "BEGIN:VEVENT") != 2 || strings.Count(s, "STATUS:CANCELLED") != 1 {
		t.Fatalf("events:\n%s", s)
	}
	for _, want := range []string{"X-WR-CALNAME:Sportello anagrafe – Comune di Roccasole\r\n",
		"SUMMARY:Mario Rossi (APP-7KQ2M9XD)\r\n", `Porto la foto\,\ne il vecchio documento`,
		"DTSTART;TZID=Europe/Rome:20271029T090000\r\n", "DTSTART;TZID=Europe/Rome:20271102T090000\r\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in\n%s", want, s)
		}
	}
}
