package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/notify"
)

func TestDefaultTemplates_EveryEventChannelAndLanguageIsValid(t *testing.T) {
	t.Parallel()
	for _, e := range notify.Events() {
		for _, c := range notify.TemplateChannels() {
			for _, lang := range []string{"it", "en"} {
				tmpl, err := notify.DefaultTemplate(e, c, lang)
				if err != nil {
					t.Errorf("%s/%s/%s: %v", e, c, lang, err)
					continue
				}
				if err := notify.ValidateTemplate(e, c, tmpl.Subject, tmpl.Body); err != nil {
					t.Errorf("%s/%s/%s refused: %v", e, c, lang, err)
				}
				if c == notify.ChannelSMS {
					_, body, err := notify.Render(tmpl, notify.SampleVars())
					if _, gsm := notify.SMSSegments(body); err != nil || !gsm {
						t.Errorf("%s/sms/%s is not in the GSM alphabet (costs UCS-2 segments): %q %v", e, lang, body, err)
					}
				}
			}
		}
	}
}

func TestValidateTemplate_RefusesWithTheReason(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Testo lungo per un SMS. ", 20) // 480 characters
	for _, c := range []struct {
		name             string
		event            notify.Event
		channel          notify.Channel
		subject, body    string
		code, field      string
		wantLimit, wantN int
	}{
		{"unknown variable", notify.EventApplicationSubmitted, notify.ChannelEmail, "Domanda {{.Reference}}", "Ciao {{.Nome}}", "unknown_variable", "body", 0, 0},
		{"variable of another event", notify.EventApplicationSubmitted, notify.ChannelEmail, "Il {{.Date}}", "Ciao", "unknown_variable", "subject", 0, 0},
		{"nested field", notify.EventApplicationSubmitted, notify.ChannelEmail, "x", "{{.Reference.Foo}}", "unknown_variable", "body", 0, 0},
		{"syntax", notify.EventApplicationSubmitted, notify.ChannelEmail, "x", "{{if .Message}}", "syntax", "body", 0, 0},
		{"function", notify.EventApplicationSubmitted, notify.ChannelEmail, "x", `{{printf "%s" .Reference}}`, "not_allowed", "body", 0, 0},
		{"range", notify.EventApplicationSubmitted, notify.ChannelEmail, "x", `{{range .Reference}}{{end}}`, "not_allowed", "body", 0, 0},
		{"sms too long", notify.EventApplicationSubmitted, notify.ChannelSMS, "", long + "{{.Link}}", "sms_too_long", "body", 459, 0},
		{"sms with a subject", notify.EventApplicationSubmitted, notify.ChannelSMS, "Oggetto", "Testo", "sms_no_subject", "subject", 0, 0},
		{"io subject too short", notify.EventApplicationSubmitted, notify.ChannelIO, "Domanda", strings.Repeat("testo ", 20), "io_subject_short", "subject", 10, 7},
		{"io subject too long", notify.EventApplicationSubmitted, notify.ChannelIO, strings.Repeat("x", 121), strings.Repeat("testo ", 20), "io_subject_long", "subject", 120, 121},
		{"io body too short", notify.EventApplicationSubmitted, notify.ChannelIO, "Domanda {{.Reference}}", "Domanda {{.Reference}} inviata.", "io_body_short", "body", 80, 0},
		{"email without subject", notify.EventApplicationSubmitted, notify.ChannelEmail, " ", "Testo", "required", "subject", 0, 0},
		{"unknown event", "application.lost", notify.ChannelEmail, "x", "y", "event_unknown", "event", 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := notify.ValidateTemplate(c.event, c.channel, c.subject, c.body)
			var te *notify.TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TemplateError", err)
			}
			if te.Code != c.code || te.Field != c.field {
				t.Errorf("refused with %s on %s (%v), want %s on %s", te.Code, te.Field, err, c.code, c.field)
			}
			if c.wantLimit != 0 && te.Limit != c.wantLimit {
				t.Errorf("limit %d, want %d", te.Limit, c.wantLimit)
			}
			if c.wantN != 0 && te.Got != c.wantN {
				t.Errorf("got %d, want %d", te.Got, c.wantN)
			}
		})
	}
	if err := notify.ValidateTemplate(notify.EventApplicationSubmitted, notify.ChannelSMS, "",
		"{{.Comune}}: domanda {{.Reference}}{{if .Protocol}}, protocollo {{.Protocol}}{{end}}. {{.Link}}"); err != nil {
		t.Errorf("a good SMS template refused: %v", err)
	}
}

func TestSMSSegments_GSMAndUCS2(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text     string
		segments int
		gsm      bool
	}{
		{strings.Repeat("a", 160), 1, true},
		{strings.Repeat("a", 161), 2, true},
		{strings.Repeat("è", 459), 3, true},
		{strings.Repeat("a", 460), 4, true},
		{strings.Repeat("€", 80), 1, true}, // two septets each
		{strings.Repeat("€", 81), 2, true},
		{"«ciao»", 1, false},
		{strings.Repeat("È", 71), 2, false},
		{strings.Repeat("È", 201), 3, false},
		{strings.Repeat("È", 202), 4, false},
	} {
		n, gsm := notify.SMSSegments(c.text)
		if n != c.segments || gsm != c.gsm {
			t.Errorf("%q…(%d): %d segments, gsm %v; want %d, %v", c.text[:4], len([]rune(c.text)), n, gsm, c.segments, c.gsm)
		}
	}
}

func TestRender_FitsTheChannel(t *testing.T) {
	t.Parallel()
	v := notify.SampleVars()
	v.Message = strings.Repeat("Molto lungo. ", 400)
	tmpl := notify.Template{Event: notify.EventApplicationMessageFromOffice, Channel: notify.ChannelSMS, Body: "{{.Comune}}: {{.Message}}"}
	_, body, err := notify.Render(tmpl, v)
	if err != nil {
		t.Fatal(err)
	}
	if n, gsm := notify.SMSSegments(body); n != notify.SMSMaxSegments || !gsm || !strings.HasPrefix(body, v.Comune) || !strings.HasSuffix(body, "...") {
		t.Errorf("sms not fitted: %d segments, gsm %v: %q", n, gsm, body)
	}
	v.Reference = strings.Repeat("R", 200)
	tmpl = notify.Template{Event: notify.EventApplicationSubmitted, Channel: notify.ChannelIO, Subject: "Domanda {{.Reference}}", Body: "x"}
	subject, _, err := notify.Render(tmpl, v)
	if err != nil || len([]rune(subject)) != notify.IOSubjectMax {
		t.Errorf("io subject of %d characters: %v", len([]rune(subject)), err)
	}
}

func TestTemplateFor_TheComunesVersionWinsOnlyThere(t *testing.T) {
	t.Parallel()
	f := setupDelivery(t)
	ctx := context.Background()
	mine := notify.Template{Event: notify.EventApplicationSubmitted, Channel: notify.ChannelEmail, Language: "it",
		Subject: "Ricevuta la domanda {{.Reference}}", Body: "Gentile {{.Name}}, abbiamo ricevuto la domanda {{.Reference}}."}
	err := db.InTenant(ctx, f.pool, f.tenant, func(tx pgx.Tx) error {
		bad := mine
		bad.Body = "Gentile {{.Cognome}}"
		if err := notify.SaveTemplate(ctx, tx, f.tenant, bad, "admin"); err == nil {
			t.Error("a template with an unknown variable was saved")
		}
		return notify.SaveTemplate(ctx, tx, f.tenant, mine, "RCCLNE88R67A944M")
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func(tenantID string) notify.Template {
		var got notify.Template
		err := db.InTenant(ctx, f.pool, tenantID, func(tx pgx.Tx) error {
			var err error
			got, err = notify.TemplateFor(ctx, tx, tenantID, notify.EventApplicationSubmitted, notify.ChannelEmail, "it")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := read(f.tenant); !got.Custom || got.Body != mine.Body || got.UpdatedBy != "RCCLNE88R67A944M" {
		t.Errorf("verdemare reads %+v", got)
	}
	if got := read(f.other); got.Custom || got.Subject != "Domanda {{.Reference}} inviata" {
		t.Errorf("another comune reads %+v", got)
	}
}

func TestDefaultTemplates_AppointmentChangesCarryTheOfficesMessage(t *testing.T) {
	for _, e := range []notify.Event{notify.EventAppointmentMoved, notify.EventAppointmentCancelled} {
		for lang, label := range map[string]string{"it": "Messaggio dell'ufficio: ", "en": "Message from the office: "} {
			tpl, err := notify.DefaultTemplate(e, notify.ChannelEmail, lang)
			if err != nil {
				t.Fatal(err)
			}
			v := notify.SampleVars()
			v.Message = "Lo sportello è chiuso per un guasto."
			_, body, err := notify.Render(tpl, v)
			if err != nil || !strings.Contains(body, label+v.Message) {
				t.Errorf("%s/%s with a message: %q (%v)", e, lang, body, err)
			}
			v.Message = ""
			if _, body, _ = notify.Render(tpl, v); strings.Contains(body, label) {
				t.Errorf("%s/%s without a message still says %q: %q", e, lang, label, body)
			}
		}
	}
}
