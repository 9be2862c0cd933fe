package views

// PlatformHomePage lists the comuni on the platform.
type PlatformHomePage struct {
	Comuni []ComuneCard
}

// ComuneCard is one comune in the platform's list.
type ComuneCard struct {
	Name    string
	URL     string // absolute: the comune is on another host
	LogoURL string
	Status  string // translated status, "" when active
}

// ComuneHomePage is a comune's home page.
type ComuneHomePage struct {
	Name string
}

// ErrorPage explains an error.
type ErrorPage struct {
	Status    int
	Heading   string
	Message   string
	RequestID string
	HomeURL   string // where to go from here
	HomeLabel string
}

// LoginPage is /accedi.
type LoginPage struct {
	SPIDURL string
	CIEURL  string
	// StaffURL is the desk's door, on a comune's site; "" elsewhere.
	StaffURL string
}

// LoginFailedPage is shown when a login came back without a valid identity.
type LoginFailedPage struct {
	Reason   string
	RetryURL string
}

// IdentityChoice is one test identity offered by the test provider.
type IdentityChoice struct {
	ID         string
	Name       string
	FiscalCode string
	Note       string
}

// TestProviderPage is the test OpenID provider's identity picker.
type TestProviderPage struct {
	Action   string
	Hidden   map[string]string
	Citizens []IdentityChoice
	Staff    []IdentityChoice
	ClientID string
	Level    string
	Error    string // translated error, "" when none
}

// PersonalAreaPage is the citizen's personal area.
type PersonalAreaPage struct {
	Name       string
	FiscalCode string
	Messages   []InboxMessage
	// Drafts and Open count the citizen's applications in draft and in
	// progress (sent, not yet decided).
	Drafts, Open int
}

// InboxMessage is one message in the inbox.
type InboxMessage struct {
	Subject string
	Body    string
	Date    string
	Unread  bool
}

// DeskPage is the staff's landing page.
type DeskPage struct {
	Name   string
	Role   string
	Comune string  // "" for the platform administrator
	Links  []Crumb // what this role may open from here
}

// InfoPage is a page of text sections: legal notes, privacy, accessibility,
// FAQ, and the entry points still to come.
type InfoPage struct {
	Heading  string
	Lead     string
	Sections []InfoSection
}

// InfoSection is one titled section of an InfoPage. DataElement and
// BodyElement carry the checker's markers when the section needs them.
type InfoSection struct {
	ID          string
	Title       string
	Paragraphs  []string
	DataElement string
	BodyElement string
	Links       []Crumb
}
