package forms

import (
	"maps"
	"slices"
	"testing"
)

func TestItemCount_IsOneMoreThanTheHighestIndex(t *testing.T) {
	v := Values{
		"members.0.name":    {"a"},
		"members.2":         {""},
		"members_extra.5.x": {"not ours"},
		"members.07.name":   {"not canonical"},
		"members.100.name":  {"beyond the limit"},
		"members.x.name":    {"not an index"},
		"residence.street":  {"x"},
	}
	if got := ItemCount(v, "members"); got != 3 {
		t.Errorf("ItemCount = %d, want 3", got)
	}
	if got := ItemCount(Values{}, "members"); got != 0 {
		t.Errorf("ItemCount of nothing = %d", got)
	}
}

func TestAddItem_AddsAnEmptyItemAtTheEnd(t *testing.T) {
	v := Values{"members.0.name": {"a"}}
	got := AddItem(v, "members")
	if ItemCount(got, "members") != 2 || !slices.Equal(got["members.1"], []string{""}) {
		t.Errorf("AddItem = %v", got)
	}
	if len(v) != 1 {
		t.Error("AddItem changed its argument")
	}
}

func TestRemoveItem_RenumbersTheFollowingItems(t *testing.T) {
	v := Values{
		"members.0.name":        {"a"},
		"members.1.name":        {"b"},
		"members.1":             {""},
		"members.2.name":        {"c"},
		"members.2.home.street": {"Via C"},
		"members.3":             {""},
		"other":                 {"x"},
	}
	got := RemoveItem(v, "members", 1)
	want := Values{
		"members.0.name":        {"a"},
		"members.1.name":        {"c"},
		"members.1.home.street": {"Via C"},
		"members.2":             {""},
		"other":                 {"x"},
	}
	if !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("RemoveItem = %v, want %v", got, want)
	}
	if same := RemoveItem(v, "members", 9); !maps.EqualFunc(same, v, slices.Equal) {
		t.Errorf("removing an item that does not exist changed %v into %v", v, same)
	}
	if len(v) != 7 {
		t.Error("RemoveItem changed its argument")
	}
}
