package forms

import (
	"strings"
)

// ValidateEmail validates an email address, more strictly than net/mail
// (which accepts display names, comments and quoted local parts nobody types
// into a form): exactly one "@"; a local part of at most 64 characters among
// letters, digits and !#$%&'*+/=?^_`{|}~.- without leading, trailing or
// doubled dots; a domain of ASCII labels (letters, digits, inner hyphens)
// with at least one dot and a top-level domain of letters (or "xn--"); at
// most 254 characters in all. The domain is lower-cased.
func ValidateEmail(raw string) (string, *Problem) {
	s := trimSpace(raw)
	if s == "" {
		return "", problem(CodeRequired)
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || len(s) > 254 || strings.Contains(domain, "@") || !validLocal(local) {
		return "", problem(CodeEmail)
	}
	domain = strings.ToLower(domain)
	if !validDomain(domain) {
		return "", problem(CodeEmail)
	}
	return local + "@" + domain, nil
}

func validLocal(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune("!#$%&'*+/=?^_`{|}~.-", rune(c)) {
			return false
		}
	}
	return true
}

func validDomain(s string) bool {
	labels := strings.Split(s, ".")
	if len(labels) < 2 || len(s) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.HasPrefix(tld, "xn--") {
		return true
	}
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !isLetter(tld[i]) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isAlnum(c byte) bool  { return isLetter(c) || isDigit(c) }

// ValidatePhone validates a telephone number and returns it in international
// form, "+39…" with digits only.
//
// Spaces, dashes, dots, slashes and parentheses are ignored. A number that
// starts with "+" or "00" is international and must have 6 to 15 digits
// (E.164). A number without prefix is taken as Italian when it looks like
// one, a mobile (3…, 9–10 digits) or a landline (0…, 6–11 digits), and gets
// "+39"; anything else without prefix is CodePhone, since we could not know
// which country it belongs to.
func ValidatePhone(raw string) (string, *Problem) {
	s := trimSpace(raw)
	if s == "" {
		return "", problem(CodeRequired)
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			b.WriteByte(c)
		case c == '+' && b.Len() == 0:
			b.WriteByte(c)
		case strings.IndexByte(" -./()", c) >= 0:
		default:
			return "", problem(CodePhone)
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "+"):
		n = n[1:]
	case strings.HasPrefix(n, "00"):
		n = n[2:]
	case n != "" && n[0] == '3' && len(n) >= 9 && len(n) <= 10,
		n != "" && n[0] == '0' && len(n) >= 6 && len(n) <= 11:
		n = "39" + n
	default:
		return "", problem(CodePhone)
	}
	if len(n) < 6 || len(n) > 15 || n[0] == '0' {
		return "", problem(CodePhone)
	}
	return "+" + n, nil
}
