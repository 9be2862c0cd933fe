package attachments_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/civica/civica/internal/attachments"
)

func TestCleanName(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("à", 300)
	for _, tc := range []struct{ in, want string }{
		{"carta d'identità.pdf", "carta d'identità.pdf"},
		{`C:\Users\mario\Documenti\isee.pdf`, "isee.pdf"},
		{"../../etc/passwd", "passwd"},
		{"dir/", "allegato"},
		{"", "allegato"},
		{"  \t ", "allegato"},
		{"..", "allegato"},
		{"a\r\nContent-Type: text/html.pdf", "html.pdf"},
		{"two\r\nlines.pdf", "two  lines.pdf"},
		{"fattura\u202Efdp.exe", "fatturafdp.exe"},
		{"zero\u200Bwidth.png", "zerowidth.png"},
		{"bad\xffutf8.pdf", "badutf8.pdf"},
		{"tab\there.pdf", "tab here.pdf"},
		{long + ".pdf", strings.Repeat("à", attachments.MaxNameLen-4) + ".pdf"},
		{long, strings.Repeat("à", attachments.MaxNameLen)},
	} {
		if got := attachments.CleanName(tc.in); got != tc.want {
			t.Errorf("CleanName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"isee.pdf", `a\b/c`, "..", "\u202Eexe.pdf", strings.Repeat("x", 300) + ".pdf", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := attachments.CleanName(name)
		switch {
		case got == "" || got == "." || got == "..":
			t.Errorf("CleanName(%q) = %q", name, got)
		case !utf8.ValidString(got):
			t.Errorf("CleanName(%q) = %q, not UTF-8", name, got)
		case strings.ContainsAny(got, `/\`):
			t.Errorf("CleanName(%q) = %q, with a path separator", name, got)
		case utf8.RuneCountInString(got) > attachments.MaxNameLen:
			t.Errorf("CleanName(%q) is %d characters long", name, utf8.RuneCountInString(got))
		case strings.IndexFunc(got, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0:
			t.Errorf("CleanName(%q) = %q, with a control or format character", name, got)
		case attachments.CleanName(got) != got:
			t.Errorf("CleanName(%q) = %q, not stable when cleaned again", name, got)
		}
	})
}
