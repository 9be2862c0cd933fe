package forms

import (
	"strings"

	"github.com/civica/civica/internal/codicefiscale"
)

// ValidateFiscalCode validates a codice fiscale of a natural person (spaces
// inside are ignored, people copy it in groups) and returns it upper-case, as
// given: an omocodia variant stays one.
func ValidateFiscalCode(raw string) (string, *Problem) {
	s := strings.Join(strings.Fields(raw), "")
	if s == "" {
		return "", problem(CodeRequired)
	}
	c, err := codicefiscale.Parse(s)
	if err != nil {
		return "", problem(CodeFiscalCode)
	}
	return c.String(), nil
}

// ibanLengths is the length of the IBAN of each SEPA country. An IBAN of any
// other country is refused: the comune can only pay or collect through SEPA.
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24,
	"DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
	"GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
	"LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18,
	"NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24,
	"SM": 27, "VA": 22,
}

// ValidateIBAN validates an IBAN of a SEPA country: spaces and dashes
// ignored, letters upper-cased, the country's length, the ISO 13616 mod-97
// check digits and, for Italy and San Marino, the shape of the BBAN (a CIN
// letter, ABI and CAB of five digits each). The normalized value has no
// spaces.
func ValidateIBAN(raw string) (string, *Problem) {
	s := strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\u00a0", "", "\t", "").Replace(raw))
	if s == "" {
		return "", problem(CodeRequired)
	}
	if len(s) < 4 || ibanLengths[s[:2]] != len(s) || !isDigit(s[2]) || !isDigit(s[3]) {
		return "", problem(CodeIBAN)
	}
	for i := 4; i < len(s); i++ {
		if !isDigit(s[i]) && !('A' <= s[i] && s[i] <= 'Z') {
			return "", problem(CodeIBAN)
		}
	}
	if c := s[:2]; c == "IT" || c == "SM" {
		if !isLetter(s[4]) || strings.Trim(s[5:15], "0123456789") != "" {
			return "", problem(CodeIBAN)
		}
	}
	if ibanMod97(s) != 1 {
		return "", problem(CodeIBAN)
	}
	return s, nil
}

// ibanMod97 is the remainder by 97 of the IBAN read as ISO 13616 says: the
// first four characters moved to the end, letters as 10–35.
func ibanMod97(s string) int {
	r := 0
	for _, c := range s[4:] + s[:4] {
		if c >= 'A' {
			r = (r*100 + int(c-'A'+10)) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return r
}
