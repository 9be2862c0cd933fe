package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/tenant"
)

// themeCSS gives the header the comune's colour. It is a stylesheet, not an
// inline style, because the Content-Security-Policy allows no inline styles.
func (s *Server) themeCSS(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	primary := t.PrimaryColor
	dark := shade(primary, 0.75)
	css := fmt.Sprintf(`:root{--civica-primary:%[1]s;--civica-primary-dark:%[2]s}
.it-header-slim-wrapper{background-color:%[2]s}
.it-header-center-wrapper,.it-header-navbar-wrapper{background-color:%[1]s}
.it-header-navbar-wrapper .navbar .navbar-collapsable .navbar-nav li a.nav-link{color:#fff}
.it-footer-main{background-color:%[2]s}
.btn-primary{--bs-btn-bg:%[1]s;--bs-btn-border-color:%[1]s;--bs-btn-hover-bg:%[2]s;--bs-btn-hover-border-color:%[2]s;background-color:%[1]s;border-color:%[1]s}
.btn-outline-primary{--bs-btn-color:%[1]s;--bs-btn-border-color:%[1]s;color:%[1]s;box-shadow:inset 0 0 0 2px %[1]s}
a:not(.btn):not(.nav-link):not(.it-header-wrapper a):not(.it-footer a){color:%[1]s}
`, primary, dark)
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", []byte(css))
}

// shade darkens a #rrggbb colour by factor (0..1).
func shade(hex string, factor float64) string {
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return hex
	}
	r, g, b := float64(v>>16&0xff), float64(v>>8&0xff), float64(v&0xff)
	return fmt.Sprintf("#%02x%02x%02x", int(r*factor), int(g*factor), int(b*factor))
}

// logo serves the comune's logo.
func (s *Server) logo(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	data, typ, err := s.deps.Store.Logo(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, typ, data)
}

// platformLogo serves a comune's logo on the platform host, for the list of
// comuni (the CSP allows images from the page's own origin only).
func (s *Server) platformLogo(c echo.Context) error {
	t, err := s.deps.Store.BySlug(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	data, typ, err := s.deps.Store.Logo(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, typ, data)
}
