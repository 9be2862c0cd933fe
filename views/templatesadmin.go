package views

import "strings"

// TemplatesPage is the comune administrator's list of message templates:
// every event, and for each channel and language whether the comune wrote
// its own version or the default is used.
type TemplatesPage struct {
	Columns []TemplateColumn // channel × language, in the table's order
	Rows    []TemplateRow
}

// TemplateColumn is one channel in one language.
type TemplateColumn struct {
	Channel      string // "email"
	ChannelLabel string
	Lang         string
	LangLabel    string
	First        bool // the first language of its channel: starts the channel's group
}

// TemplateRow is one event with a cell per column.
type TemplateRow struct {
	Event string // "application.submitted"
	Label string
	Cells []TemplateCell
}

// TemplateCell links to one template's editor.
type TemplateCell struct {
	URL     string
	Custom  bool
	Status  string // "Comune's own" or "Default"
	Context string // "Application submitted, Email, Italiano", for screen readers
}

// TemplateEditPage edits one template: the event on one channel in one
// language.
type TemplateEditPage struct {
	Heading string
	Action  string
	BackURL string
	Notice  string // what was just done
	Status  string // whose version is in force, since when
	Custom  bool   // the comune has its own version (it can go back to the default)
	// Subject is "" and hidden for SMS (HasSubject false).
	HasSubject   bool
	Subject      string
	SubjectError string
	Body         string
	BodyError    string
	// Problem is a refusal that belongs to no field (a test send with no
	// address to send it to).
	Problem   string
	Errors    []ErrorLink
	Variables []TemplateVariable
	Preview   *TemplatePreview // shown after "preview"
	TestNote  string           // where "send me a test" sends it
}

// TemplateVariable is one variable the event's templates may use.
type TemplateVariable struct {
	Code    string // "{{.Reference}}"
	Meaning string
	Example string
}

// TemplatePreview is the template rendered with the example values.
type TemplatePreview struct {
	Subject string
	Body    string
	Length  string // "312 characters" or "312 characters, 3 SMS"
}

// SubjectDescribedBy lists the ids that describe the subject field.
func (p TemplateEditPage) SubjectDescribedBy() string {
	return describedBy("template-subject", p.SubjectError)
}

// BodyDescribedBy lists the ids that describe the body field.
func (p TemplateEditPage) BodyDescribedBy() string {
	return describedBy("template-body", p.BodyError)
}

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// paragraphs splits a message's text into paragraphs (at blank lines),
// each a list of lines.
func paragraphs(text string) [][]string {
	var out [][]string
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			out = append(out, strings.Split(para, "\n"))
		}
	}
	return out
}
