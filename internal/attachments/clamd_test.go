package attachments_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civica/civica/internal/attachments"
)

// fakeClamd answers the INSTREAM and PING commands as clamd does. It finds
// the EICAR test file anywhere in a stream, and refuses streams longer
// than maxStream with clamd's words; with drain it then reads the rest of
// the stream before closing, as a slow clamd might, else it hangs up.
type fakeClamd struct {
	maxStream int
	drain     bool
}

func (c fakeClamd) serve(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	cmd, err := br.ReadString(0)
	if err != nil {
		return
	}
	switch cmd {
	case "zPING\x00":
		io.WriteString(conn, "PONG\x00")
		return
	case "zINSTREAM\x00":
	default:
		io.WriteString(conn, "UNKNOWN COMMAND\x00")
		return
	}
	var stream bytes.Buffer
	for {
		var n uint32
		if err := binary.Read(br, binary.BigEndian, &n); err != nil {
			return
		}
		if n == 0 {
			break
		}
		if c.maxStream > 0 && stream.Len()+int(n) > c.maxStream {
			io.WriteString(conn, "INSTREAM size limit exceeded. ERROR\x00")
			if c.drain {
				io.Copy(io.Discard, br)
			}
			return
		}
		if _, err := io.CopyN(&stream, br, int64(n)); err != nil {
			return
		}
	}
	if bytes.Contains(stream.Bytes(), eicar()) {
		io.WriteString(conn, "stream: Eicar-Test-Signature FOUND\x00")
		return
	}
	io.WriteString(conn, "stream: OK\x00")
}

// listen serves each connection to a loopback TCP address with serve, and
// returns the address.
func listen(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go serve(conn)
		}
	}()
	return l.Addr().String()
}

func startClamd(t *testing.T, c fakeClamd) attachments.Clamd {
	return attachments.Clamd{Address: listen(t, c.serve), Timeout: 5 * time.Second}
}

func TestClamd_Clean(t *testing.T) {
	t.Parallel()
	clamd := startClamd(t, fakeClamd{})
	// Several chunks, to see them put back together.
	v, err := clamd.Scan(context.Background(), bytes.NewReader(bytes.Repeat(samplePDF(), 2000)))
	if err != nil {
		t.Fatal(err)
	}
	if !v.Clean {
		t.Errorf("Verdict = %+v, want clean", v)
	}
}

func TestClamd_Found(t *testing.T) {
	t.Parallel()
	clamd := startClamd(t, fakeClamd{})
	// The test string across the boundary of two chunks.
	file := append(bytes.Repeat([]byte{' '}, 64<<10-10), eicar()...)
	v, err := clamd.Scan(context.Background(), bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if v.Clean || v.Signature != "Eicar-Test-Signature" {
		t.Errorf("Verdict = %+v, want Eicar-Test-Signature found", v)
	}
}

func TestClamd_EmptyStream(t *testing.T) {
	t.Parallel()
	v, err := startClamd(t, fakeClamd{}).Scan(context.Background(), strings.NewReader(""))
	if err != nil || !v.Clean {
		t.Errorf("Scan of nothing = %+v, %v", v, err)
	}
}

func TestClamd_StreamMaxLength(t *testing.T) {
	t.Parallel()
	clamd := startClamd(t, fakeClamd{maxStream: 100 << 10, drain: true})
	_, err := clamd.Scan(context.Background(), bytes.NewReader(make([]byte, 1<<20)))
	if !errors.Is(err, attachments.ErrScanTooLarge) {
		t.Errorf("Scan: %v, want ErrScanTooLarge", err)
	}
}

func TestClamd_StreamMaxLengthThenHangUp(t *testing.T) {
	t.Parallel()
	clamd := startClamd(t, fakeClamd{maxStream: 100 << 10})
	// The answer may or may not be read before the connection breaks; it
	// is an error either way, never a verdict.
	if v, err := clamd.Scan(context.Background(), bytes.NewReader(make([]byte, 4<<20))); err == nil {
		t.Errorf("Scan = %+v, want an error", v)
	}
}

func TestClamd_ConnectionClosed(t *testing.T) {
	t.Parallel()
	clamd := attachments.Clamd{Address: listen(t, func(c net.Conn) { c.Close() })}
	if v, err := clamd.Scan(context.Background(), bytes.NewReader(samplePDF())); err == nil {
		t.Errorf("Scan = %+v, want an error", v)
	}
}

func TestClamd_NotListening(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	if _, err := (attachments.Clamd{Address: addr}).Scan(context.Background(), bytes.NewReader(samplePDF())); err == nil {
		t.Error("Scan with no clamd succeeded")
	}
}

func TestClamd_Timeout(t *testing.T) {
	t.Parallel()
	silent := func(c net.Conn) {
		defer c.Close()
		io.Copy(io.Discard, c) // reads everything, never answers
	}
	clamd := attachments.Clamd{Address: listen(t, silent), Timeout: 200 * time.Millisecond}
	start := time.Now()
	if _, err := clamd.Scan(context.Background(), bytes.NewReader(samplePDF())); err == nil {
		t.Error("Scan with a silent clamd succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Scan took %v with a 200ms timeout", d)
	}
}

func TestClamd_ContextCancelled(t *testing.T) {
	t.Parallel()
	silent := func(c net.Conn) {
		defer c.Close()
		io.Copy(io.Discard, c)
	}
	clamd := attachments.Clamd{Address: listen(t, silent)}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := clamd.Scan(ctx, bytes.NewReader(samplePDF())); !errors.Is(err, context.Canceled) {
		t.Errorf("Scan: %v, want context.Canceled", err)
	}
}

func TestClamd_UnixSocket(t *testing.T) {
	t.Parallel()
	// Not t.TempDir(): a socket's path must be short.
	dir, err := os.MkdirTemp("", "clamd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "clamd.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go fakeClamd{}.serve(conn)
		}
	}()
	v, err := attachments.Clamd{Address: path}.Scan(context.Background(), bytes.NewReader(eicar()))
	if err != nil {
		t.Fatal(err)
	}
	if v.Clean {
		t.Error("EICAR found clean")
	}
}

func TestClamd_Ping(t *testing.T) {
	t.Parallel()
	if err := startClamd(t, fakeClamd{}).Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	notClamd := attachments.Clamd{Address: listen(t, func(c net.Conn) { io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n\r\n"); c.Close() })}
	if err := notClamd.Ping(context.Background()); err == nil {
		t.Error("Ping of something that is not clamd succeeded")
	}
}
