package catalog

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// TextRule is how long a text of the catalogue must be in every language,
// in characters, not counting the spaces around it. The catalogue files
// (Validate) and the administrator's editor (UpdateService) check the same
// rules, so a card saved from either passes both.
type TextRule struct {
	Field    string // the text's key in a card, as in the files: "title", "how_to"
	Min, Max int
}

// Rules of the texts that are not a card's own sections.
var (
	TopicNameRule      = TextRule{"name", 2, 80}
	OfficeNameRule     = TextRule{"name", 3, 120}
	FeeDescriptionRule = TextRule{"description", 3, 200}
	DeadlineRule       = TextRule{"deadline", 5, 300}
	// StatusReasonRule applies only to a suspended service.
	StatusReasonRule = TextRule{"status_reason", 10, 500}
)

// CardTexts are the texts of a service card with their rules, in the order
// the card shows them: title, description and the Modello Comuni's sections.
var CardTexts = []TextRule{
	{"title", 5, 90},
	{"description", 20, 300},
	{"addressed", 10, 6000},
	{"how_to", 10, 6000},
	{"needed", 10, 6000},
	{"achieved", 10, 6000},
	{"calendar", 10, 6000},
	{"costs", 10, 6000},
	{"access", 10, 6000},
	{"conditions", 10, 6000},
}

// TextError is a text whose length breaks its rule in one language.
type TextError struct {
	TextRule
	Lang   string
	Length int // characters found; 0 when the text is missing
}

func (e TextError) Error() string {
	return fmt.Sprintf("%s.%s: %d characters, want %d to %d", e.Field, e.Lang, e.Length, e.Min, e.Max)
}

// Check returns an error for every language in which t breaks the rule.
func (r TextRule) Check(t Text) []TextError {
	var errs []TextError
	for _, l := range Languages {
		n := utf8.RuneCountInString(strings.TrimSpace(t[l]))
		if n < r.Min || n > r.Max {
			errs = append(errs, TextError{TextRule: r, Lang: l, Length: n})
		}
	}
	return errs
}

// Service statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// ErrStatus is a status other than active or suspended.
var ErrStatus = errors.New("status: active or suspended")

// TextProblems returns every problem of the card's status and texts (those
// in CardTexts, and the status reason of a suspended service): an ErrStatus
// or a TextError each. These are the parts of a card an administrator edits.
func (s Service) TextProblems() []error {
	var errs []error
	switch s.Status {
	case StatusActive:
	case StatusSuspended:
		for _, e := range StatusReasonRule.Check(s.StatusReason) {
			errs = append(errs, e)
		}
	default:
		errs = append(errs, fmt.Errorf("%w, got %q", ErrStatus, s.Status))
	}
	for _, r := range CardTexts {
		for _, e := range r.Check(*s.text(r.Field)) {
			errs = append(errs, e)
		}
	}
	return errs
}

// text is the card's text named by a CardTexts field.
func (s *Service) text(field string) *Text {
	switch field {
	case "title":
		return &s.Title
	case "description":
		return &s.Description
	case "addressed":
		return &s.Addressed
	case "how_to":
		return &s.HowTo
	case "needed":
		return &s.Needed
	case "achieved":
		return &s.Achieved
	case "calendar":
		return &s.Calendar
	case "costs":
		return &s.Costs
	case "access":
		return &s.Access
	case "conditions":
		return &s.Conditions
	}
	panic("catalog: no card text " + field)
}
