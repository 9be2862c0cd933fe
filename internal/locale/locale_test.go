package locale_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/civica/civica/i18n"
	"github.com/civica/civica/internal/locale"
)

func load(t *testing.T) *locale.Catalog {
	t.Helper()
	c, err := locale.Load(i18n.FS, "it", "en")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

func TestCatalogues_HaveTheSameKeysAndPlaceholders(t *testing.T) {
	t.Parallel()
	c := load(t)
	it, en := c.Keys("it"), c.Keys("en")
	if !slices.Equal(it, en) {
		for _, k := range it {
			if !slices.Contains(en, k) {
				t.Errorf("%s: missing in en.yaml", k)
			}
		}
		for _, k := range en {
			if !slices.Contains(it, k) {
				t.Errorf("%s: missing in it.yaml", k)
			}
		}
	}
	for _, k := range it {
		a := placeholder.FindAllString(c.For("it").T(k), -1)
		b := placeholder.FindAllString(c.For("en").T(k), -1)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("%s: placeholders differ: it %v, en %v", k, a, b)
		}
	}
}

// literalKey finds T("key") calls with a literal key in Go and templ code.
var literalKey = regexp.MustCompile(`\bT\("([a-z0-9_.]+)"`)

func TestEveryLiteralKeyInTheCodeExists(t *testing.T) {
	t.Parallel()
	c := load(t)
	keys := c.Keys("it")
	root := "../.."
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && p != root {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, ".templ") && !(strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_templ.go") && !strings.HasSuffix(p, "_test.go")) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range literalKey.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(keys, m[1]) && !strings.HasSuffix(m[1], ".") {
				t.Errorf("%s uses %q, which no catalogue has", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestNegotiate(t *testing.T) {
	t.Parallel()
	c := load(t)
	for _, tc := range []struct{ choice, accept, want string }{
		{"", "", "it"},
		{"en", "it-IT", "en"},
		{"xx", "en-GB,en;q=0.9", "en"},
		{"", "de-DE,de;q=0.9", "it"},
		{"", "fr, en;q=0.5", "en"},
		{"", "garbage;;;q", "it"},
	} {
		if got := c.Negotiate(tc.choice, tc.accept); got != tc.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tc.choice, tc.accept, got, tc.want)
		}
	}
}

func TestT_FormatsAndFallsBack(t *testing.T) {
	t.Parallel()
	c := load(t)
	if got := c.For("it").T("desk.comune", "comune", "Roccasole"); got != "Ente: Roccasole." {
		t.Errorf("got %q", got)
	}
	if got := c.For("en").T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key rendered %q", got)
	}
	if got := c.For("fr").Lang; got != "it" {
		t.Errorf("unsupported language falls back to %q", got)
	}
}

func TestDate_InRomeAcrossDST(t *testing.T) {
	t.Parallel()
	c := load(t)
	// 23:30 UTC on 31 March 2026 is already 1 April in Rome (summer time, UTC+2).
	ts := time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC)
	if got := c.For("it").DateTime(ts); got != "1 aprile 2026, 01:30" {
		t.Errorf("it: %q", got)
	}
	if got := c.For("en").Date(time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)); got != "1 January 2027" {
		t.Errorf("en: %q", got)
	}
}

func TestFileSize_AsEachLanguageWritesIt(t *testing.T) {
	c, err := locale.Load(fstest.MapFS{"it.yaml": {Data: []byte("a: b\n")}, "en.yaml": {Data: []byte("a: b\n")}}, "it", "en")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		n    int64
		want string
	}{{"it", 1, "1 KB"}, {"it", 820 << 10, "820 KB"}, {"it", 1468006, "1,4 MB"}, {"en", 1468006, "1.4 MB"}} {
		if got := c.For(tc.lang).FileSize(tc.n); got != tc.want {
			t.Errorf("%s FileSize(%d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
}
