package web

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// The person's appointments in the personal area ("Appuntamenti") and a
// guest's manage link (/appuntamenti/gestisci/<token>): one appointment's
// page, its iCalendar file, moving it, cancelling it, and the video
// waiting room. Both doors lead to the same pages; who may act is the
// person the appointment belongs to, or whoever holds the signed link.
// Another person's or comune's appointment, or a forged or expired link,
// is not found and changes nothing.

const (
	appointmentsPath  = "/area-personale/appuntamenti"
	guestManagePath   = "/appuntamenti/gestisci" // booking.ManagePath, which the messages link to
	roomPlaceholder   = "/appuntamenti/sala-prova"
	sessBookingNotice = "booking_notice"
)

func (s *Server) appointmentRoutes(site *echo.Group) {
	citizen := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindCitizen)}
	comune := []echo.MiddlewareFunc{s.requireComune}
	site.GET(appointmentsPath, s.appointments, citizen...)
	for _, door := range []struct {
		base string
		mw   []echo.MiddlewareFunc
	}{{appointmentsPath + "/:ref", citizen}, {guestManagePath + "/:token", comune}} {
		site.GET(door.base, s.appointment, door.mw...)
		site.GET(door.base+"/calendario.ics", s.appointmentICS, door.mw...)
		site.GET(door.base+"/sposta", s.moveAppointmentForm, door.mw...)
		site.POST(door.base+"/sposta", s.moveAppointment, door.mw...)
		site.GET(door.base+"/annulla", s.cancelAppointmentForm, door.mw...)
		site.POST(door.base+"/annulla", s.cancelAppointment, door.mw...)
		site.GET(door.base+"/sala", s.waitingRoom, door.mw...)
	}
	site.GET(roomPlaceholder, s.roomPlaceholder, comune...)
}

// manageBase is where an appointment is managed: the personal area for
// the person logged in whose it is, the signed link otherwise.
func (s *Server) manageBase(c echo.Context, a booking.Appointment) string {
	if p, ok := citizenOf(c); ok && a.PersonID != "" && p.PersonID == a.PersonID {
		return appointmentsPath + "/" + url.PathEscape(a.Reference)
	}
	t := c.Get(ctxTenant).(tenant.Tenant)
	return guestManagePath + "/" + url.PathEscape(s.deps.Booking.ManageToken(t.ID, a))
}

// managed is the appointment a page is about, through either door.
type managed struct {
	a     booking.Appointment
	base  string
	by    booking.Actor
	guest bool
}

// errBadLink is a manage link that is forged, expired or another comune's.
var errBadLink = &pageError{http.StatusNotFound, "bookingweb.link.heading", "bookingweb.link.message"}

func (s *Server) managedOf(c echo.Context) (managed, error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	if token := c.Param("token"); token != "" {
		a, err := s.deps.Booking.ByToken(ctx, t.ID, token)
		if errors.Is(err, booking.ErrBadToken) || errors.Is(err, booking.ErrNotFound) {
			return managed{}, errBadLink
		}
		if err != nil {
			return managed{}, err
		}
		return managed{a: a, base: guestManagePath + "/" + url.PathEscape(token), guest: true}, nil
	}
	p := c.Get(ctxPrincipal).(auth.Principal)
	a, err := s.deps.Booking.Get(ctx, t.ID, c.Param("ref"))
	if err != nil {
		return managed{}, bookingError(err)
	}
	if a.PersonID == "" || a.PersonID != p.PersonID {
		return managed{}, errNotFound
	}
	return managed{a: a, base: appointmentsPath + "/" + url.PathEscape(a.Reference), by: booking.Actor{FiscalCode: p.FiscalCode}}, nil
}

// appointments lists the person's appointments: coming ones first, then
// past and cancelled ones.
func (s *Server) appointments(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	list, err := s.deps.Booking.ForPerson(ctx, t.ID, p.PersonID)
	if err != nil {
		return err
	}
	l := s.localizer(c)
	titles, err := s.serviceTitles(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}
	ch := s.chrome(c, l.T("bookingweb.list.heading"))
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: l.T("personal.heading"), URL: "/area-personale"}, {Label: ch.Title}}
	page := views.AppointmentsPage{Notice: s.deps.Sessions.PopString(ctx, sessBookingNotice), BookURL: prenotaPath}
	now := s.deps.Booking.Now()
	for _, a := range list {
		it := views.AppointmentItem{Reference: a.Reference, Title: appointmentTitle(l.T("bookingweb.appointment"), titles, a.Service),
			When: whenLabel(l, a.Start, a.End), ISO: a.Start.Format(time.RFC3339), Place: placeOf(l, a),
			Status: views.StatusBadge{Code: a.Status, Label: l.T("bookingweb.status." + a.Status)},
			URL:    appointmentsPath + "/" + url.PathEscape(a.Reference)}
		if a.Status == booking.StatusBooked && a.End.After(now) || a.Status == booking.StatusCheckedIn {
			page.Coming = append(page.Coming, it)
		} else {
			page.Past = append(page.Past, it)
		}
	}
	return s.render(c, http.StatusOK, views.Appointments(ch, page))
}

func appointmentTitle(general string, titles map[string]string, service string) string {
	if service == "" {
		return general
	}
	return serviceTitle(titles, service)
}

func placeOf(l *locale.Localizer, a booking.Appointment) string {
	if a.Mode == booking.ModeVideo {
		return a.DeskName + " — " + l.T("bookingweb.mode.video")
	}
	if a.Location != "" {
		return a.DeskName + " — " + a.Location
	}
	return a.DeskName
}

// appointmentFacts is what the citizen is shown of an appointment.
func (s *Server) appointmentFacts(c echo.Context, a booking.Appointment) ([]views.Fact, error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	titles, err := s.serviceTitles(c.Request().Context(), t.ID, l.Lang)
	if err != nil {
		return nil, err
	}
	offices, err := s.officeNames(c.Request().Context(), t.ID, l.Lang)
	if err != nil {
		return nil, err
	}
	facts := []views.Fact{
		{Label: l.T("bookingweb.fact.when"), Value: whenLabel(l, a.Start, a.End), ISO: a.Start.Format(time.RFC3339)},
		{Label: l.T("bookingweb.fact.office"), Value: orDefault(offices[a.Office], a.Office)},
		{Label: l.T("bookingweb.fact.desk"), Value: placeOf(l, a)},
		{Label: l.T("bookingweb.fact.mode"), Value: l.T("bookingweb.mode." + string(a.Mode))},
		{Label: l.T("bookingweb.fact.service"), Value: appointmentTitle(l.T("bookingweb.reason.general"), titles, a.Service)},
	}
	for _, f := range []views.Fact{{Label: l.T("bookingweb.fact.application"), Value: a.ApplicationRef},
		{Label: l.T("bookingweb.fact.note"), Value: a.Note}, {Label: l.T("personal.name"), Value: a.Name}} {
		if f.Value != "" {
			facts = append(facts, f)
		}
	}
	return facts, nil
}

// changeable reports whether the citizen may still move or cancel a, and
// the rule that says until when.
func (s *Server) changeable(c echo.Context, a booking.Appointment) (bool, string, error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	if a.Status != booking.StatusBooked {
		return false, "", nil
	}
	st, err := s.deps.Booking.Settings(c.Request().Context(), t.ID)
	if err != nil {
		return false, "", err
	}
	rule := s.localizer(c).T("bookingweb.rule.cutoff", "hours", st.CancelCutoffHours)
	cutoff := a.Start.Add(-time.Duration(st.CancelCutoffHours) * time.Hour)
	return s.deps.Booking.Now().Before(cutoff), rule, nil
}

func (s *Server) appointment(c echo.Context) error {
	m, err := s.managedOf(c)
	if err != nil {
		return err
	}
	notice := s.deps.Sessions.PopString(c.Request().Context(), sessBookingNotice)
	return s.renderAppointment(c, http.StatusOK, m, notice, "")
}

func (s *Server) renderAppointment(c echo.Context, status int, m managed, notice, problem string) error {
	l := s.localizer(c)
	a := m.a
	facts, err := s.appointmentFacts(c, a)
	if err != nil {
		return err
	}
	can, rule, err := s.changeable(c, a)
	if err != nil {
		return err
	}
	title := l.T("bookingweb.detail.heading", "reference", a.Reference)
	ch := s.chrome(c, title)
	ch.Feedback = nil
	page := views.AppointmentPage{Notice: notice, Problem: problem, Title: title, Reference: a.Reference,
		Status: views.StatusBadge{Code: a.Status, Label: l.T("bookingweb.status." + a.Status)}, Facts: facts,
		ICSURL: m.base + "/calendario.ics", CanChange: can, MoveURL: m.base + "/sposta", CancelURL: m.base + "/annulla", Rule: rule}
	if !can && rule != "" {
		page.Rule = rule + " " + l.T("bookingweb.rule.passed")
	}
	if a.Mode == booking.ModeVideo && a.Status != booking.StatusCancelled {
		page.RoomURL = m.base + "/sala"
	}
	if m.guest {
		ch.Breadcrumbs = []views.Crumb{{Label: l.T("booking.heading"), URL: prenotaPath}, {Label: title}}
		page.BackURL, page.BackLabel = prenotaPath, l.T("bookingweb.back_booking")
	} else {
		ch.Breadcrumbs = []views.Crumb{{Label: l.T("personal.heading"), URL: "/area-personale"},
			{Label: l.T("bookingweb.list.heading"), URL: appointmentsPath}, {Label: title}}
		page.BackURL, page.BackLabel = appointmentsPath, l.T("bookingweb.back_list")
	}
	return s.render(c, status, views.Appointment(ch, page))
}

// appointmentICS is the appointment as an iCalendar file.
func (s *Server) appointmentICS(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	m, err := s.managedOf(c)
	if err != nil {
		return err
	}
	body := booking.ICS(m.a, booking.CalendarInfo{Comune: t.Name, Host: hostName(c.Request().Host), URL: requestBase(c) + m.base})
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="appuntamento-`+m.a.Reference+`.ics"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", body)
}

func (s *Server) cancelAppointmentForm(c echo.Context) error {
	m, err := s.managedOf(c)
	if err != nil {
		return err
	}
	can, rule, err := s.changeable(c, m.a)
	if err != nil {
		return err
	}
	if !can {
		return s.refuseChange(c, m, rule)
	}
	l := s.localizer(c)
	facts, err := s.appointmentFacts(c, m.a)
	if err != nil {
		return err
	}
	ch := s.chrome(c, l.T("bookingweb.cancel.heading"))
	ch.Feedback = nil
	return s.render(c, http.StatusOK, views.AppointmentCancel(ch, views.AppointmentCancelPage{Facts: facts, Action: m.base + "/annulla",
		BackURL: m.base}))
}

// refuseChange shows the appointment with the rule that forbids the change.
func (s *Server) refuseChange(c echo.Context, m managed, rule string) error {
	l := s.localizer(c)
	msg := l.T("bookingweb.rule.status")
	if m.a.Status == booking.StatusBooked {
		msg = rule
	}
	return s.renderAppointment(c, http.StatusUnprocessableEntity, m, "", msg)
}

// ruleRefusal maps the domain's RuleError to the sentence shown.
func (s *Server) ruleRefusal(c echo.Context, m managed, re *booking.RuleError) error {
	l := s.localizer(c)
	if re.Code == "cutoff" {
		m.a.Status = booking.StatusBooked
		return s.renderAppointment(c, http.StatusUnprocessableEntity, m, "", l.T("bookingweb.rule.cutoff", "hours", re.Hours))
	}
	return s.renderAppointment(c, http.StatusUnprocessableEntity, m, "", l.T("bookingweb.rule.status"))
}

func (s *Server) cancelAppointment(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	m, err := s.managedOf(c)
	if err != nil {
		return err
	}
	err = s.deps.Booking.Cancel(c.Request().Context(), t.ID, m.a.Reference, m.by, "")
	var re *booking.RuleError
	if errors.As(err, &re) {
		return s.ruleRefusal(c, m, re)
	}
	if err != nil {
		return err
	}
	s.deps.Sessions.Put(c.Request().Context(), sessBookingNotice, s.localizer(c).T("bookingweb.cancel.done", "reference", m.a.Reference))
	return c.Redirect(http.StatusSeeOther, m.base)
}

func (s *Server) moveAppointmentForm(c echo.Context) error {
	m, err := s.managedOf(c)
	if err != nil {
		return err
	}
	can, rule, err := s.changeable(c, m.a)
	if err != nil {
		return err
	}
	if !can {
		return s.refuseChange(c, m, rule)
	}
	return s.renderMove(c, http.StatusOK, m, c.QueryParam("dal"), nil, "", "")
}

func (s *Server) renderMove(c echo.Context, status int, m managed, from string, nearest []time.Time, notice, slotErr string) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	d, err := s.deps.Booking.Desk(c.Request().Context(), t.ID, m.a.DeskSlug)
	if err != nil {
		return err
	}
	picker, err := s.slotPicker(c, d, m.a.Mode, from, time.Time{}, nearest, m.base+"/sposta")
	if err != nil {
		return err
	}
	picker.Error = slotErr
	facts, err := s.appointmentFacts(c, m.a)
	if err != nil {
		return err
	}
	ch := s.chrome(c, l.T("bookingweb.move.heading"))
	ch.Feedback = nil
	page := views.AppointmentMovePage{Notice: notice, Facts: facts, Action: m.base + "/sposta", Picker: picker, BackURL: m.base}
	if slotErr != "" {
		page.Errors = append(page.Errors, views.ErrorLink{Message: slotErr, Href: "#" + picker.FirstID})
	}
	return s.render(c, status, views.AppointmentMove(ch, page))
}

func (s *Server) moveAppointment(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	m, err := s.managedOf(c)
	if err != nil {
		return err
	}
	start, ok := parseSlot(c.FormValue("slot"))
	if !ok {
		return s.renderMove(c, http.StatusUnprocessableEntity, m, c.FormValue("dal"), nil, "", l.T("bookingweb.error.slot"))
	}
	a, err := s.deps.Booking.Move(c.Request().Context(), t.ID, m.a.Reference, start, m.by, "")
	var se *booking.SlotError
	var re *booking.RuleError
	switch {
	case errors.As(err, &se):
		var nearest []time.Time
		for _, sl := range se.Nearest {
			nearest = append(nearest, sl.Start)
		}
		msg := l.T("bookingweb.slot_error." + se.Code)
		return s.renderMove(c, http.StatusUnprocessableEntity, m, c.FormValue("dal"), nearest, "", msg)
	case errors.As(err, &re):
		return s.ruleRefusal(c, m, re)
	case err != nil:
		return err
	}
	s.deps.Sessions.Put(c.Request().Context(), sessBookingNotice, l.T("bookingweb.move.done", "when", whenLabel(l, a.Start, a.End)))
	return c.Redirect(http.StatusSeeOther, m.base)
}

// waitingRoom shows a video appointment and, from the room's opening to
// its closing, the way in.
func (s *Server) waitingRoom(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	m, err := s.managedOf(c)
	if err != nil {
		return err
	}
	if m.a.Mode != booking.ModeVideo {
		return errNotFound
	}
	st, err := s.deps.Booking.Settings(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	l := s.localizer(c)
	facts, err := s.appointmentFacts(c, m.a)
	if err != nil {
		return err
	}
	room := s.deps.Booking.Room(t.Slug, st, m.a)
	now := s.deps.Booking.Now()
	page := views.WaitingRoomPage{Facts: facts, ReloadURL: m.base + "/sala", BackURL: m.base}
	switch {
	case m.a.Status == booking.StatusCancelled || !now.Before(room.ClosesAt):
		page.State = "ended"
	case room.Open(now):
		page.State, page.EnterURL = "open", room.URL
		if room.Placeholder || room.URL == "" {
			page.EnterURL = roomPlaceholder
		}
	default:
		opens := room.OpensAt.In(booking.Rome)
		page.State = "early"
		page.Message = l.T("bookingweb.room.early", "time", opens.Format("15:04"), "date", opens.Format("02/01"))
	}
	ch := s.chrome(c, l.T("bookingweb.room.heading"))
	ch.Feedback = nil
	return s.render(c, http.StatusOK, views.WaitingRoom(ch, page))
}

// roomPlaceholder stands in for the video room in development, where no
// video service is configured.
func (s *Server) roomPlaceholder(c echo.Context) error {
	l := s.localizer(c)
	ch := s.chrome(c, l.T("bookingweb.placeholder.heading"))
	ch.Feedback = nil
	return s.render(c, http.StatusOK, views.BookingMessage(ch, views.BookingMessagePage{Heading: ch.Title,
		Message: []string{l.T("bookingweb.placeholder.text"), l.T("bookingweb.placeholder.admin")}}))
}
