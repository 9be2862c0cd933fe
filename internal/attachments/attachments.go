// Package attachments receives the files people attach to their
// applications ("allegati"): it checks each one by its content, its size and
// an antivirus, and streams it into storage without holding it in memory,
// recording its SHA-256.
//
// A Receiver does the work; what it refuses comes back as a *Refusal whose
// Code the web layer words for the person. Which kinds of file a form field
// accepts is said with the Kind constants. Where files are kept is
// internal/storage's business; which application a file belongs to, and
// which tenant, is the caller's: nothing here knows about either, nor about
// HTTP (the handler bounds the request body with http.MaxBytesReader).
package attachments

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/civica/civica/internal/storage"
)

// Limits bound the size of attachments, in bytes.
type Limits struct {
	MaxFileSize  int64 // each file
	MaxTotalSize int64 // all the files of one application
}

// DefaultLimits are the limits when none are configured.
var DefaultLimits = Limits{MaxFileSize: 10 << 20, MaxTotalSize: 30 << 20}

// Stored is a file received and kept.
type Stored struct {
	Key         string // in storage
	Name        string // for showing, cleaned by CleanName
	ContentType string // detected from the content
	Size        int64
	SHA256      string // hex
}

// Codes of Refusal.
const (
	CodeEmpty           = "empty"            // nothing in the file
	CodeType            = "type"             // content of a kind the field does not accept
	CodeTooBig          = "too_big"          // over Limits.MaxFileSize
	CodeTotalTooBig     = "total_too_big"    // the application's files together over Limits.MaxTotalSize
	CodeInfected        = "infected"         // the antivirus found malware
	CodeScanUnavailable = "scan_unavailable" // the antivirus could not scan it: try again later
)

// Refusal is a file not accepted, for a reason the person can act on.
//
// CodeScanUnavailable means that the antivirus could not be reached or could
// not scan the file: the file is refused rather than kept unscanned, and
// the person should try again later; Err says why, for the log.
type Refusal struct {
	Code  string
	Name  string // the file's name, cleaned
	Limit int64  // the limit crossed, in bytes, for CodeTooBig and CodeTotalTooBig
	Err   error  // for CodeInfected and CodeScanUnavailable: what the scanner said; never to be shown
}

func (r *Refusal) Error() string {
	msg := "attachments: " + r.Name + " refused: " + r.Code
	if r.Err != nil {
		msg += ": " + r.Err.Error()
	}
	return msg
}

func (r *Refusal) Unwrap() error { return r.Err }

// Receiver checks and stores attachments.
type Receiver struct {
	Files   storage.Store
	Scanner Scanner // nil is NoScan
	Limits  Limits  // a zero field takes DefaultLimits' value
}

// Receive reads a file from r and keeps it in storage under key, the key
// chosen by the caller, if it is acceptable: of one of the kinds (none
// means PDF and images) judging by its content, within the limits given
// the alreadyStored bytes of the application's other files, and clean.
//
// Receive stops reading as soon as the file has crossed a limit, reading
// at most HeadSize bytes past it. A file it refuses comes back as a
// *Refusal, other errors are failures to read or to store (r may end with
// an *http.MaxBytesError); either way nothing is left under key.
func (rc Receiver) Receive(ctx context.Context, key, name string, r io.Reader, kinds []string, alreadyStored int64) (Stored, error) {
	name = CleanName(name)
	limits := rc.limits()
	limit, over := limits.MaxFileSize, &Refusal{Code: CodeTooBig, Name: name, Limit: limits.MaxFileSize}
	if rest := limits.MaxTotalSize - alreadyStored; rest < limit {
		limit, over = rest, &Refusal{Code: CodeTotalTooBig, Name: name, Limit: limits.MaxTotalSize}
	}
	if limit <= 0 {
		return Stored{}, over
	}

	br := bufio.NewReaderSize(r, HeadSize)
	head, err := br.Peek(HeadSize)
	if err != nil && !errors.Is(err, io.EOF) {
		return Stored{}, fmt.Errorf("attachments: receive %s: %w", name, err)
	}
	if len(head) == 0 {
		return Stored{}, &Refusal{Code: CodeEmpty, Name: name}
	}
	ctype := Detect(head)
	if !slices.Contains(ContentTypes(kinds), ctype) {
		return Stored{}, &Refusal{Code: CodeType, Name: name}
	}

	counted := &limitedReader{r: br, max: limit}
	h := sha256.New()
	if err := rc.Files.Put(ctx, key, io.TeeReader(counted, h)); err != nil {
		if counted.crossed {
			return Stored{}, over
		}
		return Stored{}, fmt.Errorf("attachments: receive %s: %w", name, err)
	}
	if err := rc.scan(ctx, key, name); err != nil {
		if derr := rc.Files.Delete(context.WithoutCancel(ctx), key); derr != nil {
			err = errors.Join(err, fmt.Errorf("attachments: removing refused %s: %w", key, derr))
		}
		return Stored{}, err
	}
	return Stored{Key: key, Name: name, ContentType: ctype, Size: counted.n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func (rc Receiver) limits() Limits {
	l := rc.Limits
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = DefaultLimits.MaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultLimits.MaxTotalSize
	}
	return l
}

// scan has the stored object scanned, as it will be read later.
func (rc Receiver) scan(ctx context.Context, key, name string) error {
	scanner := rc.Scanner
	if scanner == nil {
		scanner = NoScan{}
	}
	obj := &lazyObject{ctx: ctx, files: rc.Files, key: key}
	defer obj.Close()
	verdict, err := scanner.Scan(ctx, obj)
	switch {
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("attachments: scanning %s: %w", name, ctx.Err())
	case err != nil:
		return &Refusal{Code: CodeScanUnavailable, Name: name, Err: err}
	case !verdict.Clean:
		return &Refusal{Code: CodeInfected, Name: name, Err: fmt.Errorf("found %s", verdict.Signature)}
	}
	return nil
}

// errOverLimit stops a Put; Receive turns it into a Refusal.
var errOverLimit = errors.New("attachments: file over the size limit")

// limitedReader counts what it reads and fails as soon as more than max
// bytes have come.
type limitedReader struct {
	r       io.Reader
	max, n  int64
	crossed bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.crossed {
		return 0, errOverLimit
	}
	// One byte more than allowed tells a file at the limit from one over it.
	if rest := l.max + 1 - l.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		l.crossed = true
		return 0, errOverLimit
	}
	return n, err
}

// lazyObject opens a stored object on the first Read, so that a Scanner
// that reads nothing costs no request to storage.
type lazyObject struct {
	ctx   context.Context
	files storage.Store
	key   string
	rc    io.ReadCloser
	err   error
}

func (o *lazyObject) Read(p []byte) (int, error) {
	if o.rc == nil && o.err == nil {
		o.rc, o.err = o.files.Open(o.ctx, o.key)
	}
	if o.err != nil {
		return 0, o.err
	}
	return o.rc.Read(p)
}

func (o *lazyObject) Close() error {
	if o.rc == nil {
		return nil
	}
	return o.rc.Close()
}
