package catalog_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/forms"
)

// TestStandardForms checks the online forms of the standard catalogue: the
// services that must have one do, every form passes Check, and each uses
// the parts of the format its service needs.
func TestStandardForms(t *testing.T) {
	t.Parallel()
	c, err := catalog.Load(standard)
	if err != nil {
		t.Fatalf("the standard catalogue has problems:\n%v", err)
	}
	bySlug := map[string]catalog.Service{}
	for _, s := range c.Services {
		bySlug[s.Slug] = s
	}

	// Every form in the catalogue must be publishable, not only these.
	for _, s := range c.Services {
		if s.Form == nil {
			continue
		}
		if problems := s.Form.Check(); len(problems) > 0 {
			t.Errorf("%s: the form has problems:\n%s", s.Slug, strings.Join(problems, "\n"))
		}
		if !slices.Contains(s.Channels, "online") {
			t.Errorf("%s: has a form but online is not among its channels", s.Slug)
		}
	}

	type want struct {
		withdrawable bool
		check        func(t *testing.T, f *forms.Form)
	}
	cases := map[string]want{
		"cambio-residenza": {true, func(t *testing.T, f *forms.Form) {
			if !hasField(f, func(fl forms.Field) bool { return fl.Type == forms.TypeGroup }) {
				t.Error("no group field (the family members moving)")
			}
		}},
		"iscrizione-asilo-nido": {true, func(t *testing.T, f *forms.Form) {
			if !hasField(f, func(fl forms.Field) bool { return fl.Type == forms.TypeMoney && fl.VisibleIf != nil }) {
				t.Error("no money field with visible_if (the ISEE value)")
			}
		}},
		"contrassegno-disabili": {true, nil},
		"accesso-agli-atti":     {true, nil},
		"occupazione-suolo-pubblico": {true, func(t *testing.T, f *forms.Form) {
			if !slices.ContainsFunc(f.Rules, func(r forms.Rule) bool { return r.Kind == forms.RuleAfter }) {
				t.Error("no after rule (end date after start date)")
			}
		}},
		"segnalazione-disservizio": {false, nil},
	}
	for slug, w := range cases {
		t.Run(slug, func(t *testing.T) {
			s, ok := bySlug[slug]
			if !ok {
				t.Fatal("service missing from the standard catalogue")
			}
			f := s.Form
			if f == nil {
				t.Fatal("no form")
			}
			if n := len(f.Steps); n < 3 || n > 6 {
				t.Errorf("%d steps, want 3 to 6", n)
			}
			if len(f.Declarations) == 0 {
				t.Error("no declarations")
			}
			if f.Withdrawable != w.withdrawable {
				t.Errorf("withdrawable is %v, want %v", f.Withdrawable, w.withdrawable)
			}
			if w.check != nil {
				w.check(t, f)
			}
		})
	}
}

// hasField reports whether any field of f, inside groups too, satisfies ok.
func hasField(f *forms.Form, ok func(forms.Field) bool) bool {
	for _, s := range f.Steps {
		for _, fl := range s.Fields {
			if ok(fl) || slices.ContainsFunc(fl.Fields, ok) {
				return true
			}
		}
	}
	return false
}
