package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/civica/civica/internal/browsertest"
)

// BenchmarkHome renders a comune's home page in process, the path `make
// bench` loads over the network; use it with -cpuprofile to see where the
// time goes.
func BenchmarkHome(b *testing.B) {
	s := browsertest.Start(b)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
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

// BenchmarkServices renders /servizi (every service of the comune).
func BenchmarkServices(b *testing.B) {
	s := browsertest.Start(b)
	req := httptest.NewRequest(http.MethodGet, "/servizi", nil)
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
