// Package tenant knows the comuni hosted on the platform: who they are, which
// host names reach them, their branding, and how a comune described as files
// (a tenant bundle under tenants/<slug>/) is imported into the database.
//
// tenants and tenant_hosts are platform-level tables (no row-level security):
// resolving a request's host happens before any tenant is known. Everything a
// comune owns lives in tenant tables reached through db.InTenant.
package tenant

import (
	"net"
	"strings"
)

// Status of a comune on the platform.
type Status string

const (
	StatusTrial     Status = "trial"
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
)

// Tenant is one comune.
type Tenant struct {
	ID             string
	Slug           string
	Name           string // e.g. "Città di Verdemare"
	ISTATCode      string
	IPACode        string
	FiscalCode     string
	Status         Status
	Languages      []string
	PrimaryColor   string // #rrggbb
	LogoType       string
	Contacts       Contacts
	PatronSaintDay string // MM-DD, the comune's local holiday
	Hosts          []string
	// StaffLogin is the comune's own OpenID Connect issuer for its staff;
	// zero when staff log in through the platform's provider (SPID/CIE).
	StaffLogin StaffLogin
	// DeadlineWarningDays is how many days before an application's legal
	// deadline its clerk and the office's managers are warned.
	DeadlineWarningDays int
}

// DefaultDeadlineWarningDays is the warning a comune gets unless it says.
const DefaultDeadlineWarningDays = 5

// StaffLogin is an OpenID Connect issuer a comune runs for its staff (its
// Keycloak, its Active Directory), where Civica is registered as ClientID
// and authenticates with private_key_jwt like everywhere else.
type StaffLogin struct {
	Issuer   string `yaml:"issuer"`
	ClientID string `yaml:"client_id"`
}

// Configured reports whether the comune has its own staff issuer.
func (l StaffLogin) Configured() bool { return l.Issuer != "" }

// Contacts are the comune's public contacts, shown in the footer.
type Contacts struct {
	Address    string `json:"address" yaml:"address"`
	PostalCode string `json:"postal_code" yaml:"postal_code"`
	City       string `json:"city" yaml:"city"`
	Province   string `json:"province" yaml:"province"`
	Phone      string `json:"phone" yaml:"phone"`
	Email      string `json:"email" yaml:"email"`
	PEC        string `json:"pec" yaml:"pec"`
	Website    string `json:"website" yaml:"website"`
}

// Serving reports whether the comune's portal is open to the public.
func (t Tenant) Serving() bool { return t.Status != StatusSuspended }

// NormalizeHost lower-cases a Host header value and strips its port (and the
// brackets of an IPv6 address).
func NormalizeHost(host string) string {
	host = strings.ToLower(strings.TrimSpace(host))
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.TrimSuffix(host, ".")
}
