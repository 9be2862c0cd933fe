package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// personalArea shows the person's name, fiscal code and inbox.
func (s *Server) personalArea(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	msgs, err := s.deps.Inbox.List(c.Request().Context(), t.ID, p.PersonID, 50)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	ch.Title = ch.T("personal.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("personal.heading")}}
	page := views.PersonalAreaPage{Name: p.Name(), FiscalCode: p.FiscalCode}
	if p.Kind == auth.KindCitizen {
		counts, err := s.deps.Applications.Counts(c.Request().Context(), t.ID, p.PersonID)
		if err != nil {
			return err
		}
		page.Drafts = counts["draft"]
		page.Open = counts["submitted"] + counts["in_progress"] + counts["integration"]
	}
	for _, m := range msgs {
		page.Messages = append(page.Messages, views.InboxMessage{
			Subject: m.Subject, Body: m.Body, Date: ch.L.DateTime(m.CreatedAt), Unread: m.ReadAt == nil,
		})
	}
	return s.render(c, http.StatusOK, views.PersonalArea(ch, page))
}
