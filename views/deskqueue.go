package views

// The digital desk's home for staff: the work queue with its filters,
// counters, saved filters and bulk assignment.

// DeskQueuePage is the queue as a clerk sees it.
type DeskQueuePage struct {
	// Welcome names who is logged in and as what.
	Welcome string
	// Links are the desk's other pages this clerk may open.
	Links []Crumb
	// Notice reports the last bulk assignment or saved filter (a flash).
	Notice *DeskNotice
	// Errors summarises refused input (422), linking to the fields.
	Errors []ErrorLink
	Form   DeskFilterForm
	// Counters link to the same filter narrowed to a state, "mine",
	// "unassigned", "overdue".
	Counters []ApplicationFilter
	Caption  string // what the table shows
	Sorts    []DeskSortLink
	Rows     []DeskQueueRow
	Empty    string
	// PrevURL and NextURL are the neighbouring pages; "" when none.
	PrevURL, NextURL string
	Saved            []DeskSavedFilter
	// SaveQuery is the current filter's query, for "save this filter".
	SaveQuery string
	SaveName  string
	SaveError string
	Assign    DeskAssignForm
}

// DeskNotice is the outcome of an action: what succeeded and what not.
type DeskNotice struct {
	Message  string
	Failures []string
}

// DeskFilterForm is the queue's GET form, with what was typed and the
// message beside each refused field.
type DeskFilterForm struct {
	Statuses  []DeskChoice // checkboxes
	Services  []DeskChoice
	Offices   []DeskChoice
	Assignees []DeskChoice
	Deadlines []DeskChoice
	DueWithin string
	From, To  string
	Text      string
	Sort, Dir string // kept as hidden fields
	// FieldErrors by field name (the query parameter's).
	FieldErrors map[string]string
}

// Error is the message of a field; "" when it was accepted.
func (f DeskFilterForm) Error(field string) string { return f.FieldErrors[field] }

// DeskChoice is one choice of a select or a group of checkboxes.
type DeskChoice struct {
	Value, Label string
	Selected     bool
}

// DeskSortLink is a column's sort link: what it sorts by, and where a
// click leads (the other direction when it is the current sort).
type DeskSortLink struct {
	Label   string
	URL     string
	Current bool
	Desc    bool
}

// AriaSort is the column header's aria-sort.
func (s DeskSortLink) AriaSort() string {
	switch {
	case !s.Current:
		return ""
	case s.Desc:
		return "descending"
	}
	return "ascending"
}

// DeskQueueRow is one application in the table.
type DeskQueueRow struct {
	Reference string
	URL       string
	Revision  string
	Service   string
	Applicant string
	Code      string // codice fiscale
	Office    string
	Status    StatusBadge
	Assignee  string
	Submitted DatedFact
	Updated   DatedFact
	Due       DatedFact // zero without a due date
	// Deadline says how the deadline stands: days left, overdue, clock
	// stopped; DeadlineClass colours it (the words say it all).
	Deadline      string
	DeadlineClass string
}

// DeskSavedFilter is a saved filter: its link and its delete form.
type DeskSavedFilter struct {
	Name      string
	URL       string
	DeleteURL string
}

// DeskAssignForm assigns the rows ticked to one member of staff.
type DeskAssignForm struct {
	Options []DeskChoice
	Error   string
	// Return is the queue's query to come back to.
	Return string
}
