package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/feedback"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

const sessFeedbackSent = "feedback_sent" // the path just rated, shown once

// feedbackFor is the page-rating component of the page being rendered.
func (s *Server) feedbackFor(c echo.Context) *views.Feedback {
	if _, ok := c.Get(ctxTenant).(tenant.Tenant); !ok {
		return nil
	}
	return s.feedbackOn(c, c.Request().URL.Path)
}

// serviceRatingPath is the page a service's online journey is rated as.
func serviceRatingPath(slug string) string { return "/servizi/" + slug + "/domanda" }

// questionFor is the rating question for a rated path: how easy the
// service was to use, for a service's journey; how clear the page is,
// for any other page.
func questionFor(l *locale.Localizer, path string) string {
	if strings.HasPrefix(path, "/servizi/") && strings.HasSuffix(path, "/domanda") {
		return l.T("apply.rating.question")
	}
	return ""
}

// feedbackOn is the rating component for path, which may be another page
// than the one being rendered.
func (s *Server) feedbackOn(c echo.Context, path string) *views.Feedback {
	f := &views.Feedback{Path: path, Question: questionFor(s.localizer(c), path)}
	if loaded, _ := c.Get(ctxSession).(bool); !loaded {
		return f
	}
	if sent := s.deps.Sessions.GetString(c.Request().Context(), sessFeedbackSent); sent == path {
		s.deps.Sessions.Remove(c.Request().Context(), sessFeedbackSent)
		f.Sent = true
	}
	return f
}

// rate stores an answer to the page-rating component and goes back to the
// page. A rating that needs correcting comes back on its own page, 422,
// with what the person chose.
func (s *Server) rate(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	rating, _ := strconv.Atoi(c.FormValue("rating"))
	// A service's online journey is rated from its confirmation page,
	// which the person goes back to.
	returnTo := ""
	if back := c.FormValue("return"); back != "" {
		returnTo = safeNext(back)
	}
	r := feedback.Rating{
		Path: safeNext(c.FormValue("page")), Language: s.localizer(c).Lang, Rating: rating,
		Answer: c.FormValue("answer"), Detail: c.FormValue("detail"),
	}
	if errs := r.Validate(); len(errs) > 0 {
		ch := s.chrome(c, "")
		ch.Title = ch.T("feedback.page.heading")
		ch.Feedback = &views.Feedback{Path: r.Path, Rating: r.Rating, Answer: r.Answer, Detail: r.Detail, Errors: map[string]string{},
			Question: questionFor(ch.L, r.Path), Return: returnTo}
		for _, e := range errs {
			switch {
			case errors.Is(e, feedback.ErrRating):
				ch.Feedback.Errors["rating"] = ch.T("feedback.error.rating")
			case errors.Is(e, feedback.ErrAnswer):
				ch.Feedback.Errors["answer"] = ch.T("feedback.error.answer")
			case errors.Is(e, feedback.ErrDetail):
				ch.Feedback.Errors["detail"] = ch.T("feedback.error.detail")
			}
		}
		return s.render(c, http.StatusUnprocessableEntity, views.FeedbackPage(ch))
	}
	if err := s.deps.Feedback.Add(c.Request().Context(), t.ID, r); err != nil {
		return err
	}
	s.deps.Sessions.Put(c.Request().Context(), sessFeedbackSent, r.Path)
	if returnTo != "" {
		return c.Redirect(http.StatusSeeOther, returnTo+"#feedback")
	}
	return c.Redirect(http.StatusSeeOther, r.Path+"#feedback")
}
