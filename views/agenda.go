package views

// The clerk's agenda on the digital desk: the appointments of the desks
// (sportelli) of their offices by day or week, one appointment with its
// actions, the forms to move or cancel it, and the clerk's waiting room of
// a video appointment.

// AgendaPage is the agenda of a day or a week.
type AgendaPage struct {
	// Errors summarises refused filters (422), linking to the fields.
	Errors []ErrorLink
	Form   AgendaFilterForm
	// Period is what the page shows, in words: a day or a week.
	Period string
	// PrevURL, NextURL and TodayURL move through the days or weeks with
	// the same filters; PrevLabel and NextLabel say by how much.
	PrevURL, NextURL, TodayURL string
	PrevLabel, NextLabel       string
	// Views switch between the day and the week, same day and filters.
	Views []ApplicationFilter
	// Week: the week view (seven days), else one day.
	Week bool
	// Days are the days shown: one for the day view, seven for the week.
	Days []AgendaDay
	// ShowDesk adds the desk's column (when every desk is shown).
	ShowDesk bool
	// Feed is the selected desk's private calendar feed; nil when no desk
	// is selected (FeedHint says to choose one).
	Feed     *AgendaFeed
	FeedHint string
	// NoDesks: the clerk's offices have no desk at all.
	NoDesks bool
}

// AgendaFilterForm is the agenda's GET form, with what was asked.
type AgendaFilterForm struct {
	View   string // "giorno" or "settimana"
	Day    string // YYYY-MM-DD as typed
	Desks  []DeskChoice
	Clerks []DeskChoice
	// FieldErrors by field name (the query parameter's).
	FieldErrors map[string]string
}

// Error is the message of a field; "" when it was accepted.
func (f AgendaFilterForm) Error(field string) string { return f.FieldErrors[field] }

// AgendaDay is one day's appointments.
type AgendaDay struct {
	Caption string // the day in words, the table's caption
	ISO     string // YYYY-MM-DD
	Today   bool
	Rows    []AgendaRow
	Empty   string // said when Rows is empty
}

// AgendaRow is one appointment in the agenda.
type AgendaRow struct {
	Time      string // "09:30–09:50"
	ISO       string // start, for <time datetime>
	Reference string
	URL       string // its detail
	Citizen   string
	Service   string
	Mode      string
	Video     bool
	Status    AgendaStatus
	Clerk     string
	Desk      string
}

// AgendaStatus is an appointment's status as a badge.
type AgendaStatus struct {
	Code  string // booked, checked_in, done, no_show, cancelled
	Label string
}

// Class is the badge's Bootstrap Italia classes.
func (s AgendaStatus) Class() string {
	switch s.Code {
	case "checked_in":
		return "badge bg-warning text-dark"
	case "done":
		return "badge bg-success"
	case "no_show", "cancelled":
		return "badge bg-danger"
	}
	return "badge bg-primary"
}

// AgendaFeed is a desk's private iCalendar feed.
type AgendaFeed struct {
	Desk string
	URL  string
}

// AgendaDetailPage is one appointment as the clerk sees it.
type AgendaDetailPage struct {
	Reference string
	Heading   string
	Status    AgendaStatus
	Notice    string // what the clerk just did
	Problem   string // why an action was refused (409)
	Errors    []ErrorLink
	// Facts: when, desk, where, service, mode, clerk, booked at…
	Facts []Fact
	// Citizen: name, fiscal code, email, phone (links where they call).
	Citizen []Fact
	// Note is what the citizen wrote, line by line.
	Note []string
	// ApplicationURL is the related application on the desk; "" when none.
	ApplicationURL string
	ApplicationRef string
	// Mark records an outcome or the clerk's note; nil when the
	// appointment is closed (cancelled).
	Mark *AgendaMarkForm
	// Assign takes the appointment or lets it go.
	Assign *AgendaAssignForm
	// MoveURL, CancelURL and RoomURL are the other actions; "" when they
	// do not apply.
	MoveURL, CancelURL, RoomURL string
	BackURL                     string
}

// AgendaMarkForm records check-in, done or no-show with the clerk's note.
type AgendaMarkForm struct {
	Action  string
	Note    DeskField
	Buttons []AgendaButton
}

// AgendaButton is one submit button of a form, with the value it sends.
type AgendaButton struct {
	Name, Value, Label string
	Primary            bool
	TestID             string
}

// AgendaAssignForm takes the appointment (Take) or lets it go.
type AgendaAssignForm struct {
	Action string
	Button AgendaButton
}

// AgendaChangePage is the form that moves or cancels an appointment.
type AgendaChangePage struct {
	Heading   string
	Lead      string
	Reference string
	Facts     []Fact
	Action    string
	Errors    []ErrorLink
	// Problem says why the chosen slot could not be had (a *SlotError).
	Problem string
	// Slots are the free slots to move to (nil on the cancel form).
	Slots      *AgendaSlotChoice
	Message    DeskField
	Submit     string
	Danger     bool
	BackURL    string
	BackLabel  string
	SlotsEmpty string
}

// AgendaSlotChoice is the plain list of days and times to choose from.
type AgendaSlotChoice struct {
	Legend string
	Error  string
	Days   []AgendaSlotDay
}

// AgendaSlotDay is one day of free slots.
type AgendaSlotDay struct {
	ID    string
	Label string
	Slots []AgendaSlot
}

// AgendaSlot is one free slot as a radio button.
type AgendaSlot struct {
	ID      string
	Value   string // the start, RFC 3339
	Label   string // "09:30"
	Checked bool
}

// AgendaRoomPage is the clerk's waiting room of a video appointment.
type AgendaRoomPage struct {
	Reference string
	Facts     []Fact
	// Open: the room can be entered now, at RoomURL.
	Open    bool
	RoomURL string
	// Wait says when the room opens, or that it has closed.
	Wait string
	// Placeholder: no video service (development); PlaceholderURL is the
	// citizen-side stand-in page.
	Placeholder    bool
	PlaceholderURL string
	RefreshURL     string
	BackURL        string
}
