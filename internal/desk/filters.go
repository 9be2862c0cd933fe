package desk

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
)

// Assignee choices besides a member of staff's codice fiscale.
const (
	AssigneeAnyone     = ""
	AssigneeMine       = "mine"
	AssigneeUnassigned = "unassigned"
)

// Deadline choices.
const (
	DeadlineAny     = ""
	DeadlineOverdue = "overdue"
	DeadlineDueSoon = "due"
)

// Sort orders.
const (
	SortDue       = "due"
	SortSubmitted = "submitted"
	SortUpdated   = "updated"
)

// OpenStatuses are the states a clerk still has work on: the queue shows
// them when no state is chosen. migrations/009_queue.sql indexes them.
var OpenStatuses = []applications.Status{applications.Submitted, applications.Registered, applications.InProgress,
	applications.AwaitingIntegration}

// QueueStatuses are the states the queue can show, in the order the
// counters list them. Drafts are not among them.
var QueueStatuses = append(slices.Clone(OpenStatuses), applications.Accepted, applications.Rejected,
	applications.Withdrawn, applications.Cancelled)

// Limits of a filter.
const (
	MaxDueWithin = 365
	MinText      = 3
	MaxText      = 100
	PageSize     = 25
	MaxPageSize  = 100
)

// Filter is what the queue shows: every field set narrows it.
type Filter struct {
	Statuses []applications.Status // none: the open ones
	Service  string
	Office   string
	// Assignee is AssigneeAnyone, AssigneeMine, AssigneeUnassigned or a
	// member of staff's codice fiscale.
	Assignee string
	// Deadline is DeadlineAny, DeadlineOverdue (an open application past
	// its due date, clock running) or DeadlineDueSoon (due from today to
	// DueWithin days from today).
	Deadline  string
	DueWithin int
	// SubmittedFrom and SubmittedTo are civil dates in Europe/Rome (00:00
	// UTC), both included; zero for no bound.
	SubmittedFrom, SubmittedTo time.Time
	// Text finds the applicant by part of their name, their codice fiscale,
	// an application's reference (PR-…) or its protocol number.
	Text string
	Sort string // SortDue when empty
	Desc bool
	// After and Before are cursors of the page to show: the rows after
	// (next page) or before (previous page) that position. At most one.
	After, Before string
	Limit         int // PageSize when 0
}

// FieldError is a filter value refused: the query parameter and a code
// the page words ("date", "range", "text_short", …).
type FieldError struct {
	Field string
	Code  string
}

func (e FieldError) Error() string { return "desk: filter " + e.Field + ": " + e.Code }

// Query parameter names: Italian, like the site's paths.
const (
	qStatus    = "stato"
	qService   = "servizio"
	qOffice    = "ufficio"
	qAssignee  = "assegnatario"
	qDeadline  = "scadenza"
	qDueWithin = "giorni"
	qFrom      = "dal"
	qTo        = "al"
	qText      = "testo"
	qSort      = "ordina"
	qDir       = "verso"
	qAfter     = "dopo"
	qBefore    = "prima"
)

// The query's words for the filter's values.
var (
	assigneeWords = map[string]string{AssigneeMine: "mie", AssigneeUnassigned: "nessuno"}
	deadlineWords = map[string]string{DeadlineOverdue: "scadute", DeadlineDueSoon: "in-scadenza"}
	sortWords     = map[string]string{SortDue: "scadenza", SortSubmitted: "invio", SortUpdated: "modifica"}
)

func fromWord(words map[string]string, word string) (string, bool) {
	for v, w := range words {
		if w == word {
			return v, true
		}
	}
	return "", false
}

var (
	slugPattern       = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,79}$`)
	fiscalCodePattern = regexp.MustCompile(`^[A-Z0-9]{16}$`)
)

// ParseFilter reads a filter from the queue's query string. It returns
// every refused field; the filter it returns then still holds what could
// be read, to show the form again.
func ParseFilter(q url.Values) (Filter, []FieldError) {
	var f Filter
	var errs []FieldError
	for _, st := range q[qStatus] {
		if st == "" {
			continue
		}
		if !slices.Contains(QueueStatuses, applications.Status(st)) {
			errs = append(errs, FieldError{qStatus, "invalid"})
			continue
		}
		if !slices.Contains(f.Statuses, applications.Status(st)) {
			f.Statuses = append(f.Statuses, applications.Status(st))
		}
	}
	f.Service = strings.TrimSpace(q.Get(qService))
	if f.Service != "" && !slugPattern.MatchString(f.Service) {
		errs = append(errs, FieldError{qService, "invalid"})
	}
	f.Office = strings.TrimSpace(q.Get(qOffice))
	if f.Office != "" && !slugPattern.MatchString(f.Office) {
		errs = append(errs, FieldError{qOffice, "invalid"})
	}
	if a := strings.TrimSpace(q.Get(qAssignee)); a != "" {
		if v, ok := fromWord(assigneeWords, a); ok {
			f.Assignee = v
		} else if a = strings.ToUpper(a); fiscalCodePattern.MatchString(a) {
			f.Assignee = a
		} else {
			errs = append(errs, FieldError{qAssignee, "invalid"})
		}
	}
	if d := q.Get(qDeadline); d != "" {
		v, ok := fromWord(deadlineWords, d)
		if !ok {
			errs = append(errs, FieldError{qDeadline, "invalid"})
		}
		f.Deadline = v
	}
	if n := strings.TrimSpace(q.Get(qDueWithin)); n != "" {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > MaxDueWithin {
			errs = append(errs, FieldError{qDueWithin, "days"})
		} else {
			f.DueWithin = days
		}
	}
	if f.Deadline == DeadlineDueSoon && q.Get(qDueWithin) == "" {
		f.DueWithin = 7
	}
	var err error
	if f.SubmittedFrom, err = parseDate(q.Get(qFrom)); err != nil {
		errs = append(errs, FieldError{qFrom, "date"})
	}
	if f.SubmittedTo, err = parseDate(q.Get(qTo)); err != nil {
		errs = append(errs, FieldError{qTo, "date"})
	}
	if !f.SubmittedFrom.IsZero() && !f.SubmittedTo.IsZero() && f.SubmittedTo.Before(f.SubmittedFrom) {
		errs = append(errs, FieldError{qTo, "range"})
	}
	f.Text = strings.Join(strings.Fields(q.Get(qText)), " ")
	switch n := utf8.RuneCountInString(f.Text); {
	case n > 0 && n < MinText:
		errs = append(errs, FieldError{qText, "text_short"})
	case n > MaxText:
		errs = append(errs, FieldError{qText, "text_long"})
	}
	if s := q.Get(qSort); s != "" {
		v, ok := fromWord(sortWords, s)
		if !ok {
			errs = append(errs, FieldError{qSort, "invalid"})
		}
		f.Sort = v
	}
	switch q.Get(qDir) {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		errs = append(errs, FieldError{qDir, "invalid"})
	}
	f.After, f.Before = q.Get(qAfter), q.Get(qBefore)
	if f.After != "" && f.Before != "" {
		errs = append(errs, FieldError{qAfter, "invalid"})
	}
	for name, c := range map[string]string{qAfter: f.After, qBefore: f.Before} {
		if c != "" {
			if _, err := decodeCursor(c); err != nil {
				errs = append(errs, FieldError{name, "invalid"})
			}
		}
	}
	return f, errs
}

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || d.Year() < 2000 || d.Year() > 2200 {
		return time.Time{}, errors.New("bad date")
	}
	return d, nil
}

// Query writes the filter back as the queue's query string, without the
// page's cursor: what a link to the first page of the same filter, or a
// saved filter, carries.
func (f Filter) Query() url.Values {
	q := url.Values{}
	for _, st := range f.Statuses {
		q.Add(qStatus, string(st))
	}
	set := func(name, v string) {
		if v != "" {
			q.Set(name, v)
		}
	}
	set(qService, f.Service)
	set(qOffice, f.Office)
	if w, ok := assigneeWords[f.Assignee]; ok {
		set(qAssignee, w)
	} else {
		set(qAssignee, f.Assignee)
	}
	set(qDeadline, deadlineWords[f.Deadline])
	if f.Deadline == DeadlineDueSoon {
		set(qDueWithin, strconv.Itoa(f.DueWithin))
	}
	if !f.SubmittedFrom.IsZero() {
		set(qFrom, f.SubmittedFrom.Format(time.DateOnly))
	}
	if !f.SubmittedTo.IsZero() {
		set(qTo, f.SubmittedTo.Format(time.DateOnly))
	}
	set(qText, f.Text)
	if f.Sort != "" && f.Sort != SortDue {
		set(qSort, sortWords[f.Sort])
	}
	if f.Desc {
		set(qDir, "desc")
	}
	return q
}

// PageQuery returns the query of the page after (next) or before the cursor.
func (f Filter) PageQuery(next bool, cursor string) url.Values {
	q := f.Query()
	if next {
		q.Set(qAfter, cursor)
	} else {
		q.Set(qBefore, cursor)
	}
	return q
}

// SortQuery is the query of the first page of the same filter sorted by
// sort in the given direction.
func (f Filter) SortQuery(sort string, desc bool) url.Values {
	f.Sort, f.Desc = sort, desc
	return f.Query()
}

// The query parameter names, for the page's form.
var QueryNames = struct {
	Status, Service, Office, Assignee, Deadline, DueWithin, From, To, Text, Sort, Dir string
}{qStatus, qService, qOffice, qAssignee, qDeadline, qDueWithin, qFrom, qTo, qText, qSort, qDir}

// AssigneeWord, DeadlineWord and SortWord are how the query writes a
// value (for the form's options).
func AssigneeWord(v string) string {
	if w, ok := assigneeWords[v]; ok {
		return w
	}
	return v
}

// DeadlineWord is the query's word for a deadline choice.
func DeadlineWord(v string) string { return deadlineWords[v] }

// SortWord is the query's word for a sort order.
func SortWord(v string) string { return sortWords[v] }

// cursor is a position in the queue: the sort key of a row and its id.
type cursor struct {
	Key string // the sort key as text: a date, "infinity", or an RFC 3339 instant
	ID  string
}

func encodeCursor(c cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.Key + "|" + c.ID))
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func decodeCursor(s string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 120 {
		return cursor{}, errors.New("desk: bad cursor")
	}
	key, id, ok := strings.Cut(string(b), "|")
	if !ok || !uuidPattern.MatchString(id) {
		return cursor{}, errors.New("desk: bad cursor")
	}
	if key != "infinity" && key != "-infinity" {
		if _, err := time.Parse(time.DateOnly, key); err != nil {
			if _, err := time.Parse(time.RFC3339Nano, key); err != nil {
				return cursor{}, errors.New("desk: bad cursor")
			}
		}
	}
	return cursor{Key: key, ID: id}, nil
}

// SavedFilter is a filter a clerk named to find it again.
type SavedFilter struct {
	ID    string
	Name  string
	Query string // the queue's query string
}

// Saved-filter limits (saved_filters' checks).
const (
	MaxFilterName  = 80
	MaxFilterQuery = 2000
)

// SavedFilters lists the clerk's saved filters by name.
func (d *Desk) SavedFilters(ctx context.Context, tenantID string, clerk applications.Clerk) ([]SavedFilter, error) {
	var out []SavedFilter
	err := d.inTenant(ctx, tenantID, "saved filters", func(tx pgx.Tx) error {
		if _, err := applications.LoadScope(ctx, tx, tenantID, clerk.FiscalCode); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id::text, name, query FROM saved_filters
			WHERE tenant_id = $1 AND fiscal_code = $2 ORDER BY lower(name), id`, tenantID, clerk.FiscalCode)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[SavedFilter])
		return err
	})
	return out, err
}

// SaveFilter names the filter f for the clerk. A refused name is a
// FieldError on "name" with the code "required", "too_long" or "taken"
// (the clerk has a filter of that name); the query kept is f.Query().
func (d *Desk) SaveFilter(ctx context.Context, tenantID string, clerk applications.Clerk, name string, f Filter) (SavedFilter, error) {
	name = strings.Join(strings.Fields(name), " ")
	switch {
	case name == "":
		return SavedFilter{}, FieldError{"name", "required"}
	case utf8.RuneCountInString(name) > MaxFilterName:
		return SavedFilter{}, FieldError{"name", "too_long"}
	}
	sf := SavedFilter{Name: name, Query: f.Query().Encode()}
	if len(sf.Query) > MaxFilterQuery {
		return SavedFilter{}, FieldError{"name", "too_long"}
	}
	err := d.inTenant(ctx, tenantID, "save filter", func(tx pgx.Tx) error {
		if _, err := applications.LoadScope(ctx, tx, tenantID, clerk.FiscalCode); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO saved_filters (tenant_id, fiscal_code, name, query) VALUES ($1, $2, $3, $4)
			RETURNING id::text`, tenantID, clerk.FiscalCode, sf.Name, sf.Query).Scan(&sf.ID)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return SavedFilter{}, FieldError{"name", "taken"}
	}
	return sf, err
}

// DeleteFilter removes one of the clerk's saved filters; db.ErrNotFound
// for anyone else's.
func (d *Desk) DeleteFilter(ctx context.Context, tenantID string, clerk applications.Clerk, id string) error {
	if !uuidPattern.MatchString(id) {
		return db.ErrNotFound
	}
	return d.inTenant(ctx, tenantID, "delete filter", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM saved_filters WHERE tenant_id = $1 AND fiscal_code = $2 AND id = $3`,
			tenantID, clerk.FiscalCode, id)
		if err == nil && tag.RowsAffected() == 0 {
			return db.ErrNotFound
		}
		return err
	})
}
