package views

import "strings"

// ReportFormPage is the form to report a problem to the comune: empty, or
// back with what the person typed and what needs correcting.
type ReportFormPage struct {
	Lead       string
	Categories []Option
	// What the person typed.
	Category, Place, Subject, Description, Email string
	// LoggedInAs is the name of the person logged in, to whom the report
	// will be linked (the form then asks no email); "" when nobody is.
	LoggedInAs string
	// Errors are the messages, in the order of the form's fields.
	Errors []FieldMessage
	// FilesAgain says the files chosen were not kept and must be chosen
	// again: browsers cannot fill in a file input.
	FilesAgain bool
}

// Option is one choice of a select.
type Option struct {
	Value string
	Label string
}

// FieldMessage is an error message about one field of a form.
type FieldMessage struct {
	Field   string // the field's name; its input's id is "report-<field>"
	Message string
}

// ReportFieldID is the id of a field of the report form.
func ReportFieldID(field string) string { return "report-" + field }

// ErrorOf is the message next to a field, "" when it has none.
func (p ReportFormPage) ErrorOf(field string) string {
	var msgs []string
	for _, e := range p.Errors {
		if e.Field == field {
			msgs = append(msgs, e.Message)
		}
	}
	return strings.Join(msgs, " ")
}

// AriaInvalid is a field's aria-invalid: "true" when it has an error.
func (p ReportFormPage) AriaInvalid(field string) string {
	if p.ErrorOf(field) != "" {
		return "true"
	}
	return "false"
}

// DescribedBy is a field's aria-describedby: its hint, when it has one,
// and its error, when it has one.
func (p ReportFormPage) DescribedBy(field string, hint bool) string {
	var ids []string
	if hint {
		ids = append(ids, ReportFieldID(field)+"-hint")
	}
	if p.ErrorOf(field) != "" || (field == "files" && p.FilesAgain) {
		ids = append(ids, ReportFieldID(field)+"-error")
	}
	return strings.Join(ids, " ")
}

// ReportReceiptPage confirms a report was received.
type ReportReceiptPage struct {
	Reference  string
	ReceivedAt string
	Category   string
	Subject    string
	Place      string
	Reply      string // how the person will hear back
	Files      []ReportFile
}

// ReportFile is a file received with a report.
type ReportFile struct {
	Name string
	Type string // "Immagine PNG", "Documento PDF"
	Size string // "12 KB", "1,4 MB"
}
