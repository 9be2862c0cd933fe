package views

import "strings"

// AdminServicesPage is the comune administrator's list of service cards.
type AdminServicesPage struct {
	Services []AdminServiceRow
}

// AdminServiceRow is one card in the administrator's list.
type AdminServiceRow struct {
	Title     string
	Category  string
	Suspended bool
	EditURL   string
}

// ServiceEditPage is the form that edits a service card's status and texts.
type ServiceEditPage struct {
	Title     string // the card's title as saved, in the page's language
	Action    string
	PublicURL string
	Version   string // the version the form's values start from
	Saved     bool   // the card was just saved
	// Conflict is set when someone else saved the card while this person
	// edited it: the form keeps what they typed, and every field whose
	// saved value differs shows it (TextInput.Current).
	Conflict bool
	Changed  []FieldLink // the fields saved meanwhile, for the page's message

	Status        string // active | suspended, as chosen
	StatusError   string
	StatusCurrent string // on a conflict, the status saved meanwhile when it differs, translated
	StatusReason  TextField
	Texts         []TextField
	Errors        []FieldLink // the error summary, in the form's order

	History []HistoryEntry // the card's saves, newest first
}

// HistoryEntry is one save of a card: who made it, when, and the page
// that compares the card before and after it.
type HistoryEntry struct {
	Number     int
	Name       string
	FiscalCode string
	When       string
	CompareURL string
}

// VersionComparePage shows a version of a card beside the one after it
// (the next version or the current card), field by field and per language.
type VersionComparePage struct {
	Title    string // the card's current title, in the page's language
	EditURL  string
	OldLabel string // "Version 2"
	NewLabel string // "Version 3" or "Current version"
	EditedBy string // who made the save that replaced the old version
	EditedAt string
	Changed  int // how many rows differ
	Rows     []CompareRow
}

// CompareRow is one field in one language ("" for the status), in both
// versions.
type CompareRow struct {
	Field     string // the card's field: "status", "title"
	Label     string
	Lang      string
	LangLabel string
	Old, New  string
	Multiline bool // shown as paragraphs and lists (Blocks)
	Changed   bool
}

// ServicePreviewForm carries what the administrator typed, in hidden
// fields, from the preview back to the form or on to saving it.
type ServicePreviewForm struct {
	Action string
	Hidden []HiddenField
}

// HiddenField is a form value carried unchanged.
type HiddenField struct {
	Name, Value string
}

// FieldLink is a message about a field and the id of the field's control.
type FieldLink struct {
	ID      string
	Message string
}

// TextField is one text of the card, in every language.
type TextField struct {
	Key       string // the card's field: "title", "how_to"
	Label     string
	Hint      string
	Multiline bool
	Inputs    []TextInput
}

// HintID is the id of the field's help text.
func (f TextField) HintID() string { return "hint-" + f.Key }

// TextInput is a text of the card in one language.
type TextInput struct {
	ID        string // also the form field's name
	Lang      string
	LangLabel string
	Value     string
	Error     string // translated; "" when the text is fine
	Current   string // the value saved meanwhile, on a conflict when it differs from Value
	Changed   bool   // Current is to be shown
}

// ErrorID is the id of the input's error message.
func (in TextInput) ErrorID() string { return in.ID + "-error" }

// CurrentID is the id of the value saved meanwhile.
func (in TextInput) CurrentID() string { return in.ID + "-current" }

// DescribedBy lists the ids that describe the input: the field's hint, its
// error and the value saved meanwhile, when shown.
func (in TextInput) DescribedBy(f TextField) string {
	ids := []string{f.HintID()}
	if in.Error != "" {
		ids = append(ids, in.ErrorID())
	}
	if in.Changed {
		ids = append(ids, in.CurrentID())
	}
	return strings.Join(ids, " ")
}

// Invalid is the aria-invalid value of the input.
func (in TextInput) Invalid() string {
	if in.Error != "" {
		return "true"
	}
	return "false"
}
