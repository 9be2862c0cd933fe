package browsertest

import "testing"

// Identities of the test provider (internal/auth/testidp) that tests log in
// as; the value is the id of the identity's radio button without its
// "identity-" prefix.
const (
	MarioRossi = "mario-rossi" // citizen, codice fiscale RSSMRA85T10H501O
	PaoloConti = "paolo-conti" // clerk of Verdemare
	SaraGreco  = "sara-greco"  // administrator of Verdemare
	ElenaRicci = "elena-ricci" // platform administrator (PlatformAdmin)
)

// LogIn logs in on a site (a comune's portal or the platform, given by its
// base URL) as a test identity, the way a person does: the site's login
// page, "Entra con SPID", the identity on the provider's form, and back to
// the site, which shows the person's home (personal area or desk).
func (b *Browser) LogIn(t testing.TB, siteURL, identity string) {
	t.Helper()
	b.Visit(t, siteURL+"/accedi")
	b.Follow(t, "[data-testid=login-spid]")
	b.Click(t, "label[for=identity-"+identity+"]")
	b.Follow(t, "[data-testid=idp-submit]")
}

// LogOut presses the logout button of the current page and waits for the
// page it leads to.
func (b *Browser) LogOut(t testing.TB) {
	t.Helper()
	b.Follow(t, "[data-testid=logout]")
}
