package forms

import (
	"slices"
	"testing"
)

func TestCarry_KeepsWhatStillFitsAndListsTheRest(t *testing.T) {
	f := example(t)
	// In the new version "contact" lost its "phone" option and "phone"
	// became a date (an odd change, but a possible one).
	f.Steps[0].Fields[4].Options = f.Steps[0].Fields[4].Options[1:]
	f.Steps[0].Fields[2].Type = TypeDate
	old := Values{
		"given_name":       {"Anna"},
		"phone":            {"+393331234567"},
		"contact":          {"phone"},
		"residence.street": {"Via Roma"},
		"isee":             {"1200050"},
		"start":            {"2026-04-01"},
		"meals":            {"lunch", "dinner"},
		"members.0":        {""},
		"members.0.name":   {"Luca"},
		"members.0.age":    {"7"},
		"isee_file":        {"a1"},
		"removed_field":    {"x"},
	}
	got, dropped := f.Carry(old)
	wantDropped := []string{"contact", "meals", "members.0.age", "phone", "removed_field"}
	if !slices.Equal(dropped, wantDropped) {
		t.Errorf("dropped = %q, want %q", dropped, wantDropped)
	}
	for _, k := range []string{"given_name", "residence.street", "isee", "start", "members.0", "members.0.name", "isee_file"} {
		if !slices.Equal(got[k], old[k]) {
			t.Errorf("%s = %q, want it carried", k, got[k])
		}
	}
}

func TestCarry_MoneyMustStillBeCents(t *testing.T) {
	f := example(t)
	_, dropped := f.Carry(Values{"isee": {"12,50"}})
	if !slices.Equal(dropped, []string{"isee"}) {
		t.Errorf("dropped = %q", dropped)
	}
}
