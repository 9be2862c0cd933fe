// Package forms is the form engine of online applications: a form is data
// (written in a service's bundle file, under `form:`), made of steps of
// fields; this package checks a definition, validates and normalizes the
// answers a person gives step by step, decides which fields are visible,
// prefills what the comune already knows and lays out the summary.
//
// Answers are kept flat, the way an HTML form posts them: a map from input
// name to values. A scalar field "phone" is Values["phone"] = ["..."]; an
// address "residence" has the parts "residence.street", "residence.number",
// "residence.postal_code", "residence.comune"; checkboxes "interests" has one
// value per ticked option; the i-th item (from 0) of a repeatable group
// "household" holds its fields as "household.<i>.<field>" (and
// "household.<i>.<address>.street"...); a file field holds the ids of the
// attachments already stored for it. So a step posts and re-renders with no
// mapping at all, and what a person typed is never lost, valid or not.
//
// Nothing here knows about HTTP, templates or the database.
package forms

// Text is a text in each language, keyed by language code ("it", "en").
type Text map[string]string

// In returns the text in lang, or the Italian one when lang is missing.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	return t["it"]
}

// Values are the answers of a form, flat: input name → values.
type Values map[string][]string

// Get returns the first value under key, or "".
func (v Values) Get(key string) string {
	if vs := v[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Field types.
const (
	TypeText       = "text"
	TypeLongText   = "textarea"
	TypeNumber     = "number"
	TypeMoney      = "money" // stored as euro cents, an integer string
	TypeDate       = "date"  // stored as YYYY-MM-DD
	TypeEmail      = "email"
	TypePhone      = "phone"
	TypeSelect     = "select"
	TypeRadio      = "radio"
	TypeCheckboxes = "checkboxes"
	TypeYesNo      = "yesno" // stored as "yes" or "no"
	TypeFile       = "file"  // values are attachment ids
	TypeFiscalCode = "fiscal_code"
	TypeIBAN       = "iban"
	TypeAddress    = "address" // parts street, number, postal_code, comune
	TypeGroup      = "group"   // repeatable group of Fields
	TypeParagraph  = "paragraph"
)

// AddressParts are the input name suffixes of an address field, in order.
var AddressParts = []string{"street", "number", "postal_code", "comune"}

// Form is one version of a service's online form.
type Form struct {
	Steps []Step `yaml:"steps" json:"steps"`
	// Declarations are what the person must declare (tick) on the summary
	// before sending, e.g. that the answers are true (D.P.R. 445/2000).
	Declarations []Declaration `yaml:"declarations" json:"declarations"`
	// Rules are checks across fields, run after the fields' own.
	Rules []Rule `yaml:"rules" json:"rules,omitempty"`
	// Withdrawable: the citizen may withdraw the application until it is
	// decided.
	Withdrawable bool `yaml:"withdrawable" json:"withdrawable"`
	// Route sends the application to another office than the service's,
	// by an answer: a report about public lighting to public works.
	Route *Route `yaml:"route" json:"route,omitempty"`
	// OnIntegrationExpiry is what happens when the citizen lets an
	// integration request's reply deadline pass: the office goes on with
	// what it has ("resume", the default when empty) or the application
	// is rejected ("reject"). An application follows the rule of the
	// version it was sent with.
	OnIntegrationExpiry string `yaml:"on_integration_expiry" json:"on_integration_expiry,omitempty"`
}

// Integration expiry rules.
const (
	ExpiryResume = "resume"
	ExpiryReject = "reject"
)

// Route maps the answers of one select or radio field to offices (by
// slug); an answer not listed, or an office the comune does not have,
// leaves the service's own office in charge.
type Route struct {
	Field   string            `yaml:"field" json:"field"`
	Offices map[string]string `yaml:"offices" json:"offices"`
}

// OfficeFor is the office the answers route the application to, or "".
func (f Form) OfficeFor(v Values) string {
	if f.Route == nil {
		return ""
	}
	return f.Route.Offices[v.Get(f.Route.Field)]
}

// Step is one page of a form.
type Step struct {
	ID     string  `yaml:"id" json:"id"`
	Title  Text    `yaml:"title" json:"title"`
	Help   Text    `yaml:"help" json:"help,omitempty"`
	Fields []Field `yaml:"fields" json:"fields"`
}

// Field is one question.
type Field struct {
	ID       string `yaml:"id" json:"id"` // lower-case letters, digits, '_'
	Type     string `yaml:"type" json:"type"`
	Label    Text   `yaml:"label" json:"label"`
	Help     Text   `yaml:"help" json:"help,omitempty"`
	Required bool   `yaml:"required" json:"required,omitempty"`

	// Text lengths in characters (text, textarea).
	MinLength int `yaml:"min_length" json:"min_length,omitempty"`
	MaxLength int `yaml:"max_length" json:"max_length,omitempty"`
	// Pattern is a Go regexp the whole value must match (text);
	// PatternHelp says in words what it wants, shown with the error.
	Pattern     string `yaml:"pattern" json:"pattern,omitempty"`
	PatternHelp Text   `yaml:"pattern_help" json:"pattern_help,omitempty"`
	// Min and Max bound a number, a money amount (in cents) or, for
	// checkboxes, how many options are ticked.
	Min *int64 `yaml:"min" json:"min,omitempty"`
	Max *int64 `yaml:"max" json:"max,omitempty"`
	// MinDate and MaxDate bound a date: "today", "today+30d", "today-18y",
	// "today-6m" or a fixed "2006-01-02".
	MinDate string `yaml:"min_date" json:"min_date,omitempty"`
	MaxDate string `yaml:"max_date" json:"max_date,omitempty"`

	Options []Option `yaml:"options" json:"options,omitempty"` // select, radio, checkboxes

	// VisibleIf shows the field only when another field of the form (in
	// the same step or an earlier one; in a group, a sibling) has one of
	// the values. A hidden field is neither validated nor kept.
	VisibleIf *Condition `yaml:"visible_if" json:"visible_if,omitempty"`

	// Prefill names where the first value comes from when the person has
	// not answered yet: "identity.given_name", "identity.family_name",
	// "identity.fiscal_code", "identity.email", "identity.birth_date" (from
	// the login), or "profile.<key>": what this person answered last time
	// in any application of this comune to a field with the same Profile
	// key (once-only). The person can always change it.
	Prefill string `yaml:"prefill" json:"prefill,omitempty"`
	// Profile is the key under which the answer is remembered for the
	// person's next applications, e.g. "phone", "residence".
	Profile string `yaml:"profile" json:"profile,omitempty"`

	// Group: the repeated fields and how many items (MinItems may be 0).
	Fields   []Field `yaml:"fields" json:"fields,omitempty"`
	MinItems int     `yaml:"min_items" json:"min_items,omitempty"`
	MaxItems int     `yaml:"max_items" json:"max_items,omitempty"`
	// ItemLabel names one item ("Familiare"), numbered when shown.
	ItemLabel Text `yaml:"item_label" json:"item_label,omitempty"`

	// File: how many files (default 1) and which kinds: "pdf", "image"
	// (JPEG, PNG), "document" (PDF, ODT, DOCX, P7M). Default pdf+image.
	MaxFiles int      `yaml:"max_files" json:"max_files,omitempty"`
	Accept   []string `yaml:"accept" json:"accept,omitempty"`
}

// Option is one choice of a select, radio or checkboxes field.
type Option struct {
	Value string `yaml:"value" json:"value"`
	Label Text   `yaml:"label" json:"label"`
}

// Condition is a field's visibility rule.
type Condition struct {
	Field string   `yaml:"field" json:"field"`
	In    []string `yaml:"in" json:"in"` // shown when the field's value is one of these
}

// Declaration is a statement the person ticks before sending.
type Declaration struct {
	ID   string `yaml:"id" json:"id"`
	Text Text   `yaml:"text" json:"text"`
}

// Rule kinds.
const (
	// RuleAfter: the date Field must be after the date Other (or on the
	// same day when OrEqual), and at most MaxDays after it when set.
	RuleAfter = "after"
	// RuleAtLeastOne: at least one of Fields must be answered.
	RuleAtLeastOne = "at_least_one"
)

// Rule is a check across fields; its error is shown beside Field (or the
// first of Fields) with Message.
type Rule struct {
	Kind    string   `yaml:"kind" json:"kind"`
	Field   string   `yaml:"field" json:"field,omitempty"`
	Other   string   `yaml:"other" json:"other,omitempty"`
	Fields  []string `yaml:"fields" json:"fields,omitempty"`
	OrEqual bool     `yaml:"or_equal" json:"or_equal,omitempty"`
	MaxDays int      `yaml:"max_days" json:"max_days,omitempty"`
	Message Text     `yaml:"message" json:"message"`
}

// FieldError is an answer that is not acceptable. Key is the input name
// (for an address part or a group item, the full one: "household.1.fiscal_code"),
// so the page can put the message beside it and link to it; Code selects
// the message from the i18n catalogue ("form.error.<code>") and Params fill
// its placeholders. A rule's error carries its own Message instead.
type FieldError struct {
	Key     string
	Code    string
	Params  map[string]string
	Message Text
}
