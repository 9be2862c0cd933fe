package applications

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/workdays"
)

// The clerk's view of one application: everything the office knows of it,
// read in one transaction that also writes the "view" line of the audit
// log, because every look at a citizen's personal data by staff is
// recorded.

// StaffDetail is an application as the office sees it.
type StaffDetail struct {
	Filled
	// Events is the whole timeline, internal notes and assignments
	// included.
	Events        []Event
	Notifications []Notification
	Deadline      Deadline
	// The applicant as they were when they submitted.
	ApplicantName       string
	ApplicantFiscalCode string
	// AssigneeName names Assignee; "" when unassigned.
	AssigneeName string
	// Outgoing is the protocol registration of the decision sent to the
	// citizen; nil until there is one.
	Outgoing *Protocol
	// Others are the citizen's other applications with this comune,
	// latest first.
	Others []OtherApplication
	// Staff are who may be given the application (those who work on its
	// office), listed only when the clerk may assign it.
	Staff []StaffMember
	// Allowed is what this clerk may do to it now.
	Allowed Allowed
}

// Deadline is where an application stands against its legal term.
type Deadline struct {
	DueOn *time.Time    // a civil date; nil when the service sets none
	Kind  workdays.Kind // how its days are counted
	// DaysLeft counts, as Kind does, from today (from the day the clock
	// stopped, while suspended) to the due date: 0 on the day, negative
	// once passed.
	DaysLeft       int
	Overdue        bool
	SuspendedSince *time.Time // the clock is stopped since then
	Closed         bool       // decided or closed: the term no longer runs
}

// OtherApplication is another application of the same citizen.
type OtherApplication struct {
	Summary
	Office string
	// Visible: the clerk works on its office and may open it.
	Visible bool
}

// StaffMember is someone an application can be assigned to.
type StaffMember struct {
	FiscalCode string
	Name       string
	Role       string
}

// Allowed says which actions a clerk may take on an application in its
// current state. The action functions check the same rules again: this is
// what the page offers, not what protects.
type Allowed struct {
	TakeInCharge       bool
	Assign             bool // to anyone who works on the office: managers and admins
	RequestIntegration bool
	Accept             bool
	Reject             bool
	Cancel             bool
	Message            bool
	Note               bool
}

// Any reports whether any action changes the application's state.
func (a Allowed) Any() bool {
	return a.TakeInCharge || a.Assign || a.RequestIntegration || a.Accept || a.Reject || a.Cancel
}

// AllowedFor is what a member of staff with scope sc may do to a.
func AllowedFor(sc Scope, a Application) Allowed {
	if !sc.Sees(a.Office) || a.Status == Draft {
		return Allowed{}
	}
	return Allowed{
		TakeInCharge:       a.Status != AwaitingIntegration && CanMove(a.Status, InProgress, ActorStaff),
		Assign:             !a.Status.Final() && sc.Manages(a.Office),
		RequestIntegration: CanMove(a.Status, AwaitingIntegration, ActorStaff),
		Accept:             CanMove(a.Status, Accepted, ActorStaff),
		Reject:             CanMove(a.Status, Rejected, ActorStaff),
		Cancel:             CanMove(a.Status, Cancelled, ActorStaff),
		Message:            !a.Status.Final(),
		Note:               true,
	}
}

// ForStaff returns the application with the reference as the clerk may
// see it, and records the view in the audit log in the same transaction.
// An application outside the clerk's offices (or a draft, which is the
// citizen's alone) is db.ErrNotFound; someone who is not staff of the
// comune gets ErrForbidden.
func (s *Service) ForStaff(ctx context.Context, tenantID, reference string, by Clerk) (StaffDetail, error) {
	var d StaffDetail
	err := s.inTenant(ctx, tenantID, "read application for staff", func(tx pgx.Tx) error {
		sc, a, err := readForStaff(ctx, tx, tenantID, reference, by)
		if err != nil {
			return err
		}
		if d.Filled, err = s.draftIn(ctx, tx, a); err != nil {
			return err
		}
		if d.Events, err = events(ctx, tx, a, true); err != nil {
			return err
		}
		if d.Notifications, err = notifications(ctx, tx, a); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT ap.applicant_name, ap.applicant_fiscal_code,
				coalesce((SELECT m.display_name FROM staff_members m WHERE m.tenant_id = ap.tenant_id AND m.fiscal_code = ap.assignee), '')
			FROM applications ap WHERE ap.tenant_id = $1 AND ap.id = $2`, tenantID, a.ID).
			Scan(&d.ApplicantName, &d.ApplicantFiscalCode, &d.AssigneeName); err != nil {
			return err
		}
		if d.Outgoing, err = outgoingProtocol(ctx, tx, a); err != nil {
			return err
		}
		if d.Others, err = otherApplications(ctx, tx, a, sc); err != nil {
			return err
		}
		d.Allowed = AllowedFor(sc, a)
		if d.Allowed.Assign {
			if d.Staff, err = staffOf(ctx, tx, tenantID, a.Office); err != nil {
				return err
			}
		}
		if d.Deadline, err = deadlineOf(ctx, tx, a, s.now()); err != nil {
			return err
		}
		return Audit(ctx, tx, tenantID, by, AuditEntry{Action: "view", ApplicationID: a.ID, Reference: a.Reference})
	})
	return d, err
}

// readForStaff reads an application for a clerk to look at, without
// locking it: db.ErrNotFound outside the clerk's offices.
func readForStaff(ctx context.Context, tx pgx.Tx, tenantID, reference string, by Clerk) (Scope, Application, error) {
	if !IsReference(reference) {
		return Scope{}, Application{}, db.ErrNotFound
	}
	sc, err := LoadScope(ctx, tx, tenantID, by.FiscalCode)
	if err != nil {
		return sc, Application{}, err
	}
	a, err := scanApplication(tx.QueryRow(ctx, `SELECT `+applicationColumns+` FROM applications
		WHERE tenant_id = $1 AND reference = $2 AND status <> 'draft'`, tenantID, reference))
	if err != nil {
		return sc, a, db.Classify(err)
	}
	if !sc.Sees(a.Office) {
		return sc, Application{}, db.ErrNotFound
	}
	return sc, a, nil
}

// OpenFileForStaff opens a document of an application the clerk works on
// ("receipt" is its receipt) and records the download in the audit log;
// db.ErrNotFound for an application outside the clerk's offices or a file
// that is not the application's.
func (s *Service) OpenFileForStaff(ctx context.Context, tenantID, reference, fileID string, by Clerk) (File, io.ReadCloser, error) {
	var f File
	err := s.inTenant(ctx, tenantID, "open file for staff", func(tx pgx.Tx) error {
		_, a, err := readForStaff(ctx, tx, tenantID, reference, by)
		if err != nil {
			return err
		}
		all, err := files(ctx, tx, a)
		if err != nil {
			return err
		}
		found := false
		for _, x := range all {
			if x.ID == fileID || (fileID == "receipt" && x.Owner == "receipt") {
				f, found = x, true
				break
			}
		}
		if !found {
			return db.ErrNotFound
		}
		return Audit(ctx, tx, tenantID, by, AuditEntry{Action: "download", ApplicationID: a.ID, Reference: a.Reference,
			Detail: f.Owner + ": " + f.Name})
	})
	if err != nil {
		return f, nil, err
	}
	rc, err := s.files.Open(ctx, f.storageKey)
	if err != nil {
		return f, nil, fmt.Errorf("open %s: %w", f.Name, err)
	}
	return f, rc, nil
}

func outgoingProtocol(ctx context.Context, tx pgx.Tx, a Application) (*Protocol, error) {
	var year, number int
	var at time.Time
	err := tx.QueryRow(ctx, `SELECT year, number, registered_at FROM protocol_entries
		WHERE tenant_id = $1 AND reference = $2 AND direction = 'out'`, a.TenantID, a.Reference).Scan(&year, &number, &at)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("outgoing protocol of %s: %w", a.Reference, err)
	}
	return &Protocol{Number: FormatProtocol(year, number), At: at}, nil
}

// otherApplications are the citizen's other sent applications, latest
// first (at most 50).
func otherApplications(ctx context.Context, tx pgx.Tx, a Application, sc Scope) ([]OtherApplication, error) {
	if a.PersonID == "" {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT reference, service_slug, status, updated_at, submitted_at, expires_at, due_on,
			coalesce(protocol_number, ''), office_slug
		FROM applications WHERE tenant_id = $1 AND person_id = $2 AND id <> $3 AND status <> 'draft'
		ORDER BY submitted_at DESC NULLS LAST LIMIT 50`, a.TenantID, a.PersonID, a.ID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (OtherApplication, error) {
		var o OtherApplication
		err := row.Scan(&o.Reference, &o.Service, &o.Status, &o.UpdatedAt, &o.SubmittedAt, &o.ExpiresAt, &o.DueOn,
			&o.ProtocolNumber, &o.Office)
		o.Visible = sc.Sees(o.Office)
		return o, err
	})
}

// staffOf lists who works on an office: its members and the comune's
// admins, by name.
func staffOf(ctx context.Context, tx pgx.Tx, tenantID, office string) ([]StaffMember, error) {
	rows, err := tx.Query(ctx, `SELECT m.fiscal_code, m.display_name, m.role FROM staff_members m
		WHERE m.tenant_id = $1 AND (m.role = 'admin' OR EXISTS (SELECT 1 FROM staff_offices o
			WHERE o.tenant_id = m.tenant_id AND o.fiscal_code = m.fiscal_code AND o.office_slug = $2))
		ORDER BY m.display_name, m.fiscal_code`, tenantID, office)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[StaffMember])
}

// deadlineOf works out the term of a: days left counted as the service
// counts them, stopped on the day an integration request stopped the
// clock.
func deadlineOf(ctx context.Context, tx pgx.Tx, a Application, now time.Time) (Deadline, error) {
	d := Deadline{DueOn: a.DueOn, Kind: workdays.CalendarDays, SuspendedSince: a.SuspendedAt, Closed: a.Status.Final()}
	if k, err := workdays.ParseKind(a.DaysKind); err == nil {
		d.Kind = k
	}
	if a.DueOn == nil || d.Closed {
		return d, nil
	}
	cal, err := calendarOf(ctx, tx, &a)
	if err != nil {
		return d, err
	}
	from := now
	if a.SuspendedAt != nil {
		from = *a.SuspendedAt
	}
	d.DaysLeft = daysLeft(cal, workdays.DateOf(from), workdays.DateOf(*a.DueOn), d.Kind)
	d.Overdue = d.DaysLeft < 0
	return d, nil
}

// daysLeft counts the days from today to due as kind counts them: every
// day, or only working days (due itself counts when it is one).
func daysLeft(cal workdays.Calendar, today, due time.Time, kind workdays.Kind) int {
	if kind != workdays.WorkingDays {
		return cal.DaysLeft(due, today)
	}
	n := 0
	for d := today.AddDate(0, 0, 1); !d.After(due); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkingDay(d) {
			n++
		}
	}
	for d := due.AddDate(0, 0, 1); !d.After(today); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkingDay(d) {
			n--
		}
	}
	if n == 0 && today.After(due) {
		n = -1 // passed, even if only holidays went by
	}
	return n
}
