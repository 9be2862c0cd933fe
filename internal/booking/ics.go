package booking

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// iCalendar (RFC 5545). Files are written by hand: the format is small,
// and what matters here (CRLF line ends, lines folded at 75 octets without
// splitting a character, TEXT escaping, local times with the zone's
// VTIMEZONE) is easier to check in these lines than in a library.

// CalendarInfo is what an iCalendar file says besides the appointments.
type CalendarInfo struct {
	Comune string // the comune's name
	Host   string // the portal's host, for UIDs
	URL    string // a link to the appointment or the agenda
	// Title is the appointment's summary in the person's language
	// ("Appuntamento: Ufficio anagrafe"); "" is the desk's and comune's
	// names.
	Title string
	// Stamp is DTSTAMP; zero is now.
	Stamp time.Time
}

// romeTimezone is Europe/Rome's VTIMEZONE: CET, and CEST from the last
// Sunday of March at 2:00 to the last Sunday of October at 3:00.
var romeTimezone = []string{
	"BEGIN:VTIMEZONE",
	"TZID:Europe/Rome",
	"BEGIN:DAYLIGHT",
	"TZOFFSETFROM:+0100",
	"TZOFFSETTO:+0200",
	"TZNAME:CEST",
	"DTSTART:19700329T020000",
	"RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
	"END:DAYLIGHT",
	"BEGIN:STANDARD",
	"TZOFFSETFROM:+0200",
	"TZOFFSETTO:+0100",
	"TZNAME:CET",
	"DTSTART:19701025T030000",
	"RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
	"END:STANDARD",
	"END:VTIMEZONE",
}

type icsWriter struct{ b bytes.Buffer }

// line writes one content line, folded: at most 75 octets a line, the
// continuation lines starting with a space.
func (w *icsWriter) line(s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.b.WriteString(s[:cut])
		w.b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	w.b.WriteString(s)
	w.b.WriteString("\r\n")
}

// text escapes a TEXT value.
func text(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

func localTime(t time.Time) string { return t.In(Rome).Format("20060102T150405") }

func (w *icsWriter) begin(c CalendarInfo, name string) {
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//Civica//Appuntamenti//IT")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:PUBLISH")
	if name != "" {
		w.line("X-WR-CALNAME:" + text(name))
		w.line("X-WR-TIMEZONE:Europe/Rome")
	}
	for _, l := range romeTimezone {
		w.line(l)
	}
}

func (w *icsWriter) event(a Appointment, c CalendarInfo, summary, description, url string) {
	stamp := c.Stamp
	if stamp.IsZero() {
		stamp = time.Now()
	}
	w.line("BEGIN:VEVENT")
	w.line("UID:" + a.Reference + "@" + c.Host)
	w.line("DTSTAMP:" + stamp.UTC().Format("20060102T150405Z"))
	w.line("DTSTART;TZID=Europe/Rome:" + localTime(a.Start))
	w.line("DTEND;TZID=Europe/Rome:" + localTime(a.End))
	w.line("SUMMARY:" + text(summary))
	if description != "" {
		w.line("DESCRIPTION:" + text(description))
	}
	switch {
	case a.Mode == ModeVideo && url != "":
		w.line("LOCATION:" + text(url))
	case a.Location != "":
		w.line("LOCATION:" + text(a.Location))
	}
	if url != "" {
		w.line("URL:" + url)
	}
	if a.Status == StatusCancelled {
		w.line("STATUS:CANCELLED")
	} else {
		w.line("STATUS:CONFIRMED")
	}
	w.line("END:VEVENT")
}

// ICS is an appointment as an iCalendar file (RFC 5545: CRLF line ends,
// folded lines, times in Europe/Rome with its VTIMEZONE).
func ICS(a Appointment, c CalendarInfo) []byte {
	var w icsWriter
	w.begin(c, "")
	summary := c.Title
	if summary == "" {
		summary = a.DeskName
		if c.Comune != "" {
			summary += " – " + c.Comune
		}
	}
	w.event(a, c, summary, a.Reference, c.URL)
	w.line("END:VCALENDAR")
	return w.b.Bytes()
}

// FeedICS is a desk's appointments as an iCalendar feed for the clerks'
// calendar apps: each appointment with who booked it and why, the
// cancelled ones marked so.
func FeedICS(d Desk, as []Appointment, c CalendarInfo) []byte {
	var w icsWriter
	name := d.Name
	if c.Comune != "" {
		name += " – " + c.Comune
	}
	w.begin(c, name)
	for _, a := range as {
		summary := a.Name
		if summary == "" {
			summary = a.Email
		}
		summary += " (" + a.Reference + ")"
		desc := []string{a.Reference}
		for _, s := range []string{a.Service, string(a.Mode), a.ApplicationRef, a.Note} {
			if s != "" {
				desc = append(desc, s)
			}
		}
		w.event(a, c, summary, strings.Join(desc, "\n"), c.URL)
	}
	w.line("END:VCALENDAR")
	return w.b.Bytes()
}
