package reports

import (
	"github.com/civica/civica/internal/refcode"
	"strings"
	"testing"
)

func TestReportReference_UsesOnlyUnambiguousCharacters(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	counts := map[rune]int{}
	const n = 20000
	for range n {
		ref := newReference()
		if !IsReference(ref) {
			t.Fatalf("newReference() = %q, not a reference", ref)
		}
		if strings.ContainsAny(ref[3:], "0O1IL") {
			t.Fatalf("newReference() = %q holds an ambiguous character", ref)
		}
		if seen[ref] {
			t.Fatalf("newReference() repeated %q within %d draws", ref, n)
		}
		seen[ref] = true
		for _, r := range ref[3:] {
			counts[r]++
		}
	}
	// Every character equally likely: 160000 draws over 31 characters is
	// about 5161 each; a biased draw (b % 31 over all 256 byte values)
	// would give the first 8 characters about 14% more.
	for _, r := range refcode.Alphabet {
		if c := counts[r]; c < 4800 || c > 5550 {
			t.Errorf("character %c drawn %d times, want about 5161", r, c)
		}
	}
}
