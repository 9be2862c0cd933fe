package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/civica/civica/internal/attachments"
)

// Limits on a report's files.
const (
	MaxFiles     = 3
	MaxFileSize  = 5 << 20  // bytes, each
	MaxTotalSize = 10 << 20 // bytes, together
)

// contentTypes are the files a report accepts, as attachments.Detect names
// them: photos and PDF documents.
var contentTypes = attachments.ContentTypes([]string{attachments.KindImage, attachments.KindPDF})

// Upload is a file received for a report and accepted, waiting in a
// temporary file until the report is stored.
type Upload struct {
	Name        string // as the person's device called it, for showing
	ContentType string // detected from the content, never from the name
	Size        int64
	SHA256      string // hex
	path        string // the temporary file
}

// Uploads receives a report's files one at a time, as they arrive, and
// keeps those it accepts in temporary files. Call Discard when the request
// is over, whatever happened: the files have then been copied to storage,
// or are not wanted.
type Uploads struct {
	// Dir is where temporary files go; "" is os.TempDir().
	Dir   string
	files []Upload
	total int64
}

// Receive reads one file from r, checking its type from its first 512 bytes
// and its size as it is copied, hashing it on the way. A file it refuses
// leaves nothing behind and comes back as a *FieldError on FieldFiles; any
// other error is a failure to read or write (r may end with a
// *http.MaxBytesError when the request was cut short).
func (u *Uploads) Receive(name string, r io.Reader) error {
	name = cleanName(name, len(u.files)+1)
	refuse := func(code string) error { return &FieldError{Field: FieldFiles, Code: code, File: name} }
	if len(u.files) >= MaxFiles {
		return refuse(CodeTooMany)
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("receive %s: %w", name, err)
	}
	head = head[:n]
	if n == 0 {
		return refuse(CodeEmpty)
	}
	ctype := attachments.Detect(head)
	if !slices.Contains(contentTypes, ctype) {
		return refuse(CodeType)
	}

	f, err := os.CreateTemp(u.Dir, "civica-upload-*")
	if err != nil {
		return fmt.Errorf("receive %s: %w", name, err)
	}
	keep := false
	defer func() {
		if !keep {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	w := io.MultiWriter(f, h)
	if _, err := w.Write(head); err != nil {
		return fmt.Errorf("receive %s: %w", name, err)
	}
	// One byte more than allowed tells a file at the limit from one over it.
	copied, err := io.Copy(w, io.LimitReader(r, MaxFileSize-int64(n)+1))
	if err != nil {
		return fmt.Errorf("receive %s: %w", name, err)
	}
	size := int64(n) + copied
	switch {
	case size > MaxFileSize:
		return refuse(CodeTooBig)
	case u.total+size > MaxTotalSize:
		return refuse(CodeTotalTooBig)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("receive %s: %w", name, err)
	}
	keep = true
	u.total += size
	u.files = append(u.files, Upload{Name: name, ContentType: ctype, Size: size, SHA256: hex.EncodeToString(h.Sum(nil)), path: f.Name()})
	return nil
}

// Files are the files accepted so far, in the order they came.
func (u *Uploads) Files() []Upload { return u.files }

// Discard removes the temporary files.
func (u *Uploads) Discard() {
	for _, f := range u.files {
		os.Remove(f.path)
	}
	u.files, u.total = nil, 0
}

// open reads the upload's temporary file.
func (f Upload) open() (*os.File, error) { return os.Open(f.path) }

// cleanName keeps a file's name fit to show, as attachments.CleanName
// does for every file people send; a report's unnamed files are numbered.
func cleanName(name string, n int) string {
	if strings.TrimSpace(name) == "" {
		return "allegato-" + strconv.Itoa(n)
	}
	return attachments.CleanName(name)
}
