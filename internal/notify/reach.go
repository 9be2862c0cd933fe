package notify

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Channel is a way to reach a person. The inbox is always used; the others
// as the person chose (contact_preferences) and as their addresses allow.
type Channel string

// The channels.
const (
	ChannelInbox Channel = "inbox"
	ChannelEmail Channel = "email"
	ChannelSMS   Channel = "sms"
	ChannelIO    Channel = "io" // App IO, the public administration's app
)

// Kind is a kind of message, for which a person chooses channels.
type Kind string

// The kinds of message.
const (
	KindApplications Kind = "applications" // about my applications
	KindAppointments Kind = "appointments"
	KindPayments     Kind = "payments"
	KindNews         Kind = "news" // news on topics I follow, campaigns
)

// Kinds are every kind, in the order the profile page shows them.
var Kinds = []Kind{KindApplications, KindAppointments, KindPayments, KindNews}

// DefaultChannels are the channels, besides the inbox, of a kind the person
// set nothing for: email for what concerns them directly, nothing extra
// for news (which needs their consent).
func DefaultChannels(k Kind) []Channel {
	if k == KindNews {
		return nil
	}
	return []Channel{ChannelEmail}
}

// Reach is how to reach one person with one kind of message.
type Reach struct {
	Language string
	// Email is the address to write to: the one the person verified on
	// their profile, else the one their identity provider asserted at login
	// (SPID and CIE providers check it); "" when there is none.
	Email string
	// Phone is a mobile number the person verified; "" when none.
	Phone string
	// IO: the person's App IO profile accepts the comune's messages, as
	// last checked.
	IO bool
	// Channels are the channels to use besides the inbox, in the order to
	// try them (the next is the fallback when one fails for good), kept to
	// those with an address.
	Channels []Channel
	// UnsubscribeToken goes in the unsubscribe link of non-transactional
	// messages; "" when the person has no profile yet.
	UnsubscribeToken string
}

// Usable reports whether the channel can reach the person at all.
func (r Reach) Usable(c Channel) bool {
	switch c {
	case ChannelInbox:
		return true
	case ChannelEmail:
		return r.Email != ""
	case ChannelSMS:
		return r.Phone != ""
	case ChannelIO:
		return r.IO
	}
	return false
}

// ReachOf reads how to reach a person with messages of kind k, inside tx
// (a tenant transaction).
func ReachOf(ctx context.Context, tx pgx.Tx, tenantID, personID string, k Kind) (Reach, error) {
	rs, err := reachMany(ctx, tx, tenantID, []string{personID}, k)
	if err != nil {
		return Reach{}, fmt.Errorf("reach %s: %w", personID, err)
	}
	r := rs[personID]
	if r == nil {
		return Reach{}, fmt.Errorf("reach %s: no such person", personID)
	}
	return r.Reach, nil
}
