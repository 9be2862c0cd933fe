// Package storage keeps files that people send (attachments of reports and,
// later, of applications) outside the database and outside the process, so
// that any instance can read what another one stored.
//
// A file is an opaque object under a key such as
// "problem-reports/<tenant>/<random>"; callers choose keys that no person
// can influence and record them in the database, with what they know about
// the file. Dir keeps objects in a local directory, the default; an
// S3-compatible Store can take its place without changes to the callers.
// Nothing here knows about tenants, people or HTTP.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Store keeps objects under keys.
type Store interface {
	// Put stores everything r yields under key, replacing any earlier
	// object there. The object is visible only once Put has returned nil:
	// a failed or cancelled Put leaves nothing behind.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open reads the object under key; ErrNotFound when there is none.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object under key; deleting a missing object is
	// not an error.
	Delete(ctx context.Context, key string) error
}

// ErrNotFound is returned by Open for a key with no object.
var ErrNotFound = errors.New("storage: no such object")

// ErrInvalidKey is returned for a key that is not slash-separated segments
// of letters, digits, '.', '_' and '-' (no empty, "." or ".." segment).
var ErrInvalidKey = errors.New("storage: invalid key")

var segment = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

func checkKey(key string) error {
	if len(key) > 512 {
		return fmt.Errorf("%w: %.40q...", ErrInvalidKey, key)
	}
	for s := range strings.SplitSeq(key, "/") {
		if !segment.MatchString(s) || s == "." || s == ".." {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
	}
	return nil
}

// Dir is a Store on a local directory: the object under "a/b/c" is the
// file <root>/a/b/c. Several instances may share it on a network file
// system.
type Dir struct {
	root string
}

// NewDir returns a Dir on root, creating the directory when missing.
func NewDir(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("storage: empty directory name")
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return &Dir{root: root}, nil
}

// Root is the directory the objects are in.
func (d *Dir) Root() string { return d.root }

func (d *Dir) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put writes r to a temporary file next to the object, syncs it and renames
// it into place, so readers never see half an object.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader) (err error) {
	path, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".put-*")
	if err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, contextReader{ctx, r}); err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("storage: put %s: %w", key, err)
	}
	return nil
}

// Open opens the object's file.
func (d *Dir) Open(_ context.Context, key string) (io.ReadCloser, error) {
	path, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", key, err)
	}
	return f, nil
}

// Delete removes the object's file.
func (d *Dir) Delete(_ context.Context, key string) error {
	path, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("storage: delete %s: %w", key, err)
	}
	return nil
}

// contextReader stops a long copy when its context ends.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
