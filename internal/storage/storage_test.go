package storage_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civica/civica/internal/storage"
)

func TestDir_PutOpenDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := storage.NewDir(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "a/b/c.bin", strings.NewReader("hello")); err != nil {
		t.Fatal(err)
	}
	r, err := d.Open(ctx, "a/b/c.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "hello" {
		t.Errorf("read back %q", got)
	}
	if err := d.Delete(ctx, "a/b/c.bin"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, "a/b/c.bin"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("open after delete: %v, want ErrNotFound", err)
	}
	if err := d.Delete(ctx, "a/b/c.bin"); err != nil {
		t.Errorf("deleting a missing object: %v", err)
	}
}

func TestDir_RefusesKeysOutsideTheRoot(t *testing.T) {
	t.Parallel()
	d, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"", "../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", `a\b`, "a b"} {
		if err := d.Put(context.Background(), key, strings.NewReader("x")); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Put(%q): %v, want ErrInvalidKey", key, err)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection lost") }

func TestDir_FailedPutLeavesNothing(t *testing.T) {
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
