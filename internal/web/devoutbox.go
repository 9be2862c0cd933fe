package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// devOutbox shows, in development (no SMTP server configured), the
// comune's messages kept unsent: the mail, text messages and App IO
// messages its portal would have sent. Elsewhere it does not exist.
func (s *Server) devOutbox(c echo.Context) error {
	if !s.deps.DevOutbox {
		return echo.ErrNotFound
	}
	t := c.Get(ctxTenant).(tenant.Tenant)
	list, err := notify.Outbox(c.Request().Context(), s.deps.Pool, t.ID, 100)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	ch.Title = ch.T("devoutbox.heading")
	ch.Feedback = nil
	page := views.DevOutboxPage{}
	for _, d := range list {
		page.Rows = append(page.Rows, views.DevOutboxRow{Channel: ch.T("myapps.channel." + string(d.Channel)),
			To: d.Address, Subject: d.Subject, Body: d.Body, At: ch.L.DateTime(d.CreatedAt)})
	}
	return s.render(c, http.StatusOK, views.DevOutbox(ch, page))
}
