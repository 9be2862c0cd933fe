package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civica/civica/internal/storage"
)

// testStore checks the behaviour every Store promises; newStore returns an
// empty store of the kind under test.
func testStore(t *testing.T, newStore func(t *testing.T) storage.Store) {
	t.Run("PutOpenDelete", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		if err := s.Put(ctx, "a/b/c.bin", strings.NewReader("hello")); err != nil {
			t.Fatal(err)
		}
		if got := readObject(t, s, "a/b/c.bin"); got != "hello" {
			t.Errorf("read back %q", got)
		}
		if err := s.Delete(ctx, "a/b/c.bin"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, "a/b/c.bin"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("open after delete: %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "a/b/c.bin"); err != nil {
			t.Errorf("deleting a missing object: %v", err)
		}
	})

	t.Run("OpenMissingIsErrNotFound", func(t *testing.T) {
		t.Parallel()
		if _, err := newStore(t).Open(context.Background(), "never/stored"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Open: %v, want ErrNotFound", err)
		}
	})

	t.Run("PutReplaces", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		for _, content := range []string{"first, and longer", "second"} {
			if err := s.Put(ctx, "k", strings.NewReader(content)); err != nil {
				t.Fatal(err)
			}
		}
		if got := readObject(t, s, "k"); got != "second" {
			t.Errorf("read back %q, want the second object", got)
		}
	})

	t.Run("EmptyObject", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.Put(context.Background(), "empty", strings.NewReader("")); err != nil {
			t.Fatal(err)
		}
		if got := readObject(t, s, "empty"); got != "" {
			t.Errorf("read back %q", got)
		}
	})

	t.Run("RefusesInvalidKeys", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		for _, key := range []string{"", "../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", `a\b`, "a b", "a/"} {
			if err := s.Put(ctx, key, strings.NewReader("x")); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Put(%q): %v, want ErrInvalidKey", key, err)
			}
			if _, err := s.Open(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Open(%q): %v, want ErrInvalidKey", key, err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Delete(%q): %v, want ErrInvalidKey", key, err)
			}
		}
	})

	t.Run("FailedPutLeavesNothing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.Put(context.Background(), "x/y", io.MultiReader(strings.NewReader("partial"), failingReader{})); err == nil {
			t.Fatal("Put from a failing reader succeeded")
		}
		if _, err := s.Open(context.Background(), "x/y"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Open after a failed Put: %v, want ErrNotFound", err)
		}
	})

	t.Run("FailedPutKeepsEarlierObject", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		s := newStore(t)
		if err := s.Put(ctx, "k", strings.NewReader("earlier")); err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, "k", io.MultiReader(strings.NewReader("partial"), failingReader{})); err == nil {
			t.Fatal("Put from a failing reader succeeded")
		}
		if got := readObject(t, s, "k"); got != "earlier" {
			t.Errorf("read back %q, want the earlier object", got)
		}
	})

	t.Run("CancelledPutLeavesNothing", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		s := newStore(t)
		r := io.MultiReader(strings.NewReader("partial"), cancelOnRead{cancel}, strings.NewReader("rest"))
		if err := s.Put(ctx, "c", r); !errors.Is(err, context.Canceled) {
			t.Fatalf("Put with a cancelled context: %v, want context.Canceled", err)
		}
		if _, err := s.Open(context.Background(), "c"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Open after a cancelled Put: %v, want ErrNotFound", err)
		}
	})

	t.Run("LargeObject", func(t *testing.T) {
		t.Parallel()
		// Larger than one S3 part, so that a multipart upload is used.
		data := make([]byte, 17<<20)
		rand.Read(data)
		s := newStore(t)
		if err := s.Put(context.Background(), "large", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		if got := readObject(t, s, "large"); got != string(data) {
			t.Errorf("read back %d bytes, not the %d put", len(got), len(data))
		}
	})
}

func readObject(t *testing.T, s storage.Store, key string) string {
	t.Helper()
	r, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection lost") }

// cancelOnRead cancels a context when it is read, as a person closing the
// page mid-upload would.
type cancelOnRead struct{ cancel context.CancelFunc }

func (c cancelOnRead) Read([]byte) (int, error) {
	c.cancel()
	return 0, io.EOF
}

func TestDir(t *testing.T) {
	t.Parallel()
	testStore(t, func(t *testing.T) storage.Store {
		d, err := storage.NewDir(filepath.Join(t.TempDir(), "files"))
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestDir_FailedPutLeavesNoTemporaryFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d, err := storage.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put(context.Background(), "x/y", io.MultiReader(strings.NewReader("partial"), failingReader{})); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	entries, err := os.ReadDir(filepath.Join(root, "x"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("a failed Put left %d file(s) behind", len(entries))
	}
}
