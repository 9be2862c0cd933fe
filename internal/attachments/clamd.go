package attachments

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Clamd is a Scanner that sends files to a ClamAV daemon with its INSTREAM
// command, over TCP or a unix socket.
type Clamd struct {
	// Network is "tcp" or "unix"; "" is "unix" for an Address starting
	// with '/' and "tcp" otherwise.
	Network string
	Address string // "clamav:3310", "/run/clamav/clamd.ctl"
	// Timeout bounds a whole scan, connection included; 0 is one minute.
	Timeout time.Duration
}

// ErrScanTooLarge is returned when clamd refuses a file longer than its
// StreamMaxLength (clamd.conf; 25 MB by default): that setting must be
// at least the largest file accepted.
var ErrScanTooLarge = errors.New("attachments: clamd: INSTREAM size limit exceeded (raise StreamMaxLength in clamd.conf)")

// chunkSize is the length of the chunks sent to clamd.
const chunkSize = 64 << 10

// Scan streams r to clamd and returns its verdict.
func (c Clamd) Scan(ctx context.Context, r io.Reader) (Verdict, error) {
	conn, err := c.dial(ctx)
	if err != nil {
		return Verdict{}, err
	}
	defer conn.Close()

	if _, err := io.WriteString(conn, "zINSTREAM\x00"); err != nil {
		return Verdict{}, c.fail(ctx, err)
	}
	buf := make([]byte, 4+chunkSize)
	for {
		n, rerr := io.ReadFull(r, buf[4:])
		if n > 0 {
			binary.BigEndian.PutUint32(buf, uint32(n))
			if _, err := conn.Write(buf[:4+n]); err != nil {
				// clamd stops reading and answers when a stream is too
				// long: its answer says more than the broken pipe.
				if reply, rerr := readReply(conn); rerr == nil {
					return parseReply(reply)
				}
				return Verdict{}, c.fail(ctx, err)
			}
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return Verdict{}, fmt.Errorf("attachments: clamd: reading the file: %w", rerr)
		}
	}
	if _, err := conn.Write([]byte{0, 0, 0, 0}); err != nil {
		return Verdict{}, c.fail(ctx, err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return Verdict{}, c.fail(ctx, err)
	}
	return parseReply(reply)
}

// Ping checks that clamd answers, for a readiness check at start-up.
func (c Clamd) Ping(ctx context.Context) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "zPING\x00"); err != nil {
		return c.fail(ctx, err)
	}
	reply, err := readReply(conn)
	if err != nil {
		return c.fail(ctx, err)
	}
	if reply != "PONG" {
		return fmt.Errorf("attachments: clamd: PING answered %q", reply)
	}
	return nil
}

// dial connects to clamd, with a deadline from Timeout and ctx on the
// connection; ending ctx ends the connection's use.
func (c Clamd) dial(ctx context.Context) (net.Conn, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	network := c.Network
	if network == "" {
		network = "tcp"
		if strings.HasPrefix(c.Address, "/") {
			network = "unix"
		}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, c.Address)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("attachments: clamd: %w", err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	return &clamdConn{Conn: conn, done: func() { stop(); cancel() }}, nil
}

// fail explains an error on the connection, which may be ctx's ending.
func (c Clamd) fail(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("attachments: clamd: %w", ctx.Err())
	}
	return fmt.Errorf("attachments: clamd %s: %w", c.Address, err)
}

type clamdConn struct {
	net.Conn
	done func()
}

func (c *clamdConn) Close() error {
	c.done()
	return c.Conn.Close()
}

// readReply reads clamd's answer to a "z" command, up to its NUL.
func readReply(conn net.Conn) (string, error) {
	reply, err := bufio.NewReader(io.LimitReader(conn, 4<<10)).ReadString(0)
	if err != nil && (reply == "" || !errors.Is(err, io.EOF)) {
		if errors.Is(err, io.EOF) {
			return "", errors.New("connection closed without an answer")
		}
		return "", err
	}
	return strings.TrimRight(reply, "\x00\n"), nil
}

// parseReply reads "stream: OK", "stream: <signature> FOUND" or
// "<problem> ERROR".
func parseReply(reply string) (Verdict, error) {
	switch {
	case reply == "stream: OK":
		return Verdict{Clean: true}, nil
	case strings.HasPrefix(reply, "stream: ") && strings.HasSuffix(reply, " FOUND"):
		return Verdict{Signature: strings.TrimSuffix(strings.TrimPrefix(reply, "stream: "), " FOUND")}, nil
	case strings.Contains(reply, "size limit exceeded"):
		return Verdict{}, ErrScanTooLarge
	}
	return Verdict{}, fmt.Errorf("attachments: clamd answered %q", reply)
}
