package views

import "strings"

// The citizen's contact profile in the personal area ("I miei contatti"):
// addresses and their verification, App IO, the language of messages; the
// notification preferences with topics and consents; the unsubscribe page
// reached from a message's link.

// ContactsPage is the contact profile.
type ContactsPage struct {
	Notice string
	Errors []ErrorLink
	Email  EmailBlock
	Phone  PhoneBlock
	IO     IOBlock
	// Language of messages: a select.
	Languages     []Choice
	LanguageError string
	// PreferencesURL is the page of channels, topics and consents.
	PreferencesURL string
}

// Choice is one option of a select, radio group or checkbox list.
type Choice struct {
	Value    string
	Label    string
	Selected bool
	Disabled bool
}

// EmailBlock is the email section of the profile.
type EmailBlock struct {
	Current  string // the verified address; "" when none
	Identity string // the identity provider's address, shown when Current is ""
	Pending  string // the sentence about an address waiting for its link
	Value    string // what was typed (422)
	Hint     string
	Error    string
}

// DescribedBy is the field's aria-describedby.
func (b EmailBlock) DescribedBy() string { return describedBy("contact-email", b.Error) }

// PhoneBlock is the mobile number section.
type PhoneBlock struct {
	Current string
	// CodeHeading and CodeLead are set while a code waits to be typed.
	CodeHeading string
	CodeLead    string
	Value       string
	Error       string
	CodeError   string
}

// DescribedBy is the number field's aria-describedby.
func (b PhoneBlock) DescribedBy() string { return describedBy("contact-phone", b.Error) }

// CodeDescribedBy is the code field's aria-describedby.
func (b PhoneBlock) CodeDescribedBy() string {
	if b.CodeError != "" {
		return "contact-code-error"
	}
	return ""
}

// IOBlock is App IO's availability, read only.
type IOBlock struct {
	Code    string // unknown, available, not_available, sender_blocked
	Status  string
	Checked string // "Last checked: …" or how it is checked
	// Checking: a check asked for is queued or running.
	Checking bool
	Error    string // a check asked for too soon
}

func describedBy(id, err string) string {
	ids := []string{id + "-hint"}
	if err != "" {
		ids = append(ids, id+"-error")
	}
	return strings.Join(ids, " ")
}

// PreferencesPage is the notification preferences: channels by kind, the
// news consent, topics and the consents' history.
type PreferencesPage struct {
	Notice     string
	Errors     []ErrorLink
	BackURL    string
	Kinds      []KindChoice
	Consent    ConsentBox
	Topics     []Choice
	TopicsNone bool
	TopicError string
	History    []ConsentRow
}

// KindChoice is one kind of message with a select per position.
type KindChoice struct {
	Kind        string
	Legend      string
	Positions   []PositionSelect
	Unavailable []string // why some channels cannot be chosen
	Error       string
}

// ErrorID is the id of the kind's error message.
func (k KindChoice) ErrorID() string { return "pref-" + k.Kind + "-error" }

// PositionSelect is the select of the nth channel to try.
type PositionSelect struct {
	ID, Name, Label string
	Options         []Choice
}

// ConsentBox is the news consent's checkbox; Text is recorded with it.
type ConsentBox struct {
	Text    string
	Checked bool
	Error   string
}

// ConsentRow is one consent given or withdrawn.
type ConsentRow struct {
	Date, ISO, Purpose, Decision, Text string
	Granted                            bool
}

// ContactLinkPage says why a confirmation link changed nothing.
type ContactLinkPage struct {
	Heading string
	Message string
	BackURL string
}

// UnsubscribePage confirms, then reports, an unsubscription.
type UnsubscribePage struct {
	Action string
	Text   string // the words recorded with the withdrawal
	Done   bool
}
