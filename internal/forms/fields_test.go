package forms

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// now is 15 March 2026, 23:30 UTC: already the 16th in Rome, so relative
// bounds that used UTC would be a day off.
var now = time.Date(2026, time.March, 15, 23, 30, 0, 0, time.UTC)

func i64(n int64) *int64 { return &n }

// check runs a validator case: want is the normalized value, or "!code"
// for an error with that code.
func check(t *testing.T, name, in, want, got string, p *Problem) {
	t.Helper()
	if strings.HasPrefix(want, "!") {
		if p == nil || p.Code != want[1:] {
			t.Errorf("%s(%q) = %q, %v; want error %s", name, in, got, p, want[1:])
		}
		return
	}
	if p != nil || got != want {
		t.Errorf("%s(%q) = %q, %v; want %q", name, in, got, p, want)
	}
}

func TestValidateText(t *testing.T) {
	f := Field{Type: TypeText, MinLength: 2, MaxLength: 5}
	for in, want := range map[string]string{
		"  Anna ":   "Anna",
		"È":         "!too_short",
		"èèèèè":     "èèèèè", // five characters, ten bytes
		"sei sei":   "!too_long",
		"   ":       "!required",
		"a\r\nb":    "a b",
		"ok\xffxx":  "ok\uFFFDxx",
		"\u00a0ab ": "ab",
	} {
		got, p := ValidateText(f, in)
		check(t, "ValidateText", in, want, got, p)
	}
}

func TestValidateText_TextareaKeepsLinesAndHasALongerDefault(t *testing.T) {
	f := Field{Type: TypeLongText}
	got, p := ValidateText(f, " uno\r\ndue\n")
	check(t, "ValidateText", "uno/due", "uno\ndue", got, p)
	_, p = ValidateText(f, strings.Repeat("a", DefaultMaxLongText+1))
	if p == nil || p.Code != CodeTooLong || p.Params["max"] != "4000" {
		t.Errorf("over the default textarea length: %v", p)
	}
	_, p = ValidateText(Field{Type: TypeText}, strings.Repeat("a", DefaultMaxText+1))
	if p == nil || p.Code != CodeTooLong {
		t.Errorf("over the default text length: %v", p)
	}
}

func TestValidateText_PatternMustMatchTheWholeAnswer(t *testing.T) {
	f := Field{Type: TypeText, Pattern: `[A-Z]{2}\d{5}`}
	for in, want := range map[string]string{
		"AB12345":   "AB12345",
		"xAB12345":  "!pattern",
		"AB123456":  "!pattern",
		" AB12345 ": "AB12345",
	} {
		got, p := ValidateText(f, in)
		check(t, "ValidateText", in, want, got, p)
	}
}

func TestValidateNumber(t *testing.T) {
	f := Field{Type: TypeNumber, Min: i64(-5), Max: i64(100)}
	for in, want := range map[string]string{
		"42":                   "42",
		" +007 ":               "7",
		"-5":                   "-5",
		"-0":                   "0",
		"-6":                   "!too_small",
		"101":                  "!too_large",
		"1.000":                "!number",
		"1,5":                  "!number",
		"12a":                  "!number",
		"+":                    "!number",
		"":                     "!required",
		"99999999999999999999": "!number",
	} {
		got, p := ValidateNumber(f, in)
		check(t, "ValidateNumber", in, want, got, p)
	}
	_, p := ValidateNumber(f, "101")
	if p.Params["max"] != "100" {
		t.Errorf("too_large params = %v, want max 100", p.Params)
	}
}

func TestValidateMoney(t *testing.T) {
	f := Field{Type: TypeMoney}
	for in, want := range map[string]string{
		"12":             "1200",
		"12,5":           "1250",
		"12,50":          "1250",
		"1.234,56":       "123456",
		"€ 12,50":        "1250",
		"12,50 €":        "1250",
		"EUR 12":         "1200",
		"12.50":          "1250",
		"12.5":           "1250",
		"1.234":          "123400", // Italian thousands
		"1.234.567":      "123456700",
		"1,234.56":       "123456", // English thousands
		",50":            "50",
		"0":              "0",
		"12,505":         "!money",
		"1,234":          "!money", // ambiguous: three decimals
		"12.":            "!money",
		"1.23.4":         "!money",
		"12 50":          "!money",
		"dodici":         "!money",
		"-12":            "!too_small",
		"€":              "!money",
		"":               "!required",
		"1.234,5.6":      "!money",
		"12345678901234": "!money",
	} {
		got, p := ValidateMoney(f, in)
		check(t, "ValidateMoney", in, want, got, p)
	}
}

func TestValidateMoney_BoundsAreInCents(t *testing.T) {
	f := Field{Type: TypeMoney, Min: i64(-1000), Max: i64(50000)}
	for in, want := range map[string]string{
		"-10":    "-1000",
		"- € 10": "-1000",
		"-10,01": "!too_small",
		"500":    "50000",
		"500,01": "!too_large",
	} {
		got, p := ValidateMoney(f, in)
		check(t, "ValidateMoney", in, want, got, p)
	}
	_, p := ValidateMoney(f, "500,01")
	if p.Params["max"] != "50000" {
		t.Errorf("too_large params = %v, want max in cents", p.Params)
	}
}

func TestMoneyInput_WritesCentsAsAPersonTypesThem(t *testing.T) {
	for _, tc := range []struct{ cents, lang, want string }{
		{"123456", "it", "1234,56"},
		{"123456", "en", "1234.56"},
		{"5", "it", "0,05"},
		{"-1000", "it", "-10,00"},
		{"12,5", "it", "12,5"}, // not cents: what was typed
	} {
		if got := MoneyInput(tc.cents, tc.lang); got != tc.want {
			t.Errorf("MoneyInput(%q, %s) = %q, want %q", tc.cents, tc.lang, got, tc.want)
		}
	}
}

func TestValidateDate(t *testing.T) {
	f := Field{Type: TypeDate}
	for in, want := range map[string]string{
		"2026-11-22": "2026-11-22",
		"22/11/2026": "2026-11-22",
		"2/3/2026":   "2026-03-02",
		"22.11.2026": "2026-11-22",
		"22-11-2026": "2026-11-22",
		"29/02/2024": "2024-02-29",
		"29/02/2026": "!date",
		"31/04/2026": "!date",
		"2026-13-01": "!date",
		"22/11/26":   "!date",
		"0999-01-01": "!date",
		"ieri":       "!date",
		"":           "!required",
	} {
		got, p := ValidateDate(f, in, now)
		check(t, "ValidateDate", in, want, got, p)
	}
}

func TestValidateDate_RelativeBoundsCountFromTodayInRome(t *testing.T) {
	// In Rome it is already 16 March 2026.
	f := Field{Type: TypeDate, MinDate: "today", MaxDate: "today+30d"}
	for in, want := range map[string]string{
		"2026-03-15": "!date_too_early",
		"2026-03-16": "2026-03-16",
		"2026-04-15": "2026-04-15",
		"2026-04-16": "!date_too_late",
	} {
		got, p := ValidateDate(f, in, now)
		check(t, "ValidateDate", in, want, got, p)
	}
	_, p := ValidateDate(f, "2026-04-16", now)
	if p.Params["max"] != "15/04/2026" {
		t.Errorf("date_too_late params = %v, want max 15/04/2026", p.Params)
	}
	adult := Field{Type: TypeDate, MaxDate: "today-18y", MinDate: "1900-01-01"}
	for in, want := range map[string]string{
		"2008-03-16": "2008-03-16",
		"2008-03-17": "!date_too_late",
		"1899-12-31": "!date_too_early",
	} {
		got, p := ValidateDate(adult, in, now)
		check(t, "ValidateDate", in, want, got, p)
	}
}

func TestDateBound(t *testing.T) {
	for bound, want := range map[string]string{
		"today":      "2026-03-16",
		"today+30d":  "2026-04-15",
		"today-6m":   "2025-09-16",
		"today-18y":  "2008-03-16",
		"2026-11-22": "2026-11-22",
		"tomorrow":   "!",
		"today+3w":   "!",
		"22/11/2026": "!",
		"2026-02-30": "!",
	} {
		got, err := DateBound(bound, now)
		if want == "!" {
			if err == nil {
				t.Errorf("DateBound(%q) = %v, want an error", bound, got)
			}
			continue
		}
		if err != nil || got.Format(DateLayout) != want {
			t.Errorf("DateBound(%q) = %v, %v; want %s", bound, got, err, want)
		}
	}
}

func TestValidateEmail(t *testing.T) {
	for in, want := range map[string]string{
		" Anna.Rossi@Comune.Example.IT ": "Anna.Rossi@comune.example.it",
		"a+tag@example.org":              "a+tag@example.org",
		"a@xn--bcher-kva.xn--p1ai":       "a@xn--bcher-kva.xn--p1ai",
		"anna@example":                   "!email",
		"anna@@example.it":               "!email",
		"anna@ex@ample.it":               "!email",
		"an na@example.it":               "!email",
		".anna@example.it":               "!email",
		"an..na@example.it":              "!email",
		"anna@-example.it":               "!email",
		"anna@example.i":                 "!email",
		"anna@example.123":               "!email",
		"Anna <anna@example.it>":         "!email",
		"ànna@example.it":                "!email",
		"@example.it":                    "!email",
		"":                               "!required",
	} {
		got, p := ValidateEmail(in)
		check(t, "ValidateEmail", in, want, got, p)
	}
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 63) + ".it"
	if _, p := ValidateEmail(long); p == nil {
		t.Errorf("an address of %d characters was accepted", len(long))
	}
}

func TestValidatePhone(t *testing.T) {
	for in, want := range map[string]string{
		"333 123 4567":        "+393331234567",
		"333-123.45.67":       "+393331234567",
		"06 1234 5678":        "+390612345678",
		"0471 123456":         "+390471123456",
		"+39 333 1234567":     "+393331234567",
		"0039 333 1234567":    "+393331234567",
		"+44 20 7946 0958":    "+442079460958",
		"(+41) 44 668 1800":   "+41446681800",
		"12345678":            "!phone", // no prefix and not Italian-looking
		"33312":               "!phone",
		"+39 333 12345678901": "!phone",
		"+0 123456":           "!phone",
		"333 123 4567 int. 2": "!phone",
		"++39333":             "!phone",
		"":                    "!required",
	} {
		got, p := ValidatePhone(in)
		check(t, "ValidatePhone", in, want, got, p)
	}
}

func TestValidateFiscalCode(t *testing.T) {
	for in, want := range map[string]string{
		"RSSMRA85T10A562S":    "RSSMRA85T10A562S",
		" rssmra85t10a562s ":  "RSSMRA85T10A562S",
		"RSS MRA 85T10 A562S": "RSSMRA85T10A562S",
		"RSSMRA85T10A562T":    "!fiscal_code",
		"RSSMRA85T10A562":     "!fiscal_code",
		"":                    "!required",
	} {
		got, p := ValidateFiscalCode(in)
		check(t, "ValidateFiscalCode", in, want, got, p)
	}
}

func TestValidateIBAN(t *testing.T) {
	for in, want := range map[string]string{
		"IT60 X054 2811 1010 0000 0123 456": "IT60X0542811101000000123456",
		"it60x0542811101000000123456":       "IT60X0542811101000000123456",
		"DE89 3704 0044 0532 0130 00":       "DE89370400440532013000",
		"FR14 2004 1010 0505 0001 3M02 606": "FR1420041010050500013M02606",
		"GB29 NWBK 6016 1331 9268 19":       "GB29NWBK60161331926819",
		"IT61X0542811101000000123456":       "!iban", // check digits
		"IT60X054281110100000012345":        "!iban", // one short
		"IT6010542811101000000123456":       "!iban", // CIN must be a letter
		"US64SVBKUS6S3300958879":            "!iban", // not SEPA
		"IT60X05428111010000001234Ü6":       "!iban",
		"IT":                                "!iban",
		"":                                  "!required",
	} {
		got, p := ValidateIBAN(in)
		check(t, "ValidateIBAN", in, want, got, p)
	}
}

func TestValidatePostalCode(t *testing.T) {
	for in, want := range map[string]string{
		"00184":  "00184",
		" 39100": "39100",
		"0018":   "!postal_code",
		"001845": "!postal_code",
		"0O184":  "!postal_code",
		"":       "!required",
	} {
		got, p := ValidatePostalCode(in)
		check(t, "ValidatePostalCode", in, want, got, p)
	}
}

func TestValidateYesNoAndOption(t *testing.T) {
	for in, want := range map[string]string{"yes": "yes", " NO ": "no", "sì": "!option", "": "!required"} {
		got, p := ValidateYesNo(in)
		check(t, "ValidateYesNo", in, want, got, p)
	}
	f := Field{Type: TypeSelect, Options: []Option{{Value: "a"}, {Value: "b"}}}
	for in, want := range map[string]string{"a": "a", " b ": "b", "c": "!option", "A": "!option", "": "!required"} {
		got, p := ValidateOption(f, in)
		check(t, "ValidateOption", in, want, got, p)
	}
}

func TestValidateCheckboxes(t *testing.T) {
	f := Field{Type: TypeCheckboxes, Min: i64(2), Max: i64(3),
		Options: []Option{{Value: "a"}, {Value: "b"}, {Value: "c"}, {Value: "d"}}}
	for _, tc := range []struct {
		name string
		in   []string
		want string // joined with ",", or "!code"
	}{
		{"OptionsOrderAndNoDuplicates", []string{"c", "a", "c", ""}, "a,c"},
		{"TooFew", []string{"a"}, "!too_few"},
		{"TooMany", []string{"a", "b", "c", "d"}, "!too_many"},
		{"UnknownOption", []string{"a", "z"}, "!option"},
		{"NoneTickedOfAnOptionalField", nil, ""},
	} {
		got, p := ValidateCheckboxes(f, tc.in)
		check(t, "ValidateCheckboxes/"+tc.name, strings.Join(tc.in, ","), tc.want, strings.Join(got, ","), p)
	}
	f.Required = true
	if _, p := ValidateCheckboxes(f, nil); p == nil || p.Code != CodeRequired {
		t.Errorf("none ticked of a required field: %v, want required", p)
	}
}

// Fuzzing: every validator must never panic, must give back a normalized
// value that validates to itself, and must keep its own invariants.

func idempotent(t *testing.T, name, in, got string, p *Problem, again func(string) (string, *Problem)) {
	t.Helper()
	if p != nil {
		if got != "" {
			t.Fatalf("%s(%q) returned %q along with %v", name, in, got, p)
		}
		return
	}
	if got2, p2 := again(got); p2 != nil || got2 != got {
		t.Fatalf("%s(%q) = %q, which validates to %q, %v", name, in, got, got2, p2)
	}
}

func FuzzValidateText(f *testing.F) {
	for _, s := range []string{"", " a ", "a\r\nb", "\xff", "\u00a0x\u00a0", "AB12345", strings.Repeat("é", 201)} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, long bool) {
		fl := Field{Type: TypeText, MaxLength: 50, Pattern: `[^0-9]*`}
		if long {
			fl.Type = TypeLongText
		}
		got, p := ValidateText(fl, s)
		idempotent(t, "ValidateText", s, got, p, func(s string) (string, *Problem) { return ValidateText(fl, s) })
	})
}

func FuzzValidateNumber(f *testing.F) {
	for _, s := range []string{"0", "-0", "+12", "007", "9223372036854775807", "-9223372036854775808", "1e3", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl := Field{Type: TypeNumber, Min: i64(-1000000)}
		got, p := ValidateNumber(fl, s)
		idempotent(t, "ValidateNumber", s, got, p, func(s string) (string, *Problem) { return ValidateNumber(fl, s) })
	})
}

func FuzzValidateMoney(f *testing.F) {
	for _, s := range []string{"12", "12,5", "1.234,56", "€ 12,50", "12.50", "-€ 3", "1,234.56", ",5", "1.2.3", "€€"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl := Field{Type: TypeMoney, Min: i64(-1 << 50)}
		got, p := ValidateMoney(fl, s)
		if p != nil {
			return
		}
		cents, err := strconv.ParseInt(got, 10, 64)
		if err != nil || strconv.FormatInt(cents, 10) != got {
			t.Fatalf("ValidateMoney(%q) = %q, not an integer of cents", s, got)
		}
		for _, lang := range []string{"it", "en"} {
			typed := MoneyInput(got, lang)
			if again, p := ValidateMoney(fl, typed); p != nil || again != got {
				t.Fatalf("ValidateMoney(%q) = %q; shown as %q it reads %q, %v", s, got, typed, again, p)
			}
		}
	})
}

func FuzzValidateDate(f *testing.F) {
	for _, s := range []string{"2026-11-22", "22/11/2026", "1/1/1000", "29/02/2024", "31/04/2026", "9999-12-31"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl := Field{Type: TypeDate, MinDate: "1900-01-01", MaxDate: "today+1y"}
		got, p := ValidateDate(fl, s, now)
		idempotent(t, "ValidateDate", s, got, p, func(s string) (string, *Problem) { return ValidateDate(fl, s, now) })
		if p != nil {
			return
		}
		d, err := time.Parse(DateLayout, got)
		if err != nil || d.Format(DateLayout) != got {
			t.Fatalf("ValidateDate(%q) = %q, which does not round-trip: %v", s, got, err)
		}
		if typed := d.Format("02/01/2006"); mustDate(t, fl, typed) != got {
			t.Fatalf("ValidateDate(%q) = %q, but typed as %q it reads differently", s, got, typed)
		}
	})
}

func mustDate(t *testing.T, fl Field, s string) string {
	got, p := ValidateDate(fl, s, now)
	if p != nil {
		t.Fatalf("ValidateDate(%q): %v", s, p)
	}
	return got
}

func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{"a@b.it", " A@B.IT ", "a@b", "a..b@c.it", "a@b@c.it", "a@xn--p1ai.xn--p1ai"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, p := ValidateEmail(s)
		idempotent(t, "ValidateEmail", s, got, p, ValidateEmail)
		if p == nil && (strings.Count(got, "@") != 1 || strings.ContainsAny(got, " \t\n") || len(got) > 254) {
			t.Fatalf("ValidateEmail(%q) = %q", s, got)
		}
	})
}

func FuzzValidatePhone(f *testing.F) {
	for _, s := range []string{"333 1234567", "06 12345678", "+44 20 7946 0958", "0039 333 1234567", "+", "00", "(+41) 44"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, p := ValidatePhone(s)
		idempotent(t, "ValidatePhone", s, got, p, ValidatePhone)
		if p == nil && (got[0] != '+' || len(got) < 7 || len(got) > 16 || strings.Trim(got[1:], "0123456789") != "") {
			t.Fatalf("ValidatePhone(%q) = %q, not +digits", s, got)
		}
	})
}

func FuzzValidateFiscalCode(f *testing.F) {
	for _, s := range []string{"RSSMRA85T10A562S", "rss mra 85t10 a562s", "BNCGLI92C62F205U", "RSSMRA85T10A562T", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, p := ValidateFiscalCode(s)
		idempotent(t, "ValidateFiscalCode", s, got, p, ValidateFiscalCode)
		if p == nil && got != strings.ToUpper(got) {
			t.Fatalf("ValidateFiscalCode(%q) = %q, not upper case", s, got)
		}
	})
}

func FuzzValidateIBAN(f *testing.F) {
	for _, s := range []string{"IT60 X054 2811 1010 0000 0123 456", "DE89370400440532013000", "it60x0542811101000000123456", "GB29NWBK60161331926819", "XX00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, p := ValidateIBAN(s)
		idempotent(t, "ValidateIBAN", s, got, p, ValidateIBAN)
		if p == nil && (ibanMod97(got) != 1 || ibanLengths[got[:2]] != len(got) || strings.ContainsAny(got, " -")) {
			t.Fatalf("ValidateIBAN(%q) = %q, which fails mod-97 or its length", s, got)
		}
	})
}

func FuzzValidatePostalCode(f *testing.F) {
	for _, s := range []string{"00184", " 39100 ", "1234", "abcde"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, p := ValidatePostalCode(s)
		idempotent(t, "ValidatePostalCode", s, got, p, ValidatePostalCode)
		if p == nil && len(got) != 5 {
			t.Fatalf("ValidatePostalCode(%q) = %q", s, got)
		}
	})
}

func FuzzValidateChoices(f *testing.F) {
	for _, s := range []string{"yes", " no ", "a", "b", "z", ""} {
		f.Add(s, "b")
	}
	fl := Field{Type: TypeCheckboxes, Max: i64(2), Options: []Option{{Value: "a"}, {Value: "b"}, {Value: "c"}}}
	f.Fuzz(func(t *testing.T, s, s2 string) {
		got, p := ValidateYesNo(s)
		idempotent(t, "ValidateYesNo", s, got, p, ValidateYesNo)
		got, p = ValidateOption(fl, s)
		idempotent(t, "ValidateOption", s, got, p, func(s string) (string, *Problem) { return ValidateOption(fl, s) })
		ticked, p := ValidateCheckboxes(fl, []string{s, s2})
		if p != nil {
			return
		}
		again, p := ValidateCheckboxes(fl, ticked)
		if p != nil || strings.Join(again, "\x00") != strings.Join(ticked, "\x00") {
			t.Fatalf("ValidateCheckboxes(%q, %q) = %q, which validates to %q, %v", s, s2, ticked, again, p)
		}
	})
}
