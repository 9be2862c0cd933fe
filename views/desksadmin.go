package views

import (
	"strconv"
	"strings"
)

// The comune administrator's pages of desks (sportelli): the list, the
// form of one desk (new or existing) and the comune's booking settings.

// DesksAdminPage lists the comune's desks.
type DesksAdminPage struct {
	Notice      string
	NewURL      string
	SettingsURL string
	Desks       []DeskAdminRow
}

// DeskAdminRow is one desk of the list.
type DeskAdminRow struct {
	Slug    string
	Office  string
	Name    string
	Modes   string // "In presenza, Video"
	Active  bool
	Status  string // "Attivo" / "Non attivo"
	EditURL string
}

// AdminField is one text control of an admin form, as typed, with its
// error ("" when fine) and hint ("" when none).
type AdminField struct {
	ID    string
	Name  string
	Label string
	Hint  string
	Value string
	Error string
	// Numeric asks phones for the numeric keyboard; the control stays a
	// text box, so what was typed is kept even when it is not a number.
	Numeric bool
	// Type is the input's type; "" is text.
	Type string
}

// InputType is the control's type attribute.
func (f AdminField) InputType() string {
	if f.Type == "" {
		return "text"
	}
	return f.Type
}

// InputMode is the control's inputmode attribute ("" when none).
func (f AdminField) InputMode() string {
	if f.Numeric {
		return "numeric"
	}
	return ""
}

// HintID is the id of the field's hint.
func (f AdminField) HintID() string { return f.ID + "-hint" }

// ErrorID is the id of the field's error message.
func (f AdminField) ErrorID() string { return f.ID + "-error" }

// DescribedBy lists the hint and the error, for aria-describedby.
func (f AdminField) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.HintID())
	}
	if f.Error != "" {
		ids = append(ids, f.ErrorID())
	}
	return strings.Join(ids, " ")
}

// CheckOption is one checkbox of a group.
type CheckOption struct {
	ID      string
	Value   string
	Label   string
	Checked bool
}

// DeskEditPage is the form of one desk.
type DeskEditPage struct {
	Heading string
	Action  string
	BackURL string
	IsNew   bool
	Notice  string
	Errors  []ErrorLink

	Slug     AdminField // shown only for a new desk
	Office   AdminField // a select; Value is the chosen office
	Offices  []SelectOption
	Name     AdminField
	NameEn   AdminField
	Location AdminField

	Services      []CheckOption
	ServicesError string
	Modes         []CheckOption
	ModesError    string

	// Hours are the seven weekdays, Monday first.
	Hours      []AdminField
	HoursError string // about the hours as a whole

	Numbers []AdminField // slot, buffer, capacity, notice, horizon

	Active bool

	Closures      []ClosureRow
	ClosuresError string
}

// ClosureRow is one row of the closures table; the last ones are empty,
// to add more.
type ClosureRow struct {
	Index  string
	From   AdminField
	To     AdminField
	Reason AdminField
	Remove bool
	// Saved is a closure already stored (it gets the remove checkbox).
	Saved bool
}

// RemoveID is the id of the row's remove checkbox.
func (r ClosureRow) RemoveID() string { return "closure-remove-" + r.Index }

// BookingSettingsPage is the form of the comune's booking settings.
type BookingSettingsPage struct {
	Action  string
	BackURL string
	Notice  string
	Errors  []ErrorLink

	VideoBaseURL AdminField
	JWTAppID     AdminField
	JWTSecret    AdminField // never shows the saved secret
	// SecretSet says a secret is saved (an empty field keeps it).
	SecretSet bool
	// ClearSecret is the "remove the saved secret" checkbox, checked.
	ClearSecret   bool
	GuestsAllowed bool
	Numbers       []AdminField // cut-off, reminder, room opens
}

// closureRows is how many closure rows the form has, for the handler to
// read them back.
func closureRows(rs []ClosureRow) string { return strconv.Itoa(len(rs)) }
