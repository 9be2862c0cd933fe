package codicefiscale

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// sentinels are all the errors Parse can report.
var sentinels = []error{ErrLength, ErrCharacters, ErrMonth, ErrDay, ErrPlace, ErrCheckCharacter}

// assertOnly fails unless err wraps want and none of the other sentinels, so
// that the web layer can tell every mistake apart.
func assertOnly(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want one wrapping %v", err, want)
	}
	for _, other := range sentinels {
		if other != want && errors.Is(err, other) {
			t.Fatalf("error %v wraps %v as well as %v", err, other, want)
		}
	}
}

// withCheck completes first15 with its check character, to build codes that
// are wrong only where a test wants them to be.
func withCheck(t *testing.T, first15 string) string {
	t.Helper()
	c, err := CheckCharacter(first15)
	if err != nil {
		t.Fatalf("CheckCharacter(%q): %v", first15, err)
	}
	return first15 + string(c)
}

func date(year int, month time.Month, day int) time.Time {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
}

// now is the reference instant for BirthDate in tests that do not test the
// century resolution itself.
var now = time.Date(2026, time.March, 15, 12, 0, 0, 0, time.UTC)

// The check characters below were computed by hand, independently of the
// implementation. Each term is "character=value"; odd positions (1, 3, …, 15)
// use the odd table (0=1 1=0 2=5 3=7 4=9 5=13 6=15 7=17 8=19 9=21, A=1 B=0 C=5
// D=7 E=9 F=13 G=15 H=17 I=19 J=21 K=2 L=4 M=18 N=20 O=11 P=3 Q=6 R=8 S=12
// T=14 U=16 V=10 W=22 X=25 Y=24 Z=23), even positions count digits as
// themselves and letters as A=0 … Z=25.
var knownCodes = []struct {
	code   string
	born   time.Time
	female bool
	place  string
}{
	// Mario Rossi, the textbook example.
	// R=8 S=18 S=12 M=12 R=8 A=0 8=19 5=5 T=14 1=1 0=1 A=0 5=13 6=6 2=5
	// sum 122 = 4·26 + 18 → S
	{"RSSMRA85T10A562S", date(1985, time.December, 10), false, "A562"},
	// Giulia Bianchi, 22 March 1992, Milan; 62 = 22 + 40.
	// B=0 N=13 C=5 G=6 L=4 I=8 9=21 2=2 C=5 6=6 2=5 F=5 2=5 0=0 5=13
	// sum 98 = 3·26 + 20 → U
	{"BNCGLI92C62F205U", date(1992, time.March, 22), true, "F205"},
	// Chiara Ferrari, 30 November 2001, Ancona (A944 in this test data).
	// F=13 R=17 R=8 C=2 H=17 R=17 0=1 1=1 S=12 7=7 0=1 A=0 9=21 4=4 4=9
	// sum 130 = 5·26 + 0 → A
	{"FRRCHR01S70A944A", date(2001, time.November, 30), true, "A944"},
	// Aminata Diallo, 15 May 1990, Senegal (Z343).
	// D=7 L=11 L=4 M=12 N=20 T=19 9=21 0=0 E=9 5=5 5=13 Z=25 3=7 4=4 3=7
	// sum 164 = 6·26 + 8 → I
	{"DLLMNT90E55Z343I", date(1990, time.May, 15), true, "Z343"},
	// Francesca Romano, 19 June 1983, Milan: name with 4+ consonants.
	// R=8 M=12 N=20 F=5 N=20 C=2 8=19 3=3 H=17 5=5 9=21 F=5 2=5 0=0 5=13
	// sum 155 = 5·26 + 25 → Z
	{"RMNFNC83H59F205Z", date(1983, time.June, 19), true, "F205"},
	// Mario Rossi with all seven digits substituted (omocodia level 7):
	// 8→U 5→R 1→M 0→L 5→R 6→S 2→N, check computed on the letters.
	// R=8 S=18 S=12 M=12 R=8 A=0 U=16 R=17 T=14 M=12 L=4 A=0 R=8 S=18 N=20
	// sum 167 = 6·26 + 11 → L
	{"RSSMRAURTMLARSNL", date(1985, time.December, 10), false, "A562"},
}

func TestParseAcceptsKnownValidCodesAndDecodesThem(t *testing.T) {
	t.Parallel()
	for _, tc := range knownCodes {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			c, err := Parse(tc.code)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if string(c) != tc.code {
				t.Errorf("Parse = %q, want %q", c, tc.code)
			}
			if got := c.BirthDate(now); !got.Equal(tc.born) {
				t.Errorf("BirthDate = %v, want %v", got, tc.born)
			}
			if got := c.Female(); got != tc.female {
				t.Errorf("Female = %v, want %v", got, tc.female)
			}
			if got := c.PlaceCode(); got != tc.place {
				t.Errorf("PlaceCode = %q, want %q", got, tc.place)
			}
		})
	}
}

func TestCheckCharacterAgreesWithHandComputation(t *testing.T) {
	t.Parallel()
	for _, tc := range knownCodes {
		got, err := CheckCharacter(tc.code[:15])
		if err != nil {
			t.Fatalf("CheckCharacter(%q): %v", tc.code[:15], err)
		}
		if got != tc.code[15] {
			t.Errorf("CheckCharacter(%q) = %q, want %q", tc.code[:15], got, tc.code[15])
		}
	}
}

func TestCheckCharacterRejectsMalformedInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrLength},
		{"fourteen characters", "RSSMRA85T10A56", ErrLength},
		{"a whole code", "RSSMRA85T10A562S", ErrLength},
		{"lower-case letters", "rssmra85t10a562", ErrCharacters},
		{"punctuation", "RSSMRA85T10A56-", ErrCharacters},
		{"non-ASCII letter", "RSSMRÀ85T10A562", ErrCharacters},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := CheckCharacter(tc.in)
			assertOnly(t, err, tc.want)
		})
	}
}

func TestParseIgnoresCaseAndSurroundingWhitespace(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"rssmra85t10a562s",
		"RsSmRa85T10a562S",
		"  RSSMRA85T10A562S",
		"RSSMRA85T10A562S \t\n",
		"\u00a0rssmra85t10a562s\u00a0", // no-break spaces pasted from a document
	} {
		c, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if c != "RSSMRA85T10A562S" {
			t.Errorf("Parse(%q) = %q, want RSSMRA85T10A562S", in, c)
		}
	}
}

func TestParseReportsEachKindOfMistakeWithItsOwnError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string // "…?" is completed with the right check character
		want error
	}{
		{"empty input", "", ErrLength},
		{"only spaces", "    ", ErrLength},
		{"one character short", "RSSMRA85T10A562", ErrLength},
		{"one character too many", "RSSMRA85T10A562SX", ErrLength},
		{"spaces inside the code", "RSS MRA 85T10 A562S", ErrLength},
		{"space in place of a character", "RSSMRA 5T10A562S", ErrCharacters},
		{"punctuation", "RSSMRA85T10A562-", ErrCharacters},
		{"accented letter", "RSSMRÀ85T10A562S", ErrCharacters},
		{"dotless i that upper-cases to I", "RSSMRA85T10A562ı", ErrCharacters},
		{"digit in the surname", "R5SMRA85T10A562S", ErrCharacters},
		{"digit in the name", "RSSMR485T10A562S", ErrCharacters},
		{"non-omocodia letter in the year", "RSSMRA8AT10A562?", ErrCharacters},
		{"non-omocodia letter in the day", "RSSMRA85T1KA562?", ErrCharacters},
		{"non-omocodia letter in the place", "RSSMRA85T10A5W2?", ErrCharacters},
		{"digit as month", "RSSMRA85110A562?", ErrCharacters},
		{"digit as first character of the place", "RSSMRA85T101562?", ErrCharacters},
		{"digit as check character", "RSSMRA85T10A5627", ErrCharacters},
		{"omocodia letter left of a digit", "RSSMRAU5T10A562?", ErrCharacters},
		{"month letter F", "RSSMRA85F10A562?", ErrMonth},
		{"month letter Z", "RSSMRA85Z10A562?", ErrMonth},
		{"day 00", "RSSMRA85T00A562?", ErrDay},
		{"day 32", "RSSMRA85T32A562?", ErrDay},
		{"day 40", "RSSMRA85T40A562?", ErrDay},
		{"day 72", "RSSMRA85T72A562?", ErrDay},
		{"31 April", "RSSMRA85D31A562?", ErrDay},
		{"31 April for a woman", "RSSMRA85D71A562?", ErrDay},
		{"29 February 1985", "RSSMRA85B29A562?", ErrDay},
		{"place starting with a letter no Belfiore code uses", "RSSMRA85T10N562?", ErrPlace},
		{"place number 000", "RSSMRA85T10H000?", ErrPlace},
		{"foreign place Z000", "RSSMRA85T10Z000?", ErrPlace},
		{"place number 000 written with omocodia", "RSSMRA85T10HLLL?", ErrPlace},
		{"wrong check character", "RSSMRA85T10A562T", ErrCheckCharacter},
		{"typo in the surname", "RSSMRO85T10A562S", ErrCheckCharacter},
		{"two characters swapped", "RSSMRA58T10A562S", ErrCheckCharacter},
		{"digit replaced by its omocodia letter", "RSSMRA85T10A56NS", ErrCheckCharacter},
		// Checks run in order; the first failing one is reported.
		{"bad month and bad check character", "RSSMRA85F10A562S", ErrMonth},
		{"bad day and bad place", "RSSMRA85T99N562?", ErrDay},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in
			if strings.HasSuffix(in, "?") {
				in = withCheck(t, strings.TrimSuffix(in, "?"))
			}
			c, err := Parse(in)
			if c != "" {
				t.Errorf("Parse(%q) = %q, want the empty code along with the error", in, c)
			}
			assertOnly(t, err, tc.want)
		})
	}
}

func TestParseAcceptsEveryMonthLetter(t *testing.T) {
	t.Parallel()
	letters := map[time.Month]byte{
		time.January: 'A', time.February: 'B', time.March: 'C', time.April: 'D',
		time.May: 'E', time.June: 'H', time.July: 'L', time.August: 'M',
		time.September: 'P', time.October: 'R', time.November: 'S', time.December: 'T',
	}
	for month, letter := range letters {
		code := withCheck(t, "RSSMRA85"+string(letter)+"10A562")
		c, err := Parse(code)
		if err != nil {
			t.Errorf("Parse(%q) for %s: %v", code, month, err)
			continue
		}
		if got, want := c.BirthDate(now), date(1985, month, 10); !got.Equal(want) {
			t.Errorf("%q: BirthDate = %v, want %v", code, got, want)
		}
		encoded, err := Encode(Person{Surname: "Rossi", Name: "Mario", BirthDate: date(1985, month, 10), PlaceCode: "A562"})
		if err != nil {
			t.Fatalf("Encode for %s: %v", month, err)
		}
		if string(encoded) != code {
			t.Errorf("Encode for %s = %q, want %q", month, encoded, code)
		}
	}
}

func TestParseRejectsLettersThatAreNotMonths(t *testing.T) {
	t.Parallel()
	for letter := byte('A'); letter <= 'Z'; letter++ {
		if strings.IndexByte("ABCDEHLMPRST", letter) >= 0 {
			continue
		}
		_, err := Parse(withCheck(t, "RSSMRA85"+string(letter)+"10A562"))
		assertOnly(t, err, ErrMonth)
	}
}

func TestParseReadsDays1To31AsMenAnd41To71AsWomen(t *testing.T) {
	t.Parallel()
	for day := 1; day <= 31; day++ {
		for _, female := range []bool{false, true} {
			written := day
			if female {
				written += 40
			}
			code := withCheck(t, fmt.Sprintf("RSSMRA85A%02dA562", written))
			c, err := Parse(code)
			if err != nil {
				t.Errorf("Parse(%q): %v", code, err)
				continue
			}
			if c.Female() != female {
				t.Errorf("%q: Female = %v, want %v", code, c.Female(), female)
			}
			if got, want := c.BirthDate(now), date(1985, time.January, day); !got.Equal(want) {
				t.Errorf("%q: BirthDate = %v, want %v", code, got, want)
			}
		}
	}
}

func TestParseRejectsDaysOutsideBothRanges(t *testing.T) {
	t.Parallel()
	for written := 0; written <= 99; written++ {
		if 1 <= written && written <= 31 || 41 <= written && written <= 71 {
			continue
		}
		_, err := Parse(withCheck(t, fmt.Sprintf("RSSMRA85A%02dA562", written)))
		assertOnly(t, err, ErrDay)
	}
}

func TestParseAcceptsOnlyDatesThatExist(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		yyMDD  string // year, month letter, day as written
		exists bool
	}{
		{"30 April", "85D30", true},
		{"31 April", "85D31", false},
		{"31 April, woman", "85D71", false},
		{"31 June", "85H31", false},
		{"31 September", "85P31", false},
		{"31 November", "85S31", false},
		{"31 December", "85T31", true},
		{"31 January", "85A31", true},
		{"28 February of a common year", "23B28", true},
		{"29 February of a common year", "23B29", false},
		{"29 February of a common year, woman", "23B69", false},
		{"29 February 2024 or 1924", "24B29", true},
		{"29 February 1996", "96B29", true},
		{"29 February 2000, although 1900 was not leap", "00B29", true},
		{"29 February 2000, woman", "00B69", true},
		{"30 February 2000", "00B30", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(withCheck(t, "RSSMRA"+tc.yyMDD+"A562"))
			if tc.exists && err != nil {
				t.Errorf("Parse: %v", err)
			}
			if !tc.exists {
				assertOnly(t, err, ErrDay)
			}
		})
	}
}

func TestBirthDateTakesTheMostRecentDateNotAfterNow(t *testing.T) {
	t.Parallel()
	rome := time.FixedZone("CET", 3600)
	tests := []struct {
		name  string
		yyMDD string
		now   time.Time
		want  time.Time
	}{
		{"last year", "25A10", now, date(2025, time.January, 10)},
		{"a future year means the previous century", "30A10", now, date(1930, time.January, 10)},
		{"year 99", "99T31", now, date(1999, time.December, 31)},
		{"year 00", "00A01", now, date(2000, time.January, 1)},
		{"earlier this year", "26C01", now, date(2026, time.March, 1)},
		{"today", "26C15", now, date(2026, time.March, 15)},
		{"later this year means a century ago", "26C16", now, date(1926, time.March, 16)},
		{"29 February 00 is 2000, never the common year 2100", "00B29", date(2150, time.January, 1), date(2000, time.February, 29)},
		{"29 February 00 before 2000 skips the common years 1900 to 1700", "00B29", date(1999, time.June, 1), date(1600, time.February, 29)},
		{"now in the 1900s", "85T10", date(1990, time.January, 1), date(1985, time.December, 10)},
		{"midnight in now's location", "85T10", now.In(rome), time.Date(1985, time.December, 10, 0, 0, 0, 0, rome)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse(withCheck(t, "RSSMRA"+tc.yyMDD+"A562"))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got := c.BirthDate(tc.now)
			if !got.Equal(tc.want) || got.Location() != tc.want.Location() {
				t.Errorf("BirthDate(%v) = %v, want %v", tc.now, got, tc.want)
			}
		})
	}
}

// rossiOmocodes are the omocodia variants of RSSMRA85T10A562S, level 1 to 7,
// with check characters computed by hand (level 7 is worked out in
// knownCodes).
var rossiOmocodes = []string{
	"RSSMRA85T10A56NH",
	"RSSMRA85T10A5SNT",
	"RSSMRA85T10ARSNO",
	"RSSMRA85T1LARSNR",
	"RSSMRA85TMLARSNC",
	"RSSMRA8RTMLARSNO",
	"RSSMRAURTMLARSNL",
}

func TestOmocodeSubstitutesFromTheRightAndRecomputesTheCheckCharacter(t *testing.T) {
	t.Parallel()
	for i, want := range rossiOmocodes {
		n := i + 1
		got, err := Omocode("RSSMRA85T10A562S", n)
		if err != nil {
			t.Fatalf("Omocode(level %d): %v", n, err)
		}
		if string(got) != want {
			t.Errorf("Omocode(level %d) = %q, want %q", n, got, want)
		}
		// Starting from another variant gives the same result.
		again, err := Omocode(Code(rossiOmocodes[len(rossiOmocodes)-1-i]), n)
		if err != nil || again != got {
			t.Errorf("Omocode(%q, %d) = %q, %v; want %q", rossiOmocodes[len(rossiOmocodes)-1-i], n, again, err, got)
		}
	}
}

func TestEveryOmocodiaLevelRoundTripsToTheBaseCode(t *testing.T) {
	t.Parallel()
	for _, known := range knownCodes {
		base := Code(known.code).Canonical()
		for n := 1; n <= 7; n++ {
			t.Run(fmt.Sprintf("%s/level %d", base, n), func(t *testing.T) {
				t.Parallel()
				omocode, err := Omocode(base, n)
				if err != nil {
					t.Fatalf("Omocode: %v", err)
				}
				c, err := Parse(strings.ToLower(string(omocode)))
				if err != nil {
					t.Fatalf("Parse(%q): %v", omocode, err)
				}
				if c != omocode {
					t.Errorf("Parse = %q, want %q", c, omocode)
				}
				if got := c.Canonical(); got != base {
					t.Errorf("Canonical = %q, want %q", got, base)
				}
				if !c.BirthDate(now).Equal(known.born) || c.Female() != known.female || c.PlaceCode() != known.place {
					t.Errorf("%q decodes as %v female=%v place=%q, want %v %v %q",
						c, c.BirthDate(now), c.Female(), c.PlaceCode(), known.born, known.female, known.place)
				}
				letters := 0
				for _, p := range []int{6, 7, 9, 10, 12, 13, 14} {
					if ch := c[p]; ch < '0' || ch > '9' {
						letters++
					}
				}
				if letters != n {
					t.Errorf("%q has %d omocodia letters, want %d", c, letters, n)
				}
			})
		}
	}
}

func TestCanonicalLeavesBaseCodesUnchanged(t *testing.T) {
	t.Parallel()
	for _, code := range []Code{"RSSMRA85T10A562S", "BNCGLI92C62F205U", "DLLMNT90E55Z343I"} {
		if got := code.Canonical(); got != code {
			t.Errorf("%q.Canonical() = %q", code, got)
		}
	}
}

// Omocodia fills the seven digit positions from the right, so only the 8
// "suffixes" of positions 15, 14, 13, 11, 10, 8, 7 may hold letters; the other
// 120 subsets must be rejected even with a correct check character.
func TestParseAcceptsOmocodiaOnlyInRightToLeftOrder(t *testing.T) {
	t.Parallel()
	positions := []int{14, 13, 12, 10, 9, 7, 6} // rightmost first
	for mask := 0; mask < 1<<len(positions); mask++ {
		b := []byte("RSSMRA85T10A562")
		for i, p := range positions {
			if mask&(1<<i) != 0 {
				b[p] = "LMNPQRSTUV"[b[p]-'0']
			}
		}
		code := withCheck(t, string(b))
		inOrder := mask&(mask+1) == 0 // mask is 0…01…1
		c, err := Parse(code)
		switch {
		case inOrder && err != nil:
			t.Errorf("Parse(%q): %v", code, err)
		case inOrder && c.Canonical() != "RSSMRA85T10A562S":
			t.Errorf("%q.Canonical() = %q", c, c.Canonical())
		case !inOrder:
			assertOnly(t, err, ErrCharacters)
		}
	}
}

// A single changed character never yields another valid code. Either the
// character no longer fits its position, or it does and then the check sum
// changes: within each class allowed at a position (letters; digits and
// omocodia letters) the values of the odd table are all different, and so are
// those of the even table, so the sum moves by a non-zero amount below 26. A
// change of the check character itself obviously mismatches.
func TestEverySingleCharacterChangeIsRejected(t *testing.T) {
	t.Parallel()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	codes := []string{"RSSMRA85T10A562S", "BNCGLI92C62F205U", "DLLMNT90E55Z343I", "FRRCHR01S70A944A"}
	codes = append(codes, rossiOmocodes...)
	for _, code := range codes {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			for pos := range len(code) {
				for _, ch := range []byte(alphabet) {
					if ch == code[pos] {
						continue
					}
					mutant := code[:pos] + string(ch) + code[pos+1:]
					if c, err := Parse(mutant); err == nil {
						t.Errorf("Parse(%q) = %q, want an error (position %d changed to %q)", mutant, c, pos+1, ch)
					}
				}
			}
		})
	}
}

func TestEncodeFollowsTheOfficialRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		person Person
		want   Code
	}{
		// The test identities of the portal.
		{"Mario Rossi", Person{"Rossi", "Mario", date(1985, time.December, 10), false, "H501"}, "RSSMRA85T10H501O"},
		{"Giulia Bianchi", Person{"Bianchi", "Giulia", date(1992, time.March, 22), true, "F205"}, "BNCGLI92C62F205U"},
		{"Luca Esposito", Person{"Esposito", "Luca", date(1978, time.July, 4), false, "F839"}, "SPSLCU78L04F839F"},
		{"Chiara Ferrari", Person{"Ferrari", "Chiara", date(2001, time.November, 30), true, "A944"}, "FRRCHR01S70A944A"},
		{"Aminata Diallo", Person{"Diallo", "Aminata", date(1990, time.May, 15), true, "Z343"}, "DLLMNT90E55Z343I"},
		{"Paolo Conti", Person{"Conti", "Paolo", date(1980, time.January, 12), false, "H501"}, "CNTPLA80A12H501T"},
		{"Sara Greco", Person{"Greco", "Sara", date(1975, time.September, 8), true, "H501"}, "GRCSRA75P48H501B"},
		{"Francesca Romano", Person{"Romano", "Francesca", date(1983, time.June, 19), true, "F205"}, "RMNFNC83H59F205Z"},
		{"Giorgio Marino", Person{"Marino", "Giorgio", date(1970, time.February, 3), false, "L219"}, "MRNGRG70B03L219H"},
		{"Elena Ricci", Person{"Ricci", "Elena", date(1988, time.October, 27), true, "A944"}, "RCCLNE88R67A944M"},
		// Surname shorter than three letters: vowels, then X.
		{"short surname Fo", Person{"Fo", "Dario", date(1926, time.March, 24), false, "H501"}, "FOXDRA26C24H501G"},
		{"short surname and short name", Person{"Bo", "Ai", date(2000, time.January, 1), true, "F839"}, "BOXAIX00A41F839F"},
		{"accented short surname", Person{"Lò", "Eva", date(2003, time.April, 30), true, "H501"}, "LOXVEA03D70H501I"},
		// Name with one consonant: consonant first, then vowels.
		{"name Ugo", Person{"Rossi", "Ugo", date(1950, time.October, 5), false, "H501"}, "RSSGUO50R05H501Y"},
		// Apostrophe ignored, accent removed.
		{"D'Amico Nicolò", Person{"D'Amico", "Nicolò", date(1990, time.January, 1), false, "F205"}, "DMCNCL90A01F205U"},
		{"typographic apostrophe and decomposed accent", Person{"D’Amico", "Nicolo\u0300", date(1990, time.January, 1), false, "F205"}, "DMCNCL90A01F205U"},
		// Space in the surname ignored; name with 4+ consonants takes the
		// 1st, 3rd and 4th (G N F R N C → G F R).
		{"De Luca Gianfranco", Person{"De Luca", "Gianfranco", date(1964, time.August, 31), false, "L219"}, "DLCGFR64M31L219H"},
		// Compound name: M R T R S → M T R; woman born on 29 February.
		{"Dell'Acqua Maria Teresa", Person{"Dell'Acqua", "Maria Teresa", date(1960, time.February, 29), true, "A944"}, "DLLMTR60B69A944L"},
		// Foreign letters, lower-case and padded place code.
		{"Åström Björn", Person{"Åström", "Björn", date(1999, time.December, 31), false, " z112 "}, "STRBRN99T31Z112J"},
		{"upper-case input", Person{"ROSSI", "MARIO", date(1985, time.December, 10), false, "H501"}, "RSSMRA85T10H501O"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Encode(tc.person)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if got != tc.want {
				t.Errorf("Encode = %q, want %q", got, tc.want)
			}
			if _, err := Parse(string(got)); err != nil {
				t.Errorf("Parse(Encode) = %v", err)
			}
			if !got.BirthDate(now).Equal(tc.person.BirthDate) || got.Female() != tc.person.Female ||
				got.PlaceCode() != strings.ToUpper(strings.TrimSpace(tc.person.PlaceCode)) {
				t.Errorf("%q decodes as %v female=%v place=%q", got, got.BirthDate(now), got.Female(), got.PlaceCode())
			}
		})
	}
}

func TestEncodeUsesTheCalendarDateOfBirthDateInItsOwnLocation(t *testing.T) {
	t.Parallel()
	// 00:30 on 10 December at UTC+2 is still 9 December in UTC: the date as
	// given, not its UTC equivalent, is what counts.
	early := time.Date(1985, time.December, 10, 0, 30, 0, 0, time.FixedZone("UTC+2", 2*3600))
	got, err := Encode(Person{Surname: "Rossi", Name: "Mario", BirthDate: early, PlaceCode: "H501"})
	if err != nil {
		t.Fatal(err)
	}
	if got != "RSSMRA85T10H501O" {
		t.Errorf("Encode = %q, want RSSMRA85T10H501O", got)
	}
}

func TestEncodeRejectsPersonsItCannotEncode(t *testing.T) {
	t.Parallel()
	valid := Person{Surname: "Rossi", Name: "Mario", BirthDate: date(1985, time.December, 10), PlaceCode: "H501"}
	tests := []struct {
		name   string
		change func(*Person)
		want   error
	}{
		{"empty surname", func(p *Person) { p.Surname = "" }, ErrCharacters},
		{"surname of apostrophes and spaces only", func(p *Person) { p.Surname = " ' - " }, ErrCharacters},
		{"empty name", func(p *Person) { p.Name = "" }, ErrCharacters},
		{"digits in the name", func(p *Person) { p.Name = "Mario2" }, ErrCharacters},
		{"name in another script", func(p *Person) { p.Name = "Мария" }, ErrCharacters},
		{"zero birth date", func(p *Person) { p.BirthDate = time.Time{} }, ErrDay},
		{"empty place", func(p *Person) { p.PlaceCode = "" }, ErrPlace},
		{"place too short", func(p *Person) { p.PlaceCode = "H50" }, ErrPlace},
		{"place with a letter O for a zero", func(p *Person) { p.PlaceCode = "H5O1" }, ErrPlace},
		{"place in omocodia form", func(p *Person) { p.PlaceCode = "HRLM" }, ErrPlace},
		{"place with an unused letter", func(p *Person) { p.PlaceCode = "Q501" }, ErrPlace},
		{"place 000", func(p *Person) { p.PlaceCode = "Z000" }, ErrPlace},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := valid
			tc.change(&p)
			c, err := Encode(p)
			if c != "" {
				t.Errorf("Encode = %q, want the empty code along with the error", c)
			}
			assertOnly(t, err, tc.want)
		})
	}
}

func TestOmocodeRejectsInvalidLevelsAndCodes(t *testing.T) {
	t.Parallel()
	for _, n := range []int{-1, 0, 8} {
		c, err := Omocode("RSSMRA85T10A562S", n)
		if err == nil || c != "" {
			t.Errorf("Omocode(level %d) = %q, %v; want an error", n, c, err)
		}
		for _, s := range sentinels {
			if errors.Is(err, s) {
				t.Errorf("Omocode(level %d) error %v wraps %v", n, err, s)
			}
		}
	}
	_, err := Omocode("RSSMRA85T10A562T", 1)
	assertOnly(t, err, ErrCheckCharacter)
}

func TestMethodsOnMalformedCodesReturnZeroValuesWithoutPanicking(t *testing.T) {
	t.Parallel()
	for _, c := range []Code{
		"",
		"RSSMRA",
		"RSSMRA85T10A562SX",
		"rssmra85t10a562s", // not normalized: only Parse upper-cases
		"RSSMRA8ÀT10A562",  // 16 bytes, but not 16 ASCII characters
		"1234567890123456",
		"RSSMRA85TK0A562S",
	} {
		if got := c.BirthDate(now); !got.IsZero() {
			t.Errorf("%q.BirthDate = %v, want zero", c, got)
		}
		if c.Female() {
			t.Errorf("%q.Female() = true", c)
		}
		if got := c.PlaceCode(); got != "" {
			t.Errorf("%q.PlaceCode() = %q, want empty", c, got)
		}
		if got := c.Canonical(); got != c {
			t.Errorf("%q.Canonical() = %q, want it unchanged", c, got)
		}
	}
	// Well-formed but with impossible dates: no birth date either.
	for _, c := range []Code{"RSSMRA85F10A562S", "RSSMRA85T00A562S", "RSSMRA85T99A562S"} {
		if got := c.BirthDate(now); !got.IsZero() {
			t.Errorf("%q.BirthDate = %v, want zero", c, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range knownCodes {
		f.Add(tc.code)
	}
	for _, s := range rossiOmocodes {
		f.Add(s)
	}
	for _, s := range []string{"", " rssmra85t10a562s ", "RSSMRA85T10A562T", "RSSMRA00B69A562G", "ıSSMRA85T10A562S", "RSSMRAURTMLARSN\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if c != "" {
				t.Fatalf("Parse(%q) = %q along with error %v", s, c, err)
			}
			matched := 0
			for _, sentinel := range sentinels {
				if errors.Is(err, sentinel) {
					matched++
				}
			}
			if matched != 1 {
				t.Fatalf("Parse(%q) error %v wraps %d sentinels, want 1", s, err, matched)
			}
			return
		}
		again, err := Parse(string(c))
		if err != nil || again != c {
			t.Fatalf("Parse(%q) = %q, but Parse(%q) = %q, %v", s, c, c, again, err)
		}
		base := c.Canonical()
		parsedBase, err := Parse(string(base))
		if err != nil || parsedBase != base {
			t.Fatalf("%q.Canonical() = %q, which parses as %q, %v", c, base, parsedBase, err)
		}
		if base.Canonical() != base {
			t.Fatalf("Canonical is not idempotent on %q", base)
		}
		if !c.BirthDate(now).Equal(base.BirthDate(now)) || c.Female() != base.Female() || c.PlaceCode() != base.PlaceCode() {
			t.Fatalf("%q and its canonical %q decode differently", c, base)
		}
		if c.BirthDate(now).IsZero() || c.BirthDate(now).After(now) {
			t.Fatalf("%q.BirthDate(%v) = %v", c, now, c.BirthDate(now))
		}
		for n := 1; n <= 7; n++ {
			o, err := Omocode(c, n)
			if err != nil || o.Canonical() != base {
				t.Fatalf("Omocode(%q, %d) = %q, %v; its canonical is not %q", c, n, o, err, base)
			}
		}
	})
}
