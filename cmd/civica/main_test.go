package main

import (
	"context"
	"net"
	"strings"
	"testing"
)

func TestServe_DatabaseDownAtStartExitsWithAClearMessage(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	t.Setenv("CIVICA_DATABASE_URL", "postgres://civica@"+addr+"/civica?sslmode=disable")
	t.Setenv("CIVICA_DATABASE_WAIT", "1s")
	t.Setenv("CIVICA_LISTEN", "127.0.0.1:0")
	for _, cmd := range []string{"serve", "worker", "migrate"} {
		err := run(context.Background(), []string{cmd})
		if err == nil {
			t.Fatalf("%s with no database returned no error", cmd)
		}
		msg := err.Error()
		if !strings.Contains(msg, "cannot reach PostgreSQL at 127.0.0.1") || !strings.Contains(msg, "CIVICA_DATABASE_URL") {
			t.Errorf("%s: unclear message: %s", cmd, msg)
		}
	}
}

func TestConfig_RejectsUnsafeProductionSettingsWithEveryProblem(t *testing.T) {
	t.Setenv("CIVICA_ENV", "production")
	t.Setenv("CIVICA_TEST_PROVIDER", "true")
	t.Setenv("CIVICA_PLATFORM_URL", "ftp://x")
	t.Setenv("CIVICA_PLATFORM_ADMINS", "RSSMRA85T10H501X")
	_, err := loadConfig()
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"CIVICA_DATABASE_URL is required", "CIVICA_TEST_PROVIDER cannot be on", "CIVICA_PLATFORM_URL", "CIVICA_RP_KEY_FILE is required", "not a valid fiscal code"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%s", want, err)
		}
	}
}

func TestConfig_DevelopmentNeedsNothing(t *testing.T) {
	for _, k := range []string{"CIVICA_ENV", "CIVICA_DATABASE_URL", "CIVICA_PLATFORM_URL", "CIVICA_TEST_PROVIDER", "CIVICA_PLATFORM_ADMINS"} {
		t.Setenv(k, "")
	}
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PlatformURL.String() != "http://localhost:8080" || cfg.Listen != "127.0.0.1:8080" || !cfg.TestProvider ||
		cfg.OIDCIssuer != "http://localhost:8080/idp" || len(cfg.PlatformAdmins) != 1 {
		t.Errorf("development defaults: %+v", cfg)
	}
}
