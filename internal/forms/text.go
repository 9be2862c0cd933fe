package forms

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Default length limits when a definition sets no MaxLength: what a person
// may reasonably write, and what we are willing to store.
const (
	DefaultMaxText     = 200
	DefaultMaxLongText = 4000
)

// trimSpace trims white space, including the no-break spaces that copying
// from a PDF or a spreadsheet brings along.
func trimSpace(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\u00a0' })
}

// blank reports whether a typed answer is empty once trimmed.
func blank(s string) bool { return trimSpace(s) == "" }

// ValidateText validates a text or textarea answer: trimmed, invalid UTF-8
// replaced, line ends turned into "\n" (textarea) or spaces (text), then
// checked for length in characters and against Pattern. A blank answer is
// CodeRequired.
func ValidateText(f Field, raw string) (string, *Problem) {
	s := strings.ToValidUTF8(raw, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if f.Type != TypeLongText {
		s = strings.ReplaceAll(s, "\n", " ")
	}
	s = trimSpace(s)
	if s == "" {
		return "", problem(CodeRequired)
	}
	n := utf8.RuneCountInString(s)
	if f.MinLength > 0 && n < f.MinLength {
		return "", problem(CodeTooShort, "min", strconv.Itoa(f.MinLength))
	}
	if max := maxLength(f); n > max {
		return "", problem(CodeTooLong, "max", strconv.Itoa(max))
	}
	if f.Pattern != "" {
		re, err := compilePattern(f.Pattern)
		if err != nil || !re.MatchString(s) {
			return "", problem(CodePattern)
		}
	}
	return s, nil
}

func maxLength(f Field) int {
	switch {
	case f.MaxLength > 0:
		return f.MaxLength
	case f.Type == TypeLongText:
		return DefaultMaxLongText
	default:
		return DefaultMaxText
	}
}

var patterns sync.Map // pattern → *regexp.Regexp

// compilePattern compiles a definition's Pattern so that it must match the
// whole answer. Compiled patterns are kept: definitions are few.
func compilePattern(p string) (*regexp.Regexp, error) {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		return nil, err
	}
	patterns.Store(p, re)
	return re, nil
}

// ValidateNumber validates a whole number: an optional sign and up to 18
// digits, nothing else (no decimals, no thousands separators), within Min and
// Max. The normalized value has no "+" and no leading zeros.
func ValidateNumber(f Field, raw string) (string, *Problem) {
	s := trimSpace(raw)
	if s == "" {
		return "", problem(CodeRequired)
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || len(s) > 18 || strings.Trim(s, "0123456789") != "" {
		return "", problem(CodeNumber)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return "", problem(CodeNumber)
	}
	if neg {
		n = -n
	}
	if f.Min != nil && n < *f.Min {
		return "", problem(CodeTooSmall, "min", strconv.FormatInt(*f.Min, 10))
	}
	if f.Max != nil && n > *f.Max {
		return "", problem(CodeTooLarge, "max", strconv.FormatInt(*f.Max, 10))
	}
	return strconv.FormatInt(n, 10), nil
}

// ValidatePostalCode validates a CAP: five digits.
func ValidatePostalCode(raw string) (string, *Problem) {
	s := trimSpace(raw)
	if s == "" {
		return "", problem(CodeRequired)
	}
	if len(s) != 5 || strings.Trim(s, "0123456789") != "" {
		return "", problem(CodePostalCode)
	}
	return s, nil
}

// ValidateYesNo validates a yes/no answer: "yes" or "no".
func ValidateYesNo(raw string) (string, *Problem) {
	s := strings.ToLower(trimSpace(raw))
	switch s {
	case "":
		return "", problem(CodeRequired)
	case "yes", "no":
		return s, nil
	}
	return "", problem(CodeOption)
}

// ValidateOption validates the answer of a select or radio field: one of the
// options' values.
func ValidateOption(f Field, raw string) (string, *Problem) {
	s := trimSpace(raw)
	if s == "" {
		return "", problem(CodeRequired)
	}
	for _, o := range f.Options {
		if o.Value == s {
			return s, nil
		}
	}
	return "", problem(CodeOption)
}

// ValidateCheckboxes validates the ticked options of a checkboxes field:
// each must be an option; duplicates and blanks are dropped and the result
// follows the options' order. None ticked is CodeRequired when f is
// Required and an acceptable answer otherwise; Min and Max bound how many are
// ticked once any is.
func ValidateCheckboxes(f Field, raw []string) ([]string, *Problem) {
	ticked := map[string]bool{}
	for _, s := range raw {
		if s = trimSpace(s); s == "" {
			continue
		}
		if _, ok := optionIndex(f, s); !ok {
			return nil, problem(CodeOption)
		}
		ticked[s] = true
	}
	var out []string
	for _, o := range f.Options {
		if ticked[o.Value] {
			out = append(out, o.Value)
		}
	}
	n := int64(len(out))
	switch {
	case n == 0 && f.Required:
		return nil, problem(CodeRequired)
	case f.Min != nil && n < *f.Min && (n > 0 || f.Required):
		return nil, problem(CodeTooFew, "min", strconv.FormatInt(*f.Min, 10))
	case f.Max != nil && n > *f.Max:
		return nil, problem(CodeTooMany, "max", strconv.FormatInt(*f.Max, 10))
	}
	return out, nil
}

func optionIndex(f Field, value string) (int, bool) {
	for i, o := range f.Options {
		if o.Value == value {
			return i, true
		}
	}
	return 0, false
}
