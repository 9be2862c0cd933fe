package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// The clerk's waiting room of a video appointment
// (/scrivania/agenda/<ref>/sala): the appointment, and the room's door
// from a few minutes before the start (the comune's RoomOpensMinutes);
// before that the page says when it opens. Without a video service
// (development) the room is a placeholder, and the page says so and links
// to the citizen side's stand-in page.

func (s *Server) agendaRoom(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	a, err := s.agendaAppointmentOf(c)
	if err != nil {
		return err
	}
	if a.Mode != booking.ModeVideo {
		return errNotFound
	}
	st, err := s.deps.Booking.Settings(ctx, t.ID)
	if err != nil {
		return err
	}
	titles, err := s.serviceTitles(ctx, t.ID, s.localizer(c).Lang)
	if err != nil {
		return err
	}
	names, err := s.staffNames(ctx, c)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	l := ch.L
	ch.Title = l.T("agenda.room.heading") + " – " + a.Reference
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: l.T("desk.heading"), URL: deskPath}, {Label: l.T("agenda.heading"), URL: agendaDayURL(a)},
		{Label: a.Reference, URL: agendaURL(a.Reference)}, {Label: l.T("agenda.room.heading")}}

	room := s.deps.Booking.Room(t.Slug, st, a)
	now := s.deps.Booking.Now()
	base := agendaURL(a.Reference)
	page := views.AgendaRoomPage{
		Reference: a.Reference, Placeholder: room.Placeholder, PlaceholderURL: roomPlaceholder, // the citizen side's stand-in page
		RefreshURL: base + "/sala", BackURL: base,
		Facts: []views.Fact{
			{Label: l.T("agenda.reference"), Value: a.Reference},
			{Label: l.T("agenda.detail.name"), Value: a.Name},
			{Label: l.T("agenda.detail.when"), Value: agendaDayLabel(l, a.Start) + ", " + clockRange(a.Start, a.End), ISO: isoTime(a.Start)},
			{Label: l.T("agenda.detail.service"), Value: agendaService(l, titles, a.Service)},
			{Label: l.T("agenda.detail.clerk"), Value: clerkName(l, names, a.Clerk)},
		},
	}
	switch {
	case a.Status == booking.StatusCancelled:
		page.Wait = l.T("agenda.room.cancelled")
	case room.Open(now):
		page.Open, page.RoomURL = true, room.URL
	case now.Before(room.OpensAt):
		page.Wait = l.T("agenda.room.opens", "date", l.Date(room.OpensAt), "time", room.OpensAt.In(booking.Rome).Format("15:04"))
	default:
		page.Wait = l.T("agenda.room.closed")
	}
	return s.render(c, http.StatusOK, views.AgendaRoom(ch, page))
}
