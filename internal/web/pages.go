package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// home is the comune's home page, or the platform's list of comuni on the
// platform host.
func (s *Server) home(c echo.Context) error {
	t, ok := c.Get(ctxTenant).(tenant.Tenant)
	if !ok {
		return s.platformHome(c)
	}
	return s.render(c, http.StatusOK, views.ComuneHome(s.chrome(c, ""), views.ComuneHomePage{Name: t.Name}))
}

func (s *Server) platformHome(c echo.Context) error {
	list, err := s.deps.Tenants.All(c.Request().Context())
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	page := views.PlatformHomePage{}
	for _, t := range list {
		card := views.ComuneCard{Name: t.Name, URL: s.comuneURL(t), LogoURL: "/comuni/" + t.Slug + "/logo"}
		switch t.Status {
		case tenant.StatusSuspended:
			card.Status = ch.T("tenant.status.suspended")
		case tenant.StatusTrial:
			card.Status = ch.T("tenant.status.trial")
		}
		page.Comuni = append(page.Comuni, card)
	}
	return s.render(c, http.StatusOK, views.PlatformHome(ch, page))
}

// comuneURL is the address of a comune's portal: <slug>.<platform host>,
// same scheme and port as the platform.
func (s *Server) comuneURL(t tenant.Tenant) string {
	u := *s.cfg.PlatformURL
	u.Host = t.Slug + "." + u.Host
	u.Path = "/"
	return u.String()
}

// switchLanguage records the person's language choice and goes back.
func (s *Server) switchLanguage(c echo.Context) error {
	lang := c.QueryParam("to")
	if !s.deps.Messages.Supported(lang) {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	c.SetCookie(&http.Cookie{
		Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
	return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
}

// info renders a page of text sections from the catalogue: keys
// <prefix>.heading, <prefix>.lead and, per section, <prefix>.<id>.title and
// <prefix>.<id>.text (paragraphs separated by blank lines).
func (s *Server) info(c echo.Context, prefix string, sections ...views.InfoSection) error {
	ch := s.chrome(c, "")
	heading := ch.T(prefix + ".heading")
	ch.Title = heading
	ch.Breadcrumbs = []views.Crumb{{Label: heading}}
	page := views.InfoPage{Heading: heading, Lead: ch.T(prefix+".lead", s.comuneArgs(c)...)}
	for _, sec := range sections {
		key := prefix + "." + sec.ID
		if sec.Title == "" {
			sec.Title = ch.T(key + ".title")
		}
		if len(sec.Paragraphs) == 0 {
			sec.Paragraphs = strings.Split(ch.T(key+".text", s.comuneArgs(c)...), "\n\n")
		}
		page.Sections = append(page.Sections, sec)
	}
	return s.render(c, http.StatusOK, views.Info(ch, page))
}

// comuneArgs are the placeholders every informational text may use.
func (s *Server) comuneArgs(c echo.Context) []any {
	t, ok := c.Get(ctxTenant).(tenant.Tenant)
	if !ok {
		return []any{"comune", s.localizer(c).T("platform.name"), "email", "", "pec", ""}
	}
	return []any{"comune", t.Name, "email", t.Contacts.Email, "pec", t.Contacts.PEC, "phone", t.Contacts.Phone}
}

func (s *Server) legalNotes(c echo.Context) error {
	return s.info(c, "legal_notes",
		views.InfoSection{ID: "license", DataElement: "legal-notes-section", BodyElement: "legal-notes-body"},
		views.InfoSection{ID: "owner"})
}

func (s *Server) privacy(c echo.Context) error {
	return s.info(c, "privacy",
		views.InfoSection{ID: "controller"}, views.InfoSection{ID: "data"}, views.InfoSection{ID: "cookies"},
		views.InfoSection{ID: "rights"})
}

func (s *Server) accessibility(c echo.Context) error {
	return s.info(c, "accessibility",
		views.InfoSection{ID: "status"}, views.InfoSection{ID: "feedback"}, views.InfoSection{ID: "enforcement"})
}

func (s *Server) faq(c echo.Context) error {
	return s.info(c, "faq",
		views.InfoSection{ID: "login"}, views.InfoSection{ID: "cost"}, views.InfoSection{ID: "status"},
		views.InfoSection{ID: "language"})
}
