package forms

import (
	"maps"
	"slices"
	"testing"
)

func applicant() Values {
	return Values{
		"given_name":            {" Anna "},
		"fiscal_code":           {"rssmra85t10a562s"},
		"phone":                 {"333 123 4567"},
		"residence.street":      {"Via Roma"},
		"residence.number":      {"1"},
		"residence.postal_code": {"00184"},
		"residence.comune":      {"Roma"},
		"contact":               {"phone"},
	}
}

func TestValidateStep_NormalizesTheStepsAnswers(t *testing.T) {
	f := example(t)
	got, errs := f.ValidateStep(0, applicant(), now)
	wantCodes(t, errs)
	want := Values{
		"given_name":            {"Anna"},
		"fiscal_code":           {"RSSMRA85T10A562S"},
		"phone":                 {"+393331234567"},
		"residence.street":      {"Via Roma"},
		"residence.number":      {"1"},
		"residence.postal_code": {"00184"},
		"residence.comune":      {"Roma"},
		"contact":               {"phone"},
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("ValidateStep = %v, want %v", got, want)
	}
}

func TestValidateStep_KeepsOnlyTheStepsKeys(t *testing.T) {
	f := example(t)
	in := applicant()
	in["isee"] = []string{"12"}
	in["_csrf"] = []string{"x"}
	got, _ := f.ValidateStep(0, in, now)
	for _, k := range []string{"isee", "_csrf"} {
		if _, ok := got[k]; ok {
			t.Errorf("ValidateStep kept %q, which is not of step 0", k)
		}
	}
}

func TestValidateStep_BlankOptionalAnswersArePresentAndEmpty(t *testing.T) {
	f := example(t)
	in := applicant()
	delete(in, "phone")
	got, errs := f.ValidateStep(0, in, now)
	wantCodes(t, errs)
	if vs, ok := got["phone"]; !ok || !slices.Equal(vs, []string{""}) {
		t.Errorf("phone = %q, %v; want present and blank", vs, ok)
	}
}

func TestValidateStep_ReturnsWrongAnswersAsTyped(t *testing.T) {
	f := example(t)
	in := applicant()
	in["phone"] = []string{"12 34"}
	in["given_name"] = []string{"  "}
	got, errs := f.ValidateStep(0, in, now)
	wantCodes(t, errs, "given_name:required", "phone:phone")
	if got.Get("phone") != "12 34" {
		t.Errorf("phone = %q, want it as typed", got.Get("phone"))
	}
}

func TestValidateStep_AddressIsRequiredPartByPart(t *testing.T) {
	f := example(t)
	in := applicant()
	in["residence.number"] = []string{""}
	in["residence.postal_code"] = []string{"184"}
	_, errs := f.ValidateStep(0, in, now)
	wantCodes(t, errs, "residence.number:required", "residence.postal_code:postal_code")
}

func TestValidateStep_AnOptionalAddressOnceBegunNeedsEveryPart(t *testing.T) {
	f := example(t)
	f.Steps[0].Fields[3].Required = false
	in := applicant()
	for _, p := range AddressParts {
		in["residence."+p] = []string{""}
	}
	if _, errs := f.ValidateStep(0, in, now); len(errs) > 0 {
		t.Errorf("a blank optional address: %q", codes(errs))
	}
	in["residence.comune"] = []string{"Roma"}
	_, errs := f.ValidateStep(0, in, now)
	wantCodes(t, errs, "residence.street:required", "residence.number:required", "residence.postal_code:required")
}

func TestValidateStep_HiddenFieldsAreNeitherValidatedNorKept(t *testing.T) {
	f := example(t)
	in := applicant()
	in["email"] = []string{"not an email"}
	got, errs := f.ValidateStep(0, in, now)
	wantCodes(t, errs)
	if _, ok := got["email"]; ok {
		t.Error("the hidden email was kept")
	}

	in["contact"] = []string{"email"}
	_, errs = f.ValidateStep(0, in, now)
	wantCodes(t, errs, "email:email")
}

func TestValidateStep_ConditionsOnAHiddenFieldAreFalse(t *testing.T) {
	f := example(t)
	// certificate depends on disabled; make disabled itself depend on a
	// field answered "no": certificate must then be hidden too, whatever
	// disabled says.
	g := &f.Steps[1].Fields[0]
	g.Fields = append([]Field{{ID: "adult", Type: TypeYesNo, Label: Text{"it": "x", "en": "x"}}}, g.Fields...)
	g.Fields[2].VisibleIf = &Condition{Field: "adult", In: []string{"yes"}}
	in := Values{"members.0.adult": {"no"}, "members.0.name": {"Luca"}, "members.0.disabled": {"yes"}, "isee": {"1"}, "start": {"2026-04-01"}}
	got, errs := f.ValidateStep(1, in, now)
	wantCodes(t, errs)
	for _, k := range []string{"members.0.disabled", "members.0.certificate"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s was kept, but its condition depends on a hidden field", k)
		}
	}
}

func household(items ...Values) Values {
	v := Values{"isee": {"12.000,50"}, "start": {"2026-04-01"}}
	for i, it := range items {
		for k, vs := range it {
			v[ItemKey("members", i)+"."+k] = vs
		}
	}
	return v
}

func TestValidateStep_GroupItemsAreValidatedEachWithItsOwnConditions(t *testing.T) {
	f := example(t)
	in := household(
		Values{"name": {"Luca"}, "disabled": {"no"}, "certificate": {"ignored"}},
		Values{"name": {"Sara"}, "disabled": {"yes"}, "certificate": {""}},
	)
	got, errs := f.ValidateStep(1, in, now)
	wantCodes(t, errs, "members.1.certificate:required")
	if _, ok := got["members.0.certificate"]; ok {
		t.Error("the hidden certificate of item 0 was kept")
	}
	if got.Get("isee") != "1200050" {
		t.Errorf("isee = %q, want cents", got.Get("isee"))
	}
	for _, k := range []string{"members.0", "members.1"} {
		if _, ok := got[k]; !ok {
			t.Errorf("item marker %s missing", k)
		}
	}
}

func TestValidateStep_GroupItemCountIsBounded(t *testing.T) {
	f := example(t)
	item := Values{"name": {"X"}, "disabled": {"no"}}
	_, errs := f.ValidateStep(1, household(item, item, item, item), now)
	wantCodes(t, errs, "members:too_many_items")
	if errs[0].Params["max"] != "3" {
		t.Errorf("params = %v, want max 3", errs[0].Params)
	}

	f.Steps[1].Fields[0].MinItems = 1
	_, errs = f.ValidateStep(1, household(), now)
	wantCodes(t, errs, "members:too_few_items")
}

func TestValidateStep_AnEmptyAddedItemIsValidated(t *testing.T) {
	f := example(t)
	in := AddItem(household(), "members")
	_, errs := f.ValidateStep(1, in, now)
	wantCodes(t, errs, "members.0.name:required", "members.0.disabled:required")
}

func TestValidateStep_Files(t *testing.T) {
	f := example(t)
	for _, tc := range []struct {
		name string
		ids  []string
		want []string
	}{
		{"RequiredNeedsOne", nil, []string{"isee_file:file_required"}},
		{"BlankIDsDoNotCount", []string{" ", ""}, []string{"isee_file:file_required"}},
		{"UpToMaxFiles", []string{"a1", "a2", "a1"}, nil},
		{"TooMany", []string{"a1", "a2", "a3"}, []string{"isee_file:too_many"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := f.ValidateStep(2, Values{"isee_file": tc.ids}, now)
			wantCodes(t, errs, tc.want...)
		})
	}
	got, _ := f.ValidateStep(2, Values{"isee_file": {"a1", "a2", "a1"}}, now)
	if !slices.Equal(got["isee_file"], []string{"a1", "a2"}) {
		t.Errorf("files = %q, want the ids once each", got["isee_file"])
	}
}

func TestValidate_RunsEveryStepThenTheRules(t *testing.T) {
	f := example(t)
	all := applicant()
	maps.Copy(all, household())
	all["isee_file"] = []string{"a1"}

	for _, tc := range []struct {
		name, end string
		want      []string
	}{
		{"EndAfterStart", "2026-04-02", nil},
		{"NoEndNoRule", "", nil},
		{"EndSameDay", "2026-04-01", []string{"end:rule"}},
		{"EndBeforeStart", "2026-03-31", []string{"end:rule"}},
		{"EndTooLate", "2027-04-02", []string{"end:rule"}},
		{"EndExactlyMaxDays", "2027-04-01", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all["end"] = []string{tc.end}
			_, errs := f.Validate(all, now)
			wantCodes(t, errs, tc.want...)
			if len(errs) > 0 && errs[0].Message.In("it") == "" {
				t.Error("a rule's error carries no message")
			}
		})
	}
	t.Run("OrEqual", func(t *testing.T) {
		g := f
		g.Rules = []Rule{f.Rules[0]}
		g.Rules[0].OrEqual = true
		all["end"] = []string{"2026-04-01"}
		_, errs := g.Validate(all, now)
		wantCodes(t, errs)
	})
	t.Run("RuleSkippedWhenAFieldIsWrong", func(t *testing.T) {
		all["end"] = []string{"31/02/2026"}
		_, errs := f.Validate(all, now)
		wantCodes(t, errs, "end:date")
	})
}

func TestValidate_AtLeastOne(t *testing.T) {
	f := example(t)
	f.Rules = []Rule{{Kind: RuleAtLeastOne, Fields: []string{"phone", "email"}, Message: Text{"it": "Un recapito", "en": "A contact"}}}
	all := applicant()
	maps.Copy(all, household())
	all["isee_file"] = []string{"a1"}

	_, errs := f.Validate(all, now)
	wantCodes(t, errs)

	all["phone"] = []string{""}
	_, errs = f.Validate(all, now)
	wantCodes(t, errs, "phone:rule")

	all["contact"] = []string{"email"}
	all["email"] = []string{"anna@example.it"}
	_, errs = f.Validate(all, now)
	wantCodes(t, errs)
}

func TestStepOf(t *testing.T) {
	f := example(t)
	for key, want := range map[string]int{
		"given_name":       0,
		"residence.street": 0,
		"residence.floor":  -1,
		"residence":        -1,
		"members":          1,
		"members.2":        1,
		"members.2.name":   1,
		"members.2.age":    -1,
		"members.02.name":  -1,
		"members.x.name":   -1,
		"isee_file":        2,
		"note":             -1, // a paragraph has no answer
		"unknown":          -1,
		"given_name.x":     -1,
		"_csrf":            -1,
	} {
		if got := f.StepOf(key); got != want {
			t.Errorf("StepOf(%q) = %d, want %d", key, got, want)
		}
	}
}

func TestMerge_ReplacesTheStepsKeysOnly(t *testing.T) {
	f := example(t)
	draft := Values{
		"given_name":     {"Anna"},
		"members.0":      {""},
		"members.0.name": {"Luca"},
		"members.1":      {""},
		"members.1.name": {"Sara"},
		"isee":           {"100"},
		"isee_file":      {"a1"},
	}
	// The person removed item 1 and changed the ISEE; the post also
	// carries a key of another step and the CSRF token.
	step := Values{"members.0": {""}, "members.0.name": {"Luca"}, "isee": {"200"}, "given_name": {"Eve"}, "_csrf": {"t"}}
	got := f.Merge(draft, 1, step)
	want := Values{
		"given_name":     {"Anna"},
		"members.0":      {""},
		"members.0.name": {"Luca"},
		"isee":           {"200"},
		"isee_file":      {"a1"},
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("Merge = %v, want %v", got, want)
	}
}
