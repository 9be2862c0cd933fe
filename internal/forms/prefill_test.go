package forms

import (
	"maps"
	"slices"
	"testing"
)

var identity = map[string]string{"given_name": "Anna", "family_name": "Rossi", "fiscal_code": "RSSNNA80A41H501X"}

func TestPrefill_FillsWhatIsNotAnsweredYet(t *testing.T) {
	f := example(t)
	profile := Values{
		"phone":                 {"+393331234567"},
		"residence.street":      {"Via Roma"},
		"residence.number":      {"1"},
		"residence.postal_code": {"00184"},
		"residence.comune":      {"Roma"},
	}
	got := f.Prefill(Values{}, identity, profile)
	want := Values{
		"given_name":            {"Anna"},
		"fiscal_code":           {"RSSNNA80A41H501X"},
		"phone":                 {"+393331234567"},
		"residence.street":      {"Via Roma"},
		"residence.number":      {"1"},
		"residence.postal_code": {"00184"},
		"residence.comune":      {"Roma"},
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("Prefill = %v, want %v", got, want)
	}
}

func TestPrefill_LeavesAnswersAloneEvenBlankOnes(t *testing.T) {
	f := example(t)
	v := Values{"given_name": {"Annamaria"}, "phone": {""}, "residence.street": {""}}
	got := f.Prefill(v, identity, Values{"phone": {"+393331234567"}, "residence.comune": {"Roma"}})
	if got.Get("given_name") != "Annamaria" || got.Get("phone") != "" || got.Get("residence.comune") != "" {
		t.Errorf("Prefill overwrote answers: %v", got)
	}
	if got.Get("fiscal_code") != "RSSNNA80A41H501X" {
		t.Error("Prefill skipped an unanswered field")
	}
	if v.Get("fiscal_code") != "" {
		t.Error("Prefill changed its argument")
	}
}

func TestPrefill_MissingSourcesLeaveTheFieldUnanswered(t *testing.T) {
	f := example(t)
	got := f.Prefill(Values{}, nil, nil)
	if len(got) != 0 {
		t.Errorf("Prefill with nothing known = %v", got)
	}
}

func TestRemember_ReturnsProfileEntriesOfAnsweredFields(t *testing.T) {
	f := example(t)
	v, _ := f.ValidateStep(0, applicant(), now)
	got := f.Remember(v)
	want := Values{
		"phone":                 {"+393331234567"},
		"residence.street":      {"Via Roma"},
		"residence.number":      {"1"},
		"residence.postal_code": {"00184"},
		"residence.comune":      {"Roma"},
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("Remember = %v, want %v", got, want)
	}

	v["phone"] = []string{""}
	if _, ok := f.Remember(v)["phone"]; ok {
		t.Error("a blank answer was remembered")
	}
}

func TestRememberThenPrefill_RoundTrips(t *testing.T) {
	f := example(t)
	v, _ := f.ValidateStep(0, applicant(), now)
	got := f.Prefill(Values{}, nil, f.Remember(v))
	for _, k := range []string{"phone", "residence.street", "residence.comune"} {
		if got.Get(k) != v.Get(k) {
			t.Errorf("%s = %q after a round trip, want %q", k, got.Get(k), v.Get(k))
		}
	}
}
