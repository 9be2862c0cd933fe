package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/tenant"
)

// A desk's private iCalendar feed, /agenda/<token>.ics, for the clerks'
// calendar apps. Calendar apps cannot log in: the desk's feed token is
// the key, so the address is shown only to the desk's staff on the agenda
// page, and an unknown token is a plain 404.

const agendaFeedPath = "/agenda"

// The feed's window: what a calendar app needs to show the weeks around
// today without carrying the desk's whole history.
const (
	agendaFeedDaysBack  = 30
	agendaFeedDaysAhead = 90
)

func (s *Server) agendaFeed(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	token, ok := strings.CutSuffix(c.Param("file"), ".ics")
	if !ok || token == "" {
		return errNotFound
	}
	d, err := s.deps.Booking.DeskByFeedToken(ctx, t.ID, token)
	if err != nil {
		// a forged or revoked token, or another comune's: nothing here
		return errNotFound
	}
	today := civilDay(s.deps.Booking.Now(), 0)
	list, err := s.deps.Booking.Agenda(ctx, t.ID, d.Slug, "", civilDay(today, -agendaFeedDaysBack), civilDay(today, agendaFeedDaysAhead))
	if err != nil {
		return err
	}
	body := booking.FeedICS(d, list, booking.CalendarInfo{
		Comune: t.Name, Host: hostName(c.Request().Host),
		URL: requestBase(c) + agendaPath + "?" + url.Values{"sportello": {d.Slug}}.Encode(),
	})
	h := c.Response().Header()
	h.Set("Cache-Control", "private, max-age=300")
	h.Set("X-Robots-Tag", "noindex")
	h.Set("Content-Disposition", `inline; filename="`+d.Slug+`.ics"`)
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", body)
}

// hostName is a Host header without its port.
func hostName(host string) string {
	if i := strings.LastIndexByte(host, ':'); i > 0 && !strings.Contains(host[i:], "]") {
		return host[:i]
	}
	return host
}
