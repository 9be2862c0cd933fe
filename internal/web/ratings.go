package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// ratings summarises the page-rating answers of the comune, per page and
// language, for its administrators.
func (s *Server) ratings(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	list, err := s.deps.Feedback.Summaries(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	ch.Title = ch.T("ratings.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("desk.heading"), URL: "/scrivania"}, {Label: ch.T("ratings.heading")}}
	page := views.RatingsPage{}
	for _, r := range list {
		avg := fmt.Sprintf("%.1f", r.Average)
		if ch.L.Lang == "it" {
			avg = strings.Replace(avg, ".", ",", 1)
		}
		page.Rows = append(page.Rows, views.RatingRow{
			Path: r.Path, Language: ch.T("language.name." + r.Language), Count: r.Count, Average: avg,
			Positive: fmt.Sprintf("%d%%", r.Positive*100/r.Count),
		})
	}
	return s.render(c, http.StatusOK, views.Ratings(ch, page))
}
