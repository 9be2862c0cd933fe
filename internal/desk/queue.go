package desk

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/workdays"
)

// Desk reads the work queue and keeps the clerks' saved filters.
type Desk struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// New returns a Desk on pool.
func New(pool *pgxpool.Pool) *Desk { return &Desk{pool: pool, now: time.Now} }

// SetClock replaces the clock (tests): "today" decides what is overdue.
func (d *Desk) SetClock(now func() time.Time) { d.now = now }

func (d *Desk) inTenant(ctx context.Context, tenantID, what string, fn func(tx pgx.Tx) error) error {
	if err := db.InTenant(ctx, d.pool, tenantID, fn); err != nil {
		return fmt.Errorf("%s: %w", what, db.Classify(err))
	}
	return nil
}

// Row is one application in the queue.
type Row struct {
	ID             string
	Reference      string
	Service        string
	Office         string
	Status         applications.Status
	ApplicantName  string
	ApplicantCode  string // codice fiscale
	ProtocolNumber string
	Assignee       string // codice fiscale; "" when unassigned
	AssigneeName   string
	Revision       int
	SubmittedAt    time.Time
	UpdatedAt      time.Time
	DueOn          *time.Time // a civil date (00:00 UTC)
	Suspended      bool       // the clock stopped: an integration is awaited
}

// DaysLeft is how many days are left until the due date from today (a
// civil date), negative when overdue; ok is false without a due date.
func (r Row) DaysLeft(today time.Time) (days int, ok bool) {
	if r.DueOn == nil {
		return 0, false
	}
	return int(r.DueOn.Sub(today).Hours() / 24), true
}

// Counters count the applications under the current filter: ByStatus
// ignores the status filter (how many each state would show), Mine and
// Unassigned ignore the assignee filter, Overdue ignores the deadline
// filter; each keeps every other filter.
//
// Only the open states and the states the filter shows are counted (a
// key in ByStatus says it was): a comune's decided applications are most
// of its table and grow for ever, and counting them on every page view
// would cost more than the page.
type Counters struct {
	ByStatus   map[applications.Status]int
	Mine       int
	Unassigned int
	Overdue    int
}

// Page is one page of the queue.
type Page struct {
	Rows []Row
	// Next and Prev are the cursors of the following and preceding pages;
	// "" when there is none.
	Next, Prev string
	Counters   Counters
	// Scope is the clerk's role and offices, as read for this page.
	Scope applications.Scope
	// Today is the civil date the deadlines were judged on.
	Today time.Time
	// Filter is the filter shown, defaults filled in.
	Filter Filter
}

// Queue reads one page of the applications the clerk works on under the
// filter, and the counters of the filter, in one tenant transaction. A
// clerk or an office manager sees their offices' applications, an admin
// every office's; someone not on the comune's staff gets
// applications.ErrForbidden. The filter must come from ParseFilter (or be
// built with its values).
func (d *Desk) Queue(ctx context.Context, tenantID string, clerk applications.Clerk, f Filter) (Page, error) {
	if f.Sort == "" {
		f.Sort = SortDue
	}
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		f.Limit = PageSize
	}
	page := Page{Today: workdays.DateOf(d.now()), Filter: f}
	err := d.inTenant(ctx, tenantID, "queue", func(tx pgx.Tx) error {
		sc, err := applications.LoadScope(ctx, tx, tenantID, clerk.FiscalCode)
		if err != nil {
			return err
		}
		page.Scope = sc
		q := newQueueSQL(tenantID, sc, f, page.Today)
		if err := q.rows(ctx, tx, &page); err != nil {
			return err
		}
		return q.counters(ctx, tx, &page.Counters)
	})
	return page, err
}

// queueSQL builds the queue's statements: conditions with their
// arguments. Values from the person are always arguments; the only text
// spliced in is from this package's own constants (states, sort keys),
// kept literal so the planner can match the partial indexes of
// migrations/009_queue.sql.
type queueSQL struct {
	f     Filter
	args  pgx.NamedArgs // named, so a statement may leave some unused
	base  []string      // tenant, scope, not drafts, and every filter but state, assignee, deadline
	state string        // the state filter
	who   string        // the assignee filter ("" for none)
	when  string        // the deadline filter ("" for none)
	me    string        // the argument holding the clerk's codice fiscale
	late  string        // overdue, whatever the filter says
}

func (q *queueSQL) arg(v any) string {
	name := "p" + strconv.Itoa(len(q.args)+1)
	q.args[name] = v
	return "@" + name
}

// dueKey is the due-date sort key: dates not set come last either way.
// The ascending one is what migrations/009_queue.sql indexes.
func dueKey(desc bool) string {
	if desc {
		return "coalesce(a.due_on, '-infinity'::date)"
	}
	return "coalesce(a.due_on, 'infinity'::date)"
}

// statusList is states as SQL literals (they are this package's
// constants, checked by ParseFilter).
func statusList(sts []applications.Status) string {
	quoted := make([]string, len(sts))
	for i, st := range sts {
		quoted[i] = "'" + strings.ReplaceAll(string(st), "'", "") + "'"
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}

// runningStatuses are the states whose legal clock runs: what can be
// overdue or due soon.
var runningStatuses = []applications.Status{applications.Submitted, applications.Registered, applications.InProgress}

var (
	protocolPattern = regexp.MustCompile(`^(\d{4})/0*(\d{1,9})$`)
)

func newQueueSQL(tenantID string, sc applications.Scope, f Filter, today time.Time) *queueSQL {
	q := &queueSQL{f: f, args: pgx.NamedArgs{}}
	q.base = append(q.base, "a.tenant_id = "+q.arg(tenantID), "a.status <> 'draft'")
	if !sc.AllOffices() {
		offices := sc.Offices
		if offices == nil {
			offices = []string{}
		}
		q.base = append(q.base, "a.office_slug = ANY("+q.arg(offices)+"::text[])")
	}
	if f.Service != "" {
		q.base = append(q.base, "a.service_slug = "+q.arg(f.Service))
	}
	if f.Office != "" {
		q.base = append(q.base, "a.office_slug = "+q.arg(f.Office))
	}
	if !f.SubmittedFrom.IsZero() {
		q.base = append(q.base, "a.submitted_at >= ("+q.arg(f.SubmittedFrom)+"::date)::timestamp AT TIME ZONE 'Europe/Rome'")
	}
	if !f.SubmittedTo.IsZero() {
		q.base = append(q.base, "a.submitted_at < ("+q.arg(f.SubmittedTo)+"::date + 1)::timestamp AT TIME ZONE 'Europe/Rome'")
	}
	if f.Text != "" {
		q.base = append(q.base, q.textCondition(f.Text))
	}

	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = OpenStatuses
	}
	q.state = "a.status IN " + statusList(statuses)

	q.me = q.arg(sc.FiscalCode)
	switch f.Assignee {
	case AssigneeAnyone:
	case AssigneeMine:
		q.who = "a.assignee = " + q.me
	case AssigneeUnassigned:
		q.who = "a.assignee IS NULL"
	default:
		q.who = "a.assignee = " + q.arg(f.Assignee)
	}
	t := q.arg(today)
	running := "a.status IN " + statusList(runningStatuses)
	q.late = running + " AND " + dueKey(false) + " < " + t + "::date"
	switch f.Deadline {
	case DeadlineOverdue:
		q.when = q.late
	case DeadlineDueSoon:
		q.when = running + " AND " + dueKey(false) + " BETWEEN " + t + "::date AND " + t + "::date + " + q.arg(f.DueWithin) + "::int"
	}
	return q
}

// textCondition finds the text as what it looks like: a reference, a
// protocol number, a codice fiscale, or else a part of the applicant's
// name (accents and case folded).
func (q *queueSQL) textCondition(text string) string {
	upper := strings.ToUpper(text)
	switch {
	case applications.IsReference(upper):
		return "a.reference = " + q.arg(upper)
	case fiscalCodePattern.MatchString(upper):
		return "a.applicant_fiscal_code = " + q.arg(upper)
	}
	if m := protocolPattern.FindStringSubmatch(text); m != nil {
		year, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		return "a.protocol_number IN (" + q.arg(applications.FormatProtocol(year, n)) + ", " + q.arg(text) + ")"
	}
	like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text)
	return "a.applicant_name_folded LIKE '%' || civica_fold(" + q.arg(like) + ") || '%'"
}

// where joins conditions, skipping empty ones.
func where(conds ...string) string {
	var out []string
	for _, c := range conds {
		if c != "" {
			out = append(out, c)
		}
	}
	return strings.Join(out, " AND ")
}

// rowsSQL is the page's statement: the rows after (or before) the
// cursor in the sort's order, one more than the page to know whether
// another follows.
func (q *queueSQL) rowsSQL() string {
	f := q.f
	key := dueKey(f.Desc)
	typ := "date"
	switch f.Sort {
	case SortSubmitted:
		key, typ = "a.submitted_at", "timestamptz"
	case SortUpdated:
		key, typ = "a.updated_at", "timestamptz"
	}
	// Reading backwards (the previous page) walks the order the other
	// way; rows turns the rows round afterwards.
	desc := f.Desc != (f.Before != "")
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	conds := append(slices.Clone(q.base), q.state, q.who, q.when)
	if c := f.After + f.Before; c != "" {
		if cur, err := decodeCursor(c); err == nil { // ParseFilter checked it
			conds = append(conds, "("+key+", a.id) "+cmp+" ("+q.arg(cur.Key)+"::"+typ+", "+q.arg(cur.ID)+"::uuid)")
		}
	}
	return `SELECT a.id::text, a.reference, a.service_slug, a.office_slug, a.status, a.applicant_name,
			a.applicant_fiscal_code, coalesce(a.protocol_number, ''), coalesce(a.assignee, ''), coalesce(m.display_name, ''),
			a.revision, a.submitted_at, a.updated_at, a.due_on, a.suspended_at IS NOT NULL
		FROM applications a
		LEFT JOIN staff_members m ON m.tenant_id = a.tenant_id AND m.fiscal_code = a.assignee
		WHERE ` + where(conds...) + `
		ORDER BY ` + key + ` ` + dir + `, a.id ` + dir + `
		LIMIT ` + strconv.Itoa(f.Limit+1)
}

// rows reads the page and the cursors of its neighbours.
func (q *queueSQL) rows(ctx context.Context, tx pgx.Tx, page *Page) error {
	f := q.f
	back := f.Before != ""
	sql := q.rowsSQL()
	rows, err := tx.Query(ctx, sql, q.args)
	if err != nil {
		return fmt.Errorf("queue rows: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Row])
	if err != nil {
		return fmt.Errorf("queue rows: %w", err)
	}
	more := len(list) > f.Limit
	if more {
		list = list[:f.Limit]
	}
	if back {
		slices.Reverse(list)
	}
	page.Rows = list
	if len(list) == 0 {
		return nil
	}
	first, last := q.cursorOf(list[0]), q.cursorOf(list[len(list)-1])
	switch {
	case back:
		page.Next = last
		if more {
			page.Prev = first
		}
	case f.After != "":
		page.Prev = first
		if more {
			page.Next = last
		}
	default:
		if more {
			page.Next = last
		}
	}
	return nil
}

// cursorOf is the position of a row in the current sort.
func (q *queueSQL) cursorOf(r Row) string {
	var key string
	switch q.f.Sort {
	case SortSubmitted:
		key = r.SubmittedAt.UTC().Format(time.RFC3339Nano)
	case SortUpdated:
		key = r.UpdatedAt.UTC().Format(time.RFC3339Nano)
	default:
		switch {
		case r.DueOn != nil:
			key = r.DueOn.Format(time.DateOnly)
		case q.f.Desc:
			key = "-infinity"
		default:
			key = "infinity"
		}
	}
	return encodeCursor(cursor{Key: key, ID: r.ID})
}

// countersSQL is the counters' grouped statement.
func (q *queueSQL) countersSQL() string {
	or := func(cond string) string {
		if cond == "" {
			return "true"
		}
		return cond
	}
	who, when := or(q.who), or(q.when)
	return `SELECT a.status,
			count(*) FILTER (WHERE ` + who + ` AND ` + when + `),
			count(*) FILTER (WHERE a.assignee = ` + q.me + ` AND ` + when + `),
			count(*) FILTER (WHERE a.assignee IS NULL AND ` + when + `),
			count(*) FILTER (WHERE ` + q.late + ` AND ` + who + `)
		FROM applications a
		WHERE ` + where(append(slices.Clone(q.base), "a.status IN "+statusList(q.counted()))...) + `
		GROUP BY a.status`
}

// counters counts the filter's applications per state in one grouped
// query (see Counters for what each one leaves out).
func (q *queueSQL) counters(ctx context.Context, tx pgx.Tx, c *Counters) error {
	sql := q.countersSQL()
	rows, err := tx.Query(ctx, sql, q.args)
	if err != nil {
		return fmt.Errorf("queue counters: %w", err)
	}
	defer rows.Close()
	shown := q.f.Statuses
	if len(shown) == 0 {
		shown = OpenStatuses
	}
	c.ByStatus = map[applications.Status]int{}
	for _, st := range q.counted() {
		c.ByStatus[st] = 0
	}
	for rows.Next() {
		var st applications.Status
		var n, mine, unassigned, overdue int
		if err := rows.Scan(&st, &n, &mine, &unassigned, &overdue); err != nil {
			return fmt.Errorf("queue counters: %w", err)
		}
		c.ByStatus[st] = n
		if slices.Contains(shown, st) {
			c.Mine += mine
			c.Unassigned += unassigned
			c.Overdue += overdue
		}
	}
	return rows.Err()
}

// counted are the states the counters count: the open ones and those
// shown.
func (q *queueSQL) counted() []applications.Status {
	out := slices.Clone(OpenStatuses)
	for _, st := range q.f.Statuses {
		if !slices.Contains(out, st) {
			out = append(out, st)
		}
	}
	return out
}

// Staff is a member of staff a clerk may pick in the queue.
type Staff struct {
	FiscalCode string
	Name       string
}

// Assignees lists, by name, the members of staff who work on at least one
// of the clerk's offices (every one of the comune's for an admin): whom
// the queue can filter by, and whom an office manager can assign to.
func (d *Desk) Assignees(ctx context.Context, tenantID string, clerk applications.Clerk) ([]Staff, error) {
	var out []Staff
	err := d.inTenant(ctx, tenantID, "assignees", func(tx pgx.Tx) error {
		sc, err := applications.LoadScope(ctx, tx, tenantID, clerk.FiscalCode)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT m.fiscal_code, m.display_name FROM staff_members m
			WHERE m.tenant_id = $1 AND ($2 OR m.role = 'admin' OR EXISTS (SELECT 1 FROM staff_offices o
				WHERE o.tenant_id = m.tenant_id AND o.fiscal_code = m.fiscal_code AND o.office_slug = ANY($3::text[])))
			ORDER BY m.display_name, m.fiscal_code`, tenantID, sc.AllOffices(), append([]string{}, sc.Offices...))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Staff])
		return err
	})
	return out, err
}

// ExplainQueue runs the queue's two statements for the filter under
// EXPLAIN (ANALYZE, BUFFERS) and returns their plans, for the benchmark's
// report: a plan that reads the whole table shows here first.
func (d *Desk) ExplainQueue(ctx context.Context, tenantID string, clerk applications.Clerk, f Filter) (string, error) {
	if f.Sort == "" {
		f.Sort = SortDue
	}
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		f.Limit = PageSize
	}
	var out strings.Builder
	err := d.inTenant(ctx, tenantID, "explain queue", func(tx pgx.Tx) error {
		sc, err := applications.LoadScope(ctx, tx, tenantID, clerk.FiscalCode)
		if err != nil {
			return err
		}
		q := newQueueSQL(tenantID, sc, f, workdays.DateOf(d.now()))
		for _, stmt := range []struct{ name, sql string }{{"rows", q.rowsSQL()}, {"counters", q.countersSQL()}} {
			rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+stmt.sql, q.args)
			if err != nil {
				return err
			}
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			fmt.Fprintf(&out, "-- %s\n%s\n", stmt.name, strings.Join(lines, "\n"))
		}
		return nil
	})
	return out.String(), err
}
