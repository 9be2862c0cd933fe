package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Outgoing is one message ready for one channel: what a Sender needs and
// nothing else.
type Outgoing struct {
	Channel Channel
	// To is the address on the channel: an email address, a mobile
	// number in E.164, a codice fiscale for App IO.
	To       string
	Subject  string // email and App IO; "" for SMS
	Body     string // plain text (App IO reads it as markdown)
	Language string // of the message, for the HTML part's lang
	// Comune is the comune's name (the email's sender name, the SMS
	// sender) and ComuneSlug its slug (which App IO key to use).
	Comune     string
	ComuneSlug string
	// Unsubscribe is the unsubscribe link of a non-transactional message;
	// "" for a transactional one.
	Unsubscribe string
	// UnsubscribeText introduces the link, in the message's language.
	UnsubscribeText string
	// Key identifies the message on this channel, the same on every
	// attempt: the SMTP Message-ID, the SMS provider's idempotency key.
	Key string
	// Commit, when set, is called once, right before the step after which
	// the provider may have the message (the end of an SMTP DATA, an HTTP
	// request sent). A sender calls it and, if it fails, gives up the send
	// as a temporary failure with nothing handed over. It lets the caller
	// record durably that the outcome of a send may be unknown from here
	// on: a crash before it means certainly not sent.
	Commit func(context.Context) error
}

// commit calls m.Commit, if any, as a temporary failure when it fails.
func (m Outgoing) commit(ctx context.Context) error {
	if m.Commit == nil {
		return nil
	}
	if err := m.Commit(ctx); err != nil {
		return TemporaryError(fmt.Errorf("before sending: %w", err))
	}
	return nil
}

// unsubscribeFooter is the unsubscribe line that text channels (SMS, App
// IO) append to a non-transactional message; "" for a transactional one.
func (m Outgoing) unsubscribeFooter(markdown bool) string {
	if m.Unsubscribe == "" {
		return ""
	}
	text := m.UnsubscribeText
	if text == "" {
		text = "Unsubscribe:"
	}
	if markdown {
		return "\n\n[" + strings.TrimSuffix(text, ":") + "](" + m.Unsubscribe + ")"
	}
	return "\n" + text + " " + m.Unsubscribe
}

// Sender sends messages on one channel: SMTPMailer (email), SMSClient
// (SMS), IOSender (App IO). Send returns the provider's id for the
// message when it gives one. A failure is temporary unless it is a
// *SendError marked permanent: Permanent(err) says which.
type Sender interface {
	Send(ctx context.Context, m Outgoing) (providerID string, err error)
}

// SendError is a failure a provider reported, classified.
type SendError struct {
	// Permanent: sending the same message again will fail again (an
	// address that does not exist, a message the provider refuses, a
	// recipient who does not accept it); try the next channel.
	Permanent bool
	// Status is the provider's HTTP status, when it answered over HTTP.
	Status int
	Err    error
}

func (e *SendError) Error() string {
	if e.Permanent {
		return "permanent: " + e.Err.Error()
	}
	return "temporary: " + e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// PermanentError marks err as permanent.
func PermanentError(err error) error { return &SendError{Permanent: true, Err: err} }

// TemporaryError marks err as temporary.
func TemporaryError(err error) error { return &SendError{Err: err} }

// Permanent reports whether err is a permanent failure. Anything not
// classified (a network error, a timeout) is temporary.
func Permanent(err error) bool {
	var se *SendError
	return errors.As(err, &se) && se.Permanent
}

// ErrChannelOff is the failure of a channel no provider is configured for
// (outside development, where such messages are kept in the outbox).
var ErrChannelOff = PermanentError(errors.New("no provider configured for the channel"))

// RateLimit is a token bucket: PerSecond messages a second on average,
// Burst at once.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// DefaultRateLimit keeps each provider well within what such services
// accept from one sender.
func DefaultRateLimit(c Channel) RateLimit {
	switch c {
	case ChannelEmail:
		return RateLimit{PerSecond: 50, Burst: 100}
	case ChannelSMS:
		return RateLimit{PerSecond: 10, Burst: 20}
	case ChannelIO:
		return RateLimit{PerSecond: 20, Burst: 40}
	}
	return RateLimit{}
}

// limiters are a token bucket per channel, shared by the workers of one
// process.
type limiters map[Channel]*rate.Limiter

func newLimiters(limits map[Channel]RateLimit) limiters {
	l := limiters{}
	for _, c := range []Channel{ChannelEmail, ChannelSMS, ChannelIO} {
		lim, ok := limits[c]
		if !ok {
			lim = DefaultRateLimit(c)
		}
		if lim.PerSecond <= 0 {
			continue // unlimited
		}
		l[c] = rate.NewLimiter(rate.Limit(lim.PerSecond), max(1, lim.Burst))
	}
	return l
}

// maxRateWait is the longest a job waits for its channel's token before it
// gives its worker slot back and snoozes.
const maxRateWait = 2 * time.Second

// take waits for a token on channel c: nil when the send may go now, or
// the delay after which to try again when the wait would be long.
func (l limiters) take(ctx context.Context, c Channel) (time.Duration, error) {
	lim := l[c]
	if lim == nil {
		return 0, nil
	}
	r := lim.Reserve()
	if !r.OK() {
		return 0, fmt.Errorf("rate limit of %s: burst too small", c)
	}
	d := r.Delay()
	if d > maxRateWait {
		r.Cancel()
		return d, nil
	}
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			r.Cancel()
			return 0, ctx.Err()
		}
	}
	return 0, nil
}
