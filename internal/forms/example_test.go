package forms

import (
	"slices"
	"strings"
	"testing"
)

// exampleYAML is a small but complete form: an application for a school
// canteen discount, with a step on the applicant, one on the household and
// the documents.
const exampleYAML = `
steps:
  - id: applicant
    title: {it: "Richiedente", en: "Applicant"}
    fields:
      - id: given_name
        type: text
        label: {it: "Nome", en: "Given name"}
        required: true
        prefill: identity.given_name
      - id: fiscal_code
        type: fiscal_code
        label: {it: "Codice fiscale", en: "Codice fiscale"}
        required: true
        prefill: identity.fiscal_code
      - id: phone
        type: phone
        label: {it: "Telefono", en: "Phone"}
        prefill: profile.phone
        profile: phone
      - id: residence
        type: address
        label: {it: "Residenza", en: "Residence"}
        required: true
        prefill: profile.residence
        profile: residence
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
        required: true
        visible_if: {field: contact, in: [email]}
  - id: household
    title: {it: "Nucleo familiare", en: "Household"}
    fields:
      - id: members
        type: group
        label: {it: "Familiari", en: "Household members"}
        item_label: {it: "Familiare", en: "Member"}
        max_items: 3
        fields:
          - id: name
            type: text
            label: {it: "Nome e cognome", en: "Full name"}
            required: true
          - id: disabled
            type: yesno
            label: {it: "Disabilità", en: "Disability"}
            required: true
          - id: certificate
            type: text
            label: {it: "Numero certificato", en: "Certificate number"}
            required: true
            visible_if: {field: disabled, in: ["yes"]}
      - id: isee
        type: money
        label: {it: "Valore ISEE", en: "ISEE value"}
        required: true
        max: 4000000
      - id: start
        type: date
        label: {it: "Dal", en: "From"}
        required: true
        min_date: today
      - id: end
        type: date
        label: {it: "Al", en: "To"}
      - id: meals
        type: checkboxes
        label: {it: "Pasti", en: "Meals"}
        options:
          - {value: lunch, label: {it: "Pranzo", en: "Lunch"}}
          - {value: snack, label: {it: "Merenda", en: "Snack"}}
  - id: documents
    title: {it: "Documenti", en: "Documents"}
    fields:
      - id: note
        type: paragraph
        label: {it: "Allega l'attestazione ISEE.", en: "Attach the ISEE certificate."}
      - id: isee_file
        type: file
        label: {it: "Attestazione ISEE", en: "ISEE certificate"}
        required: true
        max_files: 2
        accept: [pdf]
declarations:
  - id: truthful
    text: {it: "Dichiaro che quanto scritto è vero.", en: "I declare that what I wrote is true."}
rules:
  - kind: after
    field: end
    other: start
    max_days: 365
    message: {it: "La fine deve essere dopo l'inizio, entro un anno.", en: "The end must be after the start, within a year."}
`

func example(t *testing.T) Form {
	t.Helper()
	f, err := Parse([]byte(exampleYAML))
	if err != nil {
		t.Fatal(err)
	}
	if problems := f.Check(); len(problems) > 0 {
		t.Fatalf("the example form has problems:\n%s", strings.Join(problems, "\n"))
	}
	return f
}

// codes lists errors as "key:code" (or "key:message" for a rule's).
func codes(errs []FieldError) []string {
	var out []string
	for _, e := range errs {
		c := e.Code
		if c == "" {
			c = "rule"
		}
		out = append(out, e.Key+":"+c)
	}
	return out
}

func wantCodes(t *testing.T, errs []FieldError, want ...string) {
	t.Helper()
	if got := codes(errs); !slices.Equal(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
}

func TestParse_RefusesUnknownKeys(t *testing.T) {
	_, err := Parse([]byte("steps:\n  - id: a\n    titel: {it: x}\n"))
	if err == nil {
		t.Fatal("a misspelt key was accepted")
	}
}
