package web

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/forms"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/views"
)

const formViewYAML = `
steps:
  - id: one
    title: {it: "Uno", en: "One"}
    fields:
      - id: contact
        type: radio
        label: {it: "Come ti contattiamo", en: "How we contact you"}
        required: true
        options:
          - {value: phone, label: {it: "Telefono", en: "Phone"}}
          - {value: email, label: {it: "Email", en: "Email"}}
      - id: email
        type: email
        label: {it: "Email", en: "Email"}
        help: {it: "Ti scriviamo qui.", en: "We write to you here."}
        required: true
        visible_if: {field: contact, in: [email]}
      - id: amount
        type: money
        label: {it: "Importo", en: "Amount"}
        max: 10000
      - id: code
        type: text
        label: {it: "Codice", en: "Code"}
        pattern: "[A-Z]{3}"
        pattern_help: {it: "Tre lettere maiuscole.", en: "Three capital letters."}
      - id: residence
        type: address
        label: {it: "Residenza", en: "Residence"}
        required: true
      - id: members
        type: group
        label: {it: "Familiari", en: "Household members"}
        item_label: {it: "Familiare", en: "Member"}
        max_items: 2
        fields:
          - id: name
            type: text
            label: {it: "Nome", en: "Name"}
            required: true
      - id: doc
        type: file
        label: {it: "Documento", en: "Document"}
        max_files: 2
        accept: [pdf]
`

func formViewSetup(t *testing.T) (*locale.Localizer, forms.Form) {
	t.Helper()
	catalog, err := locale.Load(i18n.FS, "it", "en")
	if err != nil {
		t.Fatal(err)
	}
	f, err := forms.Parse([]byte(formViewYAML))
	if err != nil {
		t.Fatal(err)
	}
	if p := f.Check(); len(p) > 0 {
		t.Fatal(p)
	}
	return catalog.For("it"), f
}

func renderFormFields(t *testing.T, fields []views.FormField) string {
	t.Helper()
	var b bytes.Buffer
	if err := views.FormFields(fields).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func byName(fields []views.FormField, name string) (views.FormField, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return views.FormField{}, false
}

func TestFormFields_ShowsConditionalFieldsOnlyWhenTheirConditionHolds(t *testing.T) {
	l, f := formViewSetup(t)
	fields := formFields(l, f, 0, forms.Values{"contact": {"phone"}}, nil, nil)
	if _, ok := byName(fields, "email"); ok {
		t.Error("email is shown although contact is phone")
	}
	fields = formFields(l, f, 0, forms.Values{"contact": {"email"}}, nil, nil)
	if _, ok := byName(fields, "email"); !ok {
		t.Error("email is not shown although contact is email")
	}
}

func TestFormFields_TranslatesErrorsWithTheirParams(t *testing.T) {
	l, f := formViewSetup(t)
	in := forms.Values{"contact": {"email"}, "email": {"x"}, "amount": {"250"}, "code": {"ab"}}
	values, errs := f.ValidateStep(0, in, time.Now())
	fields := formFields(l, f, 0, values, errs, nil)
	for name, want := range map[string]string{
		"email":  "Scrivi un indirizzo email valido",
		"amount": "Il valore massimo ammesso è € 100,00.",
		"code":   "Il formato non è corretto. Tre lettere maiuscole.",
	} {
		got, _ := byName(fields, name)
		if !strings.Contains(got.Error, want) {
			t.Errorf("%s error = %q, want %q", name, got.Error, want)
		}
	}
	amount, _ := byName(fields, "amount")
	if amount.Value != "250" {
		t.Errorf("a wrong amount is shown as %q, want it as typed", amount.Value)
	}
	address, _ := byName(fields, "residence")
	if address.Parts[0].Error == "" || address.Parts[0].Name != "residence.street" || address.Parts[0].ID != "f-residence-street" {
		t.Errorf("street part = %+v", address.Parts[0])
	}
}

func TestFormFields_ShowsStoredMoneyAsThePersonWritesIt(t *testing.T) {
	l, f := formViewSetup(t)
	fields := formFields(l, f, 0, forms.Values{"amount": {"1250"}}, nil, nil)
	if got, _ := byName(fields, "amount"); got.Value != "12,50" || got.InputMode != "decimal" {
		t.Errorf("amount = %q (%s), want 12,50", got.Value, got.InputMode)
	}
}

func TestFormFields_GroupItemsAndTheirButtons(t *testing.T) {
	l, f := formViewSetup(t)
	v := forms.AddItem(forms.Values{"members.0.name": {"Luca"}}, "members")
	fields := formFields(l, f, 0, v, nil, nil)
	g, _ := byName(fields, "members")
	if len(g.Items) != 2 || g.Items[1].Label != "Familiare 2" || g.Items[1].RemoveAction != "remove:members.1" {
		t.Fatalf("items = %+v", g.Items)
	}
	if g.CanAdd || g.AddAction != "add:members" || g.AddLabel != "Aggiungi familiare" {
		t.Errorf("add = %v %q %q; want no room left for a third", g.CanAdd, g.AddAction, g.AddLabel)
	}
	if name := g.Items[0].Fields[0]; name.Name != "members.0.name" || name.Value != "Luca" || name.ID != "f-members-0-name" {
		t.Errorf("item field = %+v", name)
	}

	html := renderFormFields(t, fields)
	for _, want := range []string{
		`<legend class="h6">Familiare 2</legend>`,
		`<input type="hidden" name="members.1" value="">`,
		`name="_action" value="remove:members.1" formnovalidate>Rimuovi familiare 2</button>`,
		`name="members.0.name" value="Luca"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML lacks %s", want)
		}
	}
}

func TestFormFields_FilesKeepTheirIDsAndCanBeRemoved(t *testing.T) {
	l, f := formViewSetup(t)
	v := forms.Values{"doc": {"att-1"}}
	fields := formFields(l, f, 0, v, nil, map[string]FileName{"att-1": {Name: "isee.pdf", Size: "120 KB"}})
	doc, _ := byName(fields, "doc")
	if !doc.CanAddFile || !strings.Contains(doc.Help, "PDF") || !strings.Contains(doc.Help, "2 file") {
		t.Errorf("doc = %+v", doc)
	}
	html := renderFormFields(t, fields)
	for _, want := range []string{
		`<input type="hidden" name="doc" value="att-1">`,
		`value="remove-file:doc:att-1" formnovalidate>Rimuovi isee.pdf</button>`,
		`<input type="file"`,
		`accept=".pdf,application/pdf"`,
		`isee.pdf (120 KB)`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML lacks %s", want)
		}
	}
}

func TestFormFields_ErrorsAreTiedToTheirInputs(t *testing.T) {
	l, f := formViewSetup(t)
	values, errs := f.ValidateStep(0, forms.Values{"contact": {"email"}, "email": {"x"}}, time.Now())
	html := renderFormFields(t, formFields(l, f, 0, values, errs, nil))
	for _, want := range []string{
		`aria-describedby="f-email-help f-email-error"`,
		`aria-invalid="true"`,
		`<div class="invalid-feedback d-block" id="f-email-error"`,
		`<input type="email"`,
		`autocomplete="email"`,
		`<span class="visually-hidden">(obbligatorio)</span>`,
		`<fieldset class="mb-4" id="f-contact"`,
		`<legend class="h6">Come ti contattiamo`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML lacks %s", want)
		}
	}
}
