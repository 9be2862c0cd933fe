package forms

import (
	"slices"
	"strings"
)

// Prefill returns v with the fields that have a Prefill and no answer yet
// (their key absent: a field the person left blank on purpose stays blank)
// filled in: "identity.<x>" from identity (keys "given_name", "family_name",
// "fiscal_code", "email", "birth_date"), "profile.<key>" from profile, which
// holds what Remember returned in earlier applications ("<key>" for a
// single answer, "<key>.street"... for an address). Groups are never
// prefilled. v itself is not modified.
func (f Form) Prefill(v Values, identity map[string]string, profile Values) Values {
	out := v.clone()
	for _, s := range f.Steps {
		for _, fl := range s.Fields {
			f.prefillField(out, fl, identity, profile)
		}
	}
	return out
}

func (f Form) prefillField(out Values, fl Field, identity map[string]string, profile Values) {
	if fl.Prefill == "" || fl.Type == TypeGroup || fl.Type == TypeFile || fl.Type == TypeParagraph {
		return
	}
	if fl.Type == TypeAddress {
		key, ok := strings.CutPrefix(fl.Prefill, "profile.")
		if !ok {
			return
		}
		for _, p := range AddressParts {
			if _, answered := out[fl.ID+"."+p]; answered {
				return
			}
		}
		for _, p := range AddressParts {
			if s := profile.Get(key + "." + p); s != "" {
				out[fl.ID+"."+p] = []string{s}
			}
		}
		return
	}
	if _, answered := out[fl.ID]; answered {
		return
	}
	var vals []string
	if key, ok := strings.CutPrefix(fl.Prefill, "identity."); ok {
		if s := identity[key]; s != "" {
			vals = []string{s}
		}
	} else if key, ok := strings.CutPrefix(fl.Prefill, "profile."); ok {
		for _, s := range profile[key] {
			if s != "" {
				vals = append(vals, s)
			}
		}
	}
	if fl.Type != TypeCheckboxes && len(vals) > 1 {
		vals = vals[:1]
	}
	if len(vals) > 0 {
		out[fl.ID] = vals
	}
}

// Remember returns what to keep in the person's profile from the answers v
// (validated, so hidden fields are already gone): for every answered
// top-level field with a Profile key, its values under that key, an
// address's parts under "<profile>.street" and so on.
func (f Form) Remember(v Values) Values {
	out := Values{}
	for _, s := range f.Steps {
		for _, fl := range s.Fields {
			if fl.Profile == "" || fl.Type == TypeGroup || fl.Type == TypeFile || !answeredAt(fl, fl.ID, v) {
				continue
			}
			if fl.Type == TypeAddress {
				for _, p := range AddressParts {
					out[fl.Profile+"."+p] = []string{v.Get(fl.ID + "." + p)}
				}
				continue
			}
			out[fl.Profile] = slices.Clone(v[fl.ID])
		}
	}
	return out
}
