package forms

import (
	"maps"
	"slices"
	"testing"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/locale"
)

func localizer(t *testing.T, lang string) *locale.Localizer {
	t.Helper()
	c, err := locale.Load(i18n.FS, "it", "en")
	if err != nil {
		t.Fatal(err)
	}
	return c.For(lang)
}

func answers(t *testing.T, f Form) Values {
	t.Helper()
	in := applicant()
	maps.Copy(in, household(
		Values{"name": {"Luca"}, "disabled": {"no"}},
		Values{"name": {"Sara"}, "disabled": {"yes"}, "certificate": {"C-1"}},
	))
	in["meals"] = []string{"snack", "lunch"}
	in["isee_file"] = []string{"a1"}
	v, errs := f.Validate(in, now)
	wantCodes(t, errs)
	return v
}

func TestSummary_ShowsVisibleAnsweredFieldsAsAPersonReadsThem(t *testing.T) {
	f := example(t)
	got := f.Summary(answers(t, f), localizer(t, "it"), map[string]string{"a1": "isee.pdf"})
	if len(got) != 3 || got[1].StepID != "household" || got[1].Title != "Nucleo familiare" || got[1].StepIndex != 1 {
		t.Fatalf("sections = %+v", got)
	}
	items := map[string]SummaryItem{}
	for _, s := range got {
		for _, it := range s.Items {
			items[it.Key] = it
		}
	}
	for key, want := range map[string]string{
		"given_name": "Anna",
		"contact":    "Telefono",
		"isee":       "€ 12.000,50",
		"start":      "1 aprile 2026",
	} {
		if items[key].Value != want {
			t.Errorf("%s = %q, want %q", key, items[key].Value, want)
		}
	}
	for key, want := range map[string][]string{
		"residence": {"Via Roma 1", "00184 Roma"},
		"meals":     {"Pranzo", "Merenda"},
		"isee_file": {"isee.pdf"},
	} {
		if !slices.Equal(items[key].Values, want) {
			t.Errorf("%s = %q, want %q", key, items[key].Values, want)
		}
	}
	for _, key := range []string{"email", "end", "note"} {
		if _, ok := items[key]; ok {
			t.Errorf("%s is on the summary, but it is hidden, blank or a paragraph", key)
		}
	}
	g := items["members"].Group
	if len(g) != 2 || g[1].Label != "Familiare 2" || len(g[0].Items) != 2 || len(g[1].Items) != 3 {
		t.Fatalf("members = %+v", g)
	}
	if g[1].Items[1].Value != "Sì" || g[1].Items[2].Key != "members.1.certificate" {
		t.Errorf("item 2 = %+v", g[1].Items)
	}
}

func TestSummary_InEnglish(t *testing.T) {
	f := example(t)
	got := f.Summary(answers(t, f), localizer(t, "en"), nil)
	if got[0].Title != "Applicant" {
		t.Errorf("title = %q", got[0].Title)
	}
	for _, it := range got[1].Items {
		switch it.Key {
		case "isee":
			if it.Value != "€12,000.50" {
				t.Errorf("isee = %q", it.Value)
			}
		case "members":
			if it.Group[0].Label != "Member 1" || it.Group[0].Items[1].Value != "No" {
				t.Errorf("members = %+v", it.Group)
			}
		}
	}
	for _, it := range got[2].Items {
		if it.Key == "isee_file" && !slices.Equal(it.Values, []string{"a1"}) {
			t.Errorf("a file without a known name = %q, want its id", it.Values)
		}
	}
}
