package views

// The pages of the citizen's journey through an online application: the
// start page of a service, each step of its form, the summary, the
// confirmation.

// ApplyFrame is what every page of the journey shows around its content:
// the service, the stepper and the way to book an appointment.
type ApplyFrame struct {
	Service    string // the service's title
	Reference  string
	Steps      []StepperItem
	BookingURL string // /prenota?servizio=…&pratica=…
	Notice     string // e.g. the form was replaced and the draft carried
}

// StepperItem is one entry of the visible stepper.
type StepperItem struct {
	Label   string
	URL     string // "" for steps not reachable yet
	Current bool
	Done    bool
}

// ApplyStartPage is a service's "before you start" page.
type ApplyStartPage struct {
	Slug        string
	Service     string
	Description string
	Needed      []Block
	Steps       []string
	Time        string // "about 10 minutes"? the legal maximum, e.g. "Conclusione entro 45 giorni"
	Drafts      []DraftLink
	StartAction string
	BookingURL  string
}

// DraftLink is one draft the person can resume.
type DraftLink struct {
	Reference string
	URL       string
	Saved     string
	Expires   string
}

// ApplyStepPage is one step of the form.
type ApplyStepPage struct {
	Frame     ApplyFrame
	Title     string
	Help      string
	Action    string // where the step posts
	Multipart bool
	Visible   string // the fields shown, posted back to tell new ones apart
	Fields    []FormField
	Errors    []ErrorLink
	BackURL   string // "" on the first step
	Summary   bool   // came from the summary: "Save and return to the summary"
	Appeared  bool   // new questions appeared from the answers given
}

// ErrorLink is one line of an error summary: the message and the field it
// is about.
type ErrorLink struct {
	Message string
	Href    string
}

// ApplySummaryPage is the single summary of everything entered.
type ApplySummaryPage struct {
	Frame        ApplyFrame
	Sections     []SummarySectionView
	Declarations []DeclarationView
	Errors       []ErrorLink
	Action       string
	BackURL      string
}

// SummarySectionView is one step's answers with a link to change them.
type SummarySectionView struct {
	Title     string
	ChangeURL string
	Items     []SummaryItemView
}

// SummaryItemView is one answer; Lines are its values, one a line.
type SummaryItemView struct {
	Label     string
	Lines     []string
	ChangeURL string
}

// DeclarationView is a statement to tick before sending.
type DeclarationView struct {
	ID      string
	Text    string
	Checked bool
	Error   string
}

// ApplyConfirmationPage is what the person sees after sending.
type ApplyConfirmationPage struct {
	Service     string
	Reference   string
	SubmittedAt string
	Protocol    string // "" until assigned
	DueDate     string
	Email       string // where the acknowledgement goes; "" when none
	ReceiptURL  string // "" while the receipt is being prepared
	DetailURL   string
	BookingURL  string
}
