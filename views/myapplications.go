package views

import "strings"

// The citizen's own applications in the personal area ("Le mie pratiche"):
// the list with its filters, one application's page, and the page that
// confirms a withdrawal.

// MyApplicationsPage lists the person's applications under one filter.
type MyApplicationsPage struct {
	Filters []ApplicationFilter
	// Heading names what the list shows ("Inviate", "Tutte").
	Heading string
	Items   []ApplicationRow
	// Empty is what the page says when no application matches the filter.
	Empty string
}

// ApplicationFilter is one link of the filter navigation.
type ApplicationFilter struct {
	Label   string
	URL     string
	Count   int
	Current bool
}

// AriaCurrent is the link's aria-current: "page" on the chosen filter.
func (f ApplicationFilter) AriaCurrent() string {
	if f.Current {
		return "page"
	}
	return ""
}

// ApplicationRow is one application in the list.
type ApplicationRow struct {
	Service   string // the service's title
	Reference string
	Status    StatusBadge
	// URL resumes a draft or opens the application; LinkLabel says which.
	URL       string
	LinkLabel string
	Dates     []DatedFact
	Protocol  string // "" until registered
}

// StatusBadge is an application's state as shown: always with its words,
// the colour only repeating them.
type StatusBadge struct {
	Code  string // the status in code ("in_progress"), for tests and styling
	Label string
}

// Class is the badge's Bootstrap Italia classes.
func (b StatusBadge) Class() string {
	switch b.Code {
	case "accepted":
		return "badge bg-success"
	case "rejected", "cancelled":
		return "badge bg-danger"
	case "awaiting_integration":
		return "badge bg-warning"
	case "draft", "withdrawn":
		return "badge bg-secondary"
	}
	return "badge bg-primary"
}

// DatedFact is a date with what it is: "Inviata il" 3 marzo 2026.
type DatedFact struct {
	Label string
	Date  string // as people read it
	ISO   string // for <time datetime>
}

// MyApplicationPage is one of the person's applications.
type MyApplicationPage struct {
	Service    string
	ServiceURL string
	Reference  string
	Status     StatusBadge
	// Notice confirms what was just done (a flash); Problem says why
	// what was asked could not be done (409).
	Notice  string
	Problem string
	// Errors is the summary of a form sent back (422), linking to fields.
	Errors []ErrorLink
	Facts  []Fact
	// Request is the office's integration request being waited on; nil
	// otherwise.
	Request   *TimelineItem
	Timeline  []TimelineItem
	Documents []DocumentGroup
	// ReceiptURL downloads the PDF receipt; "" while there is none.
	ReceiptURL    string
	Notifications []NotificationRow
	// WithdrawURL is the withdrawal page; "" when it cannot be withdrawn.
	WithdrawURL string
	Integration *MessageForm // nil unless the office is waiting for an answer
	Message     *MessageForm // nil when the office can no longer be written to
}

// Fact is one key fact of an application; ISO is set for dates.
type Fact struct {
	Label string
	Value string
	ISO   string
	URL   string // a link, e.g. the office's page
	Note  string // said under the value, e.g. that the clock is suspended
}

// TimelineItem is one milestone of an application.
type TimelineItem struct {
	Date    string
	ISO     string
	Event   string
	Actor   string
	Message []string  // its lines
	ReplyBy DatedFact // the date to answer an integration request by; zero when none
	Files   []DocumentLink
}

// DocumentGroup is a list of documents with who they come from.
type DocumentGroup struct {
	Heading string
	Files   []DocumentLink
}

// DocumentLink is a document to download.
type DocumentLink struct {
	Name string
	URL  string
	Info string // type and size: "PDF, 120 KB"
	Date DatedFact
}

// NotificationRow is a notification sent about the application.
type NotificationRow struct {
	Channel string
	Subject string
	Status  string
	Date    string
	ISO     string
}

// MessageForm is a form that writes to the office: a message and
// documents, sent as a multipart stream whose first field is the CSRF
// token. ID prefixes the ids of its fields.
type MessageForm struct {
	ID        string // "integration" or "message"
	Action    string
	Heading   string
	Lead      string
	TextLabel string
	TextHint  string
	Submit    string
	Required  bool // the message must be written (else files may do)
	// What the person typed, and what is wrong with it.
	Text       string
	TextError  string
	FilesError string
	// FilesAgain asks to choose again the files that were not kept:
	// browsers cannot fill in a file input.
	FilesAgain bool
	// Kept are files already received and not yet sent: they go with
	// this message.
	Kept []KeptFile
}

// KeptFile is a file received and waiting to be sent with a message.
type KeptFile struct {
	ID   string
	Name string
}

// TextID and FilesID are the ids of the form's fields.
func (f MessageForm) TextID() string  { return f.ID + "-text" }
func (f MessageForm) FilesID() string { return f.ID + "-files" }

// TextDescribedBy is the textarea's aria-describedby.
func (f MessageForm) TextDescribedBy() string {
	ids := []string{f.TextID() + "-hint"}
	if f.TextError != "" {
		ids = append(ids, f.TextID()+"-error")
	}
	return strings.Join(ids, " ")
}

// FilesDescribedBy is the file input's aria-describedby.
func (f MessageForm) FilesDescribedBy() string {
	ids := []string{f.FilesID() + "-hint"}
	if f.FilesError != "" || f.FilesAgain {
		ids = append(ids, f.FilesID()+"-error")
	}
	if len(f.Kept) > 0 {
		ids = append(ids, f.ID+"-kept")
	}
	return strings.Join(ids, " ")
}

// WithdrawApplicationPage asks to confirm a withdrawal, with an optional
// reason.
type WithdrawApplicationPage struct {
	Service     string
	Reference   string
	Status      StatusBadge
	Action      string
	DetailURL   string
	Reason      string
	ReasonError string
	Errors      []ErrorLink
}

// ReasonDescribedBy is the reason's aria-describedby.
func (p WithdrawApplicationPage) ReasonDescribedBy() string {
	if p.ReasonError != "" {
		return "withdraw-reason-hint withdraw-reason-error"
	}
	return "withdraw-reason-hint"
}
