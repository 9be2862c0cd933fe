package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"time"
)

// SMTPMailer sends email through an SMTP server (STARTTLS when offered, or
// TLS from the start on port 465; PLAIN auth when a user name is set). It
// is the email channel's Sender.
//
// Failures: a 5xx reply to MAIL, RCPT or DATA (no such mailbox, message
// refused) is permanent; a 4xx reply, a refused login, a lost connection
// or a timeout is temporary. Every exchange is bounded by Timeout, and
// the job's context cancels it.
type SMTPMailer struct {
	Addr     string // host:port
	Username string
	Password string
	From     string // "Rete civica <noreply@example.it>"
	Timeout  time.Duration
	// Conns, when set, keeps connections open between messages (RSET,
	// then the next message) instead of a connection, greeting, EHLO,
	// STARTTLS and login per message; nil opens one per message.
	Conns *SMTPConns
}

// SMTPConns are idle connections to one SMTP server, for SMTPMailer.
type SMTPConns struct {
	mu   sync.Mutex
	idle []*smtpConn
	max  int
}

// NewSMTPConns keeps up to max idle connections.
func NewSMTPConns(max int) *SMTPConns { return &SMTPConns{max: max} }

// smtpIdleFor is how long an idle connection is kept: servers close
// theirs after a few minutes of silence (RFC 5321 asks for 5).
const smtpIdleFor = 30 * time.Second

type smtpConn struct {
	conn  net.Conn
	c     *smtp.Client
	since time.Time
}

func (p *SMTPConns) get() *smtpConn {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 {
		sc := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if time.Since(sc.since) < smtpIdleFor {
			return sc
		}
		sc.c.Close()
	}
	return nil
}

// put keeps sc for the next message, or closes it.
func (p *SMTPConns) put(sc *smtpConn) {
	if p != nil {
		p.mu.Lock()
		if len(p.idle) < p.max {
			sc.since = time.Now()
			p.idle = append(p.idle, sc)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
	_ = sc.c.Quit()
	sc.c.Close()
}

// Send delivers m as a multipart message (plain text and HTML).
func (s SMTPMailer) Send(ctx context.Context, m Outgoing) (string, error) {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return "", PermanentError(fmt.Errorf("smtp address: %w", err))
	}
	fromAddr, err := mail.ParseAddress(s.From)
	if err != nil {
		return "", PermanentError(fmt.Errorf("smtp from %q: %w", s.From, err))
	}
	msg, id, err := composeEmail(fromAddr, m, time.Now())
	if err != nil {
		return "", PermanentError(err)
	}
	// A kept connection first; if the server has meanwhile dropped it,
	// nothing was sent on it and a new one is opened.
	if sc := s.Conns.get(); sc != nil {
		if err := sc.c.Reset(); err == nil {
			if id, err := s.sendOn(ctx, sc, timeout, fromAddr, m, msg, id); err == nil || !errors.Is(err, errStaleConn) {
				return id, err
			}
		} else {
			sc.c.Close()
		}
	}
	sc, err := s.dial(ctx, host, port, timeout)
	if err != nil {
		return "", err
	}
	id, err = s.sendOn(ctx, sc, timeout, fromAddr, m, msg, id)
	if errors.Is(err, errStaleConn) {
		err = errors.Unwrap(err)
	}
	return id, err
}

// errStaleConn marks a failure of MAIL FROM on a kept connection: the
// server may have closed it, so the message is tried on a new one.
var errStaleConn = errors.New("smtp: stale connection")

type staleConnError struct{ err error }

func (e staleConnError) Error() string        { return e.err.Error() }
func (e staleConnError) Unwrap() error        { return e.err }
func (e staleConnError) Is(target error) bool { return target == errStaleConn }

// dial opens a connection: TCP (TLS on 465), greeting, STARTTLS when
// offered, login when a user name is set.
func (s SMTPMailer) dial(ctx context.Context, host, port string, timeout time.Duration) (*smtpConn, error) {
	dialer := &net.Dialer{Timeout: timeout}
	var conn net.Conn
	var err error
	if port == "465" {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: &tls.Config{ServerName: host}}).DialContext(ctx, "tcp", s.Addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", s.Addr)
	}
	if err != nil {
		return nil, TemporaryError(fmt.Errorf("smtp connect: %w", err))
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return nil, classifySMTP("greeting", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && port != "465" {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			c.Close()
			return nil, TemporaryError(fmt.Errorf("smtp starttls: %w", err))
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			c.Close()
			// A refused login is the platform's to fix, not the message's
			// fault: retried, not given up.
			return nil, TemporaryError(fmt.Errorf("smtp auth: %w", err))
		}
	}
	return &smtpConn{conn: conn, c: c}, nil
}

// sendOn sends msg on sc, then keeps sc for the next message (Conns) or
// closes it. The connection is closed on any failure.
func (s SMTPMailer) sendOn(ctx context.Context, sc *smtpConn, timeout time.Duration, fromAddr *mail.Address, m Outgoing, msg []byte, id string) (string, error) {
	kept := !sc.since.IsZero()
	_ = sc.conn.SetDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { sc.conn.Close() })
	defer stop()
	c := sc.c
	fail := func(err error) (string, error) {
		c.Close()
		return "", err
	}
	if err := c.Mail(fromAddr.Address); err != nil {
		if kept {
			return fail(staleConnError{classifySMTP("from", err)})
		}
		return fail(classifySMTP("from", err))
	}
	if err := c.Rcpt(m.To); err != nil {
		return fail(classifySMTP("to", err))
	}
	w, err := c.Data()
	if err != nil {
		return fail(classifySMTP("data", err))
	}
	if _, err := w.Write(msg); err != nil {
		return fail(classifySMTP("data", err))
	}
	// The server takes the message only at the end of DATA: until then a
	// failure (or a crash) leaves it undelivered.
	if err := m.commit(ctx); err != nil {
		return fail(err)
	}
	if err := w.Close(); err != nil {
		return fail(classifySMTP("data", err))
	}
	// The message is accepted: what happens to the connection now
	// changes nothing.
	_ = sc.conn.SetDeadline(time.Time{})
	s.Conns.put(sc)
	return id, nil
}

// classifySMTP marks a 5xx reply permanent and everything else temporary.
func classifySMTP(stage string, err error) error {
	err = fmt.Errorf("smtp %s: %w", stage, err)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return PermanentError(err)
	}
	return TemporaryError(err)
}

// composeEmail writes m as a MIME message: multipart/alternative with a
// plain-text part and an accessible HTML part, both UTF-8 in
// quoted-printable. A non-transactional message (m.Unsubscribe set)
// carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058 one-click).
// It returns the message and its Message-ID, which is the same on every
// attempt (derived from m.Key).
func composeEmail(from *mail.Address, m Outgoing, now time.Time) ([]byte, string, error) {
	if _, err := mail.ParseAddress(m.To); err != nil {
		return nil, "", fmt.Errorf("email to %q: %w", m.To, err)
	}
	sender := *from
	if m.Comune != "" {
		sender.Name = m.Comune
	}
	domain := from.Address[strings.LastIndex(from.Address, "@")+1:]
	sum := sha256.Sum256([]byte(m.Key))
	id := "<" + hex.EncodeToString(sum[:16]) + "@" + domain + ">"

	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", sender.String())
	header("To", m.To)
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated")
	if m.Unsubscribe != "" {
		header("List-Unsubscribe", "<"+m.Unsubscribe+">")
		header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	} else {
		header("X-Auto-Response-Suppress", "All")
	}
	mp := multipart.NewWriter(&b)
	header("Content-Type", `multipart/alternative; boundary="`+mp.Boundary()+`"`)
	b.WriteString("\r\n")
	text := m.Body
	if m.Unsubscribe != "" {
		text += "\n\n" + m.UnsubscribeText + " " + m.Unsubscribe
	}
	for _, part := range []struct{ contentType, content string }{
		{"text/plain; charset=utf-8", text},
		{"text/html; charset=utf-8", emailHTML(m)},
	} {
		pw, err := mp.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.contentType},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, "", err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(crlf(part.content))); err != nil {
			return nil, "", err
		}
		if err := qp.Close(); err != nil {
			return nil, "", err
		}
	}
	if err := mp.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), id, nil
}

func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+[^\s<>".,;:!?)»]`)

// emailHTML is the HTML part: the language declared, a title, the subject
// as the one heading, a paragraph per paragraph of the text, addresses as
// links with their own text, no images or layout tables, text sized and
// coloured for contrast.
func emailHTML(m Outgoing) string {
	lang := m.Language
	if lang == "" {
		lang = "it"
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>` + "\n" + `<html lang="` + html.EscapeString(lang) + `">` + "\n<head>\n" +
		`<meta charset="utf-8">` + "\n" + `<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n" +
		"<title>" + html.EscapeString(m.Subject) + "</title>\n</head>\n" +
		`<body style="margin:0;padding:16px;font-family:'Titillium Web',Geneva,Tahoma,sans-serif;font-size:18px;line-height:1.5;color:#1a1a1a;background:#ffffff">` + "\n")
	if m.Comune != "" {
		b.WriteString(`<p style="margin:0 0 8px;font-size:16px;color:#1a1a1a">` + html.EscapeString(m.Comune) + "</p>\n")
	}
	b.WriteString(`<h1 style="font-size:24px;line-height:1.25;margin:0 0 16px">` + html.EscapeString(m.Subject) + "</h1>\n")
	for _, para := range strings.Split(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para == "" {
			continue
		}
		b.WriteString(`<p style="margin:0 0 16px">` + htmlParagraph(para) + "</p>\n")
	}
	if m.Unsubscribe != "" {
		b.WriteString(`<p style="margin:24px 0 0;font-size:16px"><a href="` + html.EscapeString(m.Unsubscribe) +
			`" style="color:#0059b3">` + html.EscapeString(m.UnsubscribeText) + "</a></p>\n")
	}
	b.WriteString("</body>\n</html>\n")
	return b.String()
}

// htmlParagraph escapes a paragraph, keeps its line breaks and turns its
// web addresses into links.
func htmlParagraph(p string) string {
	var b strings.Builder
	last := 0
	for _, loc := range linkPattern.FindAllStringIndex(p, -1) {
		b.WriteString(html.EscapeString(p[last:loc[0]]))
		u := html.EscapeString(p[loc[0]:loc[1]])
		b.WriteString(`<a href="` + u + `" style="color:#0059b3">` + u + "</a>")
		last = loc[1]
	}
	b.WriteString(html.EscapeString(p[last:]))
	return strings.ReplaceAll(b.String(), "\n", "<br>\n")
}
