package attachments_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net"
	"path/filepath"
	"testing"

	"github.com/civica/civica/internal/attachments"
	"github.com/civica/civica/internal/storage"
)

type bundle struct {
	files *storage.Dir
	rc    attachments.Receiver
}

// setup returns a Receiver on an empty directory, with no antivirus and
// the default limits.
func setup(t *testing.T) bundle {
	t.Helper()
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bundle{files: files, rc: attachments.Receiver{Files: files}}
}

// objects lists what the directory holds, temporary files included.
func (b bundle) objects(t *testing.T) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(b.files.Root(), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found = append(found, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func wantRefusal(t *testing.T, err error, code string) *attachments.Refusal {
	t.Helper()
	var r *attachments.Refusal
	if !errors.As(err, &r) || r.Code != code {
		t.Fatalf("error %v, want a Refusal %q", err, code)
	}
	return r
}

func TestReceive(t *testing.T) {
	t.Parallel()

	t.Run("StoresWithTypeSizeAndHash", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		file := sampleJPEG(t)
		got, err := b.rc.Receive(context.Background(), "apps/1/a", "../foto\x00.jpg", bytes.NewReader(file), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(file)
		want := attachments.Stored{Key: "apps/1/a", Name: "foto.jpg", ContentType: attachments.TypeJPEG, Size: int64(len(file)), SHA256: hex.EncodeToString(sum[:])}
		if got != want {
			t.Errorf("Stored = %+v, want %+v", got, want)
		}
		r, err := b.files.Open(context.Background(), "apps/1/a")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if back, _ := io.ReadAll(r); !bytes.Equal(back, file) {
			t.Error("the stored object differs from the file")
		}
	})

	t.Run("LargeFileHashedWhole", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		file := append(samplePDF(), bytes.Repeat([]byte("0123456789"), 500_000)...)
		got, err := b.rc.Receive(context.Background(), "k", "big.pdf", bytes.NewReader(file), []string{attachments.KindPDF}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(file); got.SHA256 != hex.EncodeToString(sum[:]) || got.Size != int64(len(file)) {
			t.Errorf("Stored = %+v, want %d bytes hashing to %x", got, len(file), sum)
		}
	})

	t.Run("DocumentKinds", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		for name, file := range map[string][]byte{"a.docx": sampleDOCX(t), "a.odt": sampleODF(t, "application/vnd.oasis.opendocument.text"), "a.pdf.p7m": sampleP7M()} {
			if _, err := b.rc.Receive(context.Background(), "k", name, bytes.NewReader(file), []string{attachments.KindDocument}, 0); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})

	for name, file := range map[string][]byte{"ExecutableNamedPDF": sampleEXE(), "TextNamedPDF": []byte("not a PDF at all\n")} {
		t.Run("CodeType/"+name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := b.rc.Receive(context.Background(), "k", "x.pdf", bytes.NewReader(file), nil, 0)
			if r := wantRefusal(t, err, attachments.CodeType); r.Name != "x.pdf" {
				t.Errorf("Refusal.Name = %q", r.Name)
			}
			if left := b.objects(t); len(left) != 0 {
				t.Errorf("left in storage: %q", left)
			}
		})
	}

	t.Run("CodeType/KindNotAccepted", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.rc.Receive(context.Background(), "k", "foto.png", bytes.NewReader(samplePNG(t)), []string{attachments.KindPDF}, 0)
		wantRefusal(t, err, attachments.CodeType)
	})

	t.Run("CodeEmpty", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		_, err := b.rc.Receive(context.Background(), "k", "vuoto.pdf", bytes.NewReader(nil), nil, 0)
		wantRefusal(t, err, attachments.CodeEmpty)
	})

	t.Run("CodeTooBig/StopsReadingAtTheLimit", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		r := &countingReader{r: io.MultiReader(bytes.NewReader(samplePDF()), zeros{}), max: 50 << 20}
		_, err := b.rc.Receive(context.Background(), "k", "huge.pdf", r, nil, 0)
		ref := wantRefusal(t, err, attachments.CodeTooBig)
		if ref.Limit != attachments.DefaultLimits.MaxFileSize {
			t.Errorf("Refusal.Limit = %d", ref.Limit)
		}
		if limit := attachments.DefaultLimits.MaxFileSize + 1 + attachments.HeadSize; r.n > limit {
			t.Errorf("read %d bytes of the file, more than %d", r.n, limit)
		}
		if left := b.objects(t); len(left) != 0 {
			t.Errorf("left in storage: %q", left)
		}
	})

	t.Run("CodeTooBig/AtTheLimitAccepted", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.rc.Limits = attachments.Limits{MaxFileSize: 1000, MaxTotalSize: 5000}
		file := append(samplePDF(), make([]byte, 1000-len(samplePDF()))...)
		if _, err := b.rc.Receive(context.Background(), "k", "a.pdf", bytes.NewReader(file), nil, 0); err != nil {
			t.Errorf("a file at the limit: %v", err)
		}
		_, err := b.rc.Receive(context.Background(), "k2", "a.pdf", bytes.NewReader(append(file, 0)), nil, 0)
		wantRefusal(t, err, attachments.CodeTooBig)
	})

	t.Run("CodeTotalTooBig", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		r := &countingReader{r: io.MultiReader(bytes.NewReader(samplePDF()), zeros{}), max: 6 << 20}
		_, err := b.rc.Receive(context.Background(), "k", "c.pdf", r, nil, 25<<20)
		if ref := wantRefusal(t, err, attachments.CodeTotalTooBig); ref.Limit != attachments.DefaultLimits.MaxTotalSize {
			t.Errorf("Refusal.Limit = %d", ref.Limit)
		}
		if limit := int64(5<<20) + 1 + attachments.HeadSize; r.n > limit {
			t.Errorf("read %d bytes of the file, more than %d", r.n, limit)
		}
		if left := b.objects(t); len(left) != 0 {
			t.Errorf("left in storage: %q", left)
		}
	})

	t.Run("CodeTotalTooBig/NothingLeft", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		r := &countingReader{r: bytes.NewReader(samplePDF())}
		_, err := b.rc.Receive(context.Background(), "k", "c.pdf", r, nil, 30<<20)
		wantRefusal(t, err, attachments.CodeTotalTooBig)
		if r.n != 0 {
			t.Errorf("read %d bytes of a file that could not fit", r.n)
		}
	})

	t.Run("CodeInfected", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.rc.Scanner = startClamd(t, fakeClamd{})
		file := append(samplePDF(), eicar()...)
		_, err := b.rc.Receive(context.Background(), "k", "virus.pdf", bytes.NewReader(file), nil, 0)
		wantRefusal(t, err, attachments.CodeInfected)
		if left := b.objects(t); len(left) != 0 {
			t.Errorf("left in storage: %q", left)
		}
	})

	t.Run("CleanWithClamd", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.rc.Scanner = startClamd(t, fakeClamd{})
		if _, err := b.rc.Receive(context.Background(), "k", "ok.pdf", bytes.NewReader(samplePDF()), nil, 0); err != nil {
			t.Fatal(err)
		}
		if left := b.objects(t); len(left) != 1 {
			t.Errorf("in storage: %q, want the file", left)
		}
	})

	t.Run("CodeScanUnavailable", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.rc.Scanner = attachments.Clamd{Address: listen(t, func(c net.Conn) { c.Close() })}
		_, err := b.rc.Receive(context.Background(), "k", "a.pdf", bytes.NewReader(samplePDF()), nil, 0)
		if ref := wantRefusal(t, err, attachments.CodeScanUnavailable); ref.Err == nil {
			t.Error("Refusal.Err does not say why")
		}
		if left := b.objects(t); len(left) != 0 {
			t.Errorf("left in storage: %q", left)
		}
	})

	t.Run("CancelledIsNoRefusal", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := b.rc.Receive(ctx, "k", "a.pdf", bytes.NewReader(samplePDF()), nil, 0)
		var ref *attachments.Refusal
		if !errors.Is(err, context.Canceled) || errors.As(err, &ref) {
			t.Errorf("error %v, want context.Canceled and no Refusal", err)
		}
		if left := b.objects(t); len(left) != 0 {
			t.Errorf("left in storage: %q", left)
		}
	})

	t.Run("NoScanReadsNothingBack", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		opens := &countingOpens{Store: b.files}
		b.rc.Files = opens
		if _, err := b.rc.Receive(context.Background(), "k", "a.pdf", bytes.NewReader(samplePDF()), nil, 0); err != nil {
			t.Fatal(err)
		}
		if opens.n != 0 {
			t.Errorf("opened the object %d times", opens.n)
		}
	})
}

// countingReader counts the bytes read from r, and ends after max when
// max is set.
type countingReader struct {
	r      io.Reader
	n, max int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.max > 0 {
		if c.n >= c.max {
			return 0, io.EOF
		}
		if rest := c.max - c.n; int64(len(p)) > rest {
			p = p[:rest]
		}
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type countingOpens struct {
	storage.Store
	n int
}

func (c *countingOpens) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	c.n++
	return c.Store.Open(ctx, key)
}
