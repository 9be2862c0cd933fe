package catalog_test

import (
	"slices"
	"testing"

	"github.com/civica/civica/internal/catalog"
)

const standard = "../../tenants/_standard"

// TestStandardCatalogue checks the standard catalogue every comune starts
// from: valid cards, at least 40 of them, every category covered.
func TestStandardCatalogue(t *testing.T) {
	t.Parallel()
	c, err := catalog.Load(standard)
	if err != nil {
		t.Fatalf("the standard catalogue has problems:\n%v", err)
	}
	if len(c.Services) < 40 {
		t.Errorf("%d service cards, want at least 40", len(c.Services))
	}
	for _, cat := range catalog.Categories {
		if !slices.ContainsFunc(c.Services, func(s catalog.Service) bool { return s.Category == cat }) {
			t.Errorf("no service in category %s", cat)
		}
	}
}
