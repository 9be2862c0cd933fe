package views

// The office's figures and the comune admin's control pages: the jobs
// page, the audit log search, the dashboard, and the public page of
// processing times.

// Tab is one choice of a list's filter, with how many items it holds.
type Tab struct {
	Label   string
	URL     string
	Count   int
	Current bool
}

// JobsPage lists the comune's background jobs of one group.
type JobsPage struct {
	Tabs    []Tab
	Heading string
	Notice  string
	Empty   string
	Jobs    []JobRow
}

// JobRow is one job.
type JobRow struct {
	ID        string
	Kind      string // a readable name
	State     string // translated
	StateCode string // River's
	Attempts  string // "3 / 15"
	LastError string
	Created   DatedFact
	Scheduled DatedFact
	Reference string
	// RetryAction is where the retry button posts; "" when the job
	// cannot be retried.
	RetryAction string
}

// AuditPage is the audit log search: the form as typed, its errors, and a
// page of lines.
type AuditPage struct {
	Actor, Reference, Action, From, To string
	Actions                            []SelectOption
	Errors                             []ErrorLink
	FieldErrors                        map[string]string
	Lines                              []AuditRow
	NextURL                            string
}

// SelectOption is one choice of a select, marked when chosen.
type SelectOption struct {
	Value    string
	Label    string
	Selected bool
}

// AuditRow is one line of the audit log.
type AuditRow struct {
	When       DatedFact
	Who        string
	FiscalCode string
	Action     string
	Reference  string
	RemoteAddr string
	Detail     string
}

// DashboardPage is an office manager's (or admin's) dashboard.
type DashboardPage struct {
	Scope    string // which offices
	Period   string // the decisions' window
	Totals   []StatusCount
	Services []DashboardRow
	OnTime   BarChart
	Median   BarChart
}

// StatusCount is how many applications are in one status.
type StatusCount struct {
	Code  string
	Label string
	Count int
}

// DashboardRow is one service's figures, as text.
type DashboardRow struct {
	Service  string
	Office   string
	Open     int
	Closed   int
	Decided  int
	OnTime   string // "85%", or "—"
	Median   string // "12,5", or "—"
	ByStatus []StatusCount
}

// BarChart is a horizontal bar chart drawn in SVG, with the geometry
// worked out by the handler. The same figures are always in a table
// beside it.
type BarChart struct {
	ID     string // prefix of the ids of its title and description
	Title  string
	Desc   string
	Height string // of the viewBox
	Bars   []Bar
}

// Bar is one bar: its label above, its value after it.
type Bar struct {
	Label  string
	Value  string
	Width  string // of the rect, in viewBox units
	LabelY string
	BarY   string
	ValueX string
	ValueY string
}

// ViewBox is the chart's SVG viewBox.
func (b BarChart) ViewBox() string { return "0 0 " + ChartWidth + " " + b.Height }

// ChartWidth is the width of every chart's viewBox.
const ChartWidth = "640"

// TransparencyPage is the public page of processing times.
type TransparencyPage struct {
	Period  string
	CSVURL  string
	JSONURL string
	Rows    []TransparencyRow
}

// TransparencyRow is one service.
type TransparencyRow struct {
	Service string
	URL     string
	MaxDays string // "30", or "—"
	Decided int
	Average string
	Median  string
}

// AriaCurrent marks the current tab for assistive technology.
func (t Tab) AriaCurrent() string {
	if t.Current {
		return "page"
	}
	return ""
}
