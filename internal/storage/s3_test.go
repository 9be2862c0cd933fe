package storage_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/civica/civica/internal/storage"
)

const testBucket = "civica-test"

// fakeS3 serves an in-memory S3-compatible service with one empty bucket
// on loopback, and returns its backend and the configuration to reach it.
// Each request goes through middleware first, when given.
func fakeS3(t *testing.T, middleware ...func(http.Handler) http.Handler) (*s3mem.Backend, storage.S3Config) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(testBucket); err != nil {
		t.Fatal(err)
	}
	h := decodeChunkedParts(gofakes3.New(backend).Server())
	for _, m := range middleware {
		h = m(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return backend, storage.S3Config{
		Endpoint:  strings.TrimPrefix(srv.URL, "http://"),
		Region:    "us-east-1",
		Bucket:    testBucket,
		AccessKey: "civica",
		SecretKey: "civica-secret",
		TempDir:   t.TempDir(),
	}
}

func newS3(t *testing.T, cfg storage.S3Config) *storage.S3 {
	t.Helper()
	s, err := storage.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestS3(t *testing.T) {
	t.Parallel()
	testStore(t, func(t *testing.T) storage.Store {
		_, cfg := fakeS3(t)
		return newS3(t, cfg)
	})
}

// decodeChunkedParts works around gofakes3 storing the parts of a
// multipart upload still in aws-chunked encoding (it decodes only whole
// objects): it decodes them itself before passing them on, as S3 does.
func decodeChunkedParts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut || !r.URL.Query().Has("partNumber") ||
			r.Header.Get("X-Amz-Content-Sha256") != "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" {
			next.ServeHTTP(w, r)
			return
		}
		body, err := decodeAWSChunked(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		r.Header.Del("X-Amz-Content-Sha256")
		next.ServeHTTP(w, r)
	})
}

// decodeAWSChunked reads "<hex size>;chunk-signature=<sig>\r\n<data>\r\n"
// chunks up to the empty one.
func decodeAWSChunked(r io.Reader) ([]byte, error) {
	br := bufio.NewReader(r)
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseInt(size, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("chunk header %q: %w", line, err)
		}
		if n == 0 {
			return out.Bytes(), nil
		}
		if _, err := io.CopyN(&out, br, n); err != nil {
			return nil, err
		}
		if _, err := br.Discard(2); err != nil {
			return nil, err
		}
	}
}

func TestS3_FailedPartAbortsTheUpload(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		aborted bool
	)
	failSecondPart := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if r.Method == http.MethodPut && q.Get("partNumber") == "2" {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, "<Error><Code>InvalidArgument</Code><Message>part refused by the test</Message></Error>")
				return
			}
			if r.Method == http.MethodDelete && q.Has("uploadId") {
				mu.Lock()
				aborted = true
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}
	backend, cfg := fakeS3(t, failSecondPart)
	s := newS3(t, cfg)
	if err := s.Put(context.Background(), "large", bytes.NewReader(make([]byte, 17<<20))); err == nil {
		t.Fatal("Put succeeded though a part was refused")
	}
	mu.Lock()
	defer mu.Unlock()
	if !aborted {
		t.Error("the multipart upload was not aborted")
	}
	if _, err := backend.HeadObject(testBucket, "large"); err == nil {
		t.Error("an object was stored though a part was refused")
	}
}

func TestS3_PrefixesKeys(t *testing.T) {
	t.Parallel()
	backend, cfg := fakeS3(t)
	cfg.Prefix = "/tenant-files/"
	s := newS3(t, cfg)
	if err := s.Put(context.Background(), "a/b", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.HeadObject(testBucket, "tenant-files/a/b"); err != nil {
		t.Errorf("object not under the prefix: %v", err)
	}
	if got := readObject(t, s, "a/b"); got != "x" {
		t.Errorf("read back %q", got)
	}
}

func TestS3_FailedPutSendsNothing(t *testing.T) {
	t.Parallel()
	backend, cfg := fakeS3(t)
	s := newS3(t, cfg)
	if err := s.Put(context.Background(), "x/z", readerThatFailsAfter("partial")); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	list, err := backend.ListBucket(testBucket, nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 0 {
		t.Errorf("bucket holds %d object(s) after a failed Put", len(list.Contents))
	}
}

func readerThatFailsAfter(s string) *failAfter { return &failAfter{s: s} }

type failAfter struct{ s string }

func (f *failAfter) Read(p []byte) (int, error) {
	if f.s == "" {
		return failingReader{}.Read(p)
	}
	n := copy(p, f.s)
	f.s = f.s[n:]
	return n, nil
}

func TestNewS3_MissingBucket(t *testing.T) {
	t.Parallel()
	_, cfg := fakeS3(t)
	cfg.Bucket = "no-such-bucket"
	if _, err := storage.NewS3(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("NewS3 on a missing bucket: %v, want a 'does not exist' error", err)
	}
}

func TestNewS3_RefusesSchemeInEndpoint(t *testing.T) {
	t.Parallel()
	_, cfg := fakeS3(t)
	cfg.Endpoint = "http://" + cfg.Endpoint
	if _, err := storage.NewS3(context.Background(), cfg); err == nil {
		t.Error("NewS3 accepted an endpoint with a scheme")
	}
}

func TestNewS3_RefusesInvalidPrefix(t *testing.T) {
	t.Parallel()
	_, cfg := fakeS3(t)
	cfg.Prefix = "a/../b"
	if _, err := storage.NewS3(context.Background(), cfg); err == nil {
		t.Error("NewS3 accepted a prefix with '..'")
	}
}
