package reports_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/png"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/civica/civica/internal/reports"
)

// PNG is a small PNG image.
func PNG(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// PDF is a small PDF document (as far as its first bytes tell).
const PDF = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

// setupUploads returns Uploads writing in a directory of the test's, and
// that directory, to see what is left behind.
func setupUploads(t *testing.T) (*reports.Uploads, string) {
	t.Helper()
	dir := t.TempDir()
	u := &reports.Uploads{Dir: dir}
	t.Cleanup(u.Discard)
	return u, dir
}

func filesIn(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func refusal(t *testing.T, err error) string {
	t.Helper()
	var fe *reports.FieldError
	if !errors.As(err, &fe) || fe.Field != reports.FieldFiles {
		t.Fatalf("got %v, want a FieldError on files", err)
	}
	return fe.Code
}

func TestReportUploads_AcceptsImagesAndPDFByContentWithTheirHash(t *testing.T) {
	t.Parallel()
	u, dir := setupUploads(t)
	img := PNG(t)
	if err := u.Receive("buca.png", bytes.NewReader(img)); err != nil {
		t.Fatal(err)
	}
	// The name says JPEG, the content is a PDF: the content counts.
	if err := u.Receive("C:\\Documenti\\verbale.jpg", strings.NewReader(PDF)); err != nil {
		t.Fatal(err)
	}
	if err := u.Receive("foto.jpeg", bytes.NewReader(append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 100)...))); err != nil {
		t.Fatal(err)
	}
	files := u.Files()
	if len(files) != 3 {
		t.Fatalf("%d files accepted, want 3", len(files))
	}
	sum := sha256.Sum256(img)
	if f := files[0]; f.Name != "buca.png" || f.ContentType != "image/png" || f.Size != int64(len(img)) || f.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("first file %+v", f)
	}
	if f := files[1]; f.Name != "verbale.jpg" || f.ContentType != "application/pdf" {
		t.Errorf("second file %+v: want its name without the path, and its type from its content", f)
	}
	if f := files[2]; f.ContentType != "image/jpeg" {
		t.Errorf("third file %+v", f)
	}
	if n := filesIn(t, dir); n != 3 {
		t.Errorf("%d temporary files, want 3", n)
	}
	u.Discard()
	if n := filesIn(t, dir); n != 0 {
		t.Errorf("%d temporary files left after Discard", n)
	}
}

func TestReportUploads_ErrTypeWhenTheContentIsNotAnImageOrPDF(t *testing.T) {
	t.Parallel()
	u, dir := setupUploads(t)
	for name, content := range map[string]string{
		"foto.png":   "this is plain text pretending to be a picture",
		"pagina.pdf": "<html><body>not a PDF</body></html>",
		"app.png":    "MZ\x90\x00\x03\x00\x00\x00",
	} {
		if code := refusal(t, u.Receive(name, strings.NewReader(content))); code != reports.CodeType {
			t.Errorf("%s: code %q, want %q", name, code, reports.CodeType)
		}
	}
	if code := refusal(t, u.Receive("vuoto.png", strings.NewReader(""))); code != reports.CodeEmpty {
		t.Errorf("empty file: code %q", code)
	}
	if len(u.Files()) != 0 || filesIn(t, dir) != 0 {
		t.Error("a refused file was kept")
	}
}

func TestReportUploads_ErrTooBigAtOneByteOverTheLimit(t *testing.T) {
	t.Parallel()
	u, dir := setupUploads(t)
	atLimit := io.MultiReader(bytes.NewReader(PNG(t)), bytes.NewReader(make([]byte, reports.MaxFileSize-len(PNG(t)))))
	if err := u.Receive("grande.png", atLimit); err != nil {
		t.Fatalf("a file of exactly %d bytes: %v", reports.MaxFileSize, err)
	}
	over := io.MultiReader(bytes.NewReader(PNG(t)), bytes.NewReader(make([]byte, reports.MaxFileSize-len(PNG(t))+1)))
	if code := refusal(t, u.Receive("troppo.png", over)); code != reports.CodeTooBig {
		t.Errorf("code %q, want %q", code, reports.CodeTooBig)
	}
	if len(u.Files()) != 1 || filesIn(t, dir) != 1 {
		t.Errorf("%d files accepted, %d on disk, want only the first", len(u.Files()), filesIn(t, dir))
	}
}

func TestReportUploads_ErrTotalTooBigAndErrTooMany(t *testing.T) {
	t.Parallel()
	u, dir := setupUploads(t)
	fourMB := func() io.Reader { return io.MultiReader(strings.NewReader(PDF), bytes.NewReader(make([]byte, 4<<20))) }
	for i := range 2 {
		if err := u.Receive("doc.pdf", fourMB()); err != nil {
			t.Fatalf("file %d: %v", i+1, err)
		}
	}
	if code := refusal(t, u.Receive("terzo.pdf", fourMB())); code != reports.CodeTotalTooBig {
		t.Errorf("third 4 MB file: code %q, want %q", code, reports.CodeTotalTooBig)
	}
	if err := u.Receive("piccolo.pdf", strings.NewReader(PDF)); err != nil {
		t.Fatalf("a small third file: %v", err)
	}
	if code := refusal(t, u.Receive("quarto.pdf", strings.NewReader(PDF))); code != reports.CodeTooMany {
		t.Errorf("fourth file: code %q, want %q", code, reports.CodeTooMany)
	}
	if len(u.Files()) != reports.MaxFiles || filesIn(t, dir) != reports.MaxFiles {
		t.Errorf("%d files accepted, %d on disk, want %d", len(u.Files()), filesIn(t, dir), reports.MaxFiles)
	}
}

func TestReportUploads_CleansNames(t *testing.T) {
	t.Parallel()
	u, _ := setupUploads(t)
	for _, name := range []string{"../../etc/passwd.pdf", "a\x00b\x1f.pdf", ""} {
		if err := u.Receive(name, strings.NewReader(PDF)); err != nil {
			t.Fatal(err)
		}
	}
	got := u.Files()
	if got[0].Name != "passwd.pdf" || got[1].Name != "ab.pdf" || got[2].Name != "allegato-3" {
		t.Errorf("names %q, %q, %q", got[0].Name, got[1].Name, got[2].Name)
	}
	long, _ := setupUploads(t)
	if err := long.Receive(strings.Repeat("é", 300)+".pdf", strings.NewReader(PDF)); err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(long.Files()[0].Name)); n != 200 {
		t.Errorf("a long name kept %d characters, want 200", n)
	}
}
