package web

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// chrome builds the frame every page shares from what the middleware found.
func (s *Server) chrome(c echo.Context, title string, crumbs ...views.Crumb) views.Chrome {
	ch := views.Chrome{
		L:           s.localizer(c),
		Title:       title,
		Path:        c.Request().URL.RequestURI(),
		Assets:      s.assets,
		Breadcrumbs: crumbs,
		RequestID:   c.Response().Header().Get(echo.HeaderXRequestID),
		Languages:   s.deps.Messages.Languages(),
	}
	if tok, ok := c.Get(ctxCSRF).(string); ok {
		ch.CSRF = tok
	}
	if t, ok := c.Get(ctxTenant).(tenant.Tenant); ok {
		ch.Comune = &views.Comune{
			Name:     t.Name,
			LogoURL:  "/logo?v=" + url.QueryEscape(t.ID[:8]),
			ThemeURL: "/tema.css?c=" + url.QueryEscape(t.PrimaryColor[1:]),
			Contacts: views.Contacts{
				Address: t.Contacts.Address, PostalCode: t.Contacts.PostalCode, City: t.Contacts.City,
				Province: t.Contacts.Province, Phone: t.Contacts.Phone, Email: t.Contacts.Email, PEC: t.Contacts.PEC,
			},
		}
	}
	if p, ok := c.Get(ctxPrincipal).(auth.Principal); ok {
		ch.User = &views.User{Name: p.Name(), Staff: p.Kind != auth.KindCitizen}
	}
	ch.Feedback = s.feedbackFor(c)
	return ch
}

func (s *Server) localizer(c echo.Context) *locale.Localizer {
	lang, _ := c.Get(ctxLang).(string)
	return s.deps.Messages.For(lang)
}
