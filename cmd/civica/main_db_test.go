package main

import (
	"testing"

	"github.com/civica/civica/internal/dbtest"
)

// TestMain stops the private PostgreSQL dbtest starts when the tests run
// without CIVICA_TEST_DATABASE_URL (plain `go test ./cmd/civica`).
func TestMain(m *testing.M) { dbtest.Main(m) }
