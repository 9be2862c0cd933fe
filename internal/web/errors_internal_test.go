package web

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/locale"
)

// errorServer is a Server with just what the error handler needs.
func errorServer(t *testing.T, logs io.Writer) *Server {
	t.Helper()
	catalog, err := locale.Load(i18n.FS, "it", "en")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{
		cfg:  Config{PlatformURL: &url.URL{Scheme: "http", Host: "localhost:8080"}, Static: fstest.MapFS{}},
		deps: Deps{Messages: catalog, Logger: slog.New(slog.NewTextHandler(logs, nil))},
		echo: echo.New(),
	}
	s.buffers.New = func() any { return newBuffer() }
	return s
}

func TestHandleError_MapsErrorsToStatusAndPage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		status int
		text   string
		logged bool
	}{
		{"internal error hides its text", errors.New("secret detail: pq connection string"), 500, "Si è verificato un errore", true},
		{"database unavailable", db.ErrUnavailable, 503, "Servizio momentaneamente non disponibile", true},
		{"not found", db.ErrNotFound, 404, "Pagina non trovata", false},
		{"echo 404", echo.ErrNotFound, 404, "Pagina non trovata", false},
		{"echo 405", echo.ErrMethodNotAllowed, 405, "Operazione non consentita", false},
		{"forbidden", errForbidden, 403, "Accesso non consentito", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs strings.Builder
			s := errorServer(t, &logs)
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			c := s.echo.NewContext(req, rec)
			c.Response().Header().Set(echo.HeaderXRequestID, "req-123")
			s.handleError(tc.err, c)
			body := rec.Body.String()
			if rec.Code != tc.status || !strings.Contains(body, tc.text) || !strings.Contains(body, "req-123") {
				t.Errorf("got %d, want %d with %q and the request id:\n%s", rec.Code, tc.status, tc.text, body)
			}
			if strings.Contains(body, "secret detail") {
				t.Error("the error's own text reached the page")
			}
			if logged := strings.Contains(logs.String(), "req-123"); logged != tc.logged {
				t.Errorf("logged with request id = %v, want %v:\n%s", logged, tc.logged, logs.String())
			}
		})
	}
}
