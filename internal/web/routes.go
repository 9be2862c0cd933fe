package web

import (
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/civica/civica/internal/auth"
)

// routes is the one place that says which middleware runs in which order and
// which handler answers which path.
//
// Order: request id → metrics → request log (which renders errors) →
// security headers → recover → language (so even an unknown host's 404
// speaks the person's language) → tenant (from Host; unknown hosts end here
// with the platform's 404) → session (scs, on Postgres) → CSRF (every unsafe method) →
// handler. Health, metrics and static files sit before the tenant step: they
// answer on any host and need no session.
func (s *Server) routes() {
	e := s.echo
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{
		Skipper: func(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/idp/") },
	}))
	e.Use(middleware.RequestID())
	e.Use(s.metrics.middleware)
	e.Use(s.requestLog)
	e.Use(s.securityHeaders)
	e.Use(middleware.Recover())

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(promhttp.HandlerFor(s.deps.Metrics, promhttp.HandlerOpts{})))
	e.GET("/static/:version/*", s.static)

	// A comune's theme and logo come with every page, several at once and
	// while the person moves on: they never load the session. (Each
	// request that loads it saves it back, to extend its idle timeout; a
	// slow logo request would write back the session as it was before the
	// form the person just sent.)
	assets := e.Group("", s.language, s.resolveTenant)
	assets.GET("/tema.css", s.themeCSS, s.requireComune)
	assets.GET("/logo", s.logo, s.requireComune)
	assets.GET("/comuni/:slug/logo", s.platformLogo, s.requirePlatform)

	site := e.Group("", s.language, s.resolveTenant, s.session, s.csrf())
	site.GET("/", s.home)
	site.GET("/lingua", s.switchLanguage)

	site.GET("/accedi", s.loginPage)
	site.GET("/accedi/spid", s.startLogin)
	site.GET("/accedi/cie", s.startLogin)
	site.GET("/accedi/callback", s.loginCallback)
	site.GET("/scrivania/accedi", s.startStaffLogin, s.requireComune)
	site.POST("/esci", s.logout)
	site.GET("/area-personale", s.personalArea, s.requireComune, s.requireKind(auth.KindCitizen, auth.KindStaff))
	s.deskQueueRoutes(site)

	site.GET("/servizi", s.services, s.requireComune)
	site.GET("/servizi.json", s.servicesJSON, s.requireComune)
	site.GET("/servizi.csv", s.servicesCSV, s.requireComune)
	site.GET("/uffici", s.offices, s.requireComune)
	site.GET("/uffici/:slug", s.office, s.requireComune)
	site.GET("/servizi/categoria/:category", s.category, s.requireComune)
	site.GET("/servizi/:slug", s.service, s.requireComune)
	site.GET("/servizi/:slug/condizioni", s.serviceConditions, s.requireComune)
	s.bookingRoutes(site)
	site.POST("/valutazione", s.rate, s.requireComune)
	site.GET("/cerca", s.search, s.requireComune)
	site.GET("/argomenti", s.topics, s.requireComune)
	site.GET("/argomenti/:slug", s.topic, s.requireComune)
	citizen := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindCitizen)}
	site.GET("/servizi/:slug/domanda", s.applyStart, citizen...)
	site.POST("/servizi/:slug/domanda", s.applyNew, citizen...)
	site.GET("/area-personale/pratiche/:ref/riprendi", s.applyResume, citizen...)
	site.GET("/area-personale/pratiche/:ref/passo/:n", s.applyStep, citizen...)
	site.GET("/area-personale/pratiche/:ref/riepilogo", s.applySummary, citizen...)
	site.POST("/area-personale/pratiche/:ref/riepilogo", s.applySubmit, citizen...)
	site.GET("/area-personale/pratiche/:ref/conferma", s.applyConfirmation, citizen...)
	// A step with files posts multipart: streamed, its CSRF token read
	// first (multipartStep), like a report.
	e.POST("/area-personale/pratiche/:ref/passo/:n", s.saveStep, s.language, s.resolveTenant, s.session,
		s.multipartStep, s.csrf(), s.requireComune, s.requireKind(auth.KindCitizen))
	s.myApplicationRoutes(site, e)
	s.contactRoutes(site, e)
	s.templatesAdminRoutes(site)
	s.deskAdminRoutes(site)
	s.desksAdminRoutes(site)
	s.campaignRoutes(site)
	s.deskApplicationRoutes(site, e)
	s.agendaRoutes(site, e)
	comuneAdmin := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindStaff), s.requireRole(auth.RoleAdmin)}
	site.GET("/amministrazione/servizi", s.adminServices, comuneAdmin...)
	site.GET("/amministrazione/servizi/:slug", s.editService, comuneAdmin...)
	site.POST("/amministrazione/servizi/:slug", s.saveService, comuneAdmin...)
	site.GET("/amministrazione/servizi/:slug/versioni/:n", s.serviceVersion, comuneAdmin...)
	site.GET("/amministrazione/valutazioni", s.ratings, comuneAdmin...)
	site.GET("/faq", s.faq)
	site.GET("/segnalazione-disservizio", s.reportProblem)
	site.GET("/segnalazione-disservizio/ricevuta/:reference", s.reportReceipt, s.requireComune)
	site.GET("/note-legali", s.legalNotes)
	site.GET("/privacy", s.privacy)
	site.GET("/sviluppo/posta", s.devOutbox, s.requireComune)
	site.GET("/dichiarazione-accessibilita", s.accessibility)

	// A report carries files: its multipart body is read as a stream, so its
	// CSRF token is taken from the stream's first part (multipartToken)
	// before the same CSRF check as every other form.
	e.POST("/segnalazione-disservizio", s.submitReport, s.language, s.resolveTenant, s.session,
		s.multipartToken(maxReportRequest), s.csrf(), s.requireComune)

	if s.cfg.TestProvider != nil {
		// The test provider stands in for an external identity provider:
		// it has its own forms and no part in our sessions or CSRF tokens.
		e.Any("/idp/*", echo.WrapHandler(s.cfg.TestProvider), s.language, s.resolveTenant, s.requirePlatform)
	}
	e.RouteNotFound("/*", func(c echo.Context) error { return echo.ErrNotFound }, s.language, s.resolveTenant, s.session)
}
