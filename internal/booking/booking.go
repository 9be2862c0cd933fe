// Package booking keeps the comune's appointment calendars: desks
// (sportelli) in offices with opening hours, slot length, buffers, capacity,
// notice, horizon and closures; the free slots they offer; the appointments
// citizens book there, in person or by video; and the video desk's rooms.
//
// Capacity is enforced by the database: every appointment holds one seat
// (1..capacity) of its desk, and an exclusion constraint forbids two live
// appointments on the same desk and seat with overlapping times. Booking
// tries the seats in turn; when all are taken the slot is "just taken".
//
// What callers may rely on, and the decisions behind it:
//
//   - Slots (slots.go) are civil times in Rome: a desk open at 9:00 opens
//     at 9:00 on both sides of a DST change. On the day clocks go forward a
//     slot whose start or end does not exist is not offered; on the day
//     they go back each civil time is offered once. National holidays, the
//     comune's patron saint's day (tenants.patron_saint_day, through
//     internal/workdays) and the desk's closures have no slots.
//   - Every error a person may see carries a code for the catalogues
//     (booking.error.<code>): SlotError, RuleError, DeskErrors.
//   - References are "APP-" and 8 characters of internal/refcode.
//   - A guest's manage link (ManageToken, ByToken, ManagePath) is signed
//     with a key derived from the server's secret, for one comune and one
//     appointment, and expires a week after the appointment ends.
//   - A video room's name is the comune's slug and a MAC of the reference:
//     it cannot be guessed from the reference (room.go).
//   - Every change a person is told of (booked, moved, cancelled) is
//     notified through notify.Notify in the same transaction, and a booking
//     or a move queues its reminder job (ReminderArgs) there too; a
//     reminder whose appointment has since moved or been cancelled sends
//     nothing.
package booking

import (
	"errors"
	"time"
)

// Rome is where a comune's days and opening hours are civil times.
var Rome = mustRome()

func mustRome() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic("booking: Europe/Rome: " + err.Error())
	}
	return loc
}

// Mode is how an appointment takes place.
type Mode string

const (
	ModeInPerson Mode = "in_person"
	ModeVideo    Mode = "video"
)

// Clock is a civil time of day in minutes after midnight (9:30 is 570).
type Clock int

// Range is an opening range within a day, [Start, End).
type Range struct {
	Start Clock
	End   Clock
}

// Closure is a span of days a desk is closed, both ends included (civil
// dates at midnight in Rome).
type Closure struct {
	From   time.Time
	To     time.Time
	Reason string
}

// Desk is a sportello: where appointments are booked.
type Desk struct {
	ID       string
	Slug     string
	Office   string // the office's slug (catalogue)
	Name     string // Italian
	NameEn   string // English; "" is the Italian
	Location string // where it is (address, floor, room)
	Services []string
	Modes    []Mode
	// Hours per weekday (time.Sunday = 0 ... time.Saturday = 6)
	Hours         [7][]Range
	SlotMinutes   int
	BufferMinutes int
	Capacity      int
	// MinNoticeHours: the earliest slot bookable is now + notice.
	MinNoticeHours int
	// HorizonDays: the latest day bookable is today + horizon.
	HorizonDays int
	Closures    []Closure
	Active      bool
	// FeedToken names the desk's private iCalendar feed (/agenda/<token>.ics).
	FeedToken string
}

// Settings are a comune's booking rules, kept with the tenant.
type Settings struct {
	// VideoBaseURL is the Jitsi-compatible server rooms are made on
	// (https://meet.example.it/); "" uses the development placeholder.
	VideoBaseURL string
	// VideoJWTAppID and VideoJWTSecret, when set, sign a token for the room
	// (Jitsi's JWT authentication, HS256).
	VideoJWTAppID  string
	VideoJWTSecret string
	// GuestsAllowed lets people book without logging in, after an email check.
	GuestsAllowed bool
	// CancelCutoffHours: an appointment can be moved or cancelled by the
	// citizen until this many hours before it starts.
	CancelCutoffHours int
	// ReminderHours before the start the reminder is sent (24).
	ReminderHours int
	// RoomOpensMinutes before the start the video room opens (10).
	RoomOpensMinutes int
}

// Slot is a bookable time on a desk.
type Slot struct {
	Start time.Time
	End   time.Time
	Free  int // seats still free
}

// Day is one civil day's free slots.
type Day struct {
	Date  time.Time // midnight, Rome
	Slots []Slot
}

// Appointment statuses.
const (
	StatusBooked    = "booked"
	StatusCheckedIn = "checked_in"
	StatusDone      = "done"
	StatusNoShow    = "no_show"
	StatusCancelled = "cancelled"
)

// Appointment is a booked slot.
type Appointment struct {
	ID        string
	Reference string // shown to people, e.g. "APP-7KQ2M9"
	DeskSlug  string
	DeskName  string
	Office    string
	Location  string
	Service   string // service slug; "" for a general reason
	Mode      Mode
	Start     time.Time
	End       time.Time
	Status    string
	// Who: a logged-in person (PersonID) or a guest known by email.
	PersonID   string
	Name       string
	FiscalCode string
	Email      string
	Phone      string
	Note       string // the citizen's
	StaffNote  string // the clerk's, never shown to the citizen
	// ApplicationRef is the online application it is about, if any.
	ApplicationRef string
	// Clerk is the fiscal code of the clerk it is assigned to ("" any).
	Clerk     string
	CreatedAt time.Time
	// CancelledBy is "citizen" or "office" once cancelled.
	CancelledBy string
}

// Request is what a citizen books.
type Request struct {
	DeskSlug       string
	Start          time.Time
	Mode           Mode
	Service        string
	Note           string
	ApplicationRef string
	PersonID       string // "" for a guest
	Name           string
	FiscalCode     string
	Email          string
	Phone          string
	Language       string
	// IdempotencyKey names the request (a form token): booking twice with
	// the same key returns the first appointment.
	IdempotencyKey string
}

// Actor is who changes an appointment.
type Actor struct {
	Office     bool   // a clerk (true) or the citizen
	FiscalCode string // the clerk's, or the citizen's when logged in
}

// Errors.
var (
	ErrNotFound = errors.New("booking: not found")
	// ErrBadToken: a manage link that is forged, expired or for another
	// comune.
	ErrBadToken = errors.New("booking: bad token")
)

// SlotError says why a slot cannot be booked, with the nearest free slots.
type SlotError struct {
	// Code: taken, past, too_soon, beyond_horizon, closed, outside_hours,
	// mode (the desk does not offer it), service (the desk does not
	// handle it)
	Code    string
	Nearest []Slot
}

func (e *SlotError) Error() string { return "booking: slot " + e.Code }

// RuleError refuses a change the comune's rules forbid, e.g. "cutoff"
// (moving or cancelling too close to the start; Hours says the rule) or
// "status" (the appointment is not in a state that allows it).
type RuleError struct {
	Code  string
	Hours int
}

func (e *RuleError) Error() string { return "booking: " + e.Code }

// FieldError is one invalid field of a desk, with a code the web layer
// translates (booking.error.<code>).
type FieldError struct {
	Field string
	Code  string
}

// DeskErrors is every invalid field of a desk being saved.
type DeskErrors []FieldError

func (e DeskErrors) Error() string { return "booking: invalid desk" }

// Room is a video appointment's meeting room.
type Room struct {
	URL         string // "" in development without a video service (placeholder)
	Placeholder bool
	OpensAt     time.Time
	ClosesAt    time.Time
}

// Open reports whether the room can be entered at now.
func (r Room) Open(now time.Time) bool { return !now.Before(r.OpensAt) && now.Before(r.ClosesAt) }
