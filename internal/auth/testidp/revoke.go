package testidp

import "net/http"

// serveRevocation revokes an access token (RFC 7009). The client
// authenticates as at the token endpoint. Unknown tokens, and tokens of
// other clients, are left alone and still answer 200, as RFC 7009 requires.
func (p *Provider) serveRevocation(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "malformed form")
		return
	}
	client, err := p.authenticateClient(r.Context(), r.PostForm, p.endpoint(pathRevocation))
	if err != nil {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", err.Error())
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "token is missing")
		return
	}
	if g, ok := p.grants.get(token); ok && g.clientID == client.ID {
		p.grants.delete(token)
	}
	w.WriteHeader(http.StatusOK)
}
