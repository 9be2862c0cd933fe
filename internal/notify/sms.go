package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Text messages go to an SMS provider through a small JSON API, which an
// adapter in front of any commercial provider can speak:
//
//	POST {base}/messages
//	Authorization: Bearer {token}
//	{"to": "+393331234567", "text": "…", "sender": "Verdemare", "idempotency_key": "…"}
//
//	202 {"id": "…", "status": "accepted", "segments": 2}
//	400 {"error": "invalid_number" | "too_long" | "empty" | "bad_request", "message": "…"}
//	401 {"error": "unauthorized"}
//	429 / 5xx: try again later
//
// A provider that sees an idempotency_key again answers 202 with the
// first message's id and sends nothing: a retry after an unrecorded
// success is harmless on this channel.

// SMSMaxSegments is the longest text message, in segments: 459 characters
// of the GSM alphabet (3 × 153), or 201 of any other (3 × 67).
const SMSMaxSegments = 3

// gsmBasic and gsmExtended are the GSM 03.38 alphabet: the characters a
// text message carries in 7 bits (extended ones take two). A message with
// any other character is sent in UCS-2, 70 characters to a segment.
const (
	gsmBasic    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "^{}\\[~]|€\f"
)

// SMSSegments counts the segments text takes and says whether it fits the
// GSM alphabet.
func SMSSegments(text string) (segments int, gsm bool) {
	units := 0
	gsm = true
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			units++
		case strings.ContainsRune(gsmExtended, r):
			units += 2
		default:
			gsm = false
		}
	}
	if !gsm {
		units = utf8.RuneCountInString(text)
		if units <= 70 {
			return 1, false
		}
		return (units + 66) / 67, false
	}
	if units <= 160 {
		return 1, true
	}
	return (units + 152) / 153, true
}

// SMSClient is the SMS channel's Sender: the client of the provider API
// above.
type SMSClient struct {
	BaseURL string // "https://sms.example.it/v1"
	Token   string
	HTTP    *http.Client // nil: a client with a 15 s timeout
}

type smsRequest struct {
	To             string `json:"to"`
	Text           string `json:"text"`
	Sender         string `json:"sender,omitempty"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

type smsResponse struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Segments int    `json:"segments"`
	Error    string `json:"error"`
	Message  string `json:"message"`
}

// Send posts the message. 4xx answers (but 408 and 429) are permanent.
func (c SMSClient) Send(ctx context.Context, m Outgoing) (string, error) {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	body, err := json.Marshal(smsRequest{To: m.To, Text: m.Body + m.unsubscribeFooter(false), Sender: smsSender(m.Comune), IdempotencyKey: m.Key})
	if err != nil {
		return "", PermanentError(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.BaseURL, "/")+"/messages", bytes.NewReader(body))
	if err != nil {
		return "", PermanentError(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if err := m.commit(ctx); err != nil {
		return "", err
	}
	res, err := hc.Do(req)
	if err != nil {
		return "", TemporaryError(fmt.Errorf("sms: %w", err))
	}
	defer res.Body.Close()
	var out smsResponse
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	_ = json.Unmarshal(raw, &out)
	return out.ID, classifyHTTP("sms", res.StatusCode, out.Error+" "+out.Message)
}

// classifyHTTP turns a provider's HTTP status into nil, a permanent or a
// temporary failure.
func classifyHTTP(what string, status int, detail string) error {
	detail = strings.TrimSpace(detail)
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500:
		return &SendError{Status: status, Err: fmt.Errorf("%s: %d %s", what, status, detail)}
	default:
		return &SendError{Permanent: true, Status: status, Err: fmt.Errorf("%s: %d %s", what, status, detail)}
	}
}

// smsSender is the alphanumeric sender shown on the phone: at most 11
// letters and digits.
func smsSender(comune string) string {
	comune = strings.TrimPrefix(strings.TrimPrefix(comune, "Comune di "), "Comune of ")
	var b strings.Builder
	for _, r := range comune {
		if (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
		if b.Len() == 11 {
			break
		}
	}
	return b.String()
}

// SMSSandbox is an SMS provider for development and tests: it speaks the
// API above (an http.Handler, reached through SMSClient), validates
// numbers (E.164) and lengths (SMSMaxSegments) as a provider does,
// honours idempotency keys, records what it accepted, and fails on demand.
type SMSSandbox struct {
	Token string // "" accepts any token

	mu       sync.Mutex
	sent     []SandboxSMS
	byKey    map[string]string
	failures []int // statuses to answer next, in order
}

// SandboxSMS is a text message the sandbox accepted.
type SandboxSMS struct {
	ID, To, Text, Sender string
	Segments             int
}

// FailNext makes the next n requests fail with status (503: temporary,
// 400: permanent).
func (s *SMSSandbox) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, status)
	}
}

// Sent is what the sandbox accepted, oldest first.
func (s *SMSSandbox) Sent() []SandboxSMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SandboxSMS(nil), s.sent...)
}

// ServeHTTP answers POST /messages.
func (s *SMSSandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	answer := func(status int, v smsResponse) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/messages") {
		answer(http.StatusNotFound, smsResponse{Error: "not_found"})
		return
	}
	if s.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.Token {
		answer(http.StatusUnauthorized, smsResponse{Error: "unauthorized"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) > 0 {
		status := s.failures[0]
		s.failures = s.failures[1:]
		answer(status, smsResponse{Error: "failure_on_demand", Message: http.StatusText(status)})
		return
	}
	var req smsRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
		answer(http.StatusBadRequest, smsResponse{Error: "bad_request", Message: err.Error()})
		return
	}
	if !e164.MatchString(req.To) {
		answer(http.StatusBadRequest, smsResponse{Error: "invalid_number", Message: "not an E.164 number: " + req.To})
		return
	}
	if strings.TrimSpace(req.Text) == "" {
		answer(http.StatusBadRequest, smsResponse{Error: "empty", Message: "no text"})
		return
	}
	segments, _ := SMSSegments(req.Text)
	if segments > SMSMaxSegments {
		answer(http.StatusBadRequest, smsResponse{Error: "too_long", Message: fmt.Sprintf("%d segments, at most %d", segments, SMSMaxSegments)})
		return
	}
	if id, ok := s.byKey[req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
		answer(http.StatusAccepted, smsResponse{ID: id, Status: "accepted", Segments: segments})
		return
	}
	id := "sms-" + rand.Text()[:12]
	if s.byKey == nil {
		s.byKey = map[string]string{}
	}
	s.byKey[req.IdempotencyKey] = id
	s.sent = append(s.sent, SandboxSMS{ID: id, To: req.To, Text: req.Text, Sender: req.Sender, Segments: segments})
	answer(http.StatusAccepted, smsResponse{ID: id, Status: "accepted", Segments: segments})
}
