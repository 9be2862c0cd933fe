package views

// The citizen's booking of an appointment (/prenota) in the Modello
// Comuni's steps: place, date and time, reason, applicant, summary, then
// the confirmation; the person's appointments in the personal area and a
// guest's manage link (detail, move, cancel); the video waiting room.

// BookingFrame is what every step shows around its content: the stepper,
// the error summary and a notice.
type BookingFrame struct {
	Steps  []StepperItem
	Errors []ErrorLink
	Notice string // e.g. the slot was just taken
}

// BookingPlacePage is step 1: the desk, grouped by office, and the mode.
type BookingPlacePage struct {
	Frame   BookingFrame
	Lead    string
	Action  string
	Service string // the service the desks are filtered by; "" for all
	// NoDeskForService: no desk handles Service, so every desk is listed.
	NoDeskForService bool
	AllURL           string // every desk, without the filter
	Offices          []BookingOffice
	DeskError        string
	// Modes is the mode's radio group, shown when a desk offers both.
	Modes     []Choice
	ModeError string
}

// BookingOffice is one office's desks.
type BookingOffice struct {
	Name  string
	ID    string // the fieldset's id
	Desks []BookingDeskChoice
}

// BookingDeskChoice is one desk's radio button.
type BookingDeskChoice struct {
	Value    string
	ID       string
	Label    string
	Hint     string // where it is, how (in person, video)
	Selected bool
}

// SlotPicker is the accessible list of free times: a fieldset per day
// with a radio button per time, a week a page, previous and next links.
type SlotPicker struct {
	RangeLabel string // "dal 7 al 13 dicembre 2026"
	From       string // the first day shown, yyyy-mm-dd (posted back)
	PrevURL    string // "" at the first bookable day
	NextURL    string // "" beyond the horizon
	// Nearest are the nearest free times, offered first after a slot was
	// just taken or refused.
	Nearest []SlotChoice
	Days    []SlotDay
	Error   string
	// FirstID is the id of the first radio button, where the error
	// summary points.
	FirstID string
}

// SlotDay is one day's free times.
type SlotDay struct {
	Legend string
	ISO    string
	Slots  []SlotChoice
}

// SlotChoice is one free time.
type SlotChoice struct {
	ID      string
	Value   string // RFC 3339
	Label   string // "09:30"
	Checked bool
}

// BookingSlotsPage is step 2: date and time.
type BookingSlotsPage struct {
	Frame   BookingFrame
	Action  string
	Place   string // the desk and mode chosen
	Picker  SlotPicker
	BackURL string
}

// BookingReasonPage is step 3: the service and a note.
type BookingReasonPage struct {
	Frame        BookingFrame
	Action       string
	Services     []Choice
	ServiceError string
	Application  string // the application it is about, if any
	Note         string
	NoteError    string
	BackURL      string
}

// BookingApplicantPage is step 4: who books.
type BookingApplicantPage struct {
	Frame  BookingFrame
	Action string
	// LoggedIn: name and fiscal code are the person's, locked.
	LoggedIn   bool
	FiscalCode string
	// LoginRequired: the comune takes no guests; LoginURL is the way in.
	LoginRequired bool
	LoginURL      string
	Name          BookingField
	Email         BookingField
	Phone         BookingField
	BackURL       string
}

// BookingField is one text input of the booking forms.
type BookingField struct {
	ID           string // also its name
	Label        string
	Type         string // text, email, tel
	Autocomplete string
	Value        string
	Hint         string
	Error        string
	Readonly     bool
	MaxLength    string
}

// DescribedBy is the input's aria-describedby.
func (f BookingField) DescribedBy() string {
	ids := ""
	if f.Hint != "" {
		ids = f.ID + "-hint"
	}
	if f.Error != "" {
		if ids != "" {
			ids += " "
		}
		ids += f.ID + "-error"
	}
	return ids
}

// BookingCodePage asks a guest for the code sent to their email.
type BookingCodePage struct {
	Frame        BookingFrame
	Action       string
	ResendAction string
	Lead         string
	Code         BookingField
	ChangeURL    string // back to the applicant step to change the address
}

// BookingSummaryPage is step 5: everything entered, and Conferma.
type BookingSummaryPage struct {
	Frame  BookingFrame
	Action string
	Items  []BookingSummaryItem
	// Key is the idempotency key of the booking the form makes.
	Key     string
	BackURL string
}

// BookingSummaryItem is one line of the summary with the step to change it.
type BookingSummaryItem struct {
	Label     string
	Value     string
	ChangeURL string
}

// BookingDonePage confirms a booking.
type BookingDonePage struct {
	Reference string
	Facts     []Fact
	Lead      string // "We sent the confirmation to …"
	ICSURL    string
	// ListURL is the person's appointments (logged in); ManageURL where to
	// move or cancel it (the personal area or the guest's signed link).
	ListURL   string
	ManageURL string
	RoomURL   string // the video waiting room, for a video appointment
}

// AppointmentsPage is the person's appointments in the personal area.
type AppointmentsPage struct {
	Notice  string
	Coming  []AppointmentItem
	Past    []AppointmentItem
	BookURL string
}

// AppointmentItem is one appointment in the list.
type AppointmentItem struct {
	Reference string
	Title     string // the service, or "Appuntamento"
	When      string
	ISO       string
	Place     string
	Status    StatusBadge
	URL       string
}

// AppointmentPage is one appointment: what, when, where, and what can be
// done with it.
type AppointmentPage struct {
	Notice    string
	Problem   string // a refusal (cut-off, slot), role=alert
	Title     string
	Reference string
	Status    StatusBadge
	Facts     []Fact
	ICSURL    string
	RoomURL   string // video appointments
	// CanChange: moving and cancelling are allowed; otherwise Rule says
	// until when they were (empty for cancelled or past ones).
	CanChange bool
	MoveURL   string
	CancelURL string
	Rule      string
	BackURL   string
	BackLabel string
}

// AppointmentCancelPage asks to confirm a cancellation.
type AppointmentCancelPage struct {
	Title   string
	Facts   []Fact
	Action  string
	BackURL string
}

// AppointmentMovePage chooses a new time for an appointment.
type AppointmentMovePage struct {
	Errors  []ErrorLink
	Notice  string
	Title   string
	Facts   []Fact
	Action  string
	Picker  SlotPicker
	BackURL string
}

// WaitingRoomPage is a video appointment's waiting room.
type WaitingRoomPage struct {
	Title string
	Facts []Fact
	// State: "open" (EnterURL can be followed), "early" (Message says when
	// to come back), "ended".
	State     string
	EnterURL  string
	Message   string
	ReloadURL string
	BackURL   string
}

// BookingMessagePage says something plainly: an invalid link, the
// development placeholder room.
type BookingMessagePage struct {
	Heading string
	Message []string
	BackURL string
	Back    string
}
