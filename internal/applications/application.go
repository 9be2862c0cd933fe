package applications

import (
	"errors"
	"time"

	"github.com/civica/civica/internal/forms"
)

// Status is where an application is in its life.
type Status string

// The states of DESIGN.md's lifecycle.
const (
	Draft               Status = "draft"
	Submitted           Status = "submitted"
	Registered          Status = "registered"
	InProgress          Status = "in_progress"
	AwaitingIntegration Status = "awaiting_integration"
	Accepted            Status = "accepted"
	Rejected            Status = "rejected"
	Withdrawn           Status = "withdrawn"
	Cancelled           Status = "cancelled"
)

// Final reports whether nothing more can happen to an application.
func (s Status) Final() bool {
	return s == Accepted || s == Rejected || s == Withdrawn || s == Cancelled
}

// Application is a pratica.
type Application struct {
	TenantID       string
	ID             string
	Reference      string
	Service        string
	FormVersion    int
	PersonID       string
	ContactEmail   string
	Status         Status
	Answers        forms.Values
	Office         string
	Language       string
	Revision       int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ExpiresAt      *time.Time
	SubmittedAt    *time.Time
	ProtocolNumber string
	ProtocolAt     *time.Time
	TakenAt        *time.Time
	Assignee       string
	DaysKind       string
	DueOn          *time.Time // a civil date (00:00 UTC)
	SuspendedAt    *time.Time
	DecidedAt      *time.Time
}

// Event is one entry of an application's timeline.
type Event struct {
	Seq       int
	Kind      string
	From, To  Status
	ActorKind string
	ActorName string
	Message   string // for the citizen
	Note      string // internal to the office
	ReplyBy   *time.Time
	At        time.Time
}

// Event kinds. A transition's kind is the state it leads to; these are
// the others.
const (
	EventMessageFromCitizen = "message_from_citizen"
	EventMessageFromOffice  = "message_from_office"
	EventIntegration        = "integration_answered"
)

// File is a document of an application.
type File struct {
	ID          string
	Owner       string // "citizen", "office" or "receipt"
	FieldKey    string
	EventSeq    int
	Name        string
	ContentType string
	Size        int64
	SHA256      string
	CreatedAt   time.Time
	storageKey  string
}

// Summary is an application as lists show it.
type Summary struct {
	Reference      string
	Service        string
	Status         Status
	UpdatedAt      time.Time
	SubmittedAt    *time.Time
	ExpiresAt      *time.Time
	DueOn          *time.Time
	ProtocolNumber string
}

// Errors callers tell apart. ErrNotFound (from internal/db) covers another
// person's or another comune's application.
var (
	// ErrNoForm: the service cannot be applied for online.
	ErrNoForm = errors.New("applications: the service has no online form")
	// ErrNotAllowed: this person may not do this to the application in
	// its state (e.g. withdraw after the decision).
	ErrNotAllowed = errors.New("applications: not allowed in this state")
	// ErrChanged: someone changed the application meanwhile (optimistic
	// locking: the revision the caller saw is not the current one).
	ErrChanged = errors.New("applications: changed meanwhile")
	// ErrFormReplaced: the draft was carried to a new version of the
	// form; the person should look at it again before sending.
	ErrFormReplaced = errors.New("applications: the form was replaced")
)
