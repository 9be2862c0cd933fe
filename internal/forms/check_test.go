package forms

import (
	"strings"
	"testing"
)

func TestCheck_AcceptsTheExample(t *testing.T) {
	example(t)
}

// TestCheck_ReportsEachProblemWithWhereItIs changes the example in one
// place at a time and expects a line naming the place and the problem.
func TestCheck_ReportsEachProblemWithWhereItIs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(f *Form)
		want   string
	}{
		{"DuplicateStepID", func(f *Form) { f.Steps[1].ID = "applicant" }, "step applicant: id used by another step"},
		{"UnknownIntegrationExpiryRule", func(f *Form) { f.OnIntegrationExpiry = "close" }, `on_integration_expiry: "close": one of resume, reject`},
		{"BadStepID", func(f *Form) { f.Steps[0].ID = "Applicant" }, `step Applicant: id "Applicant" must match`},
		{"DuplicateFieldIDAcrossSteps", func(f *Form) { f.Steps[1].Fields[1].ID = "phone" }, "step household, field phone: id already used in step applicant"},
		{"DuplicateFieldIDInGroup", func(f *Form) { f.Steps[1].Fields[0].Fields[1].ID = "name" }, "group members, field name: id already used in the group"},
		{"UnknownType", func(f *Form) { f.Steps[0].Fields[0].Type = "string" }, `field given_name: unknown type "string"`},
		{"NoOptions", func(f *Form) { f.Steps[0].Fields[4].Options = nil }, "field contact: has no options"},
		{"DuplicateOption", func(f *Form) { f.Steps[0].Fields[4].Options[1].Value = "phone" }, `field contact, option 2: value "phone" used by another option`},
		{"MissingEnglishLabel", func(f *Form) { delete(f.Steps[0].Fields[0].Label, "en") }, `field given_name: label has no "en" text`},
		{"MissingItalianTitle", func(f *Form) { f.Steps[0].Title = Text{"en": "x"} }, `step applicant: title has no "it" text`},
		{"PatternDoesNotCompile", func(f *Form) {
			f.Steps[0].Fields[0].Pattern = "[a-"
			f.Steps[0].Fields[0].PatternHelp = Text{"it": "x", "en": "x"}
		}, "field given_name: pattern does not compile"},
		{"PatternWithoutHelp", func(f *Form) { f.Steps[0].Fields[0].Pattern = "[a-z]+" }, `field given_name: pattern_help has no "it" text`},
		{"BadMinDate", func(f *Form) { f.Steps[1].Fields[2].MinDate = "today+1w" }, `field start: min_date "today+1w"`},
		{"BadMaxDate", func(f *Form) { f.Steps[1].Fields[2].MaxDate = "22/11/2026" }, `field start: max_date "22/11/2026"`},
		{"VisibleIfUnknownField", func(f *Form) { f.Steps[0].Fields[5].VisibleIf.Field = "nope" }, `field email: visible_if refers to unknown field "nope"`},
		{"VisibleIfLaterStep", func(f *Form) {
			f.Steps[0].Fields[5].VisibleIf = &Condition{Field: "meals", In: []string{"lunch"}}
		}, `field email: visible_if refers to "meals", in a later step`},
		{"VisibleIfNotDiscrete", func(f *Form) { f.Steps[0].Fields[5].VisibleIf.Field = "phone" }, `visible_if refers to "phone", a phone field`},
		{"VisibleIfUnknownValue", func(f *Form) { f.Steps[0].Fields[5].VisibleIf.In = []string{"pec"} }, `field email: visible_if value "pec" is not a value of contact`},
		{"VisibleIfOutsideTheGroup", func(f *Form) {
			f.Steps[1].Fields[0].Fields[2].VisibleIf.Field = "contact"
		}, `group members, field certificate: visible_if refers to "contact", not a field of group members`},
		{"UnknownPrefill", func(f *Form) { f.Steps[0].Fields[0].Prefill = "spid.name" }, `field given_name: prefill "spid.name" must be one of`},
		{"BadProfilePrefill", func(f *Form) { f.Steps[0].Fields[2].Prefill = "profile.Phone" }, `field phone: prefill "profile.Phone"`},
		{"GroupWithoutFields", func(f *Form) { f.Steps[1].Fields[0].Fields = nil }, "field members: group has no fields"},
		{"GroupMinAboveMax", func(f *Form) { f.Steps[1].Fields[0].MinItems = 4 }, "field members: items must satisfy"},
		{"GroupMinAboveDefaultMax", func(f *Form) {
			f.Steps[1].Fields[0].MaxItems = 0
			f.Steps[1].Fields[0].MinItems = 11
		}, "field members: items must satisfy"},
		{"GroupAboveHardMax", func(f *Form) { f.Steps[1].Fields[0].MaxItems = 21 }, "field members: items must satisfy"},
		{"NestedGroup", func(f *Form) {
			g := &f.Steps[1].Fields[0]
			g.Fields = append(g.Fields, Field{ID: "inner", Type: TypeGroup, Label: Text{"it": "x", "en": "x"},
				ItemLabel: Text{"it": "x", "en": "x"}, Fields: []Field{{ID: "a", Type: TypeText, Label: Text{"it": "x", "en": "x"}}}})
		}, "group members, field inner: groups cannot be nested"},
		{"UnknownAccept", func(f *Form) { f.Steps[2].Fields[1].Accept = []string{"pdf", "zip"} }, `field isee_file: accept "zip" is not one of`},
		{"RuleUnknownField", func(f *Form) { f.Rules[0].Field = "finish" }, `rule 1: refers to unknown field "finish"`},
		{"RuleWrongType", func(f *Form) { f.Rules[0].Other = "isee" }, `rule 1: field "isee" is a money field, want date`},
		{"RuleUnknownKind", func(f *Form) { f.Rules[0].Kind = "before" }, `rule 1: unknown kind "before"`},
		{"RuleWithoutMessage", func(f *Form) { f.Rules[0].Message = nil }, `rule 1: message has no "it" text`},
		{"AtLeastOneOfOne", func(f *Form) {
			f.Rules = append(f.Rules, Rule{Kind: RuleAtLeastOne, Fields: []string{"phone"}, Message: Text{"it": "x", "en": "x"}})
		}, "rule 2: at_least_one needs two fields or more"},
		{"DeclarationWithoutID", func(f *Form) { f.Declarations[0].ID = "" }, `declaration 1: id ""`},
		{"DeclarationWithoutText", func(f *Form) { f.Declarations[0].Text = nil }, `declaration 1: text has no "it" text`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(exampleYAML))
			if err != nil {
				t.Fatal(err)
			}
			tc.change(&f)
			problems := f.Check()
			for _, p := range problems {
				if strings.Contains(p, tc.want) {
					return
				}
			}
			t.Errorf("Check() = %q, want a line containing %q", problems, tc.want)
		})
	}
}

func TestCheck_AFormWithoutStepsIsAProblem(t *testing.T) {
	if problems := (Form{}).Check(); len(problems) == 0 {
		t.Error("an empty form passed Check")
	}
}
