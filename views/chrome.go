package views

import (
	"net/url"

	"github.com/civica/civica/internal/locale"
)

// Chrome is what every page's frame needs: language, the comune (nil on the
// platform's own pages), the person logged in, breadcrumbs and the CSRF token.
type Chrome struct {
	L           *locale.Localizer
	Title       string // the page's own title, without the site name
	Path        string // the request's path and query, for the language switch and the login return
	CSRF        string
	Assets      string // URL prefix of the static files, e.g. /static/3f2a9c1d
	Comune      *Comune
	User        *User
	Breadcrumbs []Crumb // after Home; the last one is the current page
	RequestID   string
	Languages   []string
	// Feedback is the page-rating component shown above the footer; nil on
	// pages that do not carry it (errors, login, personal pages).
	Feedback *Feedback
	// Base prefixes the site-wide links of the frame: "" normally; the
	// platform's URL on pages served for a host that belongs to no comune.
	Base string
}

// Comune is the comune a page belongs to.
type Comune struct {
	Name     string
	LogoURL  string
	ThemeURL string
	Contacts Contacts
}

// Contacts of a comune, shown in the footer.
type Contacts struct {
	Address, PostalCode, City, Province, Phone, Email, PEC string
}

// User is who is logged in.
type User struct {
	Name  string
	Staff bool
}

// Crumb is one breadcrumb item.
type Crumb struct {
	Label string
	URL   string
}

// T translates key with the page's localizer.
func (c Chrome) T(key string, args ...any) string { return c.L.T(key, args...) }

// Lang is the page's language, for <html lang>.
func (c Chrome) Lang() string { return c.L.Lang }

// Asset is the URL of a static file.
func (c Chrome) Asset(path string) string { return c.Assets + "/" + path }

// Icon is the URL of an icon in Bootstrap Italia's sprite.
func (c Chrome) Icon(name string) string {
	return c.Asset("vendor/bootstrap-italia/svg/sprites.svg#" + name)
}

// SiteName is the name shown in the header and the <title>.
func (c Chrome) SiteName() string {
	if c.Comune != nil {
		return c.Comune.Name
	}
	return c.T("platform.name")
}

// FullTitle is the document title: page — site.
func (c Chrome) FullTitle() string {
	if c.Title == "" {
		return c.SiteName()
	}
	return c.Title + " - " + c.SiteName()
}

// SwitchLanguageURL is the link that changes the interface language and
// comes back to this page.
func (c Chrome) SwitchLanguageURL(lang string) string {
	return "/lingua?" + url.Values{"to": {lang}, "next": {c.Path}}.Encode()
}

// LoginURL is the login page, returning here afterwards.
func (c Chrome) LoginURL() string {
	if c.Path == "" || c.Path == "/" {
		return "/accedi"
	}
	return "/accedi?" + url.Values{"next": {c.Path}}.Encode()
}

// Link is the address of one of the site's own pages in the frame.
func (c Chrome) Link(path string) string { return c.Base + path }

// Feedback is the state of the page-rating component.
type Feedback struct {
	Path   string // the page being rated
	Sent   bool   // a rating of this page was just stored
	Rating int    // what the person chose, kept when the form comes back with errors
	Answer string
	Detail string
	Errors map[string]string // field → translated message
	// Question replaces the page question ("How easy was it to use this
	// service?" for a service's journey); Return is where to come back to
	// when it is not Path.
	Question string
	Return   string
}

// RatingChecked reports whether star n is the chosen rating.
func (f *Feedback) RatingChecked(n int) bool { return f.Rating == n }
