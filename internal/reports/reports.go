// Package reports receives the reports people send about a problem with the
// comune's services: a "segnalazione disservizio", in the words of the
// Modello Comuni (a pothole, a street light out, an office that did not
// answer). A report has a category, a place, a subject, a description, up to
// three attached files and, when the person is not logged in, an optional
// email address for the reply; it gets a reference (DS-XXXXXXXX) the person
// can quote.
//
// Here live the rules of what is accepted (Validate, Uploads) and the Store
// that keeps reports in the comune's tenant transactions and their files in
// a storage.Store. Nothing here knows about HTTP or about how messages are
// worded: problems come back as FieldErrors, whose codes the web layer
// translates.
package reports

import (
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Categories are the kinds of problem a person can report, in the order the
// form offers them. Their names are translated as report.category.<slug>.
var Categories = []string{
	"strade-e-marciapiedi",
	"illuminazione-pubblica",
	"rifiuti-e-pulizia",
	"verde-pubblico",
	"segnaletica-e-semafori",
	"acqua-e-fognature",
	"servizi-online-del-comune",
	"uffici-e-sportelli",
	"altro",
}

// IsCategory reports whether slug is one of Categories.
func IsCategory(slug string) bool { return slices.Contains(Categories, slug) }

// NeedsPlace reports whether a report of the category must say where the
// problem is: everything but the online services and the offices, which
// have no place in the street.
func NeedsPlace(category string) bool {
	return category != "servizi-online-del-comune" && category != "uffici-e-sportelli"
}

// Limits on the text of a report, in characters.
const (
	MinSubject     = 5
	MaxSubject     = 120
	MinDescription = 20
	MaxDescription = 2000
	MaxPlace       = 200
	MaxEmail       = 254
)

// Report is what a person reports.
type Report struct {
	Category    string
	Place       string // an address or a description of the place
	Subject     string
	Description string
	Email       string // where to reply; "" when none was given
	PersonID    string // the person logged in, "" when nobody is
	Language    string // the language the person wrote in, for the reply
}

// Field names, as FieldError.Field gives them.
const (
	FieldCategory    = "category"
	FieldPlace       = "place"
	FieldSubject     = "subject"
	FieldDescription = "description"
	FieldEmail       = "email"
	FieldFiles       = "files"
)

// Codes of FieldError.
const (
	CodeRequired    = "required"
	CodeUnknown     = "unknown"   // a category not in Categories
	CodeTooShort    = "too_short" // below the field's minimum length
	CodeTooLong     = "too_long"
	CodeInvalid     = "invalid"       // an email address that is not one
	CodeType        = "type"          // a file that is not JPEG, PNG or PDF
	CodeEmpty       = "empty"         // a file with nothing in it
	CodeTooBig      = "too_big"       // a file over MaxFileSize
	CodeTotalTooBig = "total_too_big" // files together over MaxTotalSize
	CodeTooMany     = "too_many"      // more than MaxFiles files
)

// FieldError is one problem with one field of a report.
type FieldError struct {
	Field string
	Code  string
	File  string // the file concerned, for errors about a file
}

func (e *FieldError) Error() string {
	if e.File != "" {
		return e.Field + ": " + e.Code + ": " + e.File
	}
	return e.Field + ": " + e.Code
}

// ErrInvalid is returned by Store.Create for a report that does not pass
// Validate.
var ErrInvalid = errors.New("invalid report")

// Normalize trims the report's text and writes its line ends as "\n", as
// it is validated and stored.
func (r Report) Normalize() Report {
	r.Category = strings.TrimSpace(r.Category)
	r.Place = strings.TrimSpace(r.Place)
	r.Subject = strings.TrimSpace(r.Subject)
	r.Description = strings.TrimSpace(strings.ReplaceAll(r.Description, "\r\n", "\n"))
	r.Email = strings.TrimSpace(r.Email)
	return r
}

// Validate returns every problem of the normalized report, in the order of
// the form's fields; nil when there is none.
func (r Report) Validate() []*FieldError {
	r = r.Normalize()
	var errs []*FieldError
	add := func(field, code string) { errs = append(errs, &FieldError{Field: field, Code: code}) }
	switch {
	case r.Category == "":
		add(FieldCategory, CodeRequired)
	case !IsCategory(r.Category):
		add(FieldCategory, CodeUnknown)
	}
	switch {
	case r.Place == "" && (r.Category == "" || NeedsPlace(r.Category)):
		add(FieldPlace, CodeRequired)
	case utf8.RuneCountInString(r.Place) > MaxPlace:
		add(FieldPlace, CodeTooLong)
	}
	if code := length(r.Subject, MinSubject, MaxSubject); code != "" {
		add(FieldSubject, code)
	} else if strings.ContainsAny(r.Subject, "\r\n") {
		add(FieldSubject, CodeInvalid)
	}
	if code := length(r.Description, MinDescription, MaxDescription); code != "" {
		add(FieldDescription, code)
	}
	if r.Email != "" && !validEmail(r.Email) {
		add(FieldEmail, CodeInvalid)
	}
	return errs
}

func length(s string, minimum, maximum int) string {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return CodeRequired
	case n < minimum:
		return CodeTooShort
	case n > maximum:
		return CodeTooLong
	}
	return ""
}

// validEmail accepts a plain address (no display name) whose domain has a
// dot: an address the comune can reply to.
func validEmail(s string) bool {
	if len(s) > MaxEmail {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// Received is a stored report, as its receipt shows it.
type Received struct {
	Report
	Reference  string
	Status     string // "received"
	ReceivedAt time.Time
	Files      []File
}

// File is a file stored with a report.
type File struct {
	Position    int // 1..MaxFiles, in the order the person sent them
	Name        string
	ContentType string
	Size        int64
	SHA256      string // hex
	StorageKey  string
}
