package testidp

import (
	"net/http"
	"net/url"
)

// Login form outcomes reported in LoginPage.Error.
const errNoIdentity = "no_identity"

// serveLoginForm handles the login page's form: the person picked an
// identity, or cancelled. Either way the pending request is consumed and
// the browser goes back to the client; a form without a known identity
// shows the page again.
func (p *Provider) serveLoginForm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed form", http.StatusBadRequest)
		return
	}
	handle := r.PostForm.Get("req")
	pending, ok := p.pending.get(handle)
	if !ok {
		http.Error(w, "this login request is unknown or has expired; start again from the service", http.StatusBadRequest)
		return
	}

	if r.PostForm.Get("cancel") == "1" {
		if _, ok := p.pending.take(handle); ok {
			p.redirectError(w, r, pending.redirectURI, pending.state, "access_denied", "the user cancelled the login")
			return
		}
		http.Error(w, "this login request has already been completed", http.StatusBadRequest)
		return
	}

	identity, ok := p.identity(r.PostForm.Get("identity"))
	if !ok {
		p.renderLogin(w, r, p.loginPage(handle, pending, errNoIdentity))
		return
	}
	if _, ok := p.pending.take(handle); !ok {
		http.Error(w, "this login request has already been completed", http.StatusBadRequest)
		return
	}
	code := randomToken()
	p.codes.put(code, authorizationCode{pendingAuthorization: pending, identity: identity}, codeLifetime)
	p.redirect(w, r, pending.redirectURI, url.Values{"code": {code}, "state": {pending.state}})
}
