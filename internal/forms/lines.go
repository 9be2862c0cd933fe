package forms

import (
	"strings"
)

// Lines writes an answer of the summary as lines of text, for places that
// show it flat (the receipt, a plain list): its value or values, and a
// group's items as "Familiare 1", then "Label: value" for each answer.
func (it SummaryItem) Lines() []string {
	switch {
	case len(it.Group) > 0:
		var out []string
		for _, g := range it.Group {
			out = append(out, g.Label)
			for _, sub := range g.Items {
				out = append(out, "  "+sub.Label+": "+strings.Join(sub.Lines(), ", "))
			}
		}
		return out
	case len(it.Values) > 0:
		return it.Values
	}
	return []string{it.Value}
}

// FileKeys returns the input names in v that answer file fields: the keys
// whose values are attachment ids.
func (f Form) FileKeys(v Values) []string {
	var out []string
	for key := range v {
		if fl, ok := f.FieldFor(key); ok && fl.Type == TypeFile {
			out = append(out, key)
		}
	}
	return out
}

// FieldFor returns the field an input name answers: for an address part,
// the address; for a field of a group item, that field.
func (f Form) FieldFor(key string) (Field, bool) {
	id, _, _ := strings.Cut(key, ".")
	fl, ok := f.field(id)
	if !ok {
		return Field{}, false
	}
	return fieldAt(fl, key)
}
