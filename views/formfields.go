package views

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// FormField is one question of an online application's step, ready to
// render: every text is already in the person's language. Kind is the
// field's type as the form engine names it ("text", "textarea", "number",
// "money", "date", "email", "phone", "select", "radio", "checkboxes",
// "yesno", "file", "fiscal_code", "iban", "address", "group",
// "paragraph"); the template picks the markup from it.
type FormField struct {
	Kind string
	// Name is the input name (the answer's key: "phone",
	// "household.1.name"); ID the HTML id, FormFieldID(Name).
	Name, ID string
	Label    string
	Help     string
	Required bool
	// RequiredLabel says "required" in words, for screen readers, next to
	// the asterisk.
	RequiredLabel string
	// Value is what the input shows; Values the ticked options of
	// checkboxes.
	Value  string
	Values []string
	// Options of select, radio, checkboxes and yesno.
	Options []FormOption
	// ChooseLabel is the first, empty option of a select.
	ChooseLabel string
	// Error is the message beside the field, "" when it has none.
	Error string

	// Input attributes; "" (0) leaves the attribute out.
	InputMode    string
	Autocomplete string
	MaxLength    int
	// Min and Max bound a date input ("2026-11-22").
	Min, Max string

	// Parts are an address's four text inputs.
	Parts []FormField

	// Group: the items, the "add" button (AddAction is the value of the
	// submit button named "_action") and the text when there are none.
	Items     []FormGroupItem
	AddAction string
	AddLabel  string
	CanAdd    bool
	NoneLabel string

	// File: the files already attached (their ids are posted back in hidden
	// inputs named Name), whether another can be chosen, the label of the
	// file input, the accept attribute and the heading of the list.
	Files         []FormFile
	CanAddFile    bool
	FileLabel     string
	Accept        string
	AttachedLabel string

	// Paragraph is the text of a paragraph, which asks nothing.
	Paragraph string
}

// FormOption is one choice.
type FormOption struct {
	Value   string
	Label   string
	Checked bool
}

// FormGroupItem is one item of a repeatable group: "Familiare 2" and its
// fields, with its remove button.
type FormGroupItem struct {
	Label string
	Index int
	// Key is the item's input-name prefix ("household.1"), posted back as a
	// hidden input so that an item nobody has filled in yet still exists.
	Key          string
	Fields       []FormField
	RemoveAction string
	RemoveLabel  string
}

// FormFile is a file already attached to a file field.
type FormFile struct {
	ID, Name, Size string
	RemoveAction   string
	RemoveLabel    string
}

// FormFieldID is the HTML id of the input named name: "f-household-1-name".
func FormFieldID(name string) string { return "f-" + strings.ReplaceAll(name, ".", "-") }

// HelpID and ErrorID are the ids of the field's hint and error.
func (f FormField) HelpID() string  { return f.ID + "-help" }
func (f FormField) ErrorID() string { return f.ID + "-error" }

// DescribedBy is the field's aria-describedby: its hint and its error, when
// it has them.
func (f FormField) DescribedBy() string {
	var ids []string
	if f.Help != "" {
		ids = append(ids, f.HelpID())
	}
	if f.Error != "" {
		ids = append(ids, f.ErrorID())
	}
	return strings.Join(ids, " ")
}

// AriaInvalid is "true" when the field has an error, "false" otherwise.
func (f FormField) AriaInvalid() string {
	if f.Error != "" {
		return "true"
	}
	return "false"
}

// OptionID is the id of the i-th choice of a radio, checkboxes or yesno.
func (f FormField) OptionID(i int) string { return f.ID + "-" + strconv.Itoa(i) }

// InputType is the type attribute of a one-line input.
func (f FormField) InputType() string {
	switch f.Kind {
	case "email":
		return "email"
	case "phone":
		return "tel"
	case "date":
		return "date"
	}
	return "text"
}

// ariaAttrs are the attributes that tie an input to its hint and error.
func (f FormField) ariaAttrs() templ.Attributes {
	a := templ.Attributes{}
	if d := f.DescribedBy(); d != "" {
		a["aria-describedby"] = d
	}
	if f.Error != "" {
		a["aria-invalid"] = "true"
	}
	return a
}

// inputAttrs are ariaAttrs and the input attributes that are set.
func (f FormField) inputAttrs() templ.Attributes {
	a := f.ariaAttrs()
	if f.Required {
		a["required"] = true
	}
	for name, v := range map[string]string{"inputmode": f.InputMode, "autocomplete": f.Autocomplete, "min": f.Min, "max": f.Max} {
		if v != "" {
			a[name] = v
		}
	}
	if f.MaxLength > 0 {
		a["maxlength"] = strconv.Itoa(f.MaxLength)
	}
	switch f.Kind {
	case "fiscal_code", "iban":
		a["autocapitalize"] = "characters"
		a["spellcheck"] = "false"
	case "email":
		a["spellcheck"] = "false"
	}
	return a
}

// IsChecked reports whether value is among the ticked Values.
func (f FormField) IsChecked(value string) bool {
	for _, v := range f.Values {
		if v == value {
			return true
		}
	}
	return false
}

// fileAttrs are ariaAttrs and the accept attribute of a file input.
func (f FormField) fileAttrs() templ.Attributes {
	a := f.ariaAttrs()
	if f.Accept != "" {
		a["accept"] = f.Accept
	}
	return a
}
