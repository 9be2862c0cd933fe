package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// One appointment on the clerk's agenda and what the clerk does with it:
// check-in, done, no-show and the internal note (one form, a button
// each), take it or let it go, move it to another free slot or cancel it
// with a message to the citizen. Every form posts, then redirects back to
// the appointment with a notice; refused input comes back (422) as typed.

// sessAgendaNotice holds, until the appointment's page shows it, what the
// clerk just did: "<reference> <what>".
const sessAgendaNotice = "agenda_notice"

// maxAgendaText is the longest note or message a clerk writes here.
const maxAgendaText = 2000

// agendaOutcomes are the mark form's buttons: the value posted and the
// status it records ("" keeps the status: Mark saves the note alone).
var agendaOutcomes = []struct{ value, status string }{
	{"arrivato", booking.StatusCheckedIn},
	{"concluso", booking.StatusDone},
	{"assente", booking.StatusNoShow},
	{"nota", ""},
}

// agendaOutcomesFor are the outcomes a status leads to, the usual next
// one first.
func agendaOutcomesFor(status string) []string {
	switch status {
	case booking.StatusBooked:
		return []string{"arrivato", "assente", "concluso", "nota"}
	case booking.StatusCheckedIn:
		return []string{"concluso", "nota"}
	case booking.StatusDone, booking.StatusNoShow:
		return []string{"nota"}
	}
	return nil
}

// agendaAppointment shows one appointment.
func (s *Server) agendaAppointment(c echo.Context) error {
	a, err := s.agendaAppointmentOf(c)
	if err != nil {
		return err
	}
	notice := ""
	if v := s.deps.Sessions.PopString(c.Request().Context(), sessAgendaNotice); v != "" {
		if ref, what, ok := strings.Cut(v, " "); ok && ref == a.Reference {
			notice = s.localizer(c).T("agenda.notice." + what)
		}
	}
	return s.renderAgendaAppointment(c, http.StatusOK, a, agendaEdit{notice: notice, note: a.StaffNote})
}

// agendaEdit is what the appointment's page says besides the appointment:
// a notice, a refusal, or the note sent back with what is wrong with it.
type agendaEdit struct {
	notice, problem string
	note, noteError string
}

func (s *Server) renderAgendaAppointment(c echo.Context, status int, a booking.Appointment, e agendaEdit) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	ctx := c.Request().Context()
	ch := s.chrome(c, "")
	l := ch.L
	titles, err := s.serviceTitles(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}
	names, err := s.staffNames(ctx, c)
	if err != nil {
		return err
	}
	base := agendaURL(a.Reference)
	heading := l.T("agenda.detail.heading", "name", a.Name)
	ch.Title = heading + " " + a.Reference
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: l.T("desk.heading"), URL: deskPath}, {Label: l.T("agenda.heading"), URL: agendaDayURL(a)},
		{Label: a.Reference}}
	page := views.AgendaDetailPage{
		Reference: a.Reference, Heading: heading, Status: agendaStatus(l, a.Status), Notice: e.notice, Problem: e.problem,
		Facts: agendaFacts(l, a, titles, names), BackURL: agendaDayURL(a), Note: lines(a.Note),
	}
	page.Citizen = append(page.Citizen, views.Fact{Label: l.T("agenda.detail.name"), Value: a.Name})
	if a.FiscalCode != "" {
		page.Citizen = append(page.Citizen, views.Fact{Label: l.T("agenda.detail.fiscal_code"), Value: a.FiscalCode})
	}
	if a.Email != "" {
		page.Citizen = append(page.Citizen, views.Fact{Label: l.T("agenda.detail.email"), Value: a.Email, URL: "mailto:" + a.Email})
	}
	if a.Phone != "" {
		page.Citizen = append(page.Citizen, views.Fact{Label: l.T("agenda.detail.phone"), Value: a.Phone,
			URL: "tel:" + strings.ReplaceAll(a.Phone, " ", "")})
	}
	account := "agenda.detail.account.guest"
	if a.PersonID != "" {
		account = "agenda.detail.account.person"
	}
	page.Citizen = append(page.Citizen, views.Fact{Label: l.T("agenda.detail.account"), Value: l.T(account)})
	if a.ApplicationRef != "" {
		page.ApplicationRef, page.ApplicationURL = a.ApplicationRef, deskAppURL(a.ApplicationRef)
	}

	if outcomes := agendaOutcomesFor(a.Status); len(outcomes) > 0 {
		note := views.DeskField{ID: "agenda-note", Name: "nota", Label: l.T("agenda.mark.note"), Hint: l.T("agenda.mark.note.hint"),
			Value: e.note, Error: e.noteError}
		if note.Error != "" {
			page.Errors = append(page.Errors, views.ErrorLink{Message: note.Error, Href: "#" + note.ID})
		}
		page.Mark = &views.AgendaMarkForm{Action: base + "/esito", Note: note}
		for i, o := range outcomes {
			page.Mark.Buttons = append(page.Mark.Buttons, views.AgendaButton{Name: "esito", Value: o,
				Label: l.T("agenda.mark." + o), Primary: i == 0 && o != "nota", TestID: "agenda-mark-" + o})
		}
	}
	if a.Status == booking.StatusBooked || a.Status == booking.StatusCheckedIn {
		page.Assign = &views.AgendaAssignForm{Action: base + "/assegna",
			Button: views.AgendaButton{Name: "a", Value: agendaClerkMe, Label: l.T("agenda.assign.me"), TestID: "agenda-assign-me"}}
		if a.Clerk == p.FiscalCode {
			page.Assign.Button = views.AgendaButton{Name: "a", Value: "", Label: l.T("agenda.assign.release"), TestID: "agenda-assign-release"}
		}
	}
	if a.Status == booking.StatusBooked {
		page.MoveURL, page.CancelURL = base+"/sposta", base+"/annulla"
	}
	if a.Mode == booking.ModeVideo && a.Status != booking.StatusCancelled {
		page.RoomURL = base + "/sala"
	}
	if len(page.Errors) > 0 {
		ch.Title = l.T("form.errors.title_prefix") + " " + ch.Title
	}
	return s.render(c, status, views.AgendaDetail(ch, page))
}

// agendaDayURL is the agenda of the appointment's day and desk.
func agendaDayURL(a booking.Appointment) string {
	return agendaPath + "?" + url.Values{"giorno": {a.Start.In(booking.Rome).Format(time.DateOnly)}, "sportello": {a.DeskSlug}}.Encode()
}

// agendaFacts are the appointment's when, where, what and who.
func agendaFacts(l *locale.Localizer, a booking.Appointment, titles, names map[string]string) []views.Fact {
	facts := []views.Fact{
		{Label: l.T("agenda.detail.when"), Value: agendaDayLabel(l, a.Start) + ", " + clockRange(a.Start, a.End), ISO: isoTime(a.Start)},
		{Label: l.T("agenda.detail.desk"), Value: a.DeskName, Note: a.Location},
		{Label: l.T("agenda.detail.service"), Value: agendaService(l, titles, a.Service)},
		{Label: l.T("agenda.detail.mode"), Value: l.T("agenda.mode." + string(a.Mode))},
		{Label: l.T("agenda.detail.status"), Value: l.T("agenda.status." + a.Status)},
		{Label: l.T("agenda.detail.clerk"), Value: clerkName(l, names, a.Clerk)},
	}
	if !a.CreatedAt.IsZero() {
		facts = append(facts, views.Fact{Label: l.T("agenda.detail.booked_at"), Value: l.DateTime(a.CreatedAt), ISO: isoTime(a.CreatedAt)})
	}
	if a.Status == booking.StatusCancelled && a.CancelledBy != "" {
		facts = append(facts, views.Fact{Label: l.T("agenda.detail.cancelled_by"), Value: l.T("agenda.cancelled_by." + a.CancelledBy)})
	}
	if a.StaffNote != "" {
		facts = append(facts, views.Fact{Label: l.T("agenda.detail.staff_note"), Value: a.StaffNote})
	}
	return facts
}

// officeActor is the clerk acting on an appointment.
func officeActor(c echo.Context) booking.Actor {
	p := c.Get(ctxPrincipal).(auth.Principal)
	return booking.Actor{Office: true, FiscalCode: p.FiscalCode}
}

// agendaDone redirects to the appointment with what was done.
func (s *Server) agendaDone(c echo.Context, ref, what string) error {
	s.deps.Sessions.Put(c.Request().Context(), sessAgendaNotice, ref+" "+what)
	return c.Redirect(http.StatusSeeOther, agendaURL(ref))
}

// agendaRefused shows the appointment as it is now, 409, saying why the
// action was refused (its status changed meanwhile).
func (s *Server) agendaRefused(c echo.Context, ref string, err error) error {
	var rule *booking.RuleError
	if !errors.As(err, &rule) {
		return bookingError(err)
	}
	a, rerr := s.agendaAppointmentOf(c)
	if rerr != nil {
		return rerr
	}
	l := s.localizer(c)
	return s.renderAgendaAppointment(c, http.StatusConflict, a, agendaEdit{note: a.StaffNote,
		problem: l.T("agenda.problem."+rule.Code, "status", l.T("agenda.status."+a.Status), "hours", rule.Hours)})
}

// agendaMark records check-in, done or no-show, or only the note.
func (s *Server) agendaMark(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	a, err := s.agendaAppointmentOf(c)
	if err != nil {
		return err
	}
	what, note := c.FormValue("esito"), strings.TrimSpace(c.FormValue("nota"))
	status, known := "", false
	for _, o := range agendaOutcomes {
		if o.value == what {
			status, known = o.status, true
		}
	}
	if !known {
		return errBadRequest
	}
	if utf8.RuneCountInString(note) > maxAgendaText {
		l := s.localizer(c)
		return s.renderAgendaAppointment(c, http.StatusUnprocessableEntity, a,
			agendaEdit{note: c.FormValue("nota"), noteError: l.T("agenda.error.too_long", "max", maxAgendaText)})
	}
	if err := s.deps.Booking.Mark(c.Request().Context(), t.ID, a.Reference, status, note, officeActor(c)); err != nil {
		return s.agendaRefused(c, a.Reference, err)
	}
	return s.agendaDone(c, a.Reference, what)
}

// agendaAssign gives the appointment to the clerk, or lets it go.
func (s *Server) agendaAssign(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	a, err := s.agendaAppointmentOf(c)
	if err != nil {
		return err
	}
	clerk, what := "", "released"
	switch c.FormValue("a") {
	case agendaClerkMe:
		clerk, what = p.FiscalCode, "assigned"
	case "":
	default:
		return errBadRequest
	}
	if err := s.deps.Booking.Assign(c.Request().Context(), t.ID, a.Reference, clerk); err != nil {
		return s.agendaRefused(c, a.Reference, err)
	}
	return s.agendaDone(c, a.Reference, what)
}

// agendaChangeInput is what a move or cancel form sent, kept to show it
// again.
type agendaChangeInput struct {
	start   string // the chosen slot, RFC 3339
	message string
	errs    map[string]string
	problem string
	nearest []booking.Slot // from a *SlotError: offered instead of the list
}

// agendaMoveDays is how many days ahead the move form offers free slots.
const agendaMoveDays = 14

func (s *Server) agendaMoveForm(c echo.Context) error {
	a, err := s.agendaAppointmentOf(c)
	if err != nil {
		return err
	}
	if a.Status != booking.StatusBooked {
		return s.agendaRefused(c, a.Reference, &booking.RuleError{Code: "status"})
	}
	return s.renderAgendaMove(c, http.StatusOK, a, agendaChangeInput{})
}

func (s *Server) renderAgendaMove(c echo.Context, status int, a booking.Appointment, in agendaChangeInput) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	l := s.localizer(c)
	slots := in.nearest
	if slots == nil {
		today := civilDay(s.deps.Booking.Now(), 0)
		days, err := s.deps.Booking.FreeSlots(ctx, t.ID, a.DeskSlug, a.Mode, today, civilDay(today, agendaMoveDays-1))
		if err != nil {
			return bookingError(err)
		}
		for _, d := range days {
			slots = append(slots, d.Slots...)
		}
	}
	choice := &views.AgendaSlotChoice{Legend: l.T("agenda.move.slots"), Error: in.errs["inizio"]}
	for _, sl := range slots {
		start := sl.Start.In(booking.Rome)
		key := start.Format(time.DateOnly)
		if n := len(choice.Days); n == 0 || choice.Days[n-1].ID != "day-"+key {
			choice.Days = append(choice.Days, views.AgendaSlotDay{ID: "day-" + key, Label: agendaDayLabel(l, start)})
		}
		value := sl.Start.UTC().Format(time.RFC3339)
		day := &choice.Days[len(choice.Days)-1]
		day.Slots = append(day.Slots, views.AgendaSlot{ID: "slot-" + start.Format("20060102-1504"), Value: value,
			Label: start.Format("15:04"), Checked: value == in.start})
	}
	page := s.agendaChangePage(c, a, "move", in)
	page.Slots = choice
	page.SlotsEmpty = l.T("agenda.move.none", "days", agendaMoveDays)
	page.Problem = in.problem
	if choice.Error != "" {
		page.Errors = append([]views.ErrorLink{{Message: choice.Error, Href: "#agenda-slots"}}, page.Errors...)
	}
	return s.renderAgendaChange(c, status, a, page)
}

// agendaChangePage is the move or cancel form's page, without the slots.
func (s *Server) agendaChangePage(c echo.Context, a booking.Appointment, action string, in agendaChangeInput) views.AgendaChangePage {
	l := s.localizer(c)
	base := agendaURL(a.Reference)
	page := views.AgendaChangePage{
		Heading: l.T("agenda." + action + ".heading"), Lead: l.T("agenda." + action + ".lead"), Reference: a.Reference,
		Action: base + "/" + map[string]string{"move": "sposta", "cancel": "annulla"}[action], Submit: l.T("agenda." + action + ".submit"),
		Danger: action == "cancel", BackURL: base, BackLabel: l.T("agenda.back_appointment"),
		Message: views.DeskField{ID: "agenda-message", Name: "messaggio", Label: l.T("agenda." + action + ".message"),
			Hint: l.T("agenda." + action + ".message.hint"), Value: in.message, Error: in.errs["messaggio"]},
		Facts: []views.Fact{
			{Label: l.T("agenda.reference"), Value: a.Reference},
			{Label: l.T("agenda.detail.name"), Value: a.Name},
			{Label: l.T("agenda.detail.when"), Value: agendaDayLabel(l, a.Start) + ", " + clockRange(a.Start, a.End), ISO: isoTime(a.Start)},
			{Label: l.T("agenda.detail.desk"), Value: a.DeskName},
		},
	}
	if page.Message.Error != "" {
		page.Errors = append(page.Errors, views.ErrorLink{Message: page.Message.Error, Href: "#" + page.Message.ID})
	}
	return page
}

func (s *Server) renderAgendaChange(c echo.Context, status int, a booking.Appointment, page views.AgendaChangePage) error {
	ch := s.chrome(c, "")
	ch.Title = page.Heading + " – " + a.Reference
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("desk.heading"), URL: deskPath}, {Label: ch.T("agenda.heading"), URL: agendaDayURL(a)},
		{Label: a.Reference, URL: agendaURL(a.Reference)}, {Label: page.Heading}}
	if len(page.Errors) > 0 || page.Problem != "" {
		ch.Title = ch.T("form.errors.title_prefix") + " " + ch.Title
	}
	return s.render(c, status, views.AgendaChange(ch, page))
}

// agendaMove moves the appointment to the chosen free slot, with a message
// to the citizen. A slot taken meanwhile (or otherwise refused) brings the
// form back with the reason and the nearest free slots.
func (s *Server) agendaMove(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	a, err := s.agendaAppointmentOf(c)
	if err != nil {
		return err
	}
	l := s.localizer(c)
	in := agendaChangeInput{start: c.FormValue("inizio"), message: c.FormValue("messaggio"), errs: map[string]string{}}
	start, perr := time.Parse(time.RFC3339, in.start)
	if in.start == "" || perr != nil {
		in.errs["inizio"] = l.T("agenda.error.slot")
	}
	if utf8.RuneCountInString(strings.TrimSpace(in.message)) > maxAgendaText {
		in.errs["messaggio"] = l.T("agenda.error.too_long", "max", maxAgendaText)
	}
	if len(in.errs) > 0 {
		return s.renderAgendaMove(c, http.StatusUnprocessableEntity, a, in)
	}
	moved, err := s.deps.Booking.Move(c.Request().Context(), t.ID, a.Reference, start, officeActor(c), strings.TrimSpace(in.message))
	var slotErr *booking.SlotError
	switch {
	case errors.As(err, &slotErr):
		in.problem = l.T("agenda.slot." + slotErr.Code)
		in.nearest = slotErr.Nearest
		if in.nearest == nil {
			in.nearest = []booking.Slot{}
		}
		return s.renderAgendaMove(c, http.StatusUnprocessableEntity, a, in)
	case err != nil:
		return s.agendaRefused(c, a.Reference, err)
	}
	return s.agendaDone(c, moved.Reference, "moved")
}

func (s *Server) agendaCancelForm(c echo.Context) error {
	a, err := s.agendaAppointmentOf(c)
	if err != nil {
		return err
	}
	if a.Status != booking.StatusBooked {
		return s.agendaRefused(c, a.Reference, &booking.RuleError{Code: "status"})
	}
	return s.renderAgendaChange(c, http.StatusOK, a, s.agendaChangePage(c, a, "cancel", agendaChangeInput{}))
}

// agendaCancel cancels the appointment for the office; the message to the
// citizen, saying why, is required.
func (s *Server) agendaCancel(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	a, err := s.agendaAppointmentOf(c)
	if err != nil {
		return err
	}
	l := s.localizer(c)
	in := agendaChangeInput{message: c.FormValue("messaggio"), errs: map[string]string{}}
	msg := strings.TrimSpace(in.message)
	switch {
	case msg == "":
		in.errs["messaggio"] = l.T("agenda.error.message")
	case utf8.RuneCountInString(msg) > maxAgendaText:
		in.errs["messaggio"] = l.T("agenda.error.too_long", "max", maxAgendaText)
	}
	if len(in.errs) > 0 {
		return s.renderAgendaChange(c, http.StatusUnprocessableEntity, a, s.agendaChangePage(c, a, "cancel", in))
	}
	if err := s.deps.Booking.Cancel(c.Request().Context(), t.ID, a.Reference, officeActor(c), msg); err != nil {
		return s.agendaRefused(c, a.Reference, err)
	}
	return s.agendaDone(c, a.Reference, "cancelled")
}
