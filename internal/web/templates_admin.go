package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// The message templates editor of a comune's administrator: the list of
// every event × channel × language saying whether the comune wrote its
// own version, and the editor of one template with a preview rendered
// with the example values, save (checked: 422 with the reason beside the
// field), back to the default, and a test sent to the administrator
// themself on the template's channel.

const templatesPath = "/amministrazione/modelli"

// sessTemplatesNotice holds, until the editor shows it, what was just done.
const sessTemplatesNotice = "templates_notice"

// templateLanguages are the languages templates are written in.
var templateLanguages = []string{"it", "en"}

// templatesAdminRoutes registers the editor on site (language, tenant,
// session and CSRF), for the comune's administrators only.
func (s *Server) templatesAdminRoutes(site *echo.Group) {
	admin := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindStaff), s.requireRole(auth.RoleAdmin)}
	site.GET(templatesPath, s.templatesList, admin...)
	site.GET(templatesPath+"/:event/:channel/:lang", s.templateEdit, admin...)
	site.POST(templatesPath+"/:event/:channel/:lang", s.templatePost, admin...)
}

func templatePath(e notify.Event, ch notify.Channel, lang string) string {
	return templatesPath + "/" + string(e) + "/" + string(ch) + "/" + lang
}

// templatesList shows every template with whose version is in force.
func (s *Server) templatesList(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	l := s.localizer(c)
	heading := l.T("tpladmin.heading")
	ch := s.adminChrome(c, heading, views.Crumb{Label: heading})
	page := views.TemplatesPage{}
	for _, channel := range notify.TemplateChannels() {
		for i, lang := range templateLanguages {
			page.Columns = append(page.Columns, views.TemplateColumn{Channel: string(channel), ChannelLabel: l.T("tpladmin.channel." + string(channel)),
				Lang: lang, LangLabel: l.T("language.name." + lang), First: i == 0})
		}
	}
	err := db.InTenant(ctx, s.deps.Pool, t.ID, func(tx pgx.Tx) error {
		for _, e := range notify.Events() {
			row := views.TemplateRow{Event: string(e), Label: l.T("tpladmin.event." + string(e))}
			for _, col := range page.Columns {
				tmpl, err := notify.TemplateFor(ctx, tx, t.ID, e, notify.Channel(col.Channel), col.Lang)
				if err != nil {
					return err
				}
				status := l.T("tpladmin.default")
				if tmpl.Custom {
					status = l.T("tpladmin.custom")
				}
				row.Cells = append(row.Cells, views.TemplateCell{URL: templatePath(e, notify.Channel(col.Channel), col.Lang),
					Custom: tmpl.Custom, Status: status, Context: row.Label + ", " + col.ChannelLabel + ", " + col.LangLabel})
			}
			page.Rows = append(page.Rows, row)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.Templates(ch, page))
}

// templateParams reads the template the path names; one that does not
// exist is not found.
func templateParams(c echo.Context) (notify.Event, notify.Channel, string, error) {
	e, channel, lang := notify.Event(c.Param("event")), notify.Channel(c.Param("channel")), c.Param("lang")
	if !e.Known() || !slices.Contains(notify.TemplateChannels(), channel) || !slices.Contains(templateLanguages, lang) {
		return "", "", "", echo.ErrNotFound
	}
	return e, channel, lang, nil
}

// templateEdit shows the template in force, and the notice of what was
// just done.
func (s *Server) templateEdit(c echo.Context) error {
	e, channel, lang, err := templateParams(c)
	if err != nil {
		return err
	}
	notice := s.deps.Sessions.PopString(c.Request().Context(), sessTemplatesNotice)
	return s.renderTemplateEdit(c, http.StatusOK, e, channel, lang, func(p *views.TemplateEditPage) {
		p.Notice = notice
	})
}

// templatePost does what the button pressed says: preview, save, reset or
// test.
func (s *Server) templatePost(c echo.Context) error {
	e, channel, lang, err := templateParams(c)
	if err != nil {
		return err
	}
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	ctx := c.Request().Context()
	l := s.localizer(c)
	typed := notify.Template{Event: e, Channel: channel, Language: lang, Subject: c.FormValue("subject"), Body: c.FormValue("body")}
	if channel == notify.ChannelSMS {
		typed.Subject = ""
	}
	keep := func(page *views.TemplateEditPage) { page.Subject, page.Body = typed.Subject, typed.Body }
	refused := func(err error) error {
		var te *notify.TemplateError
		if !errors.As(err, &te) {
			return err
		}
		return s.renderTemplateEdit(c, http.StatusUnprocessableEntity, e, channel, lang, func(page *views.TemplateEditPage) {
			keep(page)
			msg := templateErrorMessage(l, te)
			if te.Field == "subject" && page.HasSubject {
				page.SubjectError = msg
				page.Errors = append(page.Errors, views.ErrorLink{Message: l.T("tpladmin.subject") + ": " + msg, Href: "#template-subject"})
			} else {
				page.BodyError = msg
				page.Errors = append(page.Errors, views.ErrorLink{Message: l.T("tpladmin.body") + ": " + msg, Href: "#template-body"})
			}
		})
	}
	done := func(notice string) error {
		s.deps.Sessions.Put(ctx, sessTemplatesNotice, notice)
		return c.Redirect(http.StatusSeeOther, templatePath(e, channel, lang))
	}
	switch c.FormValue("action") {
	case "reset":
		if err := db.InTenant(ctx, s.deps.Pool, t.ID, func(tx pgx.Tx) error {
			return notify.ResetTemplate(ctx, tx, t.ID, e, channel, lang)
		}); err != nil {
			return err
		}
		return done(l.T("tpladmin.notice.reset"))
	case "preview":
		if err := notify.ValidateTemplate(e, channel, typed.Subject, typed.Body); err != nil {
			return refused(err)
		}
		subject, body, err := notify.Render(typed, notify.SampleVars())
		if err != nil {
			return refused(err)
		}
		return s.renderTemplateEdit(c, http.StatusOK, e, channel, lang, func(page *views.TemplateEditPage) {
			keep(page)
			page.Preview = &views.TemplatePreview{Subject: subject, Body: body, Length: templateLength(l, channel, body)}
		})
	case "test":
		if err := notify.ValidateTemplate(e, channel, typed.Subject, typed.Body); err != nil {
			return refused(err)
		}
		subject, body, err := notify.Render(typed, notify.SampleVars())
		if err != nil {
			return refused(err)
		}
		to, err := s.sendTemplateTest(ctx, t.ID, p, channel, subject, body)
		if err != nil {
			return err
		}
		if to == "" {
			return s.renderTemplateEdit(c, http.StatusUnprocessableEntity, e, channel, lang, func(page *views.TemplateEditPage) {
				keep(page)
				page.Problem = l.T("tpladmin.test.none." + string(channel))
			})
		}
		// Shown here rather than after a redirect: the text typed, maybe
		// not saved yet, stays in the form.
		return s.renderTemplateEdit(c, http.StatusOK, e, channel, lang, func(page *views.TemplateEditPage) {
			keep(page)
			if channel == notify.ChannelInbox || channel == notify.ChannelIO {
				to = l.T("tpladmin.channel." + string(channel))
			}
			page.Notice = l.T("tpladmin.notice.test", "to", to)
		})
	default: // save
		err := db.InTenant(ctx, s.deps.Pool, t.ID, func(tx pgx.Tx) error {
			return notify.SaveTemplate(ctx, tx, t.ID, typed, p.FiscalCode)
		})
		if err != nil {
			return refused(err)
		}
		return done(l.T("tpladmin.notice.saved"))
	}
}

// sendTemplateTest queues the rendered template to the administrator on
// the channel, and returns where it goes ("" when they have no address
// for it: no email, no verified mobile number, App IO not available).
// The same text sent again within a minute is not sent twice.
func (s *Server) sendTemplateTest(ctx context.Context, tenantID string, p auth.Principal, channel notify.Channel, subject, body string) (string, error) {
	sum := sha256.Sum256([]byte(string(channel) + "\x00" + subject + "\x00" + body))
	key := "template-test:" + p.PersonID + ":" + hex.EncodeToString(sum[:8]) + ":" + strconv.FormatInt(time.Now().Unix()/60, 10)
	to := ""
	err := db.InTenant(ctx, s.deps.Pool, tenantID, func(tx pgx.Tx) error {
		r, err := notify.ReachOf(ctx, tx, tenantID, p.PersonID, notify.KindApplications)
		if err != nil {
			return err
		}
		to = testAddress(r, channel, p)
		if to == "" {
			return nil
		}
		switch channel {
		case notify.ChannelInbox:
			_, err = notify.Deliver(ctx, tx, tenantID, p.PersonID, key, subject, body)
		case notify.ChannelEmail:
			err = notify.QueueEmail(ctx, tx, s.deps.Jobs, tenantID, p.PersonID, "", key, notify.Email{To: r.Email, Subject: subject, Body: body})
		case notify.ChannelSMS:
			err = notify.QueuedSMS{Inserter: s.deps.Jobs}.QueueSMS(ctx, tx, tenantID, p.PersonID, key, r.Phone, body)
		case notify.ChannelIO:
			err = notify.QueueIO(ctx, tx, s.deps.Jobs, tenantID, p.PersonID, key, p.FiscalCode, subject, body)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return to, nil
}

// testAddress is where a test on the channel goes, "" when nowhere.
func testAddress(r notify.Reach, channel notify.Channel, p auth.Principal) string {
	switch channel {
	case notify.ChannelInbox:
		return "inbox"
	case notify.ChannelEmail:
		return r.Email
	case notify.ChannelSMS:
		return r.Phone
	case notify.ChannelIO:
		if r.IO {
			return p.FiscalCode
		}
	}
	return ""
}

func templateErrorMessage(l *locale.Localizer, te *notify.TemplateError) string {
	return l.T("templates.error."+te.Code, "detail", te.Detail, "limit", te.Limit, "got", te.Got)
}

// templateLength says how long a rendered body is (and, for SMS, in how
// many messages).
func templateLength(l *locale.Localizer, channel notify.Channel, body string) string {
	n := utf8.RuneCountInString(body)
	if channel == notify.ChannelSMS {
		seg, _ := notify.SMSSegments(body)
		return l.T("tpladmin.preview.length_sms", "chars", n, "segments", seg)
	}
	return l.T("tpladmin.preview.length", "chars", n)
}

// renderTemplateEdit renders the editor with the template in force;
// edit adds what was typed, a preview, a notice or a refusal.
func (s *Server) renderTemplateEdit(c echo.Context, status int, e notify.Event, channel notify.Channel, lang string,
	edit func(*views.TemplateEditPage)) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	ctx := c.Request().Context()
	l := s.localizer(c)
	var current notify.Template
	var r notify.Reach
	err := db.InTenant(ctx, s.deps.Pool, t.ID, func(tx pgx.Tx) error {
		var err error
		if current, err = notify.TemplateFor(ctx, tx, t.ID, e, channel, lang); err != nil {
			return err
		}
		r, err = notify.ReachOf(ctx, tx, t.ID, p.PersonID, notify.KindApplications)
		return err
	})
	if err != nil {
		return err
	}
	eventLabel, channelLabel, langLabel := l.T("tpladmin.event."+string(e)), l.T("tpladmin.channel."+string(channel)), l.T("language.name."+lang)
	heading := l.T("tpladmin.edit.heading", "event", eventLabel, "channel", channelLabel, "language", langLabel)
	ch := s.adminChrome(c, heading, views.Crumb{Label: l.T("tpladmin.heading"), URL: templatesPath}, views.Crumb{Label: heading})
	page := views.TemplateEditPage{
		Heading: heading, Action: templatePath(e, channel, lang), BackURL: templatesPath,
		Custom: current.Custom, HasSubject: channel != notify.ChannelSMS,
		Subject: current.Subject, Body: current.Body,
		Status: l.T("tpladmin.edit.default"),
	}
	if current.Custom {
		page.Status = l.T("tpladmin.edit.custom", "date", l.DateTime(current.UpdatedAt), "by", current.UpdatedBy)
	}
	if to := testAddress(r, channel, p); to == "" {
		page.TestNote = l.T("tpladmin.test.none." + string(channel))
	} else {
		page.TestNote = l.T("tpladmin.test.to."+string(channel), "to", to)
	}
	samples := reflect.ValueOf(notify.SampleVars())
	for _, name := range e.Variables() {
		page.Variables = append(page.Variables, views.TemplateVariable{Code: "{{." + name + "}}",
			Meaning: l.T("tpladmin.var." + name), Example: samples.FieldByName(name).String()})
	}
	if edit != nil {
		edit(&page)
	}
	return s.render(c, status, views.TemplateEdit(ch, page))
}
