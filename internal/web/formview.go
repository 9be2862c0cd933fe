package web

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/civica/civica/internal/forms"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/views"
)

// FileName is how an attached file is shown beside its field: its name and
// its size written for a person ("1,4 MB").
type FileName struct {
	Name, Size string
}

// formFields maps the visible fields of step to their view models, in the
// person's language.
//
// values are the answers as ValidateStep returns them: normalized when
// valid, as typed when they have an error in errs. That is what makes money
// safe to show: a money answer with no error is cents ("1250") and is shown
// as the person writes it ("12,50"), one with an error is shown as typed.
// Do not pass the raw post when errs is empty (say, after "add an item"):
// validate it first and pass the result, else "12" euro typed would show
// as "0,12".
//
// Visibility is decided on values, so a field shown by a condition appears
// only once the controlling answer has been posted: with JavaScript off the
// step must be shown again when such an answer changes. files names the
// attachments by id; an id missing from it is shown as is.
func formFields(l *locale.Localizer, f forms.Form, step int, values forms.Values, errs []forms.FieldError, files map[string]FileName) []views.FormField {
	if step < 0 || step >= len(f.Steps) {
		return nil
	}
	m := fieldMapper{l: l, values: values, files: files, errs: map[string]string{}}
	for _, e := range errs {
		msg := m.errorMessage(f, e)
		if prev := m.errs[e.Key]; prev != "" {
			msg = prev + " " + msg
		}
		m.errs[e.Key] = msg
	}
	var out []views.FormField
	for _, fl := range f.Steps[step].Fields {
		if f.Visible(fl.ID, values) {
			out = append(out, m.field(fl, fl.ID))
		}
	}
	return out
}

type fieldMapper struct {
	l      *locale.Localizer
	values forms.Values
	files  map[string]FileName
	errs   map[string]string // key → message
}

// errorMessage translates one error: a rule's own message, or the
// catalogue's form.error.<code> with its params, amounts written in the
// person's format and a pattern's own help added.
func (m fieldMapper) errorMessage(f forms.Form, e forms.FieldError) string {
	if e.Code == "" {
		return e.Message.In(m.l.Lang)
	}
	fl, _ := f.FieldFor(e.Key)
	var args []any
	for _, name := range []string{"min", "max", "name", "limit"} {
		p, ok := e.Params[name]
		if !ok {
			continue
		}
		if fl.Type == forms.TypeMoney && (e.Code == forms.CodeTooSmall || e.Code == forms.CodeTooLarge) {
			if c, err := strconv.ParseInt(p, 10, 64); err == nil {
				p = m.l.Money(c)
			}
		}
		args = append(args, name, p)
	}
	msg := m.l.T("form.error."+e.Code, args...)
	if e.Code == forms.CodePattern {
		if help := fl.PatternHelp.In(m.l.Lang); help != "" {
			msg += " " + help
		}
	}
	return msg
}

func (m fieldMapper) field(fl forms.Field, key string) views.FormField {
	lang := m.l.Lang
	v := views.FormField{
		Kind:          fl.Type,
		Name:          key,
		ID:            views.FormFieldID(key),
		Label:         fl.Label.In(lang),
		Help:          fl.Help.In(lang),
		Required:      fl.Required,
		RequiredLabel: m.l.T("form.required"),
		Value:         m.values.Get(key),
		Error:         m.errs[key],
	}
	switch fl.Type {
	case forms.TypeParagraph:
		v.Paragraph, v.Label = v.Label, ""
	case forms.TypeText:
		v.MaxLength = fieldMaxLength(fl, forms.DefaultMaxText)
	case forms.TypeLongText:
		v.MaxLength = fieldMaxLength(fl, forms.DefaultMaxLongText)
	case forms.TypeNumber:
		v.InputMode = "numeric"
	case forms.TypeMoney:
		v.InputMode = "decimal"
		if v.Error == "" {
			v.Value = forms.MoneyInput(v.Value, lang)
		}
	case forms.TypeDate:
		v.Min, v.Max = dateAttr(fl.MinDate), dateAttr(fl.MaxDate)
	case forms.TypeEmail:
		v.Autocomplete, v.MaxLength = "email", 254
	case forms.TypePhone:
		v.Autocomplete, v.InputMode, v.MaxLength = "tel", "tel", 30
	case forms.TypeFiscalCode:
		v.Autocomplete, v.MaxLength = "off", 20
	case forms.TypeIBAN:
		v.Autocomplete, v.MaxLength = "off", 42
	case forms.TypeSelect, forms.TypeRadio, forms.TypeCheckboxes:
		v.ChooseLabel = m.l.T("form.choose")
		v.Values = m.values[key]
		for _, o := range fl.Options {
			checked := v.IsChecked(o.Value)
			if fl.Type != forms.TypeCheckboxes {
				checked = o.Value == strings.TrimSpace(v.Value)
			}
			v.Options = append(v.Options, views.FormOption{Value: o.Value, Label: o.Label.In(lang), Checked: checked})
		}
	case forms.TypeYesNo:
		answer := strings.ToLower(strings.TrimSpace(v.Value))
		v.Options = []views.FormOption{
			{Value: "yes", Label: m.l.T("form.yes"), Checked: answer == "yes"},
			{Value: "no", Label: m.l.T("form.no"), Checked: answer == "no"},
		}
	case forms.TypeAddress:
		v.Value = ""
		for _, part := range forms.AddressParts {
			v.Parts = append(v.Parts, m.addressPart(fl, key, part))
		}
		// An error on the address as a whole is rare; the parts carry theirs.
	case forms.TypeGroup:
		m.group(&v, fl, key)
	case forms.TypeFile:
		m.file(&v, fl, key)
	}
	return v
}

func fieldMaxLength(fl forms.Field, def int) int {
	if fl.MaxLength > 0 {
		return fl.MaxLength
	}
	return def
}

// dateAttr writes a fixed date bound as the min or max of a date input;
// relative bounds are left to the server (the page may be cached past
// midnight).
func dateAttr(bound string) string {
	if _, ok := forms.ParseDate(bound); ok {
		return bound
	}
	return ""
}

var addressAutocomplete = map[string]string{
	"street":      "address-line1",
	"number":      "",
	"postal_code": "postal-code",
	"comune":      "address-level2",
}

func (m fieldMapper) addressPart(fl forms.Field, key, part string) views.FormField {
	k := key + "." + part
	p := views.FormField{
		Kind:          forms.TypeText,
		Name:          k,
		ID:            views.FormFieldID(k),
		Label:         m.l.T("form.address." + part),
		Required:      fl.Required,
		RequiredLabel: m.l.T("form.required"),
		Value:         m.values.Get(k),
		Error:         m.errs[k],
		Autocomplete:  addressAutocomplete[part],
		MaxLength:     200,
	}
	switch part {
	case "postal_code":
		p.InputMode, p.MaxLength = "numeric", 5
	case "number":
		p.MaxLength = 20
	case "comune":
		p.MaxLength = 100
	}
	return p
}

func (m fieldMapper) group(v *views.FormField, fl forms.Field, key string) {
	item := lowerFirst(fl.ItemLabel.In(m.l.Lang))
	n := forms.ItemCount(m.values, key)
	for i := range n {
		prefix := forms.ItemKey(key, i)
		label := fl.ItemLabel.In(m.l.Lang) + " " + strconv.Itoa(i+1)
		gi := views.FormGroupItem{
			Label:        label,
			Index:        i,
			Key:          prefix,
			RemoveAction: "remove:" + prefix,
			RemoveLabel:  m.l.T("form.group.remove", "item", lowerFirst(label)),
		}
		for _, sub := range fl.Fields {
			if forms.VisibleInItem(fl, sub, prefix, m.values) {
				gi.Fields = append(gi.Fields, m.field(sub, prefix+"."+sub.ID))
			}
		}
		v.Items = append(v.Items, gi)
	}
	v.Value = ""
	v.AddAction = "add:" + key
	v.AddLabel = m.l.T("form.group.add", "item", item)
	v.CanAdd = n < forms.MaxItems(fl)
	v.NoneLabel = m.l.T("form.group.none")
}

// fileKinds are the formats of each Accept kind, as people know them and
// as the accept attribute lists them.
var fileKinds = map[string]struct{ names, accept string }{
	"pdf":      {"PDF", ".pdf,application/pdf"},
	"image":    {"JPEG, PNG", ".jpg,.jpeg,.png,image/jpeg,image/png"},
	"document": {"PDF, ODT, DOCX, P7M", ".pdf,.odt,.docx,.p7m,application/pdf,application/vnd.oasis.opendocument.text,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/pkcs7-mime"},
}

func (m fieldMapper) file(v *views.FormField, fl forms.Field, key string) {
	ids := m.values[key]
	for _, id := range ids {
		if strings.TrimSpace(id) == "" {
			continue
		}
		name := m.files[id]
		if name.Name == "" {
			name.Name = id
		}
		v.Files = append(v.Files, views.FormFile{
			ID: id, Name: name.Name, Size: name.Size,
			RemoveAction: "remove-file:" + key + ":" + id,
			RemoveLabel:  m.l.T("form.file.remove", "name", name.Name),
		})
	}
	v.Value = ""
	max := forms.MaxFiles(fl)
	v.CanAddFile = len(v.Files) < max
	v.FileLabel = m.l.T("form.file.add")
	v.AttachedLabel = m.l.T("form.file.attached")

	kinds := fl.Accept
	if len(kinds) == 0 {
		kinds = []string{"pdf", "image"}
	}
	var names, accept []string
	for _, k := range kinds {
		if fk, ok := fileKinds[k]; ok {
			names = append(names, fk.names)
			accept = append(accept, fk.accept)
		}
	}
	v.Accept = strings.Join(accept, ",")
	hints := []string{m.l.T("form.file.formats", "formats", strings.Join(names, ", "))}
	if max > 1 {
		hints = append(hints, m.l.T("form.file.max", "max", max))
	}
	if v.Help != "" {
		hints = append([]string{v.Help}, hints...)
	}
	v.Help = strings.Join(hints, " ")
}

// lowerFirst lower-cases the first letter of a label used inside a
// sentence ("Aggiungi familiare"), unless it starts an acronym ("ISEE").
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
