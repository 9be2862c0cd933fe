package views

import "github.com/a-h/templ"

// Campaigns, for a comune's admins: the list, the form of a draft, and a
// campaign's page (its message, who it reaches, scheduling, progress and
// the pause, resume and cancel buttons).

// CampaignsPage lists the campaigns.
type CampaignsPage struct {
	Notice string
	NewURL string
	Rows   []CampaignRow
}

// CampaignRow is one campaign in the list.
type CampaignRow struct {
	ID, Title, URL, Segment string
	StatusCode, Status      string
	When                    string // scheduled time, "" for a draft
	Sent, Total             int
	Progress                string // "12 of 40 people (30%)", "" before it starts
}

// CampaignFormPage is the form of a new campaign or of a draft.
type CampaignFormPage struct {
	Heading string
	Action  string
	BackURL string
	Errors  []ErrorLink
	// Title, SubjectIT, BodyIT, SubjectEN, BodyEN are text fields
	// (FormFields); Topic and Service selects.
	Title, SubjectIT, BodyIT FormField
	SubjectEN, BodyEN        FormField
	Segments                 []SegmentChoice
	SegmentError             string
	Topic, Service, Day      FormField
}

// SegmentChoice is one radio of the segment.
type SegmentChoice struct {
	Value, Label string
	Checked      bool
	Disabled     bool
	Note         string // why it is disabled
}

// SegmentErrorID is the id of the segment's error message.
func (CampaignFormPage) SegmentErrorID() string { return "campaign-segment-error" }

// CampaignPage is one campaign.
type CampaignPage struct {
	Notice string
	Error  string // an action refused (409)
	Errors []ErrorLink
	ID     string
	Title  string
	// StatusCode is draft, scheduled, running, paused, done, cancelled.
	StatusCode, Status string
	Facts              []Fact
	Subject, SubjectEN string
	Body, BodyEN       []string // paragraphs
	// Reach is "N people: X by email…" (drafts and scheduled ones).
	Reach     string
	ReachNote string
	// Schedule: a draft's form; WhenValue kept on 422.
	CanSchedule    bool
	ScheduleAction string
	WhenValue      string
	WhenError      string
	// Progress, once started.
	Started      bool
	Sent, Total  int
	ProgressText string
	Channels     []ChannelRow
	RefreshURL   string
	EditURL      string // "" unless a draft
	Actions      []CampaignAction
	BackURL      string
}

// WhenDescribedBy is the schedule field's aria-describedby.
func (p CampaignPage) WhenDescribedBy() string { return describedBy("campaign-when", p.WhenError) }

// ChannelRow counts a campaign's messages on one channel.
type ChannelRow struct {
	Channel               string
	Pending, Sent, Failed int
}

// CampaignAction is a button that posts to URL.
type CampaignAction struct {
	Name, URL, Label string
	Danger           bool
}

// NoteID is the id of the choice's note.
func (s SegmentChoice) NoteID() string { return "campaign-segment-" + s.Value + "-note" }

func (s SegmentChoice) attrs() templ.Attributes {
	if s.Note == "" {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-describedby": s.NoteID()}
}

func (p CampaignFormPage) segmentAttrs() templ.Attributes {
	if p.SegmentError == "" {
		return templ.Attributes{}
	}
	return templ.Attributes{"aria-describedby": p.SegmentErrorID(), "aria-invalid": "true"}
}
