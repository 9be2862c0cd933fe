package testidp_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/civica/civica/internal/auth/testidp"
)

func TestDefaultIdentities(t *testing.T) {
	t.Parallel()

	identities := testidp.DefaultIdentities()
	if len(identities) != 13 {
		t.Fatalf("got %d identities, want 13", len(identities))
	}
	idPattern := regexp.MustCompile(`^[a-z]+-[a-z]+$`)
	seen := map[string]bool{}
	for _, id := range identities {
		if seen[id.ID] {
			t.Errorf("duplicate ID %q", id.ID)
		}
		seen[id.ID] = true
		t.Run(id.ID, func(t *testing.T) {
			t.Parallel()
			if !idPattern.MatchString(id.ID) {
				t.Errorf("ID %q is malformed", id.ID)
			}
			if id.Kind != testidp.KindCitizen && id.Kind != testidp.KindStaff {
				t.Errorf("Kind = %q", id.Kind)
			}
			wantEmail := strings.ToLower(id.GivenName + "." + id.FamilyName + "@example.it")
			if id.Email != wantEmail {
				t.Errorf("Email = %q, want %q", id.Email, wantEmail)
			}
			if id.Note == "" || id.Phone == "" {
				t.Error("Note and Phone must be set")
			}
			checkFiscalCode(t, id)
		})
	}
}

// checkFiscalCode checks that the identity's codice fiscale is well formed,
// agrees with its birth date and place, and has the right check character.
func checkFiscalCode(t *testing.T, id testidp.Identity) {
	t.Helper()
	cf := id.FiscalCode
	if !regexp.MustCompile(`^[A-Z]{6}[0-9]{2}[ABCDEHLMPRST][0-9]{2}[A-Z][0-9]{3}[A-Z]$`).MatchString(cf) {
		t.Fatalf("fiscal code %q is malformed", cf)
	}
	birth, err := time.Parse(time.DateOnly, id.BirthDate)
	if err != nil {
		t.Fatalf("BirthDate: %v", err)
	}
	date := fmt.Sprintf("%02d%c", birth.Year()%100, "ABCDEHLMPRST"[birth.Month()-1])
	day := cf[9:11]
	if cf[6:9] != date || (day != fmt.Sprintf("%02d", birth.Day()) && day != fmt.Sprintf("%02d", birth.Day()+40)) {
		t.Errorf("fiscal code %q does not encode birth date %s", cf, id.BirthDate)
	}
	if cf[11:15] != id.PlaceOfBirth {
		t.Errorf("fiscal code %q does not encode place of birth %s", cf, id.PlaceOfBirth)
	}
	if want := checkCharacter(cf[:15]); cf[15] != want {
		t.Errorf("fiscal code %q has check character %c, want %c", cf, cf[15], want)
	}
}

// checkCharacter computes the codice fiscale check character of the first
// 15 characters (DM 23/12/1976): characters in odd positions (1-based) are
// converted with the odd table, those in even positions take their plain
// value; the sum modulo 26 is the letter.
func checkCharacter(first15 string) byte {
	odd := [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}
	value := func(c byte) int {
		if c >= '0' && c <= '9' {
			return int(c - '0')
		}
		return int(c - 'A')
	}
	sum := 0
	for i := 0; i < 15; i++ {
		if i%2 == 0 {
			sum += odd[value(first15[i])]
		} else {
			sum += value(first15[i])
		}
	}
	return byte('A' + sum%26)
}

func TestCheckCharacter(t *testing.T) {
	t.Parallel()
	// A widely published example.
	if got := checkCharacter("RSSMRA85T10A562"); got != 'S' {
		t.Errorf("checkCharacter = %c, want S", got)
	}
}
