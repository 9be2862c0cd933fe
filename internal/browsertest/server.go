// Package browsertest starts the real Civica server for end-to-end tests and
// drives it as people do: over HTTP with a cookie jar (Server.Client), and in
// Debian's Chromium with axe-core checking accessibility (see browser.go).
//
// The server is the one users get, assembled by internal/app, on a fresh
// database (internal/dbtest) holding the demo comuni from tenants/, with the
// test identity provider, listening on a free loopback port. Comuni are
// reached as http://<slug>.localhost:<port>, as in development; the client
// and the browser resolve every *.localhost name to 127.0.0.1.
package browsertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/app"
	"github.com/civica/civica/internal/dbtest"
	"github.com/civica/civica/internal/tenant"
)

// Server is a running Civica.
type Server struct {
	Pool        *pgxpool.Pool
	App         *app.App
	Port        int
	PlatformURL string // http://localhost:<port>
	logs        *syncBuffer
}

// PlatformAdmin is the fiscal code of the test identity "Elena Ricci", the
// platform administrator of test servers.
const PlatformAdmin = "RCCLNE88R67A944M"

// Start runs a server for the test and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	pool := dbtest.New(t)
	ctx := context.Background()
	if _, err := tenant.ImportDir(ctx, tenant.NewStore(pool), filepath.Join(RepoRoot(t), "tenants")); err != nil {
		t.Fatalf("import demo comuni: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	platform := &url.URL{Scheme: "http", Host: fmt.Sprintf("localhost:%d", port)}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	a, err := app.New(app.Config{
		PlatformURL: platform, TestProvider: true, OIDCIssuer: platform.String() + "/idp",
		RPKey: key, PlatformAdmins: []string{PlatformAdmin}, FilesDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}, pool)
	if err != nil {
		t.Fatalf("assemble app: %v", err)
	}
	srvCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Serve(srvCtx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return &Server{Pool: pool, App: a, Port: port, PlatformURL: platform.String(), logs: logs}
}

// ComuneURL is the base URL of a comune's portal, e.g. http://verdemare.localhost:PORT.
func (s *Server) ComuneURL(slug string) string {
	return fmt.Sprintf("http://%s.localhost:%d", slug, s.Port)
}

// Logs is what the server logged so far.
func (s *Server) Logs() string { return s.logs.String() }

// Client is an HTTP client with its own cookie jar that follows redirects
// like a browser and reaches every *.localhost host on loopback.
func (s *Server) Client(t testing.TB) *http.Client {
	t.Helper()
	return LocalClient(t)
}

// LocalClient is Client for a server the test runs otherwise (a child
// process).
func LocalClient(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Jar:     jar,
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, port, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				if host == "localhost" || strings.HasSuffix(host, ".localhost") {
					addr = net.JoinHostPort("127.0.0.1", port)
				}
				return dialer.DialContext(ctx, network, addr)
			},
		},
	}
}

// RepoRoot is the checkout's root: the nearest parent holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("browsertest: go.mod not found above the working directory")
		}
		dir = parent
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
