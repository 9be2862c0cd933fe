package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/tenant"
)

// Context keys.
const (
	ctxTenant    = "civica.tenant"
	ctxLang      = "civica.lang"
	ctxPrincipal = "civica.principal"
	ctxCSRF      = "csrf"
	ctxSession   = "civica.session" // true once the session is loaded into the request context
)

// contentSecurityPolicy allows nothing inline and nothing from elsewhere.
// form-action also names the test provider's host when it runs, because a
// login form's redirect chain crosses to it and back.
func (s *Server) contentSecurityPolicy() string {
	formAction := "'self'"
	if s.cfg.TestProvider != nil {
		u := s.cfg.PlatformURL
		formAction += " " + u.Scheme + "://" + u.Host + " " + u.Scheme + "://*." + u.Host
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; " +
		"connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action " + formAction
}

// securityHeaders runs for every request (echo applies middleware per
// request), so the policy is computed once, in New.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", s.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// requestLog writes one structured line per request.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err) // write the error page now, so the status below is the real one
		}
		req, res := c.Request(), c.Response()
		level := slog.LevelInfo
		if res.Status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("method", req.Method),
			slog.String("host", req.Host),
			slog.String("path", req.URL.Path),
			slog.Int("status", res.Status),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", res.Header().Get(echo.HeaderXRequestID)),
		}
		if t, ok := c.Get(ctxTenant).(tenant.Tenant); ok {
			attrs = append(attrs, slog.String("tenant", t.Slug))
		}
		if err != nil && res.Status >= 500 {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		s.deps.Logger.LogAttrs(req.Context(), level, "request", attrs...)
		return nil
	}
}

// resolveTenant finds the comune from the Host header, once. The platform's
// own host carries no tenant; an unknown host ends with the platform's 404.
func (s *Server) resolveTenant(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		host := c.Request().Host
		if s.deps.Tenants.IsPlatform(host) {
			return next(c)
		}
		t, err := s.deps.Tenants.Resolve(c.Request().Context(), host)
		if errors.Is(err, tenant.ErrUnknownHost) {
			return errUnknownHost
		}
		if err != nil {
			return err
		}
		if !t.Serving() {
			return errSuspended
		}
		c.Set(ctxTenant, t)
		return next(c)
	}
}

// language picks the interface language: the person's choice (cookie), else
// the browser's, else Italian.
func (s *Server) language(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(ctxLang, s.negotiate(c.Request()))
		c.Response().Header().Add("Vary", "Accept-Language, Cookie")
		return next(c)
	}
}

const langCookie = "civica_lang"

// negotiate is the language of a request: the cookie the language switch
// sets, else the browser's Accept-Language, else Italian.
func (s *Server) negotiate(r *http.Request) string {
	choice := ""
	if ck, err := r.Cookie(langCookie); err == nil {
		choice = ck.Value
	}
	return s.deps.Messages.Negotiate(choice, r.Header.Get("Accept-Language"))
}

// echoContextKey carries the echo context through scs's LoadAndSave, so its
// ErrorFunc can render the error page with the request's language and id.
type echoContextKey struct{}

// session loads the scs session and the principal it holds. A session that
// belongs to another comune (a token moved between hosts) counts as none.
func (s *Server) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var handlerErr error
		h := s.deps.Sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.SetRequest(r)
			c.Response().Writer = w
			c.Set(ctxSession, true)
			if p, ok := s.loadPrincipal(c); ok {
				c.Set(ctxPrincipal, p)
			}
			handlerErr = next(c)
			if handlerErr != nil {
				// Render the error inside LoadAndSave, so the session
				// cookie is written before the error page's body.
				c.Error(handlerErr)
				handlerErr = nil
			}
		}))
		req := c.Request()
		h.ServeHTTP(c.Response().Writer, req.WithContext(context.WithValue(req.Context(), echoContextKey{}, c)))
		return handlerErr
	}
}

func (s *Server) csrf() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf",
		ContextKey:     ctxCSRF,
		CookieName:     "civica_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   s.cfg.SecureCookies,
		CookieSameSite: http.SameSiteLaxMode,
		ErrorHandler: func(err error, c echo.Context) error {
			return errCSRF
		},
	})
}

// requireComune answers 404 on the platform host for pages that only a
// comune has.
func (s *Server) requireComune(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := c.Get(ctxTenant).(tenant.Tenant); !ok {
			return echo.ErrNotFound
		}
		return next(c)
	}
}

// requirePlatform answers 404 on a comune's host for the platform's pages.
func (s *Server) requirePlatform(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := c.Get(ctxTenant).(tenant.Tenant); ok {
			return echo.ErrNotFound
		}
		return next(c)
	}
}

// requireKind sends people who are not logged in to the login page (coming
// back here afterwards) and refuses those of another kind.
func (s *Server) requireKind(kinds ...auth.Kind) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, ok := c.Get(ctxPrincipal).(auth.Principal)
			if !ok {
				door := "/accedi"
				if t, ok := c.Get(ctxTenant).(tenant.Tenant); ok && t.StaffLogin.Configured() && !slices.Contains(kinds, auth.KindCitizen) {
					// Pages only staff use, in a comune whose staff log in
					// at its own issuer: straight to the desk's door.
					door = "/scrivania/accedi"
				}
				return c.Redirect(http.StatusSeeOther, door+"?next="+url.QueryEscape(c.Request().URL.RequestURI()))
			}
			if !slices.Contains(kinds, p.Kind) {
				return errForbidden
			}
			return next(c)
		}
	}
}

// requireRole refuses staff without one of roles in this comune. It runs
// after requireKind(auth.KindStaff), which deals with who is not logged in.
func (s *Server) requireRole(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, ok := c.Get(ctxPrincipal).(auth.Principal)
			if !ok || p.Kind != auth.KindStaff || !slices.Contains(roles, p.Role) {
				return errForbidden
			}
			return next(c)
		}
	}
}

// safeNext keeps a post-login destination on this site: a local absolute
// path, never //host or a scheme.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}
