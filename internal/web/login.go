package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/auth/oidcrp"
	"github.com/civica/civica/internal/auth/testidp"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// Session keys.
const (
	sessLogin     = "login"     // the login in progress (loginState as JSON)
	sessPrincipal = "principal" // who is logged in (auth.Principal as JSON)
	sessAccess    = "oidc_access_token"
)

// loginState is what a login in progress keeps in the session between the
// redirect to the provider and the callback.
type loginState struct {
	Request oidcrp.AuthRequest `json:"request"`
	Next    string             `json:"next"`
	// Staff: the login started at the desk's door (/scrivania/accedi):
	// it goes to the comune's own staff issuer when it has one, and only
	// its staff get in.
	Staff bool `json:"staff,omitempty"`
}

// sessStaffIssuer marks a session that logged in at the comune's own staff
// issuer, so that logging out revokes the token there.
const sessStaffIssuer = "staff_issuer"

// clientFor is the relying party of the host the request came to. Per the
// SPID/CIE aggregator model each comune has its own client id,
// <platform>/<ipa_code>/; the platform's own pages use <platform>/.
func (s *Server) clientFor(c echo.Context) *oidcrp.Client {
	req := c.Request()
	return &oidcrp.Client{
		Provider:    s.deps.OIDC,
		ClientID:    s.clientID(c.Get(ctxTenant)),
		RedirectURL: s.cfg.PlatformURL.Scheme + "://" + req.Host + "/accedi/callback",
		Key:         s.deps.RPKey,
	}
}

// staffClientFor is the relying party for a staff login: at the comune's
// own issuer when it has one (registered there as its client id), else the
// same as every other login.
func (s *Server) staffClientFor(c echo.Context) *oidcrp.Client {
	client := s.clientFor(c)
	t, ok := c.Get(ctxTenant).(tenant.Tenant)
	if !ok || !t.StaffLogin.Configured() {
		return client
	}
	p, ok := s.staffIssuers.Load(t.StaffLogin.Issuer)
	if !ok {
		p, _ = s.staffIssuers.LoadOrStore(t.StaffLogin.Issuer, oidcrp.NewProvider(t.StaffLogin.Issuer, nil))
	}
	client.Provider = p.(*oidcrp.Provider)
	client.ClientID = t.StaffLogin.ClientID
	return client
}

// loginClient is the relying party a login in progress started with.
func (s *Server) loginClient(c echo.Context, staff bool) *oidcrp.Client {
	if staff {
		return s.staffClientFor(c)
	}
	return s.clientFor(c)
}

func (s *Server) clientID(t any) string {
	base := strings.TrimSuffix(s.cfg.PlatformURL.String(), "/") + "/"
	if t, ok := t.(tenant.Tenant); ok {
		return base + t.IPACode + "/"
	}
	return base
}

// RegisteredClient is the test provider's view of our relying parties: the
// client ids clientFor uses, their callbacks on every host of the comune,
// and the public key they sign with.
func (s *Server) RegisteredClient(ctx context.Context, clientID string) (testidp.Client, error) {
	keys := jose.JSONWebKeySet{Keys: (&oidcrp.Client{Key: s.deps.RPKey}).PublicJWKS().Keys}
	base := strings.TrimSuffix(s.cfg.PlatformURL.String(), "/")
	if clientID == base+"/" {
		return testidp.Client{ID: clientID, RedirectURIs: []string{base + "/accedi/callback"}, Keys: keys}, nil
	}
	ipa, ok := strings.CutPrefix(clientID, base+"/")
	ipa, ok2 := strings.CutSuffix(ipa, "/")
	if !ok || !ok2 {
		return testidp.Client{}, fmt.Errorf("unknown client %q", clientID)
	}
	list, err := s.deps.Tenants.All(ctx)
	if err != nil {
		return testidp.Client{}, err
	}
	for _, t := range list {
		if t.IPACode != ipa {
			continue
		}
		uris := []string{s.comuneURL(t) + "accedi/callback"}
		for _, h := range t.Hosts {
			u := url.URL{Scheme: s.cfg.PlatformURL.Scheme, Host: h, Path: "/accedi/callback"}
			if p := s.cfg.PlatformURL.Port(); p != "" {
				u.Host += ":" + p
			}
			uris = append(uris, u.String())
		}
		return testidp.Client{ID: clientID, RedirectURIs: uris, Keys: keys}, nil
	}
	return testidp.Client{}, fmt.Errorf("unknown client %q", clientID)
}

// loginPage shows the SPID and CIE buttons. Whoever is logged in already
// goes straight where they were going.
func (s *Server) loginPage(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if _, ok := c.Get(ctxPrincipal).(auth.Principal); ok {
		return c.Redirect(http.StatusSeeOther, next)
	}
	q := "?" + url.Values{"next": {next}}.Encode()
	ch := s.chrome(c, "")
	ch.Title = ch.T("login.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("login.heading")}}
	page := views.LoginPage{SPIDURL: "/accedi/spid" + q, CIEURL: "/accedi/cie" + q}
	if _, ok := c.Get(ctxTenant).(tenant.Tenant); ok {
		page.StaffURL = "/scrivania/accedi"
	}
	return s.render(c, http.StatusOK, views.Login(ch, page))
}

// startLogin sends the browser to the identity provider, keeping the login's
// secrets (state, nonce, PKCE verifier) in the session.
func (s *Server) startLogin(c echo.Context) error {
	return s.beginLogin(c, false)
}

// startStaffLogin is the desk's door: staff log in at their comune's own
// issuer when it has one (tenant.StaffLogin), through SPID/CIE otherwise.
func (s *Server) startStaffLogin(c echo.Context) error {
	return s.beginLogin(c, true)
}

func (s *Server) beginLogin(c echo.Context, staff bool) error {
	ctx := c.Request().Context()
	next := safeNext(c.QueryParam("next"))
	if staff && next == "/" {
		next = "/scrivania"
	}
	st := loginState{Request: oidcrp.NewAuthRequest(oidcrp.ACRSpidL2), Next: next, Staff: staff}
	target, err := s.loginClient(c, staff).AuthCodeURL(ctx, st.Request)
	if err != nil {
		s.deps.Logger.WarnContext(ctx, "login: provider unavailable", "error", err)
		return s.loginFailed(c, http.StatusBadGateway, "login.failed.unavailable", st.Next)
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	s.deps.Sessions.Put(ctx, sessLogin, string(raw))
	return c.Redirect(http.StatusSeeOther, target)
}

// loginCallback completes a login. Whatever goes wrong, the person gets a
// clear page, no session is created, and the reason is logged.
func (s *Server) loginCallback(c echo.Context) error {
	ctx := c.Request().Context()
	log := s.deps.Logger.With("request_id", c.Response().Header().Get(echo.HeaderXRequestID), "host", c.Request().Host)
	raw := s.deps.Sessions.PopString(ctx, sessLogin) // single use: a replayed callback finds nothing
	var st loginState
	if raw == "" || json.Unmarshal([]byte(raw), &st) != nil {
		log.WarnContext(ctx, "login callback without a login in progress")
		return s.loginFailed(c, http.StatusBadRequest, "login.failed.no_login", "/")
	}
	q := c.QueryParams()
	if err := oidcrp.CallbackError(q); err != nil {
		var pe *oidcrp.ProviderError
		if errors.As(err, &pe) && pe.Code == "access_denied" {
			log.InfoContext(ctx, "login cancelled at the provider")
			return s.loginFailed(c, http.StatusBadRequest, "login.failed.cancelled", st.Next)
		}
		log.WarnContext(ctx, "login callback error", "error", err)
		return s.loginFailed(c, http.StatusBadRequest, "login.failed.provider", st.Next)
	}
	if err := oidcrp.CheckState(q.Get("state"), st.Request.State); err != nil {
		log.WarnContext(ctx, "login callback with wrong state", "error", err)
		return s.loginFailed(c, http.StatusBadRequest, "login.failed.state", st.Next)
	}
	client := s.loginClient(c, st.Staff)
	id, accessToken, err := client.Exchange(ctx, q.Get("code"), st.Request)
	if err != nil {
		log.WarnContext(ctx, "login exchange failed", "error", err)
		if errors.Is(err, oidcrp.ErrProviderUnavailable) {
			return s.loginFailed(c, http.StatusBadGateway, "login.failed.unavailable", st.Next)
		}
		return s.loginFailed(c, http.StatusBadRequest, "login.failed.provider", st.Next)
	}
	p, err := s.admit(c, auth.Identity{FiscalCode: id.FiscalCode, GivenName: id.GivenName, FamilyName: id.FamilyName, Email: id.Email})
	switch {
	case errors.Is(err, auth.ErrInvalidIdentity):
		log.WarnContext(ctx, "login with an invalid identity", "error", err)
		return s.loginFailed(c, http.StatusBadRequest, "login.failed.identity", st.Next)
	case errors.Is(err, auth.ErrNotPlatformAdmin):
		log.WarnContext(ctx, "platform login refused", "fiscal_code", id.FiscalCode)
		return s.loginFailed(c, http.StatusForbidden, "login.failed.not_admin", "/")
	case err != nil:
		return err
	}
	if st.Staff && p.Kind != auth.KindStaff {
		log.WarnContext(ctx, "desk login by someone who is not staff", "fiscal_code", id.FiscalCode)
		return s.loginFailed(c, http.StatusForbidden, "login.failed.not_staff", "/")
	}
	// A new token at every login, so a session id planted before it is worthless.
	if err := s.deps.Sessions.RenewToken(ctx); err != nil {
		return err
	}
	pj, err := json.Marshal(p)
	if err != nil {
		return err
	}
	s.deps.Sessions.Put(ctx, sessPrincipal, string(pj))
	s.deps.Sessions.Put(ctx, sessAccess, accessToken)
	if st.Staff {
		s.deps.Sessions.Put(ctx, sessStaffIssuer, true)
	}
	log.InfoContext(ctx, "login", "kind", p.Kind, "person", p.PersonID)
	next := st.Next
	if next == "/" && p.Kind != auth.KindCitizen {
		next = "/scrivania"
	} else if next == "/" {
		next = "/area-personale"
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// admit turns the provider's identity into a principal of this host.
func (s *Server) admit(c echo.Context, id auth.Identity) (auth.Principal, error) {
	t, ok := c.Get(ctxTenant).(tenant.Tenant)
	if !ok {
		return s.deps.Auth.LoginToPlatform(id)
	}
	return s.deps.Auth.LoginToComune(c.Request().Context(), t.ID, t.Name, id, s.localizer(c).Lang)
}

func (s *Server) loginFailed(c echo.Context, status int, reason, next string) error {
	ch := s.chrome(c, "")
	ch.Title = ch.T("login.failed.heading")
	ch.Feedback = nil
	page := views.LoginFailedPage{Reason: ch.T(reason), RetryURL: "/accedi?" + url.Values{"next": {next}}.Encode()}
	return s.render(c, status, views.LoginFailed(ch, page))
}

// logout ends the session here and revokes the token at the provider.
func (s *Server) logout(c echo.Context) error {
	ctx := c.Request().Context()
	if tok := s.deps.Sessions.GetString(ctx, sessAccess); tok != "" {
		if err := s.loginClient(c, s.deps.Sessions.GetBool(ctx, sessStaffIssuer)).Revoke(ctx, tok); err != nil {
			s.deps.Logger.WarnContext(ctx, "logout: revoke at provider failed", "error", err)
		}
	}
	if err := s.deps.Sessions.Destroy(ctx); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// loadPrincipal reads who is logged in from the session. A principal of
// another comune than this host's is ignored.
func (s *Server) loadPrincipal(c echo.Context) (auth.Principal, bool) {
	raw := s.deps.Sessions.GetString(c.Request().Context(), sessPrincipal)
	if raw == "" {
		return auth.Principal{}, false
	}
	var p auth.Principal
	if json.Unmarshal([]byte(raw), &p) != nil {
		return auth.Principal{}, false
	}
	tenantID := ""
	if t, ok := c.Get(ctxTenant).(tenant.Tenant); ok {
		tenantID = t.ID
	}
	if p.TenantID != tenantID {
		return auth.Principal{}, false
	}
	return p, true
}

// RenderTestProviderLogin renders the test provider's identity picker with
// the site's layout. It is the testidp.Config.RenderLogin of development.
func (s *Server) RenderTestProviderLogin(w http.ResponseWriter, r *http.Request, page testidp.LoginPage) {
	c := s.echo.NewContext(r, w)
	c.Set(ctxLang, s.negotiate(r))
	c.Response().Header().Set(echo.HeaderXRequestID, w.Header().Get(echo.HeaderXRequestID))
	ch := s.chrome(c, "")
	ch.Title = ch.T("testidp.heading")
	ch.Feedback = nil
	view := views.TestProviderPage{Action: page.Action, Hidden: page.Hidden, ClientID: page.ClientID, Level: page.ACR}
	for _, id := range page.Identities {
		choice := views.IdentityChoice{ID: id.ID, Name: id.GivenName + " " + id.FamilyName, FiscalCode: id.FiscalCode, Note: id.Note}
		if id.Kind == "staff" {
			view.Staff = append(view.Staff, choice)
		} else {
			view.Citizens = append(view.Citizens, choice)
		}
	}
	status := http.StatusOK
	if page.Error != "" {
		status = http.StatusUnprocessableEntity
		view.Error = ch.T("testidp.error." + page.Error)
	}
	if err := s.render(c, status, views.TestProvider(ch, view)); err != nil {
		s.deps.Logger.Error("render test provider login", "error", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}
