package notify

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"gopkg.in/yaml.v3"
)

// Templates: every message Civica sends has a template per event, channel
// and language, written with text/template over a fixed set of variables
// ({{.Reference}}, {{.Service}}, {{.Comune}}, {{.Link}}, …; Vars). The
// built-in defaults are embedded files (templates/<lang>.yaml); a comune
// may write its own version of any of them (message_templates), which then
// wins.
//
// The defaults are files in the template language rather than keys of the
// interface catalogue (i18n/) because they are what a comune's admin edits:
// the editor shows the default exactly as a comune's version is written,
// "back to the default" is a copy, and one renderer and one validator
// serve both. The catalogue's {placeholder} syntax has no conditionals,
// which messages need ("{{if .Message}}…{{end}}").

// Event is what a message is about: "application.submitted".
type Event string

// The events with a built-in template.
const (
	EventApplicationSubmitted           Event = "application.submitted"
	EventApplicationRegistered          Event = "application.registered"
	EventApplicationInProgress          Event = "application.in_progress" // taken in charge
	EventApplicationAwaitingIntegration Event = "application.awaiting_integration"
	EventApplicationIntegrationReminder Event = "application.integration_reminder"
	EventApplicationAccepted            Event = "application.accepted"
	EventApplicationRejected            Event = "application.rejected"
	EventApplicationWithdrawn           Event = "application.withdrawn"
	EventApplicationCancelled           Event = "application.cancelled"
	EventApplicationMessageFromOffice   Event = "application.message_from_office"
	EventAppointmentBooked              Event = "appointment.booked"
	EventAppointmentReminder            Event = "appointment.reminder"
	EventAppointmentMoved               Event = "appointment.moved"
	EventAppointmentCancelled           Event = "appointment.cancelled"
	EventPaymentDue                     Event = "payment.due"
	// EventCampaignMessage is a message a comune's staff wrote: its
	// template places their subject and body.
	EventCampaignMessage Event = "campaign.message"
)

// events are every event, in the order an editor lists them.
var events = []Event{
	EventApplicationSubmitted, EventApplicationRegistered, EventApplicationInProgress,
	EventApplicationAwaitingIntegration, EventApplicationIntegrationReminder, EventApplicationAccepted,
	EventApplicationRejected, EventApplicationWithdrawn, EventApplicationCancelled, EventApplicationMessageFromOffice,
	EventAppointmentBooked, EventAppointmentReminder, EventAppointmentMoved, EventAppointmentCancelled,
	EventPaymentDue, EventCampaignMessage,
}

// Events lists every event with a template.
func Events() []Event { return slices.Clone(events) }

// TemplateChannels are the channels a template is written for.
func TemplateChannels() []Channel {
	return []Channel{ChannelInbox, ChannelEmail, ChannelSMS, ChannelIO}
}

// Vars are the variables a template may use. Each event allows some of
// them (Event.Variables); the others are refused at save.
type Vars struct {
	Comune string `json:"comune,omitempty"` // "Comune di Verdemare"
	Name   string `json:"name,omitempty"`   // the recipient's given name
	Link   string `json:"link,omitempty"`   // the page the message is about
	// applications
	Reference string `json:"reference,omitempty"`
	Service   string `json:"service,omitempty"`
	Protocol  string `json:"protocol,omitempty"`
	Message   string `json:"message,omitempty"` // the office's words
	ReplyBy   string `json:"reply_by,omitempty"`
	// appointments
	Office       string `json:"office,omitempty"`
	Date         string `json:"date,omitempty"`
	Time         string `json:"time,omitempty"`
	Place        string `json:"place,omitempty"`
	PreviousDate string `json:"previous_date,omitempty"`
	PreviousTime string `json:"previous_time,omitempty"`
	// payments
	Amount       string `json:"amount,omitempty"`
	DueDate      string `json:"due_date,omitempty"`
	NoticeNumber string `json:"notice_number,omitempty"`
	// campaigns
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body,omitempty"`
}

// Variables are the names of the variables the event's templates may use.
func (e Event) Variables() []string {
	common := []string{"Comune", "Name", "Link"}
	switch {
	case strings.HasPrefix(string(e), "application."):
		return append(common, "Reference", "Service", "Protocol", "Message", "ReplyBy")
	case e == EventAppointmentMoved:
		return append(common, "Reference", "Service", "Office", "Date", "Time", "Place", "PreviousDate", "PreviousTime", "Message")
	case e == EventAppointmentCancelled:
		return append(common, "Reference", "Service", "Office", "Date", "Time", "Place", "Message")
	case strings.HasPrefix(string(e), "appointment."):
		return append(common, "Reference", "Service", "Office", "Date", "Time", "Place")
	case e == EventPaymentDue:
		return append(common, "Reference", "Service", "Amount", "DueDate", "NoticeNumber")
	case e == EventCampaignMessage:
		return append(common, "Subject", "Body")
	}
	return nil
}

// Known reports whether e is an event with templates.
func (e Event) Known() bool { return slices.Contains(events, e) }

// sampleVars fill every variable with a plausible, rather long value: a
// template is checked against the channels' limits with them.
var sampleVars = Vars{
	Comune: "Comune di Sant'Agata sul Santerno", Name: "Maria Antonietta", Link: "https://santagata.rete-civica.example/area-personale/pratiche/PR-7KXQ4M2W",
	Reference: "PR-7KXQ4M2W", Service: "Contributo economico per il sostegno al reddito", Protocol: "2026/0001234",
	Message: "Per favore alleghi una copia leggibile del documento di identità in corso di validità.", ReplyBy: "15 dicembre 2026",
	Office: "Ufficio Servizi Sociali", Date: "mercoledì 16 dicembre 2026", Time: "10:30", Place: "Piazza del Municipio 1, piano terra",
	PreviousDate: "lunedì 14 dicembre 2026", PreviousTime: "09:00",
	Amount: "1.234,56 €", DueDate: "31 dicembre 2026", NoticeNumber: "301000000000123456",
	Subject: "Chiusura straordinaria degli uffici comunali", Body: "Venerdì 18 dicembre gli uffici comunali resteranno chiusi per la manutenzione degli impianti. I servizi online restano disponibili.",
}

// SampleVars are the values the checks and an editor's preview use.
func SampleVars() Vars { return sampleVars }

// TemplateError is a template refused, with the reason: Code names it
// ("templates.error.<code>" in the catalogue), Field is "subject" or
// "body", Detail says more (the variable, the length, the parser's
// words).
type TemplateError struct {
	Code   string
	Field  string
	Detail string
	Limit  int // the limit crossed, for lengths
	Got    int // the length found
}

func (e *TemplateError) Error() string {
	s := "template " + e.Field + ": " + e.Code
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Template is the wording of one event on one channel in one language.
type Template struct {
	Event    Event
	Channel  Channel
	Language string
	Subject  string // "" for SMS
	Body     string
	// Custom: the comune's own version, written by UpdatedBy at
	// UpdatedAt; otherwise the built-in default.
	Custom    bool
	UpdatedAt time.Time
	UpdatedBy string
}

//go:embed templates/*.yaml
var defaultFiles embed.FS

// defaultsFile is one language's file: event → part → text, where the
// parts are subject, body (inbox, and the start of email and IO), sms,
// and optionally email and io (replacing body there); "_footer" holds the
// email and io footers appended to the body.
type defaultsFile map[string]map[string]string

var loadDefaults = sync.OnceValues(func() (map[string]defaultsFile, error) {
	out := map[string]defaultsFile{}
	for _, lang := range []string{"it", "en"} {
		raw, err := defaultFiles.ReadFile("templates/" + lang + ".yaml")
		if err != nil {
			return nil, err
		}
		var f defaultsFile
		if err := yaml.Unmarshal(raw, &f); err != nil {
			return nil, fmt.Errorf("default templates %s: %w", lang, err)
		}
		out[lang] = f
	}
	return out, nil
})

func templateLanguage(lang string) string {
	if lang == "en" {
		return "en"
	}
	return "it"
}

// DefaultTemplate is the built-in template of event on channel in lang
// (Italian for a language without defaults).
func DefaultTemplate(event Event, channel Channel, lang string) (Template, error) {
	all, err := loadDefaults()
	if err != nil {
		return Template{}, err
	}
	lang = templateLanguage(lang)
	t := Template{Event: event, Channel: channel, Language: lang}
	parts, ok := all[lang][string(event)]
	if !ok || !event.Known() {
		return t, &TemplateError{Code: "event_unknown", Field: "event", Detail: string(event)}
	}
	footer := all[lang]["_footer"]
	body := parts["body"]
	switch channel {
	case ChannelInbox:
		t.Subject, t.Body = parts["subject"], body
	case ChannelEmail:
		if parts["email"] != "" {
			body = parts["email"]
		}
		t.Subject, t.Body = parts["subject"], body+"\n\n"+footer["email"]
	case ChannelIO:
		t.Subject = parts["subject"]
		if parts["io_subject"] != "" {
			t.Subject = parts["io_subject"]
		}
		if parts["io"] != "" {
			body = parts["io"]
		}
		t.Body = body + "\n\n" + footer["io"]
	case ChannelSMS:
		t.Body = parts["sms"]
	default:
		return t, &TemplateError{Code: "channel_unknown", Field: "channel", Detail: string(channel)}
	}
	return t, nil
}

// TemplateFor is the template in force for the comune: its own version,
// else the default. tx is a tenant transaction.
func TemplateFor(ctx context.Context, tx pgx.Tx, tenantID string, event Event, channel Channel, lang string) (Template, error) {
	lang = templateLanguage(lang)
	t := Template{Event: event, Channel: channel, Language: lang, Custom: true}
	err := tx.QueryRow(ctx, `SELECT subject, body, updated_at, updated_by FROM message_templates
		WHERE tenant_id = $1 AND event = $2 AND channel = $3 AND language = $4`,
		tenantID, string(event), string(channel), lang).Scan(&t.Subject, &t.Body, &t.UpdatedAt, &t.UpdatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultTemplate(event, channel, lang)
	}
	if err != nil {
		return t, fmt.Errorf("template %s/%s/%s: %w", event, channel, lang, err)
	}
	return t, nil
}

// SaveTemplate validates t and stores it as the comune's version; a
// *TemplateError says why it was refused. tx is a tenant transaction.
func SaveTemplate(ctx context.Context, tx pgx.Tx, tenantID string, t Template, by string) error {
	if t.Language != "it" && t.Language != "en" {
		return &TemplateError{Code: "language_unknown", Field: "language", Detail: t.Language}
	}
	if err := ValidateTemplate(t.Event, t.Channel, t.Subject, t.Body); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO message_templates (tenant_id, event, channel, language, subject, body, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (tenant_id, event, channel, language) DO UPDATE
			SET subject = excluded.subject, body = excluded.body, updated_at = now(), updated_by = excluded.updated_by`,
		tenantID, string(t.Event), string(t.Channel), t.Language, t.Subject, t.Body, by)
	if err != nil {
		return fmt.Errorf("save template: %w", err)
	}
	return nil
}

// ResetTemplate drops the comune's version: the default is used again.
func ResetTemplate(ctx context.Context, tx pgx.Tx, tenantID string, event Event, channel Channel, lang string) error {
	_, err := tx.Exec(ctx, `DELETE FROM message_templates WHERE tenant_id = $1 AND event = $2 AND channel = $3 AND language = $4`,
		tenantID, string(event), string(channel), lang)
	return err
}

// ValidateTemplate checks a template before it is saved: it parses, uses
// only the event's variables and the functions and, or, not, eq, ne, and
// rendered with SampleVars fits the channel — a subject for inbox, email
// and App IO (IO: 10–120 characters), a body of 80–10000 characters for
// App IO, at most SMSMaxSegments segments for SMS (459 characters of the
// GSM alphabet). A refusal is a *TemplateError.
func ValidateTemplate(event Event, channel Channel, subject, body string) error {
	if !event.Known() {
		return &TemplateError{Code: "event_unknown", Field: "event", Detail: string(event)}
	}
	if !slices.Contains(TemplateChannels(), channel) {
		return &TemplateError{Code: "channel_unknown", Field: "channel", Detail: string(channel)}
	}
	if strings.TrimSpace(body) == "" {
		return &TemplateError{Code: "required", Field: "body"}
	}
	if channel == ChannelSMS {
		if strings.TrimSpace(subject) != "" {
			return &TemplateError{Code: "sms_no_subject", Field: "subject"}
		}
	} else if strings.TrimSpace(subject) == "" {
		return &TemplateError{Code: "required", Field: "subject"}
	}
	allowed := event.Variables()
	var rs, rb string
	for _, p := range []struct {
		field, text string
		out         *string
	}{{"subject", subject, &rs}, {"body", body, &rb}} {
		if p.text == "" {
			continue
		}
		tmpl, err := parseTemplate(p.field, p.text, allowed)
		if err != nil {
			return err
		}
		if *p.out, err = execute(tmpl, sampleVars); err != nil {
			return &TemplateError{Code: "syntax", Field: p.field, Detail: err.Error()}
		}
	}
	return checkLengths(channel, rs, rb)
}

// checkLengths checks a rendered message against its channel's limits.
func checkLengths(channel Channel, subject, body string) error {
	ns, nb := utf8.RuneCountInString(subject), utf8.RuneCountInString(body)
	switch channel {
	case ChannelSMS:
		if seg, gsm := SMSSegments(body); seg > SMSMaxSegments {
			limit := 3 * 153
			if !gsm {
				limit = 3 * 67
			}
			return &TemplateError{Code: "sms_too_long", Field: "body", Limit: limit, Got: nb,
				Detail: fmt.Sprintf("%d segments, at most %d", seg, SMSMaxSegments)}
		}
	case ChannelIO:
		if ns < IOSubjectMin {
			return &TemplateError{Code: "io_subject_short", Field: "subject", Limit: IOSubjectMin, Got: ns}
		}
		if ns > IOSubjectMax {
			return &TemplateError{Code: "io_subject_long", Field: "subject", Limit: IOSubjectMax, Got: ns}
		}
		if nb < IOBodyMin {
			return &TemplateError{Code: "io_body_short", Field: "body", Limit: IOBodyMin, Got: nb}
		}
		if nb > IOBodyMax {
			return &TemplateError{Code: "io_body_long", Field: "body", Limit: IOBodyMax, Got: nb}
		}
	default:
		if ns > 300 {
			return &TemplateError{Code: "subject_long", Field: "subject", Limit: 300, Got: ns}
		}
		if nb > 10000 {
			return &TemplateError{Code: "body_long", Field: "body", Limit: 10000, Got: nb}
		}
	}
	return nil
}

var allowedFuncs = []string{"and", "or", "not", "eq", "ne"}

// parseTemplate parses text and refuses anything but the allowed
// variables, the allowed functions, if/else and plain text.
func parseTemplate(field, text string, allowed []string) (*template.Template, error) {
	tmpl, err := template.New(field).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, &TemplateError{Code: "syntax", Field: field, Detail: strings.TrimPrefix(err.Error(), "template: ")}
	}
	if len(tmpl.Templates()) > 1 {
		return nil, &TemplateError{Code: "not_allowed", Field: field, Detail: "define"}
	}
	var walk func(n parse.Node) error
	walk = func(n parse.Node) error {
		switch n := n.(type) {
		case nil:
			return nil
		case *parse.ListNode:
			if n == nil {
				return nil
			}
			for _, c := range n.Nodes {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *parse.ActionNode:
			return walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return nil
			}
			if len(n.Decl) > 0 {
				return &TemplateError{Code: "not_allowed", Field: field, Detail: n.String()}
			}
			for _, c := range n.Cmds {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				if err := walk(a); err != nil {
					return err
				}
			}
		case *parse.IfNode:
			for _, c := range []parse.Node{n.Pipe, n.List, n.ElseList} {
				if err := walk(c); err != nil {
					return err
				}
			}
		case *parse.FieldNode:
			if len(n.Ident) != 1 || !slices.Contains(allowed, n.Ident[0]) {
				return &TemplateError{Code: "unknown_variable", Field: field,
					Detail: "{{" + n.String() + "}}; allowed: " + strings.Join(allowed, ", ")}
			}
		case *parse.IdentifierNode:
			if !slices.Contains(allowedFuncs, n.Ident) {
				return &TemplateError{Code: "not_allowed", Field: field, Detail: n.Ident}
			}
		case *parse.TextNode, *parse.StringNode, *parse.NumberNode, *parse.BoolNode, *parse.NilNode:
		default:
			return &TemplateError{Code: "not_allowed", Field: field, Detail: n.String()}
		}
		return nil
	}
	if err := walk(tmpl.Tree.Root); err != nil {
		return nil, err
	}
	return tmpl, nil
}

func execute(tmpl *template.Template, v Vars) (string, error) {
	var b strings.Builder
	if err := tmpl.Execute(&b, v); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// Render renders t with v and fits the result to the channel: a subject
// or SMS text too long for it is cut with an ellipsis (real values can be
// longer than the samples the template was checked with). An App IO body
// too short stays so, and IO will refuse it (the next channel is tried).
func Render(t Template, v Vars) (subject, body string, err error) {
	c, err := compile(t)
	if err != nil {
		return "", "", err
	}
	return c.render(v)
}

// compiled is a template parsed and checked once, to be rendered for many
// people (NotifyMany) with the same rules as Render.
type compiled struct {
	channel       Channel
	subject, body *template.Template // subject nil: none
}

func compile(t Template) (compiled, error) {
	c := compiled{channel: t.Channel}
	allowed := t.Event.Variables()
	var err error
	if t.Subject != "" {
		if c.subject, err = parseTemplate("subject", t.Subject, allowed); err != nil {
			return c, err
		}
	}
	c.body, err = parseTemplate("body", t.Body, allowed)
	return c, err
}

func (c compiled) render(v Vars) (subject, body string, err error) {
	if c.subject != nil {
		if subject, err = execute(c.subject, v); err != nil {
			return "", "", err
		}
		subject = strings.Join(strings.Fields(subject), " ")
	}
	if body, err = execute(c.body, v); err != nil {
		return "", "", err
	}
	switch c.channel {
	case ChannelIO:
		subject = cut(subject, IOSubjectMax)
		body = cut(body, IOBodyMax)
	case ChannelSMS:
		// Cut with "..." (the ellipsis character is not in the GSM
		// alphabet and would turn the message into UCS-2).
		for seg, _ := SMSSegments(body); seg > SMSMaxSegments; seg, _ = SMSSegments(body) {
			r := []rune(body)
			body = strings.TrimSpace(string(r[:len(r)-13])) + "..."
		}
	default:
		subject = cut(subject, 300)
	}
	return subject, body, nil
}

// cut shortens s to at most n characters, ending in an ellipsis.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
