package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/views"
)

// pageError is an error a person may see: a status and the catalogue keys of
// its heading and message. Its text is never err.Error() of something deeper.
type pageError struct {
	status  int
	heading string
	message string
}

func (e *pageError) Error() string { return e.heading }

var (
	errUnknownHost = &pageError{http.StatusNotFound, "error.unknown_host.heading", "error.unknown_host.message"}
	errSuspended   = &pageError{http.StatusServiceUnavailable, "error.suspended.heading", "error.suspended.message"}
	errForbidden   = &pageError{http.StatusForbidden, "error.forbidden.heading", "error.forbidden.message"}
	errCSRF        = &pageError{http.StatusForbidden, "error.csrf.heading", "error.csrf.message"}
	errNotFound    = &pageError{http.StatusNotFound, "error.not_found.heading", "error.not_found.message"}
	errUnavailable = &pageError{http.StatusServiceUnavailable, "error.unavailable.heading", "error.unavailable.message"}
	errInternal    = &pageError{http.StatusInternalServerError, "error.internal.heading", "error.internal.message"}
	errMethod      = &pageError{http.StatusMethodNotAllowed, "error.method.heading", "error.method.message"}
	errBadRequest  = &pageError{http.StatusBadRequest, "error.bad_request.heading", "error.bad_request.message"}
)

// classify maps any error to what the person is told.
func classify(err error) *pageError {
	var pe *pageError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &pe):
		return pe
	case db.IsUnavailable(err), errors.Is(err, context.DeadlineExceeded):
		return errUnavailable
	case errors.Is(err, db.ErrNotFound):
		return errNotFound
	case errors.Is(err, catalog.ErrForbidden):
		return errForbidden
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return errNotFound
		case http.StatusMethodNotAllowed:
			return errMethod
		case http.StatusBadRequest:
			return errBadRequest
		case http.StatusForbidden:
			return errForbidden
		case http.StatusServiceUnavailable:
			return errUnavailable
		}
	}
	return errInternal
}

// handleError is echo's HTTPErrorHandler: the one place an error becomes a
// status and a page. Internal errors are logged with the request id the page
// shows.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	pe := classify(err)
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	if pe.status >= 500 {
		s.deps.Logger.ErrorContext(c.Request().Context(), "request failed",
			"error", err, "request_id", rid, "path", c.Request().URL.Path, "host", c.Request().Host)
	}
	if pe.status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", "10")
	}
	ch := s.chrome(c, "")
	ch.Title = ch.T(pe.heading)
	ch.Feedback = nil
	page := views.ErrorPage{
		Status:    pe.status,
		Heading:   ch.T(pe.heading),
		Message:   ch.T(pe.message),
		RequestID: rid,
		HomeURL:   "/",
		HomeLabel: ch.T("error.home"),
	}
	if pe == errUnknownHost {
		ch.Base = s.cfg.PlatformURL.String()
		page.HomeURL = s.cfg.PlatformURL.String() + "/"
		page.HomeLabel = ch.T("error.unknown_host.list")
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(pe.status)
		return
	}
	if rerr := s.render(c, pe.status, views.Error(ch, page)); rerr != nil {
		s.deps.Logger.Error("render error page", "error", rerr, "request_id", rid)
		_ = c.String(pe.status, http.StatusText(pe.status))
	}
}

// render writes a templ component into a buffer first, so a failing template
// still becomes a proper error page instead of half a page.
func (s *Server) render(c echo.Context, status int, comp templ.Component) error {
	buf := s.buffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // keep ordinary page buffers, let huge ones go
			buf.Reset()
			s.buffers.Put(buf)
		}
	}()
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	h := c.Response().Header()
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// SessionError is the session manager's ErrorFunc: a session store that
// cannot be read (the database is down) gets the same pages as any other
// error, 503 when unreachable.
func (s *Server) SessionError(w http.ResponseWriter, r *http.Request, err error) {
	c, ok := r.Context().Value(echoContextKey{}).(echo.Context)
	if !ok {
		c = s.echo.NewContext(r, w)
	}
	s.handleError(fmt.Errorf("session: %w", db.Classify(err)), c)
}

func newBuffer() *bytes.Buffer { return bytes.NewBuffer(make([]byte, 0, 32<<10)) }
