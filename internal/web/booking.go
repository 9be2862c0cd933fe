package web

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// The citizen's booking of an appointment (/prenota), in the Modello
// Comuni's steps: place (desk and mode), date and time, reason (service
// and note), applicant (the person logged in, or a guest who proves their
// email with a code), summary; then the confirmation.
//
// The journey lives in the session (sessJourney, JSON): each step is a GET
// page and a POST that validates (422 with the message beside the field)
// and redirects (POST-redirect-GET). A step reached before the ones it
// needs redirects to the first one missing. The summary's form carries an
// idempotency key made when it renders, so sending it twice books once.

const (
	prenotaPath     = "/prenota"
	prenotaSlots    = prenotaPath + "/data"
	prenotaReason   = prenotaPath + "/motivo"
	prenotaWho      = prenotaPath + "/richiedente"
	prenotaCode     = prenotaPath + "/verifica"
	prenotaResend   = prenotaCode + "/nuovo-codice"
	prenotaSummary  = prenotaPath + "/riepilogo"
	prenotaDone     = prenotaPath + "/conferma"
	sessJourney     = "booking_journey"
	maxBookingNote  = 1000
	maxBookingName  = 200
	slotPickerDays  = 7
	stepPlace       = 0
	stepSlot        = 1
	stepReason      = 2
	stepApplicant   = 3
	stepSummary     = 4
	bookingStepsLen = 5
)

var prenotaSteps = [bookingStepsLen]string{prenotaPath, prenotaSlots, prenotaReason, prenotaWho, prenotaSummary}

// bookingRoutes registers the booking journey, the person's appointments,
// the guests' manage links and the waiting rooms.
func (s *Server) bookingRoutes(site *echo.Group) {
	comune := []echo.MiddlewareFunc{s.requireComune}
	site.GET(prenotaPath, s.bookingPlace, comune...)
	site.POST(prenotaPath, s.saveBookingPlace, comune...)
	site.GET(prenotaSlots, s.bookingSlots, comune...)
	site.POST(prenotaSlots, s.saveBookingSlot, comune...)
	site.GET(prenotaReason, s.bookingReason, comune...)
	site.POST(prenotaReason, s.saveBookingReason, comune...)
	site.GET(prenotaWho, s.bookingApplicant, comune...)
	site.POST(prenotaWho, s.saveBookingApplicant, comune...)
	site.GET(prenotaCode, s.bookingCode, comune...)
	site.POST(prenotaCode, s.checkBookingCode, comune...)
	site.POST(prenotaResend, s.resendBookingCode, comune...)
	site.GET(prenotaSummary, s.bookingSummary, comune...)
	site.POST(prenotaSummary, s.confirmBooking, comune...)
	site.GET(prenotaDone, s.bookingDone, comune...)
	s.appointmentRoutes(site)
}

// journey is what the person chose so far.
type journey struct {
	Desk        string              `json:"desk,omitempty"`
	Mode        booking.Mode        `json:"mode,omitempty"`
	Start       time.Time           `json:"start"`
	Service     string              `json:"service,omitempty"`
	Note        string              `json:"note,omitempty"`
	Application string              `json:"application,omitempty"`
	Person      string              `json:"person,omitempty"` // the person the applicant step was done as; "" a guest
	Name        string              `json:"name,omitempty"`
	Email       string              `json:"email,omitempty"`
	Phone       string              `json:"phone,omitempty"`
	Check       *booking.GuestCheck `json:"check,omitempty"`
	Verified    string              `json:"verified,omitempty"` // the guest's address proved by a code
	Done        [bookingStepsLen]bool
	Key         string      `json:"key,omitempty"`     // the idempotency key of the summary's form
	Booked      string      `json:"booked,omitempty"`  // the reference once booked
	Nearest     []time.Time `json:"nearest,omitempty"` // offered first after a refused slot
	Notice      string      `json:"notice,omitempty"`  // shown on the next step (i18n key)
}

func (s *Server) loadJourney(c echo.Context) journey {
	var j journey
	if raw := s.deps.Sessions.GetString(c.Request().Context(), sessJourney); raw != "" {
		if err := json.Unmarshal([]byte(raw), &j); err != nil {
			return journey{}
		}
	}
	return j
}

func (s *Server) saveJourney(c echo.Context, j journey) error {
	raw, err := json.Marshal(j)
	if err != nil {
		return err
	}
	s.deps.Sessions.Put(c.Request().Context(), sessJourney, string(raw))
	return nil
}

// citizenOf is the citizen logged in, if any: staff book as guests.
func citizenOf(c echo.Context) (auth.Principal, bool) {
	p, ok := c.Get(ctxPrincipal).(auth.Principal)
	return p, ok && p.Kind == auth.KindCitizen
}

// missing is the first step not done yet (stepSummary when all are).
func (j journey) missing(c echo.Context) int {
	p, citizen := citizenOf(c)
	switch {
	case j.Desk == "" || !j.Done[stepPlace]:
		return stepPlace
	case j.Start.IsZero() || !j.Done[stepSlot]:
		return stepSlot
	case !j.Done[stepReason]:
		return stepReason
	case !j.Done[stepApplicant], citizen && j.Person != p.PersonID, !citizen && (j.Person != "" || j.Verified == "" || j.Verified != j.Email):
		return stepApplicant
	}
	return stepSummary
}

// noticeStep is the step the pending notice is for: a refused slot is
// said where a new one is chosen, a new code where it is typed.
func (j journey) noticeStep() int {
	if strings.HasPrefix(j.Notice, "bookingweb.slot_error.") {
		return stepSlot
	}
	return stepApplicant
}

// stepURL is where step i is done; the applicant step continues on the
// code page while a guest's code waits.
func (j journey) stepURL(i int) string {
	if i == stepApplicant && j.Check != nil && j.Email != "" && j.Check.Email == j.Email && j.Verified != j.Email {
		return prenotaCode
	}
	return prenotaSteps[i]
}

// guard redirects to the first step missing before step; ok is false
// when it did.
func (s *Server) guard(c echo.Context, j journey, step int) (bool, error) {
	if m := j.missing(c); m < step {
		return false, c.Redirect(http.StatusSeeOther, j.stepURL(m))
	}
	return true, nil
}

// advance saves j and goes to the first step still missing.
func (s *Server) advance(c echo.Context, j journey) error {
	if err := s.saveJourney(c, j); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, j.stepURL(j.missing(c)))
}

// frame is the stepper with current step.
func (s *Server) bookingFrame(c echo.Context, l *locale.Localizer, j journey, current int) views.BookingFrame {
	labels := [bookingStepsLen]string{l.T("bookingweb.step.place"), l.T("bookingweb.step.slot"), l.T("bookingweb.step.reason"),
		l.T("bookingweb.step.applicant"), l.T("bookingweb.step.summary")}
	m := j.missing(c)
	f := views.BookingFrame{}
	for i, label := range labels {
		item := views.StepperItem{Label: label, Current: i == current, Done: i < m}
		if i <= m && i != current {
			item.URL = prenotaSteps[i]
		}
		f.Steps = append(f.Steps, item)
	}
	if j.Notice != "" && j.noticeStep() == current {
		f.Notice = l.T(j.Notice)
	}
	return f
}

func (s *Server) bookingChrome(c echo.Context, title string) views.Chrome {
	ch := s.chrome(c, "")
	ch.Title = title
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("booking.heading"), URL: prenotaPath}, {Label: title}}
	return ch
}

// Step 1: place.

// bookingPlace lists the desks by office (those of ?servizio= when
// given). Coming from a card or an application (?servizio=, ?pratica=), a
// new journey starts with them.
func (s *Server) bookingPlace(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	j := s.loadJourney(c)
	service, ref := c.QueryParam("servizio"), c.QueryParam("pratica")
	if service != "" || ref != "" || j.Booked != "" {
		j = journey{Service: service}
		if p, ok := citizenOf(c); ok && ref != "" {
			// Only the person's own application: another's reference is
			// ignored, saying nothing about it.
			if d, err := s.deps.Applications.ForPerson(ctx, t.ID, p.PersonID, ref); err == nil {
				j.Application, j.Service = d.Reference, d.Service
			}
		}
		if err := s.saveJourney(c, j); err != nil {
			return err
		}
	}
	return s.renderBookingPlace(c, http.StatusOK, j, c.QueryParam("tutti") == "1", "", "")
}

func (s *Server) renderBookingPlace(c echo.Context, status int, j journey, all bool, deskErr, modeErr string) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	l := s.localizer(c)
	ch := s.chrome(c, l.T("booking.heading"))
	ch.Breadcrumbs = []views.Crumb{{Label: l.T("booking.heading")}}
	filter := j.Service
	if all {
		filter = ""
	}
	desks, err := s.deps.Booking.DesksFor(ctx, t.ID, filter)
	if err != nil {
		return err
	}
	titles, err := s.serviceTitles(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}
	page := views.BookingPlacePage{Frame: s.bookingFrame(c, l, j, stepPlace), Action: prenotaPath, DeskError: deskErr, ModeError: modeErr,
		Lead:   l.T("booking.lead", "comune", t.Name),
		AllURL: prenotaPath + "?tutti=1"}
	if filter != "" {
		page.Service = serviceTitle(titles, filter)
		if len(desks) == 0 {
			page.NoDeskForService = true
			if desks, err = s.deps.Booking.DesksFor(ctx, t.ID, ""); err != nil {
				return err
			}
		}
	}
	offices, err := s.officeNames(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}
	both := false
	for _, d := range desks {
		if len(page.Offices) == 0 || page.Offices[len(page.Offices)-1].ID != "office-"+d.Office {
			name := offices[d.Office]
			if name == "" {
				name = d.Office
			}
			page.Offices = append(page.Offices, views.BookingOffice{Name: name, ID: "office-" + d.Office})
		}
		o := &page.Offices[len(page.Offices)-1]
		o.Desks = append(o.Desks, views.BookingDeskChoice{Value: d.Slug, ID: "desk-" + d.Slug, Label: deskName(l, d),
			Hint: deskHint(l, d), Selected: d.Slug == j.Desk})
		both = both || len(d.Modes) > 1
	}
	if both {
		for _, m := range []booking.Mode{booking.ModeInPerson, booking.ModeVideo} {
			page.Modes = append(page.Modes, views.Choice{Value: string(m), Label: l.T("bookingweb.mode." + string(m)), Selected: j.Mode == m})
		}
	}
	if deskErr != "" {
		page.Frame.Errors = append(page.Frame.Errors, views.ErrorLink{Message: deskErr, Href: "#desk"})
	}
	if modeErr != "" {
		page.Frame.Errors = append(page.Frame.Errors, views.ErrorLink{Message: modeErr, Href: "#mode"})
	}
	return s.render(c, status, views.BookingPlace(ch, page))
}

func deskHint(l *locale.Localizer, d booking.Desk) string {
	var modes []string
	for _, m := range d.Modes {
		modes = append(modes, l.T("bookingweb.mode."+string(m)))
	}
	hint := strings.Join(modes, " · ")
	if d.Location != "" {
		hint = d.Location + " — " + hint
	}
	return hint
}

// saveBookingPlace keeps the desk and mode. Another desk or mode drops the
// time chosen; a desk that does not handle the service chosen asks for
// the reason again.
func (s *Server) saveBookingPlace(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	j := s.loadJourney(c)
	slug, mode := c.FormValue("desk"), booking.Mode(c.FormValue("mode"))
	j.Mode = mode
	d, err := s.deps.Booking.Desk(c.Request().Context(), t.ID, slug)
	if slug == "" || errors.Is(err, booking.ErrNotFound) || (err == nil && !d.Active) {
		return s.renderBookingPlace(c, http.StatusUnprocessableEntity, j, false, l.T("bookingweb.error.desk"), "")
	}
	if err != nil {
		return err
	}
	switch {
	case len(d.Modes) == 1:
		mode = d.Modes[0]
	case !slices.Contains(d.Modes, mode):
		j.Desk = d.Slug
		msg := l.T("bookingweb.error.mode")
		if mode != "" {
			msg = l.T("bookingweb.error.mode_offered", "desk", deskName(l, d))
		}
		return s.renderBookingPlace(c, http.StatusUnprocessableEntity, j, false, "", msg)
	}
	if d.Slug != j.Desk || mode != j.Mode || !j.Done[stepPlace] {
		j.Start, j.Done[stepSlot], j.Nearest, j.Notice = time.Time{}, false, nil, ""
	}
	if j.Service != "" && !slices.Contains(d.Services, j.Service) {
		j.Done[stepReason] = false
	}
	j.Desk, j.Mode, j.Done[stepPlace] = d.Slug, mode, true
	return s.advance(c, j)
}

// Step 2: date and time.

func (s *Server) bookingSlots(c echo.Context) error {
	j := s.loadJourney(c)
	if ok, err := s.guard(c, j, stepSlot); !ok {
		return err
	}
	return s.renderBookingSlots(c, http.StatusOK, j, c.QueryParam("dal"), j.Start, "")
}

func (s *Server) renderBookingSlots(c echo.Context, status int, j journey, from string, chosen time.Time, slotErr string) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	d, err := s.deps.Booking.Desk(c.Request().Context(), t.ID, j.Desk)
	if err != nil {
		return err
	}
	if from == "" && !chosen.IsZero() {
		from = chosen.In(booking.Rome).Format(time.DateOnly)
	}
	if from == "" && len(j.Nearest) > 0 {
		from = j.Nearest[0].In(booking.Rome).Format(time.DateOnly)
	}
	picker, err := s.slotPicker(c, d, j.Mode, from, chosen, j.Nearest, prenotaSlots)
	if err != nil {
		return err
	}
	picker.Error = slotErr
	ch := s.bookingChrome(c, l.T("bookingweb.slots.heading"))
	page := views.BookingSlotsPage{Frame: s.bookingFrame(c, l, j, stepSlot), Action: prenotaSlots, Picker: picker, BackURL: prenotaPath,
		Place: placeLabel(l, d, j.Mode)}
	if slotErr != "" {
		page.Frame.Errors = append(page.Frame.Errors, views.ErrorLink{Message: slotErr, Href: "#" + picker.FirstID})
	}
	return s.render(c, status, views.BookingSlots(ch, page))
}

func placeLabel(l *locale.Localizer, d booking.Desk, mode booking.Mode) string {
	if mode == booking.ModeVideo {
		return deskName(l, d) + " — " + l.T("bookingweb.mode.video")
	}
	if d.Location != "" {
		return deskName(l, d) + " — " + d.Location
	}
	return deskName(l, d)
}

// slotPicker lists a week of a desk's free times from the day from
// (yyyy-mm-dd; today when empty or out of range), with links to the
// weeks before and after on path.
func (s *Server) slotPicker(c echo.Context, d booking.Desk, mode booking.Mode, from string, chosen time.Time, nearest []time.Time,
	path string) (views.SlotPicker, error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	now := s.deps.Booking.Now().In(booking.Rome)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, booking.Rome)
	last := today.AddDate(0, 0, d.HorizonDays)
	first := today
	if day, err := time.ParseInLocation(time.DateOnly, from, booking.Rome); err == nil && !day.Before(today) && !day.After(last) {
		first = day
	}
	end := first.AddDate(0, 0, slotPickerDays-1)
	days, err := s.deps.Booking.FreeSlots(c.Request().Context(), t.ID, d.Slug, mode, first, end)
	if err != nil {
		return views.SlotPicker{}, err
	}
	p := views.SlotPicker{From: first.Format(time.DateOnly),
		RangeLabel: l.T("bookingweb.slots.range", "from", l.Date(first), "to", l.Date(end))}
	if first.After(today) {
		prev := first.AddDate(0, 0, -slotPickerDays)
		if prev.Before(today) {
			prev = today
		}
		p.PrevURL = path + "?dal=" + prev.Format(time.DateOnly)
	}
	if next := first.AddDate(0, 0, slotPickerDays); !next.After(last) {
		p.NextURL = path + "?dal=" + next.Format(time.DateOnly)
	}
	for _, at := range nearest {
		p.Nearest = append(p.Nearest, views.SlotChoice{ID: "near-" + slotID(at), Value: at.Format(time.RFC3339),
			Label: weekdayDate(l, at) + ", " + at.In(booking.Rome).Format("15:04"), Checked: at.Equal(chosen)})
	}
	for _, day := range days {
		sd := views.SlotDay{Legend: weekdayDate(l, day.Date), ISO: day.Date.Format(time.DateOnly)}
		for _, sl := range day.Slots {
			sd.Slots = append(sd.Slots, views.SlotChoice{ID: "slot-" + slotID(sl.Start), Value: sl.Start.Format(time.RFC3339),
				Label: sl.Start.In(booking.Rome).Format("15:04"), Checked: sl.Start.Equal(chosen) && len(nearest) == 0})
		}
		p.Days = append(p.Days, sd)
	}
	switch {
	case len(p.Nearest) > 0:
		p.FirstID = p.Nearest[0].ID
	case len(p.Days) > 0:
		p.FirstID = p.Days[0].Slots[0].ID
	default:
		p.FirstID = "slots-range"
	}
	return p, nil
}

func slotID(t time.Time) string { return t.In(booking.Rome).Format("20060102-1504") }

// weekdayDate is "lunedì 7 dicembre 2026".
func weekdayDate(l *locale.Localizer, t time.Time) string {
	t = t.In(booking.Rome)
	return l.T("bookingweb.weekday."+string(rune('0'+int(t.Weekday())))) + " " + l.Date(t)
}

// parseSlot reads the slot posted; ok is false when none or not a time.
func parseSlot(v string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}

// isFree reports whether start is one of the desk's free times now.
func (s *Server) isFree(c echo.Context, desk string, mode booking.Mode, start time.Time) (bool, error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	r := start.In(booking.Rome)
	day := time.Date(r.Year(), r.Month(), r.Day(), 0, 0, 0, 0, booking.Rome)
	days, err := s.deps.Booking.FreeSlots(c.Request().Context(), t.ID, desk, mode, day, day)
	if err != nil {
		return false, err
	}
	for _, d := range days {
		for _, sl := range d.Slots {
			if sl.Start.Equal(start) && sl.Free > 0 {
				return true, nil
			}
		}
	}
	return false, nil
}

func (s *Server) saveBookingSlot(c echo.Context) error {
	l := s.localizer(c)
	j := s.loadJourney(c)
	if ok, err := s.guard(c, j, stepSlot); !ok {
		return err
	}
	start, ok := parseSlot(c.FormValue("slot"))
	if !ok {
		return s.renderBookingSlots(c, http.StatusUnprocessableEntity, j, c.FormValue("dal"), time.Time{}, l.T("bookingweb.error.slot"))
	}
	free, err := s.isFree(c, j.Desk, j.Mode, start)
	if err != nil {
		return err
	}
	if !free {
		return s.renderBookingSlots(c, http.StatusUnprocessableEntity, j, c.FormValue("dal"), time.Time{}, l.T("bookingweb.error.slot_gone"))
	}
	j.Start, j.Done[stepSlot], j.Nearest, j.Notice = start, true, nil, ""
	return s.advance(c, j)
}

// Step 3: reason.

func (s *Server) bookingReason(c echo.Context) error {
	j := s.loadJourney(c)
	if ok, err := s.guard(c, j, stepReason); !ok {
		return err
	}
	return s.renderBookingReason(c, http.StatusOK, j, "", "")
}

func (s *Server) renderBookingReason(c echo.Context, status int, j journey, serviceErr, noteErr string) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	l := s.localizer(c)
	d, err := s.deps.Booking.Desk(ctx, t.ID, j.Desk)
	if err != nil {
		return err
	}
	titles, err := s.serviceTitles(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}
	ch := s.bookingChrome(c, l.T("bookingweb.reason.heading"))
	page := views.BookingReasonPage{Frame: s.bookingFrame(c, l, j, stepReason), Action: prenotaReason, Application: j.Application,
		Note: j.Note, ServiceError: serviceErr, NoteError: noteErr, BackURL: prenotaSlots}
	page.Services = append(page.Services, views.Choice{Value: "", Label: l.T("bookingweb.reason.general"), Selected: j.Service == ""})
	for _, slug := range d.Services {
		page.Services = append(page.Services, views.Choice{Value: slug, Label: serviceTitle(titles, slug), Selected: slug == j.Service})
	}
	if serviceErr != "" {
		page.Frame.Errors = append(page.Frame.Errors, views.ErrorLink{Message: serviceErr, Href: "#service"})
	}
	if noteErr != "" {
		page.Frame.Errors = append(page.Frame.Errors, views.ErrorLink{Message: noteErr, Href: "#note"})
	}
	return s.render(c, status, views.BookingReason(ch, page))
}

func (s *Server) saveBookingReason(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	j := s.loadJourney(c)
	if ok, err := s.guard(c, j, stepReason); !ok {
		return err
	}
	d, err := s.deps.Booking.Desk(c.Request().Context(), t.ID, j.Desk)
	if err != nil {
		return err
	}
	j.Service, j.Note = c.FormValue("service"), strings.TrimSpace(c.FormValue("note"))
	serviceErr, noteErr := "", ""
	if j.Service != "" && !slices.Contains(d.Services, j.Service) {
		serviceErr = l.T("bookingweb.error.service")
	}
	if len([]rune(j.Note)) > maxBookingNote {
		noteErr = l.T("bookingweb.error.note", "max", maxBookingNote)
	}
	if serviceErr != "" || noteErr != "" {
		return s.renderBookingReason(c, http.StatusUnprocessableEntity, j, serviceErr, noteErr)
	}
	j.Done[stepReason] = true
	return s.advance(c, j)
}

// Step 4: applicant.

func (s *Server) bookingApplicant(c echo.Context) error {
	j := s.loadJourney(c)
	if ok, err := s.guard(c, j, stepApplicant); !ok {
		return err
	}
	in := applicantInput{Name: j.Name, Email: j.Email, Phone: j.Phone}
	if p, ok := citizenOf(c); ok && j.Person != p.PersonID {
		// Prefilled from the contact profile: what the comune knows.
		t := c.Get(ctxTenant).(tenant.Tenant)
		prof, err := s.deps.Contacts.Profile(c.Request().Context(), t.ID, p.PersonID)
		if err != nil {
			return err
		}
		in = applicantInput{Email: orDefault(prof.Email, prof.IdentityEmail), Phone: prof.Phone}
	}
	return s.renderBookingApplicant(c, http.StatusOK, j, in)
}

type applicantInput struct {
	Name, Email, Phone          string
	NameErr, EmailErr, PhoneErr string
	EmailStatus                 int
}

func (s *Server) renderBookingApplicant(c echo.Context, status int, j journey, in applicantInput) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	ch := s.bookingChrome(c, l.T("bookingweb.applicant.heading"))
	page := views.BookingApplicantPage{Frame: s.bookingFrame(c, l, j, stepApplicant), Action: prenotaWho, BackURL: prenotaReason,
		LoginURL: "/accedi?" + url.Values{"next": {prenotaWho}}.Encode(),
		Name: views.BookingField{ID: "name", Label: l.T("personal.name"), Type: "text", Autocomplete: "name", Value: in.Name,
			Error: in.NameErr, MaxLength: "200"},
		Email: views.BookingField{ID: "email", Label: l.T("bookingweb.applicant.email"), Type: "email", Autocomplete: "email",
			Value: in.Email, Error: in.EmailErr, MaxLength: "254"},
		Phone: views.BookingField{ID: "phone", Label: l.T("bookingweb.applicant.phone"), Type: "tel", Autocomplete: "tel",
			Value: in.Phone, Error: in.PhoneErr, MaxLength: "32", Hint: l.T("bookingweb.applicant.phone_hint")},
	}
	if p, ok := citizenOf(c); ok {
		page.LoggedIn, page.FiscalCode = true, p.FiscalCode
		page.Name.Value, page.Name.Readonly = p.Name(), true
		page.Email.Hint = l.T("bookingweb.applicant.email_hint_person")
	} else {
		st, err := s.deps.Booking.Settings(c.Request().Context(), t.ID)
		if err != nil {
			return err
		}
		page.LoginRequired = !st.GuestsAllowed
		page.Email.Hint = l.T("bookingweb.applicant.email_hint_guest", "minutes", int(booking.GuestCodeTTL.Minutes()))
	}
	for _, e := range []struct{ msg, id string }{{in.NameErr, "name"}, {in.EmailErr, "email"}, {in.PhoneErr, "phone"}} {
		if e.msg != "" {
			page.Frame.Errors = append(page.Frame.Errors, views.ErrorLink{Message: e.msg, Href: "#" + e.id})
		}
	}
	return s.render(c, status, views.BookingApplicant(ch, page))
}

// saveBookingApplicant keeps who books. A logged-in person is who they
// are; a guest (when the comune takes them) gets a code at the email
// given, unless that address was proved already in this journey.
func (s *Server) saveBookingApplicant(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	l := s.localizer(c)
	j := s.loadJourney(c)
	if ok, err := s.guard(c, j, stepApplicant); !ok {
		return err
	}
	p, citizen := citizenOf(c)
	if !citizen {
		st, err := s.deps.Booking.Settings(ctx, t.ID)
		if err != nil {
			return err
		}
		if !st.GuestsAllowed {
			return c.Redirect(http.StatusSeeOther, "/accedi?"+url.Values{"next": {prenotaWho}}.Encode())
		}
	}
	in := applicantInput{Name: strings.TrimSpace(c.FormValue("name")), Email: strings.TrimSpace(c.FormValue("email")),
		Phone: strings.TrimSpace(c.FormValue("phone"))}
	email, phone := in.Email, in.Phone
	if citizen {
		in.Name = p.Name()
	} else if in.Name == "" || len([]rune(in.Name)) > maxBookingName {
		in.NameErr = l.T("bookingweb.error.name")
	}
	if email != "" || !citizen {
		var err error
		if email, err = notify.NormalizeEmail(email); err != nil {
			in.EmailErr = l.T("bookingweb.error.email")
		}
	}
	if phone != "" {
		var err error
		if phone, err = notify.NormalizePhone(phone); err != nil {
			in.PhoneErr = l.T("bookingweb.error.phone")
		}
	}
	if in.NameErr != "" || in.EmailErr != "" || in.PhoneErr != "" {
		return s.renderBookingApplicant(c, http.StatusUnprocessableEntity, j, in)
	}
	j.Name, j.Email, j.Phone = in.Name, email, phone
	if citizen {
		j.Person, j.Done[stepApplicant] = p.PersonID, true
		return s.advance(c, j)
	}
	j.Person = ""
	if j.Verified == email {
		j.Done[stepApplicant] = true
		return s.advance(c, j)
	}
	j.Done[stepApplicant] = false
	if j.Check != nil && j.Check.Email == email && s.deps.Booking.Now().Before(j.Check.Expires) && j.Check.Attempts < booking.GuestCodeAttempts {
		// A code for this address is on its way already.
		return s.advance(c, j)
	}
	chk, err := s.deps.Booking.SendGuestCode(ctx, t.ID, email, s.guestMessage(c))
	var ge *booking.GuestCodeError
	if errors.As(err, &ge) {
		in.EmailErr = l.T("bookingweb.error.code_too_soon")
		return s.renderBookingApplicant(c, http.StatusTooManyRequests, j, in)
	}
	if err != nil {
		return err
	}
	j.Check = &chk
	return s.advance(c, j)
}

// guestMessage words the email with the code in the page's language.
func (s *Server) guestMessage(c echo.Context) booking.GuestMessage {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	return func(code string) notify.Email {
		return notify.Email{Subject: l.T("bookingweb.code.email_subject", "comune", t.Name),
			Body: l.T("bookingweb.code.email_body", "code", code, "minutes", int(booking.GuestCodeTTL.Minutes()), "comune", t.Name)}
	}
}

func (s *Server) bookingCode(c echo.Context) error {
	j := s.loadJourney(c)
	if ok, err := s.guard(c, j, stepApplicant); !ok {
		return err
	}
	if j.stepURL(stepApplicant) != prenotaCode {
		return c.Redirect(http.StatusSeeOther, j.stepURL(j.missing(c)))
	}
	return s.renderBookingCode(c, http.StatusOK, j, "")
}

func (s *Server) renderBookingCode(c echo.Context, status int, j journey, codeErr string) error {
	l := s.localizer(c)
	ch := s.bookingChrome(c, l.T("bookingweb.code.heading"))
	page := views.BookingCodePage{Frame: s.bookingFrame(c, l, j, stepApplicant), Action: prenotaCode, ResendAction: prenotaResend,
		ChangeURL: prenotaWho,
		Lead: l.T("bookingweb.code.lead", "email", j.Email, "time", j.Check.Expires.In(booking.Rome).Format("15:04"),
			"left", booking.GuestCodeAttempts-j.Check.Attempts),
		Code: views.BookingField{ID: "code", Label: l.T("bookingweb.code.label"), Type: "text", Autocomplete: "one-time-code",
			MaxLength: "6", Error: codeErr},
	}
	if codeErr != "" {
		page.Frame.Errors = append(page.Frame.Errors, views.ErrorLink{Message: codeErr, Href: "#code"})
	}
	return s.render(c, status, views.BookingCode(ch, page))
}

// checkBookingCode checks the guest's code: a wrong one counts an attempt,
// kept in the journey even though it is refused.
func (s *Server) checkBookingCode(c echo.Context) error {
	l := s.localizer(c)
	j := s.loadJourney(c)
	if ok, err := s.guard(c, j, stepApplicant); !ok {
		return err
	}
	if j.stepURL(stepApplicant) != prenotaCode {
		return c.Redirect(http.StatusSeeOther, j.stepURL(j.missing(c)))
	}
	err := s.deps.Booking.CheckGuestCode(j.Check, c.FormValue("code"))
	var ge *booking.GuestCodeError
	if errors.As(err, &ge) {
		if err := s.saveJourney(c, j); err != nil {
			return err
		}
		key := "bookingweb.error.code_" + ge.Code
		return s.renderBookingCode(c, http.StatusUnprocessableEntity, j, l.T(key, "left", ge.Left))
	}
	if err != nil {
		return err
	}
	j.Verified, j.Check, j.Done[stepApplicant] = j.Email, nil, true
	return s.advance(c, j)
}

func (s *Server) resendBookingCode(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	j := s.loadJourney(c)
	if ok, err := s.guard(c, j, stepApplicant); !ok {
		return err
	}
	if j.stepURL(stepApplicant) != prenotaCode {
		return c.Redirect(http.StatusSeeOther, j.stepURL(j.missing(c)))
	}
	chk, err := s.deps.Booking.SendGuestCode(c.Request().Context(), t.ID, j.Email, s.guestMessage(c))
	var ge *booking.GuestCodeError
	if errors.As(err, &ge) {
		return s.renderBookingCode(c, http.StatusTooManyRequests, j, l.T("bookingweb.error.code_too_soon"))
	}
	if err != nil {
		return err
	}
	j.Check = &chk
	j.Notice = "bookingweb.code.resent"
	if err := s.saveJourney(c, j); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, prenotaCode)
}

// Step 5: summary and confirmation.

func (s *Server) bookingSummary(c echo.Context) error {
	j := s.loadJourney(c)
	if ok, err := s.guard(c, j, stepSummary); !ok {
		return err
	}
	if j.Key == "" {
		key, err := newBookingKey()
		if err != nil {
			return err
		}
		j.Key = key
	}
	j.Notice = ""
	if err := s.saveJourney(c, j); err != nil {
		return err
	}
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	l := s.localizer(c)
	d, err := s.deps.Booking.Desk(ctx, t.ID, j.Desk)
	if err != nil {
		return err
	}
	titles, err := s.serviceTitles(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}
	offices, err := s.officeNames(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}
	ch := s.bookingChrome(c, l.T("bookingweb.summary.heading"))
	page := views.BookingSummaryPage{Frame: s.bookingFrame(c, l, j, stepSummary), Action: prenotaSummary, Key: j.Key, BackURL: prenotaWho}
	add := func(label, value, change string) {
		if value != "" {
			page.Items = append(page.Items, views.BookingSummaryItem{Label: label, Value: value, ChangeURL: change})
		}
	}
	add(l.T("bookingweb.fact.office"), orDefault(offices[d.Office], d.Office), "")
	add(l.T("bookingweb.fact.desk"), placeLabel(l, d, j.Mode), prenotaPath)
	add(l.T("bookingweb.fact.mode"), l.T("bookingweb.mode."+string(j.Mode)), prenotaPath)
	add(l.T("bookingweb.fact.when"), whenLabel(l, j.Start, j.Start.Add(time.Duration(d.SlotMinutes)*time.Minute)), prenotaSlots)
	add(l.T("bookingweb.fact.service"), orDefault(serviceTitle(titles, j.Service), l.T("bookingweb.reason.general")), prenotaReason)
	add(l.T("bookingweb.fact.application"), j.Application, "")
	add(l.T("bookingweb.fact.note"), j.Note, prenotaReason)
	add(l.T("personal.name"), j.Name, prenotaWho)
	if p, ok := citizenOf(c); ok {
		add(l.T("personal.fiscal_code"), p.FiscalCode, "")
	}
	add(l.T("bookingweb.applicant.email"), j.Email, prenotaWho)
	add(l.T("bookingweb.applicant.phone"), j.Phone, prenotaWho)
	return s.render(c, http.StatusOK, views.BookingSummary(ch, page))
}

func whenLabel(l *locale.Localizer, start, end time.Time) string {
	return weekdayDate(l, start) + ", " + start.In(booking.Rome).Format("15:04") + "–" + end.In(booking.Rome).Format("15:04")
}

func newBookingKey() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// confirmBooking books what the summary showed. The form's key makes it
// idempotent: sent twice, it books once and shows the same confirmation.
// A slot taken meanwhile (or no longer bookable) goes back to the times
// with the nearest free ones first, everything else kept.
func (s *Server) confirmBooking(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	j := s.loadJourney(c)
	key := c.FormValue("key")
	if key == "" {
		return errBadRequest
	}
	if j.Booked != "" && key == j.Key {
		return c.Redirect(http.StatusSeeOther, prenotaDone)
	}
	if ok, err := s.guard(c, j, stepSummary); !ok {
		return err
	}
	r := booking.Request{DeskSlug: j.Desk, Start: j.Start, Mode: j.Mode, Service: j.Service, Note: j.Note,
		ApplicationRef: j.Application, Name: j.Name, Email: j.Email, Phone: j.Phone, Language: s.localizer(c).Lang,
		IdempotencyKey: key}
	if p, ok := citizenOf(c); ok {
		r.PersonID, r.FiscalCode, r.Name = p.PersonID, p.FiscalCode, p.Name()
	}
	a, err := s.deps.Booking.Book(c.Request().Context(), t.ID, r)
	var se *booking.SlotError
	if errors.As(err, &se) {
		j.Start, j.Done[stepSlot], j.Key = time.Time{}, false, ""
		j.Nearest = nil
		for _, sl := range se.Nearest {
			j.Nearest = append(j.Nearest, sl.Start)
		}
		j.Notice = "bookingweb.slot_error." + se.Code
		if err := s.saveJourney(c, j); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, prenotaSlots)
	}
	if err != nil {
		return err
	}
	j.Booked, j.Key = a.Reference, key
	if err := s.saveJourney(c, j); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, prenotaDone)
}

// bookingDone confirms the booking just made in this session.
func (s *Server) bookingDone(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	j := s.loadJourney(c)
	if j.Booked == "" {
		return c.Redirect(http.StatusSeeOther, prenotaPath)
	}
	a, err := s.deps.Booking.Get(ctx, t.ID, j.Booked)
	if err != nil {
		return bookingError(err)
	}
	l := s.localizer(c)
	facts, err := s.appointmentFacts(c, a)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	ch.Title = l.T("bookingweb.done.heading")
	ch.Breadcrumbs = []views.Crumb{{Label: l.T("booking.heading"), URL: prenotaPath}, {Label: ch.Title}}
	base := s.manageBase(c, a)
	page := views.BookingDonePage{Reference: a.Reference, Facts: facts, ICSURL: base + "/calendario.ics", ManageURL: base}
	if a.Email != "" {
		page.Lead = l.T("bookingweb.done.lead", "email", a.Email)
	}
	if p, ok := citizenOf(c); ok && p.PersonID == a.PersonID {
		page.ListURL = appointmentsPath
	}
	if a.Mode == booking.ModeVideo {
		page.RoomURL = base + "/sala"
	}
	return s.render(c, http.StatusOK, views.BookingDone(ch, page))
}
