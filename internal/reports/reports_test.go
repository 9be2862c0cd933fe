package reports_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/civica/civica/internal/reports"
)

// valid is a report that passes Validate; tests change one thing of it.
func valid() reports.Report {
	return reports.Report{
		Category:    "illuminazione-pubblica",
		Place:       "Via Roma 12",
		Subject:     "Lampione spento",
		Description: "Il lampione davanti al civico 12 è spento da una settimana.",
		Email:       "mario.rossi@example.it",
		Language:    "it",
	}
}

// codes lists the field errors as "field:code".
func codes(errs []*reports.FieldError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field+":"+e.Code)
	}
	return out
}

func TestReportValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(*reports.Report)
		want   []string
	}{
		{"Valid", func(*reports.Report) {}, nil},
		{"ValidWithoutEmail", func(r *reports.Report) { r.Email = "" }, nil},
		{"ErrEverythingMissing", func(r *reports.Report) { *r = reports.Report{} },
			[]string{"category:required", "place:required", "subject:required", "description:required"}},
		{"ErrUnknownCategory", func(r *reports.Report) { r.Category = "buche" }, []string{"category:unknown"}},
		{"ErrPlaceMissing", func(r *reports.Report) { r.Place = "   " }, []string{"place:required"}},
		{"PlaceNotNeededForOnlineServices", func(r *reports.Report) { r.Category, r.Place = "servizi-online-del-comune", "" }, nil},
		{"PlaceNotNeededForOffices", func(r *reports.Report) { r.Category, r.Place = "uffici-e-sportelli", "" }, nil},
		{"ErrPlaceTooLong", func(r *reports.Report) { r.Place = strings.Repeat("v", reports.MaxPlace+1) }, []string{"place:too_long"}},
		{"ErrSubjectTooShort", func(r *reports.Report) { r.Subject = " buca " }, []string{"subject:too_short"}},
		{"SubjectAtItsLimits", func(r *reports.Report) { r.Subject = strings.Repeat("è", reports.MaxSubject) }, nil},
		{"ErrSubjectTooLong", func(r *reports.Report) { r.Subject = strings.Repeat("è", reports.MaxSubject+1) }, []string{"subject:too_long"}},
		{"ErrSubjectOnTwoLines", func(r *reports.Report) { r.Subject = "Lampione\nspento" }, []string{"subject:invalid"}},
		{"ErrDescriptionTooShort", func(r *reports.Report) { r.Description = "È rotto." }, []string{"description:too_short"}},
		{"ErrDescriptionTooLong", func(r *reports.Report) { r.Description = strings.Repeat("a", reports.MaxDescription+1) }, []string{"description:too_long"}},
		{"DescriptionLineEndsCountOnce", func(r *reports.Report) {
			r.Description = strings.Repeat("abcdefghi\r\n", reports.MaxDescription/10)
		}, nil},
		{"ErrEmailInvalid", func(r *reports.Report) { r.Email = "mario.rossi" }, []string{"email:invalid"}},
		{"ErrEmailWithName", func(r *reports.Report) { r.Email = "Mario <mario@example.it>" }, []string{"email:invalid"}},
		{"ErrEmailWithoutDomain", func(r *reports.Report) { r.Email = "mario@localhost" }, []string{"email:invalid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := valid()
			tc.change(&r)
			if got := codes(r.Validate()); !slices.Equal(got, tc.want) {
				t.Errorf("Validate() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReportNormalize_TrimsAndUnifiesLineEnds(t *testing.T) {
	t.Parallel()
	r := reports.Report{Subject: "  Buca  ", Description: "\r\nriga uno\r\nriga due  ", Email: " a@b.it "}.Normalize()
	if r.Subject != "Buca" || r.Description != "riga uno\nriga due" || r.Email != "a@b.it" {
		t.Errorf("normalized to %+v", r)
	}
}

func TestReportCategories_AreKnown(t *testing.T) {
	t.Parallel()
	for _, c := range reports.Categories {
		if !reports.IsCategory(c) {
			t.Errorf("%s is listed but not a category", c)
		}
	}
	if reports.IsCategory("") || reports.IsCategory("Altro") {
		t.Error("IsCategory accepts what is not a category")
	}
}

func TestReportIsReference(t *testing.T) {
	t.Parallel()
	for ref, want := range map[string]bool{
		"DS-ABCD2345": true, "DS-ZZZZ9999": true,
		"DS-ABCD0345": false, "DS-ABCDO345": false, "DS-ABCD1345": false, "DS-ABCDI345": false, "DS-ABCDL345": false,
		"ds-abcd2345": false, "DS-ABCD234": false, "DS-ABCD23456": false, "XX-ABCD2345": false, "": false,
	} {
		if got := reports.IsReference(ref); got != want {
			t.Errorf("IsReference(%q) = %v, want %v", ref, got, want)
		}
	}
}
