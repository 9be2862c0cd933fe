// Package codicefiscale parses, validates and generates the codice fiscale of
// natural persons: the 16-character identifier that the Italian tax
// administration assigns to everybody born or resident in Italy, and that the
// portal uses to recognise citizens and staff.
//
// The Italian name is kept on purpose, in identifiers and in prose alike: it is
// the domain's own word, the one printed on the health card and asked for by
// every form, and an English rendering such as "tax code" would only blur what
// is meant.
//
// A codice fiscale is laid out as follows (1-based positions):
//
//	1–3    surname  three letters
//	4–6    name     three letters
//	7–8    year     last two digits of the year of birth
//	9      month    A B C D E H L M P R S T for January … December
//	10–11  day      day of birth, plus 40 for women (01–31, 41–71)
//	12–15  place    Belfiore code of the place of birth: a letter and three
//	                digits (H501 Rome, F205 Milan, Z… for foreign countries)
//	16     check    check character computed from positions 1–15
//
// When two people would get the same code (omocodia), the tax administration
// replaces digits with the letters L M N P Q R S T U V (standing for 0–9),
// starting from the rightmost of the seven digit positions (15, 14, 13, 11, 10,
// 8, 7) and moving left, and recomputes the check character. Such codes are as
// valid as the others: [Parse] accepts them, the accessors decode through the
// substitution and [Code.Canonical] turns them back into the base code.
//
// Only codes of natural persons are handled here; the 11-digit numeric codes of
// companies and the provisional codes are not.
package codicefiscale

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors returned (wrapped) by [Parse], [CheckCharacter], [Encode]
// and [Omocode]. Compare with [errors.Is]; each one names a distinct kind of
// mistake so that callers can translate it for the user.
var (
	// ErrLength means the input is not 16 characters long (15 for
	// [CheckCharacter]) once surrounding spaces are removed.
	ErrLength = errors.New("codice fiscale: wrong length")
	// ErrCharacters means a character is not allowed where it stands: not a
	// letter or digit, a digit where a letter is required, a letter other than
	// L M N P Q R S T U V where a digit is required, or omocodia letters that do
	// not follow the right-to-left substitution order. For [Encode] it means a
	// surname or name has no letters or contains characters that cannot be
	// transliterated.
	ErrCharacters = errors.New("codice fiscale: invalid characters")
	// ErrMonth means position 9 is not one of the twelve month letters.
	ErrMonth = errors.New("codice fiscale: invalid month of birth")
	// ErrDay means the day of birth is outside 01–31 and 41–71, or the date does
	// not exist (31 April, 29 February of a non-leap year). For [Encode] it
	// means the birth date is the zero time.
	ErrDay = errors.New("codice fiscale: invalid day of birth")
	// ErrPlace means the place of birth is not a plausible Belfiore code.
	ErrPlace = errors.New("codice fiscale: invalid place of birth")
	// ErrCheckCharacter means the check character does not match the first 15
	// characters: the usual symptom of a typing mistake.
	ErrCheckCharacter = errors.New("codice fiscale: check character does not match")
)

// Code is a codice fiscale of a natural person in normalized form: 16
// upper-case ASCII letters and digits, possibly with omocodia letters.
//
// Values obtained from [Parse], [Encode], [Omocode] or [Code.Canonical] are
// valid. The methods do not panic on other values, but their results are then
// meaningless (zero values).
type Code string

const (
	codeLength = 16
	// monthLetters[m-1] is the letter of month m.
	monthLetters = "ABCDEHLMPRST"
	// omocodiaLetters[d] is the letter that replaces digit d.
	omocodiaLetters = "LMNPQRSTUV"
)

// omocodiaPositions holds the 0-based indexes of the seven digit positions, in
// the order omocodia substitutes them: rightmost first.
var omocodiaPositions = [7]int{14, 13, 12, 10, 9, 7, 6}

// isDigitPosition reports whether 0-based index i holds a digit (or an
// omocodia letter) rather than a letter.
func isDigitPosition(i int) bool {
	switch i {
	case 6, 7, 9, 10, 12, 13, 14:
		return true
	}
	return false
}

// oddValues gives the value of each character at odd 1-based positions
// (1, 3, …, 15): indexes 0–9 are the digits, 10–35 the letters A–Z. At even
// positions a digit is worth itself and a letter its index in the alphabet
// (A=0 … Z=25).
var oddValues = [36]int{
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // 0–9
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // A–J
	2, 4, 18, 20, 11, 3, 6, 8, 12, 14, // K–T
	16, 10, 22, 25, 24, 23, // U–Z
}

func isUpper(b byte) bool { return 'A' <= b && b <= 'Z' }
func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// checkSum returns the check character of the 15 characters in b, or false if
// one of them is not an upper-case ASCII letter or digit.
func checkSum(b []byte) (byte, bool) {
	sum := 0
	for i, ch := range b {
		var v int
		switch {
		case isDigit(ch):
			if i%2 == 0 {
				v = oddValues[ch-'0']
			} else {
				v = int(ch - '0')
			}
		case isUpper(ch):
			if i%2 == 0 {
				v = oddValues[10+ch-'A']
			} else {
				v = int(ch - 'A')
			}
		default:
			return 0, false
		}
		sum += v
	}
	return byte('A' + sum%26), true
}

// CheckCharacter returns the check character (A–Z) of the first 15 characters
// of a codice fiscale. first15 must be exactly 15 upper-case ASCII letters or
// digits, otherwise the error wraps [ErrLength] or [ErrCharacters]. The
// structure of first15 (letters and digits in their places, a real date) is
// not checked: omocodia letters are simply weighed as the letters they are.
func CheckCharacter(first15 string) (byte, error) {
	if n := utf8.RuneCountInString(first15); n != codeLength-1 {
		return 0, fmt.Errorf("%w: got %d characters, want %d", ErrLength, n, codeLength-1)
	}
	c, ok := checkSum([]byte(first15))
	if !ok {
		return 0, fmt.Errorf("%w: %q must contain only upper-case letters A–Z and digits", ErrCharacters, first15)
	}
	return c, nil
}

// Parse validates s as a codice fiscale and returns it in normalized form.
// Surrounding white space is removed and letters are upper-cased; spaces inside
// the code are not accepted.
//
// Everything is checked: the length, the kind of character at each position
// (omocodia letters are accepted in the seven digit positions, provided they
// fill them from the right), the month letter, the day (01–31 for men, 41–71
// for women) and that the date exists in the 1900s or in the 2000s (the year
// has only two digits), the shape of the place code, and finally the check
// character, computed on the code as given, omocodia letters included.
//
// The error wraps one of [ErrLength], [ErrCharacters], [ErrMonth], [ErrDay],
// [ErrPlace] or [ErrCheckCharacter]; checks run in that order and the first
// failure is reported.
func Parse(s string) (Code, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n != codeLength {
		return "", fmt.Errorf("%w: got %d characters, want %d", ErrLength, n, codeLength)
	}

	// Upper-case ASCII only: strings.ToUpper would turn some non-ASCII letters
	// (dotless ı, long ſ) into I and S and let them through.
	var b [codeLength]byte
	i := 0
	for _, r := range s {
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		if r >= utf8.RuneSelf || !isUpper(byte(r)) && !isDigit(byte(r)) {
			return "", fmt.Errorf("%w: position %d: %q is not a letter or a digit", ErrCharacters, i+1, r)
		}
		b[i] = byte(r)
		i++
	}

	for i, ch := range b {
		if isDigitPosition(i) {
			if !isDigit(ch) && strings.IndexByte(omocodiaLetters, ch) < 0 {
				return "", fmt.Errorf("%w: position %d: %q must be a digit or one of the letters %s", ErrCharacters, i+1, ch, omocodiaLetters)
			}
		} else if !isUpper(ch) {
			return "", fmt.Errorf("%w: position %d: %q must be a letter", ErrCharacters, i+1, ch)
		}
	}

	// Omocodia substitutes from the right: once a digit is met, walking
	// leftwards, no letter may follow.
	digitAt := -1
	for _, p := range omocodiaPositions {
		if isDigit(b[p]) {
			if digitAt < 0 {
				digitAt = p
			}
		} else if digitAt >= 0 {
			return "", fmt.Errorf("%w: position %d: omocodia letter %q left of the digit at position %d", ErrCharacters, p+1, b[p], digitAt+1)
		}
	}

	f := decode(b)
	if f.month == 0 {
		return "", fmt.Errorf("%w: %q is not a month letter (%s)", ErrMonth, b[8], monthLetters)
	}
	if f.day < 1 || f.day > 31 {
		return "", fmt.Errorf("%w: %02d is neither 01–31 nor 41–71", ErrDay, f.rawDay)
	}
	if f.day > daysIn(1900+f.yy, f.month) && f.day > daysIn(2000+f.yy, f.month) {
		return "", fmt.Errorf("%w: %d %s does not exist in 19%02d nor in 20%02d", ErrDay, f.day, f.month, f.yy, f.yy)
	}
	if err := checkPlace(f.place); err != nil {
		return "", err
	}
	if want, _ := checkSum(b[:15]); b[15] != want {
		return "", fmt.Errorf("%w: %q does not match the first 15 characters", ErrCheckCharacter, b[15])
	}
	return Code(b[:]), nil
}

// checkPlace validates a Belfiore code without omocodia letters: a letter and
// three digits, not all zero. Italian municipalities have codes from A001 to
// M…, foreign countries from Z100 up; the letters N–Y are not assigned.
func checkPlace(place string) error {
	if len(place) != 4 || !isUpper(place[0]) || !isDigit(place[1]) || !isDigit(place[2]) || !isDigit(place[3]) {
		return fmt.Errorf("%w: %q is not a letter followed by three digits", ErrPlace, place)
	}
	if place[0] > 'M' && place[0] != 'Z' {
		return fmt.Errorf("%w: %q: no place code starts with %q", ErrPlace, place, place[0])
	}
	if place[1:] == "000" {
		return fmt.Errorf("%w: %q: no place code ends in 000", ErrPlace, place)
	}
	return nil
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// fields are the decoded parts of a codice fiscale.
type fields struct {
	yy     int        // two-digit year
	month  time.Month // 0 if the month letter is invalid
	rawDay int        // day as written, +40 for women
	day    int        // day of the month
	female bool
	place  string // Belfiore code, omocodia undone
}

// canonical returns b with the omocodia letters in the seven digit positions
// replaced by their digits. The check character is left as it is.
func canonical(b [codeLength]byte) [codeLength]byte {
	for _, p := range omocodiaPositions {
		if i := strings.IndexByte(omocodiaLetters, b[p]); i >= 0 {
			b[p] = byte('0' + i)
		}
	}
	return b
}

// decode extracts the fields of b, which must have letters and digits (or
// omocodia letters) in their places; it does not validate them.
func decode(b [codeLength]byte) fields {
	b = canonical(b)
	num := func(i int) int { return int(b[i]-'0')*10 + int(b[i+1]-'0') }
	f := fields{
		yy:     num(6),
		rawDay: num(9),
		place:  string(b[11:15]),
	}
	if m := strings.IndexByte(monthLetters, b[8]); m >= 0 {
		f.month = time.Month(m + 1)
	}
	f.day = f.rawDay
	if f.rawDay > 40 {
		f.female = true
		f.day -= 40
	}
	return f
}

// fields decodes c, reporting false if c does not have letters and digits in
// their places. Codes that went through Parse always decode.
func (c Code) fields() (fields, bool) {
	if len(c) != codeLength {
		return fields{}, false
	}
	var b [codeLength]byte
	copy(b[:], c)
	b = canonical(b)
	for i, ch := range b {
		if isDigitPosition(i) != isDigit(ch) || !isDigit(ch) && !isUpper(ch) {
			return fields{}, false
		}
	}
	return decode(b), true
}

// String returns the code as a string.
func (c Code) String() string { return string(c) }

// BirthDate returns the date of birth, at midnight in now's location.
//
// The code holds only two digits of the year; the century is resolved by
// taking the most recent date not after now, so that nobody is born in the
// future: with now in 2026, year 25 means 2025 and year 30 means 1930. A code
// for 29 February 00 resolves to 2000 rather than 1900 (which was not a leap
// year). It returns the zero time if c is not a valid code.
func (c Code) BirthDate(now time.Time) time.Time {
	f, ok := c.fields()
	if !ok || f.month == 0 || f.day < 1 || f.day > 31 {
		return time.Time{}
	}
	nowYear, nowMonth, nowDay := now.Date()
	year := nowYear - ((nowYear-f.yy)%100+100)%100
	// Each step goes back a century. Only 29 February 00 may need more than
	// one step after the first (1900, 1800 and 1700 were not leap years).
	for range 5 {
		notAfterNow := f.month < nowMonth || f.month == nowMonth && f.day <= nowDay
		if (year < nowYear || notAfterNow) && f.day <= daysIn(year, f.month) {
			return time.Date(year, f.month, f.day, 0, 0, 0, 0, now.Location())
		}
		year -= 100
	}
	return time.Time{}
}

// Female reports whether the code belongs to a woman (day of birth + 40).
func (c Code) Female() bool {
	f, ok := c.fields()
	return ok && f.female
}

// PlaceCode returns the Belfiore code of the place of birth, with omocodia
// letters turned back into digits (e.g. "H501"). It returns "" if c is not a
// valid code.
func (c Code) PlaceCode() string {
	f, ok := c.fields()
	if !ok {
		return ""
	}
	return f.place
}

// Canonical returns the base code: omocodia letters turned back into digits
// and the check character recomputed. A code without omocodia is returned
// unchanged; so is c if it is not a valid code.
func (c Code) Canonical() Code {
	if _, ok := c.fields(); !ok {
		return c
	}
	var b [codeLength]byte
	copy(b[:], c)
	b = canonical(b)
	b[15], _ = checkSum(b[:15])
	return Code(b[:])
}

// Omocode returns the omocodia variant of c in which the n rightmost digit
// positions (1 ≤ n ≤ 7) hold letters instead of digits, with the check
// character recomputed: n = 1 substitutes position 15, n = 7 all of 15, 14,
// 13, 11, 10, 8 and 7. c may itself be an omocodia variant; the result depends
// only on its canonical form.
//
// The error wraps the [Parse] error if c is not valid; n out of range is
// reported with an error that wraps none of the sentinels.
func Omocode(c Code, n int) (Code, error) {
	if n < 1 || n > len(omocodiaPositions) {
		return "", fmt.Errorf("codice fiscale: omocodia level %d out of range 1–%d", n, len(omocodiaPositions))
	}
	c, err := Parse(string(c))
	if err != nil {
		return "", err
	}
	var b [codeLength]byte
	copy(b[:], c)
	b = canonical(b)
	for _, p := range omocodiaPositions[:n] {
		b[p] = omocodiaLetters[b[p]-'0']
	}
	b[15], _ = checkSum(b[:15])
	return Code(b[:]), nil
}
