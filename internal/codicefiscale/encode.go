package codicefiscale

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Person holds what a codice fiscale is computed from.
type Person struct {
	Surname string
	Name    string
	// BirthDate is read as a calendar date in its own location; the time of
	// day is ignored.
	BirthDate time.Time
	Female    bool
	// PlaceCode is the Belfiore code of the place of birth, e.g. "H501" for
	// Rome or "Z343" for Senegal.
	PlaceCode string
}

// Encode computes the codice fiscale of p following the official rules, in
// its base form (without omocodia; see [Omocode] for the variants):
//
//   - surname: its first three consonants; if there are fewer, its vowels in
//     order follow, then X as padding ("Rossi" → RSS, "Fo" → FOX);
//   - name: as the surname, except that a name with four or more consonants
//     takes the first, third and fourth ("Gianfranco" → GFR);
//   - year, month letter, day (+40 for women) and place as described in the
//     package documentation, then the check character.
//
// Accented and other Latin letters are reduced to their base letter (È → E,
// Ç → C; Æ → AE, ß → SS); spaces, apostrophes, hyphens and dots are ignored
// ("D'Amico" is read DAMICO). Only A E I O U count as vowels.
//
// The error wraps [ErrCharacters] if the surname or the name has no letters or
// a character that cannot be transliterated (digits, other scripts), [ErrDay]
// if BirthDate is the zero time, and [ErrPlace] if PlaceCode (trimmed and
// upper-cased) is not a letter followed by three digits as [Parse] requires.
func Encode(p Person) (Code, error) {
	surname, err := normalizeName(p.Surname)
	if err != nil {
		return "", fmt.Errorf("surname: %w", err)
	}
	name, err := normalizeName(p.Name)
	if err != nil {
		return "", fmt.Errorf("name: %w", err)
	}
	if p.BirthDate.IsZero() {
		return "", fmt.Errorf("%w: birth date not set", ErrDay)
	}
	place := strings.ToUpper(strings.TrimSpace(p.PlaceCode))
	if err := checkPlace(place); err != nil {
		return "", err
	}

	year, month, day := p.BirthDate.Date()
	if p.Female {
		day += 40
	}
	first15 := fmt.Sprintf("%s%s%02d%c%02d%s",
		surnameCode(surname), nameCode(name), (year%100+100)%100, monthLetters[month-1], day, place)
	check, err := CheckCharacter(first15)
	if err != nil {
		return "", err // unreachable: every part above is upper-case ASCII
	}
	return Parse(first15 + string(check))
}

// surnameCode returns the three letters for an upper-case A–Z surname.
func surnameCode(s string) string {
	consonants, vowels := split(s)
	return (consonants + vowels + "XXX")[:3]
}

// nameCode returns the three letters for an upper-case A–Z name.
func nameCode(s string) string {
	consonants, vowels := split(s)
	if len(consonants) >= 4 {
		return consonants[:1] + consonants[2:4]
	}
	return (consonants + vowels + "XXX")[:3]
}

// split separates the consonants and the vowels of an upper-case A–Z string,
// each in their original order.
func split(s string) (consonants, vowels string) {
	var c, v strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte("AEIOU", s[i]) >= 0 {
			v.WriteByte(s[i])
		} else {
			c.WriteByte(s[i])
		}
	}
	return c.String(), v.String()
}

// normalizeName reduces s to upper-case ASCII letters: Latin letters lose
// their diacritics, separators are dropped, and anything else is an error
// wrapping ErrCharacters.
func normalizeName(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case 'A' <= r && r <= 'Z':
			b.WriteRune(r)
		case 'a' <= r && r <= 'z':
			b.WriteRune(r - 'a' + 'A')
		case transliterations[r] != "":
			b.WriteString(transliterations[r])
		case unicode.IsSpace(r), unicode.Is(unicode.Mn, r), strings.ContainsRune(separators, r):
			// Separators, and combining accents of decomposed input.
		default:
			return "", fmt.Errorf("%w: %q in %q cannot be transliterated to A–Z", ErrCharacters, r, s)
		}
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("%w: %q has no letters", ErrCharacters, s)
	}
	return b.String(), nil
}

// separators are the non-space characters ignored in surnames and names:
// apostrophes in their various shapes, hyphens and dashes, dots.
const separators = "'’‘`´ʼ-‐‑–—."

// transliterations maps Latin letters with diacritics, and a few ligatures,
// to upper-case ASCII.
var transliterations = func() map[rune]string {
	groups := map[string]string{
		"A":  "ÀÁÂÃÄÅĀĂĄàáâãäåāăą",
		"C":  "ÇĆĈĊČçćĉċč",
		"D":  "ÐĎĐðďđ",
		"E":  "ÈÉÊËĒĔĖĘĚèéêëēĕėęě",
		"G":  "ĜĞĠĢĝğġģ",
		"H":  "ĤĦĥħ",
		"I":  "ÌÍÎÏĨĪĬĮİìíîïĩīĭįı",
		"J":  "Ĵĵ",
		"K":  "Ķķ",
		"L":  "ĹĻĽĿŁĺļľŀł",
		"N":  "ÑŃŅŇñńņň",
		"O":  "ÒÓÔÕÖØŌŎŐòóôõöøōŏő",
		"R":  "ŔŖŘŕŗř",
		"S":  "ŚŜŞŠȘśŝşšșſ",
		"T":  "ŢŤŦȚţťŧț",
		"U":  "ÙÚÛÜŨŪŬŮŰŲùúûüũūŭůűų",
		"W":  "Ŵŵ",
		"Y":  "ÝŶŸýŷÿ",
		"Z":  "ŹŻŽźżž",
		"AE": "Ææ",
		"OE": "Œœ",
		"SS": "ß",
		"TH": "Þþ",
		"IJ": "Ĳĳ",
	}
	m := make(map[rune]string)
	for ascii, runes := range groups {
		for _, r := range runes {
			m[r] = ascii
		}
	}
	return m
}()
