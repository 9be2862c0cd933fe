package main

import (
	"bufio"
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// mailSink is an SMTP server on a loopback port that counts what it
// receives: per recipient, and per recipient the distinct Message-IDs. The
// campaign benchmark delivers to it, and the campaign kill test reads it to
// prove every recipient got their message once.
type mailSink struct {
	Addr string
	srv  *gosmtp.Server

	mu      sync.Mutex
	total   int
	perRcpt map[string]int
	ids     map[string]map[string]bool // recipient → Message-IDs
	last    time.Time
}

func startMailSink() (*mailSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &mailSink{Addr: ln.Addr().String(), perRcpt: map[string]int{}, ids: map[string]map[string]bool{}}
	s.srv = gosmtp.NewServer(s)
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 30*time.Second, 30*time.Second
	s.srv.MaxRecipients = 10
	go s.srv.Serve(ln)
	return s, nil
}

func (s *mailSink) Close() { s.srv.Close() }

// Counts: messages received, distinct recipients, recipients with more
// than one distinct Message-ID, and when the last message arrived.
func (s *mailSink) Counts() (total, recipients, duplicated int, last time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ids := range s.ids {
		if len(ids) > 1 {
			duplicated++
		}
	}
	return s.total, len(s.perRcpt), duplicated, s.last
}

// Received is how many messages came for rcpt.
func (s *mailSink) Received(rcpt string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perRcpt[rcpt]
}

func (s *mailSink) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	return &mailSinkSession{sink: s}, nil
}

type mailSinkSession struct {
	sink *mailSink
	to   []string
}

func (ss *mailSinkSession) Mail(string, *gosmtp.MailOptions) error { return nil }

func (ss *mailSinkSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.to = append(ss.to, strings.ToLower(to))
	return nil
}

func (ss *mailSinkSession) Data(r io.Reader) error {
	br := bufio.NewReader(r)
	h, err := textproto.NewReader(br).ReadMIMEHeader()
	if err != nil {
		return err
	}
	id := h.Get("Message-Id")
	if _, err := io.Copy(io.Discard, br); err != nil {
		return err
	}
	s := ss.sink
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, to := range ss.to {
		s.total++
		s.perRcpt[to]++
		if s.ids[to] == nil {
			s.ids[to] = map[string]bool{}
		}
		s.ids[to][id] = true
	}
	s.last = time.Now()
	return nil
}

func (ss *mailSinkSession) Reset()        { ss.to = nil }
func (ss *mailSinkSession) Logout() error { return nil }
