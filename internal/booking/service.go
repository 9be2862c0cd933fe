package booking

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/jobs"
)

// errTODO marks what is being written (issue 7).
var errTODO = errors.New("booking: not written yet")

// Service runs the comune's calendars and appointments.
type Service struct {
	pool     *pgxpool.Pool
	inserter jobs.Inserter
	secret   []byte // signs manage links and guest codes
	now      func() time.Time
}

// Config configures the Service.
type Config struct {
	// Secret signs manage links (at least 32 bytes).
	Secret []byte
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// BaseURL of a tenant's portal, for links in messages and calendars.
	BaseURL func(tenantID string) string
}

// New builds the Service.
func New(pool *pgxpool.Pool, inserter jobs.Inserter, cfg Config) *Service {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Service{pool: pool, inserter: inserter, secret: cfg.Secret, now: now}
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Settings reads the comune's booking rules (defaults where unset).
func (s *Service) Settings(ctx context.Context, tenantID string) (Settings, error) {
	return Settings{}, errTODO
}

// SaveSettings writes the comune's booking rules.
func (s *Service) SaveSettings(ctx context.Context, tenantID string, st Settings) error {
	return errTODO
}

// Desks lists the comune's desks, active or not, by office then name.
func (s *Service) Desks(ctx context.Context, tenantID string) ([]Desk, error) {
	return nil, errTODO
}

// DesksFor lists the active desks that handle service (all active desks
// when service is "").
func (s *Service) DesksFor(ctx context.Context, tenantID, service string) ([]Desk, error) {
	return nil, errTODO
}

// Desk reads one desk by slug; ErrNotFound when it does not exist.
func (s *Service) Desk(ctx context.Context, tenantID, slug string) (Desk, error) {
	return Desk{}, errTODO
}

// SaveDesk creates or updates a desk (by slug) after validating it;
// DeskErrors lists what is wrong.
func (s *Service) SaveDesk(ctx context.Context, tenantID string, d Desk) error {
	return errTODO
}

// FreeSlots lists the free slots of a desk for mode from day from to day
// to (civil dates, both included), clipped to notice and horizon; days
// without a free slot are left out.
func (s *Service) FreeSlots(ctx context.Context, tenantID, deskSlug string, mode Mode, from, to time.Time) ([]Day, error) {
	return nil, errTODO
}

// Book books r; a *SlotError says why not (with the nearest free slots).
func (s *Service) Book(ctx context.Context, tenantID string, r Request) (Appointment, error) {
	return Appointment{}, errTODO
}

// Get reads an appointment by reference.
func (s *Service) Get(ctx context.Context, tenantID, ref string) (Appointment, error) {
	return Appointment{}, errTODO
}

// ForPerson lists a person's appointments, the coming ones first.
func (s *Service) ForPerson(ctx context.Context, tenantID, personID string) ([]Appointment, error) {
	return nil, errTODO
}

// ManageToken is the signed token of a guest's manage link.
func (s *Service) ManageToken(tenantID string, a Appointment) string {
	return ""
}

// ByToken reads the appointment a manage link names; ErrBadToken when the
// token is forged, expired or another comune's.
func (s *Service) ByToken(ctx context.Context, tenantID, token string) (Appointment, error) {
	return Appointment{}, ErrBadToken
}

// Cancel cancels an appointment; a citizen after the cut-off gets a
// *RuleError. message goes to the citizen when the office cancels.
func (s *Service) Cancel(ctx context.Context, tenantID, ref string, by Actor, message string) error {
	return errTODO
}

// Move moves an appointment to another start on the same desk, keeping its
// reference; a *SlotError when the new slot cannot be booked.
func (s *Service) Move(ctx context.Context, tenantID, ref string, start time.Time, by Actor, message string) (Appointment, error) {
	return Appointment{}, errTODO
}

// Agenda lists the appointments of a desk ("" all desks) and of a clerk
// ("" anyone) between from and to, cancelled ones included.
func (s *Service) Agenda(ctx context.Context, tenantID, deskSlug, clerk string, from, to time.Time) ([]Appointment, error) {
	return nil, errTODO
}

// Mark records check-in, done or no-show (status) and the clerk's note.
func (s *Service) Mark(ctx context.Context, tenantID, ref, status, staffNote string, by Actor) error {
	return errTODO
}

// Assign gives an appointment to a clerk ("" unassigns).
func (s *Service) Assign(ctx context.Context, tenantID, ref, clerk string) error {
	return errTODO
}

// DeskByFeedToken reads the desk whose feed token is token.
func (s *Service) DeskByFeedToken(ctx context.Context, tenantID, token string) (Desk, error) {
	return Desk{}, ErrBadToken
}

// Room is a video appointment's room under the comune's settings.
func (s *Service) Room(tenantSlug string, st Settings, a Appointment) Room {
	return Room{}
}

// CalendarInfo is what an iCalendar file says besides the appointments.
type CalendarInfo struct {
	Comune string // the comune's name
	Host   string // the portal's host, for UIDs
	URL    string // a link to the appointment or the agenda
}

// ICS is an appointment as an iCalendar file (RFC 5545: CRLF line ends,
// folded lines, times in Europe/Rome with its VTIMEZONE).
func ICS(a Appointment, c CalendarInfo) []byte {
	return nil
}

// FeedICS is a desk's appointments as an iCalendar feed.
func FeedICS(d Desk, as []Appointment, c CalendarInfo) []byte {
	return nil
}
