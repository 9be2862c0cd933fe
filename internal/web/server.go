// Package web is Civica's HTTP face: the echo server, its middleware (in the
// order written down in routes.go), thin handlers and the one error handler.
//
// Handlers bind input, call one domain function, map the result to a view
// model and render it; no SQL and no business rule lives here. The tenant is
// resolved once from the Host header and carried in the echo context; the
// platform's own host (localhost in development) shows the platform pages.
package web

import (
	"crypto/rsa"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"sync"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/auth/oidcrp"
	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/desk"
	"github.com/civica/civica/internal/feedback"
	"github.com/civica/civica/internal/insight"
	"github.com/civica/civica/internal/jobs"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/reports"
	"github.com/civica/civica/internal/tenant"
)

// Config is what the web layer needs to know about its deployment.
type Config struct {
	// PlatformURL is the platform's base URL (http://localhost:8080 in
	// development). Comuni are reached at <slug>.<its host>, same scheme
	// and port, or at their custom domains.
	PlatformURL *url.URL
	// SecureCookies marks cookies Secure (behind TLS).
	SecureCookies bool
	// TestProvider serves the test OpenID provider under /idp on the
	// platform host (development and tests only); nil otherwise.
	TestProvider http.Handler
	// Static holds the files served under /static/<version>/.
	Static fs.FS
}

// Deps are the collaborators the handlers call.
type Deps struct {
	Pool      *pgxpool.Pool
	Tenants   *tenant.Registry
	Store     *tenant.Store
	Messages  *locale.Catalog // the i18n message catalogues
	Sessions  *scs.SessionManager
	Auth      *auth.Service
	Inbox     *notify.Inbox
	Catalogue *catalog.Store
	Feedback  *feedback.Store
	Reports   *reports.Store
	// Applications runs online applications.
	Applications *applications.Service
	// Desk reads the clerks' work queue and keeps their saved filters.
	Desk *desk.Desk
	// Insight reads dashboards, processing times, the audit log and the
	// comune's jobs.
	Insight *insight.Store
	// Contacts keeps people's contact profiles, preferences and consents.
	Contacts *notify.Contacts
	// Campaigns keeps and sends the comune's campaigns.
	Campaigns *notify.Campaigns
	// Booking keeps the desks, their slots and the appointments.
	Booking *booking.Service
	// Jobs queues jobs in a handler's transaction (template test sends,
	// App IO checks).
	Jobs jobs.Inserter
	// DevOutbox serves /sviluppo/posta, the messages kept unsent when no
	// SMTP server is configured (development only).
	DevOutbox bool
	// OIDC is the provider every login goes through, with the key the
	// relying parties sign with.
	OIDC    *oidcrp.Provider
	RPKey   *rsa.PrivateKey
	Logger  *slog.Logger
	Metrics *prometheus.Registry
}

// Server is the HTTP server.
type Server struct {
	cfg     Config
	deps    Deps
	csp     string // Content-Security-Policy header value
	assets  string // URL prefix of the static files
	echo    *echo.Echo
	metrics *httpMetrics
	// buffers recycles page buffers: pages are tens of KB, and rendering
	// each into a fresh, growing buffer showed in profiles.
	buffers sync.Pool
	// staffIssuers holds, by issuer URL, the providers of the comuni
	// that log their staff in through their own issuer.
	staffIssuers sync.Map // string → *oidcrp.Provider
}

// New builds the server and its routes.
func New(cfg Config, deps Deps) (*Server, error) {
	s := &Server{cfg: cfg, deps: deps}
	s.buffers.New = func() any { return newBuffer() }
	version, err := staticVersion(cfg.Static)
	if err != nil {
		return nil, err
	}
	s.assets = "/static/" + version
	s.csp = s.contentSecurityPolicy()
	s.metrics = newHTTPMetrics(deps.Metrics)
	s.echo = echo.New()
	s.echo.HideBanner = true
	s.echo.HidePort = true
	s.echo.HTTPErrorHandler = s.handleError
	s.routes()
	return s, nil
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }
