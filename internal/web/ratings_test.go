package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/feedback"
)

func TestRatingsSummary_OnlyForTheComunesAdmins(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	ctx := context.Background()
	store := feedback.NewStore(s.Pool)
	for _, r := range []feedback.Rating{
		{Path: "/servizi", Language: "it", Rating: 5, Answer: "p1"},
		{Path: "/servizi", Language: "it", Rating: 2, Answer: "n1"},
		{Path: "/servizi", Language: "en", Rating: 4},
	} {
		if err := store.Add(ctx, tenantID(t, s, "verdemare"), r); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Add(ctx, tenantID(t, s, "roccasole"), feedback.Rating{Path: "/faq", Language: "it", Rating: 1}); err != nil {
		t.Fatal(err)
	}
	admin := s.Client(t)
	desk := browsertest.LoginHTTP(t, admin, s.ComuneURL("verdemare"), "sara-greco", "/")
	mustContain(t, "admin desk", desk.Body, `href="/amministrazione/valutazioni"`)
	p := browsertest.Get(t, admin, s.ComuneURL("verdemare")+"/amministrazione/valutazioni")
	if p.Status != http.StatusOK {
		t.Fatalf("status %d", p.Status)
	}
	mustContain(t, "summary", p.Body, `<th scope="row"><a href="/servizi">/servizi</a></th><td>Italiano</td><td class="text-end">2</td><td class="text-end">3,5</td><td class="text-end">50%</td>`,
		`<td>English</td><td class="text-end">1</td>`)
	if strings.Contains(p.Body, `<a href="/faq">/faq</a>`) {
		t.Error("Verdemare's admin sees Roccasole's ratings")
	}
	clerk := s.Client(t)
	browsertest.LoginHTTP(t, clerk, s.ComuneURL("verdemare"), "paolo-conti", "/")
	if p := browsertest.Get(t, clerk, s.ComuneURL("verdemare")+"/amministrazione/valutazioni"); p.Status != http.StatusForbidden {
		t.Errorf("clerk: %d, want 403", p.Status)
	}
	if p := browsertest.Get(t, s.Client(t), s.ComuneURL("verdemare")+"/amministrazione/valutazioni"); p.URL.Path != "/accedi" {
		t.Errorf("anonymous: at %s, want the login page", p.URL)
	}
}
