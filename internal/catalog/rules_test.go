package catalog_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/catalog"
)

// standardCard is a valid card of the standard catalogue, and the
// catalogue it belongs to.
func standardCard(t *testing.T) (catalog.Catalogue, catalog.Service) {
	t.Helper()
	c, err := catalog.Load(standard)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(c.Services, func(s catalog.Service) bool { return s.Slug == "carta-identita-elettronica" })
	if i < 0 {
		t.Fatal("no carta-identita-elettronica in the standard catalogue")
	}
	return c, c.Services[i]
}

func textErrors(errs []error) []catalog.TextError {
	var out []catalog.TextError
	for _, e := range errs {
		var te catalog.TextError
		if errors.As(e, &te) {
			out = append(out, te)
		}
	}
	return out
}

func TestAdminTextRule_CountsCharactersOfTheTrimmedTextInEveryLanguage(t *testing.T) {
	t.Parallel()
	r := catalog.TextRule{Field: "title", Min: 5, Max: 8}
	for _, tc := range []struct {
		name string
		text catalog.Text
		want []catalog.TextError
	}{
		{"accented letters count once", catalog.Text{"it": "Città", "en": "Towns"}, nil},
		{"spaces around do not count", catalog.Text{"it": "  Città \n", "en": "\tabcd  "},
			[]catalog.TextError{{TextRule: r, Lang: "en", Length: 4}}},
		{"a missing language is empty", catalog.Text{"it": "Città"},
			[]catalog.TextError{{TextRule: r, Lang: "en", Length: 0}}},
		{"too long", catalog.Text{"it": "Cittadini", "en": "Citizens"},
			[]catalog.TextError{{TextRule: r, Lang: "it", Length: 9}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Check(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("Check(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

// The loader and the editor apply the same rules: a card the editor
// refuses is one the catalogue files may not hold either, with the same
// words.
func TestAdminEdit_BreaksTheSameRulesAsTheCatalogueFiles(t *testing.T) {
	t.Parallel()
	c, card := standardCard(t)
	e := catalog.EditOf(card)
	e.Texts["title"] = catalog.Text{"it": "   ", "en": card.Title["en"]}
	e.Texts["description"] = catalog.Text{"it": "Troppo breve", "en": card.Description["en"]}
	e.Texts["how_to"] = catalog.Text{"it": strings.Repeat("a", 6001), "en": card.HowTo["en"]}
	edited := e.Apply(card)

	got := textErrors(edited.TextProblems())
	want := []catalog.TextError{
		{TextRule: catalog.CardTexts[0], Lang: "it", Length: 0},
		{TextRule: catalog.CardTexts[1], Lang: "it", Length: 12},
		{TextRule: catalog.CardTexts[3], Lang: "it", Length: 6001},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("editor: %v, want %v", got, want)
	}

	i := slices.IndexFunc(c.Services, func(s catalog.Service) bool { return s.Slug == card.Slug })
	c.Services[i] = edited
	problems := c.Validate()
	for _, w := range want {
		line := "service " + card.Slug + ": " + w.Error()
		if !slices.Contains(problems, line) {
			t.Errorf("the loader does not report %q; it reports:\n%s", line, strings.Join(problems, "\n"))
		}
	}
	if len(problems) != len(want) {
		t.Errorf("the loader reports %d problems, want %d:\n%s", len(problems), len(want), strings.Join(problems, "\n"))
	}
}

func TestAdminEdit_SuspendedNeedsAReasonInEveryLanguage(t *testing.T) {
	t.Parallel()
	_, card := standardCard(t)
	e := catalog.EditOf(card)
	e.Status = catalog.StatusSuspended
	e.StatusReason = catalog.Text{"it": "Sospeso per lavori di manutenzione.", "en": "Closed"}
	got := textErrors(e.Apply(card).TextProblems())
	want := []catalog.TextError{{TextRule: catalog.StatusReasonRule, Lang: "en", Length: 6}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestAdminEdit_ActiveDropsTheStatusReason(t *testing.T) {
	t.Parallel()
	_, card := standardCard(t)
	e := catalog.EditOf(card)
	e.Status = catalog.StatusActive
	e.StatusReason = catalog.Text{"it": "x", "en": ""}
	edited := e.Apply(card)
	if edited.StatusReason != nil {
		t.Errorf("an active service keeps the reason %q", edited.StatusReason)
	}
	if errs := edited.TextProblems(); len(errs) != 0 {
		t.Errorf("problems %v, want none", errs)
	}
}

func TestAdminEdit_UnknownStatusIsErrStatus(t *testing.T) {
	t.Parallel()
	_, card := standardCard(t)
	e := catalog.EditOf(card)
	e.Status = "closed"
	errs := e.Apply(card).TextProblems()
	if len(errs) != 1 || !errors.Is(errs[0], catalog.ErrStatus) {
		t.Errorf("problems %v, want one ErrStatus", errs)
	}
}

func TestAdminEdit_ApplyTrimsNormalisesLineEndsAndKeepsTheRestOfTheCard(t *testing.T) {
	t.Parallel()
	_, card := standardCard(t)
	e := catalog.EditOf(card)
	e.Texts["needed"] = catalog.Text{"it": "  Primo paragrafo.\r\n\r\n- voce uno\r\n- voce due\r\n", "en": card.Needed["en"]}
	delete(e.Texts, "calendar")
	edited := e.Apply(card)
	if got, want := edited.Needed["it"], "Primo paragrafo.\n\n- voce uno\n- voce due"; got != want {
		t.Errorf("needed.it = %q, want %q", got, want)
	}
	if edited.Calendar["it"] != "" || edited.Calendar["en"] != "" {
		t.Errorf("a field missing from the edit is kept: %q", edited.Calendar)
	}
	if !slices.Equal(edited.Topics, card.Topics) || len(edited.Fees) != len(card.Fees) || edited.Office != card.Office ||
		!slices.Equal(edited.Channels, card.Channels) || len(edited.Deadlines) != len(card.Deadlines) {
		t.Errorf("the edit changed fields it does not own")
	}
	if unchanged := catalog.EditOf(card).Apply(card); len(unchanged.TextProblems()) != 0 || unchanged.Title["it"] != card.Title["it"] {
		t.Errorf("EditOf(card).Apply(card) is not the card")
	}
}

func TestAdminEditorRole_IsTheComuneAdministrator(t *testing.T) {
	t.Parallel()
	if catalog.EditorRole != auth.RoleAdmin {
		t.Errorf("catalog.EditorRole %q, auth.RoleAdmin %q", catalog.EditorRole, auth.RoleAdmin)
	}
}

func TestAdminVersion_RoundTripsThroughItsString(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "0", "-3", "abc", "1.5"} {
		if _, err := catalog.ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
	v, err := catalog.ParseVersion("1767225600123456")
	if err != nil || v.String() != "1767225600123456" {
		t.Errorf("ParseVersion round trip: %v %v", v, err)
	}
}
