package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/civica/civica/internal/notify"
)

// smtpSink is a real SMTP server in the test process (emersion/go-smtp)
// that keeps what it receives, or refuses recipients on demand.
type smtpSink struct {
	Addr string
	mu   sync.Mutex
	got  []sunkMail
	// refuse answers RCPT TO for an address with an error, when set.
	refuse   map[string]*gosmtp.SMTPError
	sessions int
	srv      *gosmtp.Server
}

type sunkMail struct {
	From, To string
	Data     []byte
}

func startSMTP(t *testing.T) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{Addr: ln.Addr().String(), refuse: map[string]*gosmtp.SMTPError{}}
	srv := gosmtp.NewServer(s)
	s.srv = srv
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *smtpSink) NewSession(*gosmtp.Conn) (gosmtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &sinkSession{sink: s}, nil
}

// Sessions is how many connections the sink accepted.
func (s *smtpSink) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

func (s *smtpSink) Refuse(to string, code int, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse[to] = &gosmtp.SMTPError{Code: code, EnhancedCode: gosmtp.EnhancedCode{code / 100, 1, 1}, Message: msg}
}

func (s *smtpSink) Accept(to string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.refuse, to)
}

// Mails are the messages received for to.
func (s *smtpSink) Mails(to string) []sunkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sunkMail
	for _, m := range s.got {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

type sinkSession struct {
	sink     *smtpSink
	from, to string
}

func (ss *sinkSession) Mail(from string, _ *gosmtp.MailOptions) error { ss.from = from; return nil }
func (ss *sinkSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.sink.mu.Lock()
	defer ss.sink.mu.Unlock()
	if e := ss.sink.refuse[to]; e != nil {
		return e
	}
	ss.to = to
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.sink.mu.Lock()
	ss.sink.got = append(ss.sink.got, sunkMail{From: ss.from, To: ss.to, Data: b})
	ss.sink.mu.Unlock()
	return nil
}
func (ss *sinkSession) Reset()        {}
func (ss *sinkSession) Logout() error { return nil }

func mailer(addr string) notify.SMTPMailer {
	return notify.SMTPMailer{Addr: addr, From: "Rete civica <noreply@rete-civica.example>", Timeout: 2 * time.Second}
}

// parsedMail is a received mail taken apart.
type parsedMail struct {
	Header      mail.Header
	Text, HTML  string
	ContentType string
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	p := parsedMail{Header: m.Header}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	p.ContentType = mt
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part) // NextPart decodes quoted-printable
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			p.Text = string(b)
		case "text/html":
			p.HTML = string(b)
		}
	}
	return p
}

func TestSMTPMailer_TextAndHTMLWithListUnsubscribeOnlyForNews(t *testing.T) {
	t.Parallel()
	sink := startSMTP(t)
	m := mailer(sink.Addr)
	ctx := context.Background()
	transactional := notify.Outgoing{Channel: notify.ChannelEmail, To: "giulia@example.it", Subject: "Domanda PR-7KXQ4M2W inviata – è così",
		Body:     "Il Comune di Verdemare ha ricevuto la tua domanda <subito>.\n\nSegui la pratica: https://verdemare.example.it/area-personale/pratiche/PR-7KXQ4M2W",
		Language: "it", Comune: "Comune di Verdemare", Key: "application:1:1:email"}
	id, err := m.Send(ctx, transactional)
	if err != nil {
		t.Fatal(err)
	}
	news := transactional
	news.To, news.Key = "luca@example.it", "campaign:1:email"
	news.Unsubscribe, news.UnsubscribeText = "https://verdemare.example.it/disiscrizione/tok123", "Disiscriviti:"
	if _, err := m.Send(ctx, news); err != nil {
		t.Fatal(err)
	}

	got := sink.Mails("giulia@example.it")
	if len(got) != 1 {
		t.Fatalf("%d mails for giulia", len(got))
	}
	if got[0].From != "noreply@rete-civica.example" {
		t.Errorf("envelope from %q", got[0].From)
	}
	p := parseMail(t, got[0].Data)
	subject, _ := new(mime.WordDecoder).DecodeHeader(p.Header.Get("Subject"))
	if p.ContentType != "multipart/alternative" || subject != transactional.Subject || p.Header.Get("Message-ID") != id {
		t.Errorf("type %q subject %q message-id %q (sender said %q)", p.ContentType, subject, p.Header.Get("Message-ID"), id)
	}
	if from, _ := mail.ParseAddress(p.Header.Get("From")); from == nil || from.Name != "Comune di Verdemare" {
		t.Errorf("From: %q", p.Header.Get("From"))
	}
	if p.Header.Get("List-Unsubscribe") != "" || p.Header.Get("List-Unsubscribe-Post") != "" {
		t.Errorf("a transactional mail carries List-Unsubscribe %q", p.Header.Get("List-Unsubscribe"))
	}
	if !strings.Contains(p.Text, "ricevuto la tua domanda <subito>.\r\n\r\nSegui") {
		t.Errorf("text part %q", p.Text)
	}
	for _, want := range []string{`<html lang="it">`, "<title>Domanda PR-7KXQ4M2W inviata – è così</title>",
		"<h1", "&lt;subito&gt;", `<a href="https://verdemare.example.it/area-personale/pratiche/PR-7KXQ4M2W"`} {
		if !strings.Contains(p.HTML, want) {
			t.Errorf("html part lacks %q:\n%s", want, p.HTML)
		}
	}

	got = sink.Mails("luca@example.it")
	if len(got) != 1 {
		t.Fatalf("%d mails for luca", len(got))
	}
	p = parseMail(t, got[0].Data)
	if p.Header.Get("List-Unsubscribe") != "<https://verdemare.example.it/disiscrizione/tok123>" ||
		p.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("news: List-Unsubscribe %q, -Post %q", p.Header.Get("List-Unsubscribe"), p.Header.Get("List-Unsubscribe-Post"))
	}
	if !strings.Contains(p.Text, "Disiscriviti: https://verdemare.example.it/disiscrizione/tok123") ||
		!strings.Contains(p.HTML, `href="https://verdemare.example.it/disiscrizione/tok123"`) {
		t.Errorf("news: no unsubscribe link in the body:\n%s\n%s", p.Text, p.HTML)
	}
}

func TestSMTPMailer_RefusalsAndTimeoutsAreClassified(t *testing.T) {
	t.Parallel()
	sink := startSMTP(t)
	sink.Refuse("nobody@example.it", 550, "No such user")
	sink.Refuse("full@example.it", 452, "Mailbox full, try later")
	m := mailer(sink.Addr)
	ctx := context.Background()
	msg := notify.Outgoing{Channel: notify.ChannelEmail, Subject: "Oggetto", Body: "Testo", Key: "k"}

	msg.To = "nobody@example.it"
	if _, err := m.Send(ctx, msg); err == nil || !notify.Permanent(err) {
		t.Errorf("550: err = %v, want permanent", err)
	}
	msg.To = "full@example.it"
	if _, err := m.Send(ctx, msg); err == nil || notify.Permanent(err) {
		t.Errorf("452: err = %v, want temporary", err)
	}

	// A server that accepts the connection and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	silent := mailer(ln.Addr().String())
	silent.Timeout = 300 * time.Millisecond
	began := time.Now()
	msg.To = "giulia@example.it"
	if _, err := silent.Send(ctx, msg); err == nil || notify.Permanent(err) {
		t.Errorf("silent server: err = %v, want temporary", err)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("silent server: gave up after %s", took)
	}
	// The job's context ends the exchange too.
	silent.Timeout = time.Minute
	cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	began = time.Now()
	if _, err := silent.Send(cctx, msg); err == nil || time.Since(began) > 2*time.Second {
		t.Errorf("cancelled: err = %v after %s", err, time.Since(began))
	}
}

func startIO(t *testing.T) (*notify.IOSandbox, notify.IOClient) {
	t.Helper()
	sb := &notify.IOSandbox{Keys: []string{"key-verdemare"}}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, notify.IOClient{BaseURL: srv.URL + "/api/v1"}
}

func TestIOSandbox_EnforcesIOsRulesThroughTheRealClient(t *testing.T) {
	t.Parallel()
	sb, client := startIO(t)
	ctx := context.Background()
	const cf, blocked, unknown = "RSSMRA85T10H501O", "BNCGLI92C62F205U", "VRDLCU80A01H501X"
	sb.SetProfile(cf, notify.IOProfile{SenderAllowed: true})
	sb.SetProfile(blocked, notify.IOProfile{SenderAllowed: false})
	body := strings.Repeat("Il testo del messaggio per App IO. ", 3)

	if _, err := client.Profile(ctx, "wrong-key", cf); !notify.Permanent(err) {
		t.Errorf("wrong key: err = %v, want permanent", err)
	}
	if p, err := client.Profile(ctx, "key-verdemare", cf); err != nil || !p.SenderAllowed {
		t.Errorf("profile %+v %v", p, err)
	}
	if p, err := client.Profile(ctx, "key-verdemare", unknown); err != nil || p.SenderAllowed {
		t.Errorf("no IO profile: %+v %v, want not allowed", p, err)
	}
	for _, c := range []struct {
		name, cf, subject, body string
		ttl                     int
	}{
		{"subject too short", cf, "Domanda", body, 3600},
		{"subject too long", cf, strings.Repeat("x", 121), body, 3600},
		{"body too short", cf, "Domanda PR-1 inviata", "Breve.", 3600},
		{"ttl too short", cf, "Domanda PR-1 inviata", body, 60},
		{"ttl too long", cf, "Domanda PR-1 inviata", body, 604801},
		{"bad fiscal code", "RSSMRA85", "Domanda PR-1 inviata", body, 3600},
		{"sender not allowed", blocked, "Domanda PR-1 inviata", body, 3600},
		{"no profile", unknown, "Domanda PR-1 inviata", body, 3600},
	} {
		if _, err := client.Submit(ctx, "key-verdemare", c.cf, c.subject, c.body, c.ttl); err == nil || !notify.Permanent(err) {
			t.Errorf("%s: err = %v, want a permanent refusal", c.name, err)
		}
	}
	sb.FailNext(1, http.StatusTooManyRequests)
	if _, err := client.Submit(ctx, "key-verdemare", cf, "Domanda PR-1 inviata", body, 3600); err == nil || notify.Permanent(err) {
		t.Errorf("429: err = %v, want temporary", err)
	}
	id, err := client.Submit(ctx, "key-verdemare", cf, "Domanda PR-1 inviata", body, notify.IOTTL)
	if err != nil || id == "" {
		t.Fatalf("submit: %q %v", id, err)
	}
	got := sb.Messages()
	if len(got) != 1 || got[0].ID != id || got[0].FiscalCode != cf || got[0].Markdown != body || got[0].TimeToLive != notify.IOTTL {
		t.Errorf("recorded %+v", got)
	}

	// The sender checks the profile first: a citizen who does not allow
	// the comune is a permanent failure, and nothing is posted.
	sender := notify.IOSender{Client: client, Keys: map[string]string{"verdemare": "key-verdemare"}}
	_, err = sender.Send(ctx, notify.Outgoing{Channel: notify.ChannelIO, To: blocked, Subject: "Domanda PR-1 inviata", Body: body, ComuneSlug: "verdemare"})
	if !notify.Permanent(err) || !errors.Is(err, notify.ErrIOSenderNotAllowed) {
		t.Errorf("blocked: err = %v", err)
	}
	if _, err := sender.Send(ctx, notify.Outgoing{Channel: notify.ChannelIO, To: cf, Subject: "Domanda PR-1 inviata", Body: body, ComuneSlug: "roccasole"}); !errors.Is(err, notify.ErrChannelOff) {
		t.Errorf("a comune without a key: err = %v", err)
	}
	if len(sb.Messages()) != 1 {
		t.Errorf("%d messages after refusals, want 1", len(sb.Messages()))
	}
}

func startSMS(t *testing.T) (*notify.SMSSandbox, notify.SMSClient) {
	t.Helper()
	sb := &notify.SMSSandbox{Token: "sms-token"}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, notify.SMSClient{BaseURL: srv.URL + "/v1", Token: "sms-token"}
}

func TestSMSSandbox_ValidatesNumbersAndLengthsAndFailsOnDemand(t *testing.T) {
	t.Parallel()
	sb, client := startSMS(t)
	ctx := context.Background()
	msg := func(to, text, key string) notify.Outgoing {
		return notify.Outgoing{Channel: notify.ChannelSMS, To: to, Body: text, Comune: "Comune di Verdemare", Key: key}
	}
	if _, err := client.Send(ctx, msg("3331234567", "Ciao", "a")); !notify.Permanent(err) {
		t.Errorf("number without +: err = %v, want permanent", err)
	}
	if _, err := client.Send(ctx, msg("+393331234567", strings.Repeat("a", 460), "b")); !notify.Permanent(err) {
		t.Errorf("4 segments: err = %v, want permanent", err)
	}
	if _, err := (notify.SMSClient{BaseURL: client.BaseURL, Token: "wrong"}).Send(ctx, msg("+393331234567", "Ciao", "c")); !notify.Permanent(err) {
		t.Errorf("wrong token: err = %v, want permanent", err)
	}
	sb.FailNext(1, http.StatusServiceUnavailable)
	if _, err := client.Send(ctx, msg("+393331234567", "Ciao", "d")); err == nil || notify.Permanent(err) {
		t.Errorf("503: err = %v, want temporary", err)
	}
	sb.FailNext(1, http.StatusBadRequest)
	if _, err := client.Send(ctx, msg("+393331234567", "Ciao", "e")); !notify.Permanent(err) {
		t.Errorf("400 on demand: err = %v, want permanent", err)
	}
	first, err := client.Send(ctx, msg("+393331234567", strings.Repeat("a", 459), "f"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := client.Send(ctx, msg("+393331234567", strings.Repeat("a", 459), "f"))
	if err != nil || again != first {
		t.Errorf("the same idempotency key: id %q then %q (%v)", first, again, err)
	}
	got := sb.Sent()
	if len(got) != 1 || got[0].Segments != 3 || got[0].Sender != "Verdemare" {
		t.Errorf("sent %+v, want one message of 3 segments from Verdemare", got)
	}
}

func TestTextChannels_NewsCarriesTheUnsubscribeLinkAndCommitsBeforeSending(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const link = "https://verdemare.example.it/disiscrizione/tok123"
	commits := 0
	commit := func(context.Context) error { commits++; return nil }

	smsBox, smsClient := startSMS(t)
	if _, err := smsClient.Send(ctx, notify.Outgoing{Channel: notify.ChannelSMS, To: "+393331234567", Body: "Uffici chiusi venerdì.",
		Comune: "Comune di Verdemare", Key: "news-1", Unsubscribe: link, UnsubscribeText: "Disiscriviti:", Commit: commit}); err != nil {
		t.Fatal(err)
	}
	if got := smsBox.Sent(); len(got) != 1 || !strings.HasSuffix(got[0].Text, "\nDisiscriviti: "+link) {
		t.Errorf("sms %+v, want the unsubscribe line at the end", got)
	}

	ioBox, ioClient := startIO(t)
	const cf = "RSSMRA85T10H501O"
	ioBox.SetProfile(cf, notify.IOProfile{SenderAllowed: true})
	sender := notify.IOSender{Client: ioClient, Keys: map[string]string{"verdemare": "key-verdemare"}}
	if _, err := sender.Send(ctx, notify.Outgoing{Channel: notify.ChannelIO, To: cf, Subject: "Uffici chiusi venerdì 18",
		Body: strings.Repeat("Gli uffici comunali restano chiusi venerdì. ", 3), ComuneSlug: "verdemare",
		Unsubscribe: link, UnsubscribeText: "Non vuoi più ricevere questi messaggi? Disiscriviti:", Commit: commit}); err != nil {
		t.Fatal(err)
	}
	if got := ioBox.Messages(); len(got) != 1 || !strings.HasSuffix(got[0].Markdown, "[Non vuoi più ricevere questi messaggi? Disiscriviti]("+link+")") {
		t.Errorf("io %+v, want the unsubscribe link at the end", got)
	}
	if commits != 2 {
		t.Errorf("Commit called %d times, want once per send", commits)
	}

	// A failing Commit sends nothing and is a temporary failure.
	_, err := smsClient.Send(ctx, notify.Outgoing{Channel: notify.ChannelSMS, To: "+393331234567", Body: "Ciao", Key: "news-2",
		Commit: func(context.Context) error { return errors.New("database gone") }})
	if err == nil || notify.Permanent(err) || len(smsBox.Sent()) != 1 {
		t.Errorf("failed commit: err = %v, %d sms; want a temporary failure and nothing sent", err, len(smsBox.Sent()))
	}
}

func TestSMTPMailer_KeepsConnectionsAndRecoversFromADroppedOne(t *testing.T) {
	t.Parallel()
	sink := startSMTP(t)
	m := mailer(sink.Addr)
	m.Conns = notify.NewSMTPConns(2)
	ctx := context.Background()
	send := func(to string) {
		t.Helper()
		if _, err := m.Send(ctx, notify.Outgoing{Channel: notify.ChannelEmail, To: to, Subject: "Avviso", Body: "Testo.",
			Language: "it", Key: "k:" + to}); err != nil {
			t.Fatalf("to %s: %v", to, err)
		}
	}
	for i := range 5 {
		send(fmt.Sprintf("p%d@example.it", i))
	}
	if n := sink.Sessions(); n != 1 {
		t.Errorf("5 messages in a row took %d connections, want 1", n)
	}
	// A refused recipient closes that connection; the next message opens one.
	sink.Refuse("nobody@example.it", 550, "no such mailbox")
	if _, err := m.Send(ctx, notify.Outgoing{Channel: notify.ChannelEmail, To: "nobody@example.it", Subject: "Avviso", Body: "Testo.",
		Language: "it", Key: "k:nobody"}); !notify.Permanent(err) {
		t.Errorf("a refused mailbox: %v, want a permanent failure", err)
	}
	send("after-refusal@example.it")
	// The server drops its idle connections (a restart): the kept one
	// fails at once and the message goes on a new one, sent once.
	before := sink.Sessions()
	sink.dropConnections()
	send("after-restart@example.it")
	if got := len(sink.Mails("after-restart@example.it")); got != 1 {
		t.Errorf("after the server dropped the connection: %d mails, want 1", got)
	}
	if sink.Sessions() <= before {
		t.Error("no new connection after the server dropped the old one")
	}
	for i := range 5 {
		if got := len(sink.Mails(fmt.Sprintf("p%d@example.it", i))); got != 1 {
			t.Errorf("p%d: %d mails", i, got)
		}
	}
}

// dropConnections closes every open connection, as a restarting server would.
func (s *smtpSink) dropConnections() {
	s.srv.Close()
	var ln net.Listener
	var err error
	fresh := gosmtp.NewServer(s)
	fresh.Domain = "localhost"
	fresh.ReadTimeout, fresh.WriteTimeout = 10*time.Second, 10*time.Second
	for range 50 {
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		panic(err)
	}
	s.srv = fresh
	go fresh.Serve(ln)
}
