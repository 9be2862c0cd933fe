package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// App IO's limits on a message (../shared/reference/national-platforms.md).
const (
	IOSubjectMin = 10
	IOSubjectMax = 120
	IOBodyMin    = 80
	IOBodyMax    = 10000
	IOTTLMin     = 3600
	IOTTLMax     = 604800
	// IOTTL is the time to live Civica gives its messages: a week.
	IOTTL = IOTTLMax
)

// ErrIOSenderNotAllowed is a citizen whose IO profile does not accept the
// comune's messages (or who has no IO profile): permanent for the
// message, which goes to the next channel.
var ErrIOSenderNotAllowed = errors.New("app io: the citizen does not accept messages from this service")

var fiscalCodePattern = regexp.MustCompile(`^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$`)

// IOClient calls the IO messages API (https://api.io.pagopa.it/api/v1)
// with one service's subscription key.
type IOClient struct {
	BaseURL string
	HTTP    *http.Client // nil: a client with a 15 s timeout
}

// IOProfile is what IO says of a citizen for a service.
type IOProfile struct {
	SenderAllowed      bool     `json:"sender_allowed"`
	PreferredLanguages []string `json:"preferred_languages,omitempty"`
}

type ioContent struct {
	Subject  string `json:"subject"`
	Markdown string `json:"markdown"`
}

type ioMessage struct {
	TimeToLive int       `json:"time_to_live"`
	FiscalCode string    `json:"fiscal_code"`
	Content    ioContent `json:"content"`
}

// ioProblem is IO's error body (application/problem+json).
type ioProblem struct {
	Type   string `json:"type,omitempty"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

func (c IOClient) do(ctx context.Context, key, method, path string, in, out any) error {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	var body io.Reader
	if in != nil {
		raw, err := json.Marshal(in)
		if err != nil {
			return PermanentError(err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, body)
	if err != nil {
		return PermanentError(err)
	}
	req.Header.Set("Ocp-Apim-Subscription-Key", key)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := hc.Do(req)
	if err != nil {
		return TemporaryError(fmt.Errorf("app io: %w", err))
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode >= 300 {
		var p ioProblem
		_ = json.Unmarshal(raw, &p)
		return classifyHTTP("app io "+method+" "+strings.SplitN(path, "/", 3)[1], res.StatusCode, p.Title+": "+p.Detail)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return TemporaryError(fmt.Errorf("app io: %w", err))
		}
	}
	return nil
}

// Profile reads the citizen's profile for the key's service. A citizen
// with no IO profile is a profile that does not allow the sender.
func (c IOClient) Profile(ctx context.Context, key, fiscalCode string) (IOProfile, error) {
	var p IOProfile
	err := c.do(ctx, key, http.MethodGet, "/profiles/"+fiscalCode, nil, &p)
	var se *SendError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return IOProfile{}, nil
	}
	return p, err
}

// Submit posts a message and returns its id.
func (c IOClient) Submit(ctx context.Context, key, fiscalCode, subject, markdown string, ttl int) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	err := c.do(ctx, key, http.MethodPost, "/messages",
		ioMessage{TimeToLive: ttl, FiscalCode: fiscalCode, Content: ioContent{Subject: subject, Markdown: markdown}}, &out)
	return out.ID, err
}

// IOSender is the App IO channel's Sender: it looks up the citizen's
// profile and sends only when it allows the comune's service.
type IOSender struct {
	Client IOClient
	// Keys are the subscription keys of each comune's IO service, by
	// slug; DefaultKey serves a comune without its own (a platform-wide
	// service). A comune with neither cannot use IO.
	Keys       map[string]string
	DefaultKey string
}

func (s IOSender) key(slug string) string {
	if k := s.Keys[slug]; k != "" {
		return k
	}
	return s.DefaultKey
}

// SenderAllowed reports whether the citizen accepts the comune's IO
// messages: what the contact profile shows as App IO's availability.
func (s IOSender) SenderAllowed(ctx context.Context, comuneSlug, fiscalCode string) (bool, error) {
	key := s.key(comuneSlug)
	if key == "" {
		return false, nil
	}
	p, err := s.Client.Profile(ctx, key, fiscalCode)
	return p.SenderAllowed, err
}

// Send checks the profile, then posts the message with a week to live.
func (s IOSender) Send(ctx context.Context, m Outgoing) (string, error) {
	key := s.key(m.ComuneSlug)
	if key == "" {
		return "", ErrChannelOff
	}
	body := m.Body + m.unsubscribeFooter(true)
	if err := CheckIO(m.Subject, body); err != nil {
		return "", PermanentError(err)
	}
	p, err := s.Client.Profile(ctx, key, m.To)
	if err != nil {
		return "", err
	}
	if !p.SenderAllowed {
		return "", PermanentError(ErrIOSenderNotAllowed)
	}
	if err := m.commit(ctx); err != nil {
		return "", err
	}
	return s.Client.Submit(ctx, key, m.To, m.Subject, body, IOTTL)
}

// CheckIO checks a message against IO's limits on subject and body.
func CheckIO(subject, markdown string) error {
	if n := utf8.RuneCountInString(subject); n < IOSubjectMin || n > IOSubjectMax {
		return fmt.Errorf("app io: subject of %d characters, %d to %d allowed", n, IOSubjectMin, IOSubjectMax)
	}
	if n := utf8.RuneCountInString(markdown); n < IOBodyMin || n > IOBodyMax {
		return fmt.Errorf("app io: body of %d characters, %d to %d allowed", n, IOBodyMin, IOBodyMax)
	}
	return nil
}

// IOSandbox is an http.Handler that answers like the IO messages API and
// enforces its rules: a known subscription key, a valid codice fiscale,
// the profile's sender_allowed, subject 10–120 and markdown 80–10000
// characters, time_to_live 3600–604800. It records the messages it
// accepted and can fail on demand. Development and tests reach it through
// IOClient, as they would reach IO.
type IOSandbox struct {
	// Keys accepted; empty accepts any non-empty key.
	Keys []string

	mu       sync.Mutex
	profiles map[string]IOProfile
	messages []SandboxIOMessage
	failures []int
}

// SandboxIOMessage is a message the sandbox accepted.
type SandboxIOMessage struct {
	ID, Key, FiscalCode, Subject, Markdown string
	TimeToLive                             int
}

// SetProfile gives a citizen an IO profile.
func (s *IOSandbox) SetProfile(fiscalCode string, p IOProfile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profiles == nil {
		s.profiles = map[string]IOProfile{}
	}
	s.profiles[fiscalCode] = p
}

// FailNext makes the next n requests fail with status.
func (s *IOSandbox) FailNext(n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, status)
	}
}

// Messages are the messages accepted, oldest first.
func (s *IOSandbox) Messages() []SandboxIOMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SandboxIOMessage(nil), s.messages...)
}

// ServeHTTP answers GET /profiles/{fiscal_code} and POST /messages (under
// any base path, e.g. /api/v1).
func (s *IOSandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	problem := func(status int, title, detail string) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(ioProblem{Title: title, Status: status, Detail: detail})
	}
	key := r.Header.Get("Ocp-Apim-Subscription-Key")
	s.mu.Lock()
	defer s.mu.Unlock()
	if key == "" || (len(s.Keys) > 0 && !slices.Contains(s.Keys, key)) {
		problem(http.StatusUnauthorized, "Unauthorized", "Access denied due to invalid subscription key.")
		return
	}
	if len(s.failures) > 0 {
		status := s.failures[0]
		s.failures = s.failures[1:]
		problem(status, http.StatusText(status), "failure on demand")
		return
	}
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && strings.Contains(path, "/profiles/"):
		cf := path[strings.LastIndex(path, "/")+1:]
		if !fiscalCodePattern.MatchString(cf) {
			problem(http.StatusBadRequest, "Invalid fiscal code", cf)
			return
		}
		p, ok := s.profiles[cf]
		if !ok {
			problem(http.StatusNotFound, "Profile not found", "The profile you requested was not found in the system.")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p)
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/messages"):
		var m ioMessage
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&m); err != nil {
			problem(http.StatusBadRequest, "Invalid message", err.Error())
			return
		}
		if !fiscalCodePattern.MatchString(m.FiscalCode) {
			problem(http.StatusBadRequest, "Invalid fiscal code", m.FiscalCode)
			return
		}
		if err := CheckIO(m.Content.Subject, m.Content.Markdown); err != nil {
			problem(http.StatusBadRequest, "Invalid message content", err.Error())
			return
		}
		if m.TimeToLive < IOTTLMin || m.TimeToLive > IOTTLMax {
			problem(http.StatusBadRequest, "Invalid time_to_live", fmt.Sprintf("%d, %d to %d allowed", m.TimeToLive, IOTTLMin, IOTTLMax))
			return
		}
		p, ok := s.profiles[m.FiscalCode]
		if !ok {
			problem(http.StatusNotFound, "Profile not found", "The profile you requested was not found in the system.")
			return
		}
		if !p.SenderAllowed {
			problem(http.StatusForbidden, "Sender not allowed", "The recipient does not accept messages from this service.")
			return
		}
		id := "io-" + rand.Text()[:16]
		s.messages = append(s.messages, SandboxIOMessage{ID: id, Key: key, FiscalCode: m.FiscalCode,
			Subject: m.Content.Subject, Markdown: m.Content.Markdown, TimeToLive: m.TimeToLive})
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", "/api/v1/messages/"+m.FiscalCode+"/"+id)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	default:
		problem(http.StatusNotFound, "Not found", r.Method+" "+path)
	}
}
