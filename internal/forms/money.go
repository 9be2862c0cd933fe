package forms

import (
	"strconv"
	"strings"
)

// maxEuroDigits bounds the whole euros of an amount (up to a thousand billion
// euro), far below what an int64 of cents holds.
const maxEuroDigits = 13

// ValidateMoney validates an amount in euro and returns it in cents, an
// integer string ("1234,56" → "123456").
//
// It accepts what people type: "12", "12,5", "12,50", "1.234,56", "1234.56",
// "€ 12,50", "12 €", "EUR 12". With both separators, the last is the decimal
// one; with only one kind, a single "," is decimal, and a single "." is
// decimal unless exactly three digits follow it ("1.234" is a thousand
// two hundred and thirty-four euro, as an Italian writes it). Thousands
// groups must have three digits. More than two decimals is CodeMoney; a
// negative amount is CodeTooSmall unless Min allows it; Min and Max are in
// cents.
func ValidateMoney(f Field, raw string) (string, *Problem) {
	s := trimSpace(raw)
	if s == "" {
		return "", problem(CodeRequired)
	}
	cents, ok := parseMoney(s)
	if !ok {
		return "", problem(CodeMoney)
	}
	min := int64(0)
	if f.Min != nil {
		min = *f.Min
	}
	if cents < min {
		return "", problem(CodeTooSmall, "min", strconv.FormatInt(min, 10))
	}
	if f.Max != nil && cents > *f.Max {
		return "", problem(CodeTooLarge, "max", strconv.FormatInt(*f.Max, 10))
	}
	return strconv.FormatInt(cents, 10), nil
}

// MoneyInput writes stored cents back the way a person types an amount in
// lang: "123456" → "1234,56" in Italian, "1234.56" in English; ValidateMoney
// reads it back to the same cents. A value that is not an integer is returned
// unchanged (it is what the person typed).
func MoneyInput(cents, lang string) string {
	n, err := strconv.ParseInt(cents, 10, 64)
	if err != nil {
		return cents
	}
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	sep := ","
	if lang == "en" {
		sep = "."
	}
	return sign + strconv.FormatInt(n/100, 10) + sep + twoDigits(n%100)
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

func parseMoney(s string) (int64, bool) {
	neg := false
	s = stripCurrency(s)
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = trimSpace(stripCurrency(s[1:]))
	}
	if s == "" || strings.Trim(s, "0123456789.,") != "" {
		return 0, false
	}
	whole, frac, ok := splitDecimal(s)
	if !ok || whole == "" && frac == "" || len(frac) > 2 {
		return 0, false
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > maxEuroDigits {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	euros := int64(0)
	if whole != "" {
		euros, _ = strconv.ParseInt(whole, 10, 64)
	}
	c, _ := strconv.ParseInt(frac, 10, 64)
	cents := euros*100 + c
	if neg {
		cents = -cents
	}
	return cents, true
}

// stripCurrency removes a leading or trailing "€", "EUR" or "euro" and the
// spaces around it.
func stripCurrency(s string) string {
	s = trimSpace(s)
	for _, c := range []string{"€", "EUR", "eur", "Eur", "euro", "Euro", "EURO"} {
		if t, ok := strings.CutPrefix(s, c); ok {
			return trimSpace(t)
		}
		if t, ok := strings.CutSuffix(s, c); ok {
			return trimSpace(t)
		}
	}
	return s
}

// splitDecimal splits digits with "." and "," into whole euros (separators
// removed) and decimals, following the rules of ValidateMoney.
func splitDecimal(s string) (whole, frac string, ok bool) {
	lastDot, lastComma := strings.LastIndexByte(s, '.'), strings.LastIndexByte(s, ',')
	dec := byte(0)
	switch {
	case lastDot >= 0 && lastComma >= 0:
		dec = s[max(lastDot, lastComma)]
	case lastComma >= 0 && strings.Count(s, ",") == 1:
		dec = ','
	case lastDot >= 0 && strings.Count(s, ".") == 1 && len(s)-lastDot-1 != 3:
		dec = '.'
	}
	if dec != 0 {
		i := strings.LastIndexByte(s, dec)
		whole, frac = s[:i], s[i+1:]
		if strings.ContainsAny(frac, ".,") || frac == "" {
			return "", "", false
		}
	} else {
		whole = s
	}
	thousands := byte('.')
	if dec == '.' || (dec == 0 && strings.Contains(whole, ",")) {
		thousands = ','
	}
	groups := strings.Split(whole, string(thousands))
	if strings.ContainsAny(whole, string(dec)) {
		return "", "", false
	}
	if len(groups) > 1 {
		if groups[0] == "" || len(groups[0]) > 3 {
			return "", "", false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return "", "", false
			}
		}
	}
	whole = strings.Join(groups, "")
	if strings.ContainsAny(whole, ".,") {
		return "", "", false
	}
	return whole, frac, true
}
