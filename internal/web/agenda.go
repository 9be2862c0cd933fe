package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// The clerk's agenda on the digital desk (/scrivania/agenda): the
// appointments of the desks of their offices, by day or by week, per desk
// and per clerk. A clerk or office manager sees the desks of the offices
// they work for, a comune admin every desk: the booking domain knows
// desks and offices, the staff list knows who works where
// (applications.Scope), and this file puts the two together. An
// appointment of a desk outside the clerk's offices answers 404, as if it
// did not exist.

const agendaPath = "/scrivania/agenda"

// The agenda's query: ?vista=giorno|settimana&giorno=YYYY-MM-DD&
// sportello=<desk slug>&operatore=me|<fiscal code>.
const (
	agendaViewDay  = "giorno"
	agendaViewWeek = "settimana"
	agendaClerkMe  = "me"
)

// agendaRoutes registers the agenda, its appointments' pages and forms,
// and the desks' private calendar feeds (no login: the token is the key).
func (s *Server) agendaRoutes(site *echo.Group, e *echo.Echo) {
	staff := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindStaff)}
	site.GET(agendaPath, s.agenda, staff...)
	base := agendaPath + "/:ref"
	site.GET(base, s.agendaAppointment, staff...)
	site.POST(base+"/esito", s.agendaMark, staff...)
	site.POST(base+"/assegna", s.agendaAssign, staff...)
	site.GET(base+"/sposta", s.agendaMoveForm, staff...)
	site.POST(base+"/sposta", s.agendaMove, staff...)
	site.GET(base+"/annulla", s.agendaCancelForm, staff...)
	site.POST(base+"/annulla", s.agendaCancel, staff...)
	site.GET(base+"/sala", s.agendaRoom, staff...)
	e.GET(agendaFeedPath+"/:file", s.agendaFeed, s.language, s.resolveTenant, s.requireComune)
}

func agendaURL(ref string) string { return agendaPath + "/" + url.PathEscape(ref) }

// agendaScope is what the clerk may see of the comune's calendars: the
// desks of their offices (every desk for an admin), by office then name.
type agendaScope struct {
	desks []booking.Desk
}

func (a agendaScope) desk(slug string) (booking.Desk, bool) {
	for _, d := range a.desks {
		if d.Slug == slug {
			return d, true
		}
	}
	return booking.Desk{}, false
}

func (s *Server) agendaScopeOf(c echo.Context) (agendaScope, error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	ctx := c.Request().Context()
	sc, err := s.deps.Applications.ScopeOf(ctx, t.ID, p.FiscalCode)
	if err != nil {
		return agendaScope{}, deskError(err)
	}
	desks, err := s.deps.Booking.Desks(ctx, t.ID)
	if err != nil {
		return agendaScope{}, err
	}
	var out agendaScope
	for _, d := range desks {
		if sc.Sees(d.Office) {
			out.desks = append(out.desks, d)
		}
	}
	return out, nil
}

// agendaFilter is what the agenda was asked to show.
type agendaFilter struct {
	week  bool
	day   time.Time // midnight, Rome
	desk  string    // "" every desk the clerk sees
	clerk string    // "" anyone, agendaClerkMe, or a fiscal code
}

func (f agendaFilter) query(day time.Time, week bool) string {
	q := url.Values{}
	if week {
		q.Set("vista", agendaViewWeek)
	}
	q.Set("giorno", day.Format(time.DateOnly))
	if f.desk != "" {
		q.Set("sportello", f.desk)
	}
	if f.clerk != "" {
		q.Set("operatore", f.clerk)
	}
	return agendaPath + "?" + q.Encode()
}

// span is the days shown: the day, or the week (Monday to Sunday) it is in.
func (f agendaFilter) span() (from time.Time, days int) {
	if !f.week {
		return f.day, 1
	}
	back := (int(f.day.Weekday()) + 6) % 7 // days since Monday
	return civilDay(f.day, -back), 7
}

// civilDay is the midnight in Rome n days after day's.
func civilDay(day time.Time, n int) time.Time {
	y, m, d := day.In(booking.Rome).Date()
	return time.Date(y, m, d+n, 0, 0, 0, 0, booking.Rome)
}

// agenda shows the day's or the week's appointments. Filters that cannot
// be read send the form back (422) with a message by each, as typed.
func (s *Server) agenda(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	ctx := c.Request().Context()
	ch := s.chrome(c, "")
	l := ch.L
	ch.Title = l.T("agenda.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: l.T("desk.heading"), URL: deskPath}, {Label: l.T("agenda.heading")}}

	sc, err := s.agendaScopeOf(c)
	if err != nil {
		return err
	}
	staff, err := s.deps.Desk.Assignees(ctx, t.ID, clerkOf(c))
	if err != nil {
		return deskError(err)
	}
	names := map[string]string{}
	for _, m := range staff {
		names[m.FiscalCode] = m.Name
	}

	q := c.QueryParams()
	today := civilDay(s.deps.Booking.Now(), 0)
	f := agendaFilter{week: q.Get("vista") == agendaViewWeek, day: today, desk: q.Get("sportello"), clerk: q.Get("operatore")}
	form := views.AgendaFilterForm{View: agendaViewDay, Day: q.Get("giorno"), FieldErrors: map[string]string{}}
	if f.week {
		form.View = agendaViewWeek
	}
	if form.Day != "" {
		d, err := time.ParseInLocation(time.DateOnly, form.Day, booking.Rome)
		if err != nil {
			form.FieldErrors["giorno"] = l.T("agenda.error.day")
		} else {
			f.day = d
		}
	} else {
		form.Day = today.Format(time.DateOnly)
	}
	if _, ok := sc.desk(f.desk); f.desk != "" && !ok {
		form.FieldErrors["sportello"] = l.T("agenda.error.desk")
	}
	_, known := names[f.clerk]
	if f.clerk != "" && f.clerk != agendaClerkMe && !known {
		form.FieldErrors["operatore"] = l.T("agenda.error.clerk")
	}

	form.Desks = []views.DeskChoice{{Label: l.T("agenda.filter.desk.all")}}
	for _, d := range sc.desks {
		form.Desks = append(form.Desks, views.DeskChoice{Value: d.Slug, Label: deskName(l, d), Selected: d.Slug == f.desk})
	}
	form.Clerks = []views.DeskChoice{{Label: l.T("agenda.filter.clerk.anyone")},
		{Value: agendaClerkMe, Label: l.T("agenda.filter.clerk.me"), Selected: f.clerk == agendaClerkMe}}
	for _, m := range staff {
		if m.FiscalCode != p.FiscalCode {
			form.Clerks = append(form.Clerks, views.DeskChoice{Value: m.FiscalCode, Label: m.Name, Selected: m.FiscalCode == f.clerk})
		}
	}

	page := views.AgendaPage{Form: form, Week: f.week, NoDesks: len(sc.desks) == 0, ShowDesk: f.desk == "", FeedHint: l.T("agenda.feed.choose")}
	for _, field := range []string{"sportello", "operatore", "giorno"} {
		if msg := form.FieldErrors[field]; msg != "" {
			page.Errors = append(page.Errors, views.ErrorLink{Message: l.T("agenda.filter.label."+field) + ": " + msg,
				Href: "#" + map[string]string{"sportello": "a-desk", "operatore": "a-clerk", "giorno": "a-day"}[field]})
		}
	}
	status := http.StatusOK
	if len(page.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		ch.Title = l.T("form.errors.title_prefix") + " " + ch.Title
		// What is shown is the agenda the clerk had: today, every desk,
		// anyone; the form keeps what was typed.
		f = agendaFilter{week: f.week, day: today}
	}

	from, n := f.span()
	step := map[bool]int{false: 1, true: 7}[f.week]
	page.PrevURL, page.NextURL, page.TodayURL = f.query(civilDay(f.day, -step), f.week), f.query(civilDay(f.day, step), f.week), f.query(today, f.week)
	if f.week {
		page.PrevLabel, page.NextLabel = l.T("agenda.prev_week"), l.T("agenda.next_week")
		page.Period = l.T("agenda.period.week", "from", l.Date(from), "to", l.Date(civilDay(from, 6)))
	} else {
		page.PrevLabel, page.NextLabel = l.T("agenda.prev_day"), l.T("agenda.next_day")
		page.Period = agendaDayLabel(l, f.day)
	}
	page.Views = []views.ApplicationFilter{
		{Label: l.T("agenda.view.day"), URL: f.query(f.day, false), Current: !f.week},
		{Label: l.T("agenda.view.week"), URL: f.query(f.day, true), Current: f.week},
	}
	if d, ok := sc.desk(f.desk); ok && d.FeedToken != "" {
		page.Feed = &views.AgendaFeed{Desk: deskName(l, d), URL: requestBase(c) + agendaFeedPath + "/" + url.PathEscape(d.FeedToken) + ".ics"}
	}

	var list []booking.Appointment
	if !page.NoDesks {
		clerk := f.clerk
		if clerk == agendaClerkMe {
			clerk = p.FiscalCode
		}
		if list, err = s.deps.Booking.Agenda(ctx, t.ID, f.desk, clerk, from, civilDay(from, n)); err != nil {
			return err
		}
	}
	titles, err := s.serviceTitles(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}
	byDay := map[string][]views.AgendaRow{}
	for _, a := range list {
		d, ok := sc.desk(a.DeskSlug)
		if !ok {
			continue // a desk of another office
		}
		key := a.Start.In(booking.Rome).Format(time.DateOnly)
		byDay[key] = append(byDay[key], agendaRow(l, a, d, titles, names))
	}
	for i := range n {
		day := civilDay(from, i)
		key := day.Format(time.DateOnly)
		page.Days = append(page.Days, views.AgendaDay{Caption: agendaDayLabel(l, day), ISO: key, Today: day.Equal(today),
			Rows: byDay[key], Empty: l.T("agenda.empty")})
	}
	return s.render(c, status, views.Agenda(ch, page))
}

func agendaRow(l *locale.Localizer, a booking.Appointment, d booking.Desk, titles, names map[string]string) views.AgendaRow {
	return views.AgendaRow{
		Time: clockRange(a.Start, a.End), ISO: isoTime(a.Start), Reference: a.Reference, URL: agendaURL(a.Reference),
		Citizen: a.Name, Service: agendaService(l, titles, a.Service), Mode: l.T("agenda.mode." + string(a.Mode)),
		Video: a.Mode == booking.ModeVideo, Status: agendaStatus(l, a.Status), Clerk: clerkName(l, names, a.Clerk),
		Desk: deskName(l, d),
	}
}

// agendaDayLabel is a day in words: "lunedì 7 dicembre 2026".
func agendaDayLabel(l *locale.Localizer, day time.Time) string {
	return l.T("agenda.weekday."+strconv.Itoa(int(day.In(booking.Rome).Weekday()))) + " " + l.Date(day)
}

// clockRange is "09:30–09:50" in Rome.
func clockRange(start, end time.Time) string {
	return start.In(booking.Rome).Format("15:04") + "–" + end.In(booking.Rome).Format("15:04")
}

func agendaStatus(l *locale.Localizer, status string) views.AgendaStatus {
	return views.AgendaStatus{Code: status, Label: l.T("agenda.status." + status)}
}

func agendaService(l *locale.Localizer, titles map[string]string, slug string) string {
	if slug == "" {
		return l.T("agenda.service.general")
	}
	return serviceTitle(titles, slug)
}

// clerkName is the name of the clerk an appointment is assigned to.
func clerkName(l *locale.Localizer, names map[string]string, fiscalCode string) string {
	switch {
	case fiscalCode == "":
		return l.T("agenda.clerk.none")
	case names[fiscalCode] != "":
		return names[fiscalCode]
	}
	return fiscalCode
}

// deskName is a desk's name in the page's language.
func deskName(l *locale.Localizer, d booking.Desk) string {
	if l.Lang == "en" && d.NameEn != "" {
		return d.NameEn
	}
	return d.Name
}

// requestBase is the scheme and host the request came to, for addresses
// given to other programs (a calendar app).
func requestBase(c echo.Context) string {
	return c.Scheme() + "://" + c.Request().Host
}

// agendaAppointmentOf reads the appointment of the request's path, if the
// clerk may see it: another comune's, or one of a desk outside the
// clerk's offices, is not found.
func (s *Server) agendaAppointmentOf(c echo.Context) (booking.Appointment, error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	sc, err := s.agendaScopeOf(c)
	if err != nil {
		return booking.Appointment{}, err
	}
	a, err := s.deps.Booking.Get(c.Request().Context(), t.ID, c.Param("ref"))
	if err != nil {
		return booking.Appointment{}, bookingError(err)
	}
	if _, ok := sc.desk(a.DeskSlug); !ok {
		return booking.Appointment{}, errNotFound
	}
	return a, nil
}

// bookingError turns the booking domain's not-found into the 404 page.
func bookingError(err error) error {
	if errors.Is(err, booking.ErrNotFound) {
		return errNotFound
	}
	return err
}

// staffNames are the names of the clerk's colleagues, by fiscal code.
func (s *Server) staffNames(ctx context.Context, c echo.Context) (map[string]string, error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	staff, err := s.deps.Desk.Assignees(ctx, t.ID, clerkOf(c))
	if err != nil {
		return nil, deskError(err)
	}
	names := make(map[string]string, len(staff))
	for _, m := range staff {
		names[m.FiscalCode] = m.Name
	}
	return names, nil
}
