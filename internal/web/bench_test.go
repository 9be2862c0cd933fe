package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/civica/civica/internal/browsertest"
)

// benchPage renders path on a comune in process, the paths `make bench`
// loads over the network; use it with -cpuprofile to see where time goes.
func benchPage(b *testing.B, path string) {
	s := browsertest.Start(b)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = "verdemare.localhost:8080"
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.App.Server.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkHome renders a comune's home page.
func BenchmarkHome(b *testing.B) { benchPage(b, "/") }

// BenchmarkServices renders /servizi (every service of the comune).
func BenchmarkServices(b *testing.B) { benchPage(b, "/servizi") }

// BenchmarkCard renders a service card.
func BenchmarkCard(b *testing.B) { benchPage(b, "/servizi/carta-identita-elettronica") }
