package web

import (
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/attachments"
	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// The clerk's page of one application on the digital desk, its documents,
// and the actions taken on it. Each action is a form on its own page
// posting the revision the clerk saw: a change made meanwhile by someone
// else answers 409 with the application as it is now, and nothing is
// changed. Scope is checked by the domain: outside the clerk's offices an
// application does not exist (404).

const deskAppsPath = "/scrivania/pratiche"

// sessDeskNotice holds, until the application's page shows it, what the
// clerk just did: "<reference> <action>".
const sessDeskNotice = "desk_app_notice"

// deskAction is an action with a form of its own.
type deskAction struct {
	name    string // in code and in the catalogue's keys
	path    string // in the URL, in Italian
	allowed func(applications.Allowed) bool
	danger  bool
}

var deskActions = []deskAction{
	{"assign", "assegna", func(a applications.Allowed) bool { return a.Assign }, false},
	{"integration", "integrazione", func(a applications.Allowed) bool { return a.RequestIntegration }, false},
	{"accept", "accogli", func(a applications.Allowed) bool { return a.Accept }, false},
	{"reject", "rigetta", func(a applications.Allowed) bool { return a.Reject }, true},
	{"cancel", "annulla", func(a applications.Allowed) bool { return a.Cancel }, true},
	{"message", "messaggio", func(a applications.Allowed) bool { return a.Message }, false},
	{"note", "nota", func(a applications.Allowed) bool { return a.Note }, false},
}

func deskActionNamed(name string) deskAction {
	for _, a := range deskActions {
		if a.name == name {
			return a
		}
	}
	panic("web: no desk action " + name)
}

// deskApplicationRoutes registers the clerk's application pages. The
// decisions carry a file: they are registered on e and read as a stream
// after their CSRF token (multipartToken), like the citizen's messages.
func (s *Server) deskApplicationRoutes(site *echo.Group, e *echo.Echo) {
	staff := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindStaff)}
	base := deskAppsPath + "/:ref"
	site.GET(base, s.deskApplication, staff...)
	site.GET(base+"/documenti/:id", s.deskApplicationFile, staff...)
	site.POST(base+"/prendi-in-carico", s.deskTakeInCharge, staff...)
	for _, a := range deskActions {
		site.GET(base+"/"+a.path, s.deskActionForm(a), staff...)
	}
	site.POST(base+"/assegna", s.deskAssign, staff...)
	site.POST(base+"/integrazione", s.deskRequestIntegration, staff...)
	site.POST(base+"/annulla", s.deskCancel, staff...)
	site.POST(base+"/messaggio", s.deskMessage, staff...)
	site.POST(base+"/nota", s.deskNote, staff...)

	// One outcome document, and room for the motivation.
	maxBytes := s.deps.Applications.Limits().MaxFileSize + 2<<20
	stream := []echo.MiddlewareFunc{s.language, s.resolveTenant, s.session, s.multipartToken(maxBytes), s.csrf(),
		s.requireComune, s.requireKind(auth.KindStaff)}
	e.POST(base+"/accogli", s.deskDecide(true), stream...)
	e.POST(base+"/rigetta", s.deskDecide(false), stream...)
}

// clerkOf is the logged-in member of staff, acting from the request's
// address.
func clerkOf(c echo.Context) applications.Clerk {
	p := c.Get(ctxPrincipal).(auth.Principal)
	return applications.Clerk{FiscalCode: p.FiscalCode, Name: p.Name(), RemoteAddr: c.RealIP()}
}

func deskAppURL(ref string) string { return deskAppsPath + "/" + url.PathEscape(ref) }

// deskApplication shows the application to the clerk.
func (s *Server) deskApplication(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	d, err := s.deps.Applications.ForStaff(ctx, t.ID, c.Param("ref"), clerkOf(c))
	if err != nil {
		return deskError(err)
	}
	notice := ""
	if v := s.deps.Sessions.PopString(ctx, sessDeskNotice); v != "" {
		if r, what, ok := strings.Cut(v, " "); ok && r == d.Reference {
			notice = s.localizer(c).T("deskapp.notice." + what)
		}
	}
	return s.renderDeskApplication(c, http.StatusOK, d, notice, "")
}

// deskError turns the domain's refusal of a member of staff into the
// forbidden page; everything else goes to the error handler as it is.
func deskError(err error) error {
	if errors.Is(err, applications.ErrForbidden) {
		return errForbidden
	}
	return err
}

func (s *Server) renderDeskApplication(c echo.Context, status int, d applications.StaffDetail, notice, problem string) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	ch := s.chrome(c, "")
	l := ch.L
	titles, err := s.serviceTitles(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}
	offices, err := s.deps.Catalogue.Offices(ctx, t.ID)
	if err != nil {
		return err
	}
	title := serviceTitle(titles, d.Service)
	ch.Title = title + " " + d.Reference
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("desk.heading"), URL: "/scrivania"}, {Label: d.Reference}}
	base := deskAppURL(d.Reference)

	page := views.DeskApplicationPage{
		Service: title, Reference: d.Reference, Status: statusBadge(l, d.Status), Notice: notice, Problem: problem,
		Applicant: d.ApplicantName, Deadline: deskDeadline(l, d.Deadline),
	}
	if d.ApplicantFiscalCode != "" {
		page.Applicant += " (" + d.ApplicantFiscalCode + ")"
	}
	if d.SubmittedAt != nil {
		page.Facts = append(page.Facts, timeFact(dateTimeFact(l, "myapps.submitted_at", *d.SubmittedAt)))
	}
	office := views.Fact{Label: l.T("myapps.office"), Value: d.Office}
	for _, o := range offices {
		if o.Slug == d.Office {
			office.Value = o.Name.In(l.Lang)
		}
	}
	page.Facts = append(page.Facts, office)
	assignee := views.Fact{Label: l.T("deskapp.assignee"), Value: d.AssigneeName}
	if d.AssigneeName == "" {
		assignee.Value = l.T("deskapp.assignee.none")
	}
	page.Facts = append(page.Facts, assignee)
	if d.TakenAt != nil {
		page.Facts = append(page.Facts, timeFact(dateTimeFact(l, "myapps.taken_at", *d.TakenAt)))
	}
	if d.DecidedAt != nil {
		page.Facts = append(page.Facts, timeFact(dateTimeFact(l, "myapps.decided_at", *d.DecidedAt)))
	}
	page.Facts = append(page.Facts, views.Fact{Label: l.T("deskapp.revision"), Value: strconv.Itoa(d.Revision)})

	if d.ProtocolNumber != "" {
		in := views.Fact{Label: l.T("deskapp.protocol.in"), Value: d.ProtocolNumber}
		if d.ProtocolAt != nil {
			in.Note = l.DateTime(*d.ProtocolAt)
		}
		page.Protocol = append(page.Protocol, in)
	} else {
		page.Protocol = append(page.Protocol, views.Fact{Label: l.T("deskapp.protocol.in"), Value: l.T("myapps.protocol.pending")})
	}
	if d.Outgoing != nil {
		page.Protocol = append(page.Protocol, views.Fact{Label: l.T("deskapp.protocol.out"), Value: d.Outgoing.Number,
			Note: l.DateTime(d.Outgoing.At)})
	}

	page.Actions.Revision = d.Revision
	if d.Allowed.TakeInCharge {
		page.Actions.TakeInCharge = base + "/prendi-in-carico"
	}
	for _, a := range deskActions {
		if a.allowed(d.Allowed) {
			page.Actions.Links = append(page.Actions.Links, views.DeskActionLink{
				Label: l.T("deskapp." + a.name + ".link"), URL: base + "/" + a.path, Action: a.name, Danger: a.danger,
			})
		}
	}

	names := map[string]string{}
	for _, f := range d.Files {
		names[f.ID] = f.Name
	}
	for _, sec := range d.Form.Summary(d.Answers, l, names) {
		v := views.SummarySectionView{Title: sec.Title}
		for _, it := range sec.Items {
			v.Items = append(v.Items, views.SummaryItemView{Label: it.Label, Lines: it.Lines()})
		}
		page.Answers = append(page.Answers, v)
	}

	byEvent := map[int][]views.DocumentLink{}
	groups := map[string][]views.DeskDocument{}
	for _, f := range d.Files {
		doc := deskDocument(l, base, f)
		groups[f.Owner] = append(groups[f.Owner], doc)
		if f.EventSeq != 0 {
			byEvent[f.EventSeq] = append(byEvent[f.EventSeq], views.DocumentLink{Name: doc.Name, URL: doc.URL, Info: doc.Info})
		}
	}
	for _, owner := range []string{"citizen", "office", "receipt"} {
		if len(groups[owner]) > 0 {
			page.Documents = append(page.Documents, views.DeskDocumentGroup{Heading: l.T("deskapp.documents." + owner), Files: groups[owner]})
		}
	}

	for _, ev := range d.Events {
		item := views.DeskEvent{
			TimelineItem: views.TimelineItem{
				Date: l.DateTime(ev.At), ISO: isoTime(ev.At), Event: deskEventLabel(l, ev), Actor: deskActor(l, ev, d.ApplicantName),
				Message: lines(ev.Message), Files: byEvent[ev.Seq],
			},
			Note:     lines(ev.Note),
			Internal: ev.Kind == applications.EventNote || ev.Kind == applications.EventAssigned,
		}
		if ev.ReplyBy != nil {
			item.ReplyBy = civilDateFact(l, "deskapp.reply_by", *ev.ReplyBy)
		}
		page.Timeline = append(page.Timeline, item)
		switch ev.Kind {
		case applications.EventMessageFromCitizen, applications.EventMessageFromOffice, applications.EventIntegration,
			string(applications.AwaitingIntegration):
			page.Conversation = append(page.Conversation, item)
		case applications.EventNote:
			page.Notes = append(page.Notes, item)
		}
	}
	for _, n := range d.Notifications {
		page.Notifications = append(page.Notifications, views.NotificationRow{
			Channel: l.T("myapps.channel." + n.Channel), Subject: n.Subject, Status: l.T("myapps.delivery." + n.Status),
			Date: l.DateTime(n.At), ISO: isoTime(n.At),
		})
	}
	for _, o := range d.Others {
		row := views.DeskOtherApplication{Reference: o.Reference, Service: serviceTitle(titles, o.Service), Status: statusBadge(l, o.Status)}
		if o.Visible {
			row.URL = deskAppURL(o.Reference)
		}
		if o.SubmittedAt != nil {
			row.Submitted = dateFact(l, "", *o.SubmittedAt)
		}
		page.Others = append(page.Others, row)
	}
	return s.render(c, status, views.DeskApplication(ch, page))
}

func timeFact(f views.DatedFact) views.Fact {
	return views.Fact{Label: f.Label, Value: f.Date, ISO: f.ISO}
}

// deskDeadline words the legal term: days left as the service counts
// them, overdue, or stopped while the citizen is asked for more.
func deskDeadline(l *locale.Localizer, d applications.Deadline) views.DeskDeadline {
	out := views.DeskDeadline{}
	switch {
	case d.Closed:
		out.State, out.Text = "closed", l.T("deskapp.deadline.closed")
		return out
	case d.DueOn == nil:
		out.State, out.Text = "none", l.T("deskapp.deadline.none")
		return out
	}
	out.Due = civilDateFact(l, "deskapp.deadline.due", *d.DueOn)
	kind := string(d.Kind)
	switch {
	case d.Overdue:
		out.State, out.Text = "overdue", l.T("deskapp.deadline.overdue."+kind, "days", -d.DaysLeft)
	case d.DaysLeft == 0:
		out.State, out.Text = "due_soon", l.T("deskapp.deadline.today")
	default:
		out.State, out.Text = "running", l.T("deskapp.deadline.left."+kind, "days", d.DaysLeft)
		if d.DaysLeft <= 5 {
			out.State = "due_soon"
		}
	}
	if d.SuspendedSince != nil {
		out.State = "suspended"
		out.Note = l.T("deskapp.deadline.suspended", "date", l.Date(*d.SuspendedSince))
	}
	return out
}

func deskEventLabel(l *locale.Localizer, ev applications.Event) string {
	switch ev.Kind {
	case applications.EventNote, applications.EventAssigned:
		return l.T("deskapp.event." + ev.Kind)
	}
	return eventLabel(l, ev)
}

func deskActor(l *locale.Localizer, ev applications.Event, applicant string) string {
	switch {
	case ev.ActorKind == applications.ActorCitizen:
		return l.T("deskapp.actor.citizen", "name", applicant)
	case ev.ActorKind == applications.ActorStaff && ev.ActorName != "":
		return ev.ActorName
	}
	return l.T("myapps.actor." + ev.ActorKind)
}

// previewable are the types shown in the browser: their content was
// checked when they were received, and none of them runs scripts.
var previewable = []string{attachments.TypePDF, attachments.TypeJPEG, attachments.TypePNG}

func deskDocument(l *locale.Localizer, base string, f applications.File) views.DeskDocument {
	id := f.ID
	if f.Owner == "receipt" {
		id = "receipt"
	}
	doc := views.DeskDocument{
		Name: f.Name, URL: base + "/documenti/" + url.PathEscape(id),
		Info: fileKind(f.ContentType) + ", " + l.FileSize(f.Size), Date: dateTimeFact(l, "", f.CreatedAt),
	}
	if slices.Contains(previewable, f.ContentType) {
		doc.PreviewURL = doc.URL + "?inline=1"
		doc.Image = f.ContentType != attachments.TypePDF
	}
	return doc
}

// deskApplicationFile downloads a document of the application; with
// ?inline=1 a PDF or an image opens in the browser instead. Anything else
// is always a download.
func (s *Server) deskApplicationFile(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	f, rc, err := s.deps.Applications.OpenFileForStaff(c.Request().Context(), t.ID, c.Param("ref"), c.Param("id"), clerkOf(c))
	if err != nil {
		return deskError(err)
	}
	defer rc.Close()
	h := c.Response().Header()
	disposition := attachmentDisposition(f.Name)
	if c.QueryParam("inline") == "1" && slices.Contains(previewable, f.ContentType) {
		// Only types checked by content when received, none of which runs
		// scripts; the site's Content-Security-Policy still applies.
		disposition = "inline" + strings.TrimPrefix(disposition, "attachment")
	}
	h.Set("Content-Disposition", disposition)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	return c.Stream(http.StatusOK, f.ContentType, rc)
}

// deskInput is what an action form sent, kept to show it again.
type deskInput struct {
	assignee, text, documents, replyBy string
	upload                             bool // the outcome document is uploaded, not generated
	errs                               map[string]string
}

// revisionOf is the revision the form was filled on; a form without one
// is not ours.
func revisionOf(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, errBadRequest
	}
	return n, nil
}

// deskActionForm shows an action's form; an action the clerk may not
// take now is refused on the application's page (409).
func (s *Server) deskActionForm(a deskAction) echo.HandlerFunc {
	return func(c echo.Context) error {
		t := c.Get(ctxTenant).(tenant.Tenant)
		d, err := s.deps.Applications.ForStaff(c.Request().Context(), t.ID, c.Param("ref"), clerkOf(c))
		if err != nil {
			return deskError(err)
		}
		if !a.allowed(d.Allowed) {
			return s.deskRefused(c, d, "deskapp.problem.not_allowed")
		}
		return s.renderDeskAction(c, http.StatusOK, d, a, deskInput{assignee: d.Assignee}, d.Revision)
	}
}

// deskRefused shows the application as it is now, 409, saying why.
func (s *Server) deskRefused(c echo.Context, d applications.StaffDetail, key string) error {
	l := s.localizer(c)
	return s.renderDeskApplication(c, http.StatusConflict, d, "",
		l.T(key, "status", l.T("application.status."+string(d.Status))))
}

func (s *Server) renderDeskAction(c echo.Context, status int, d applications.StaffDetail, a deskAction, in deskInput, revision int) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ch := s.chrome(c, "")
	l := ch.L
	titles, err := s.serviceTitles(c.Request().Context(), t.ID, l.Lang)
	if err != nil {
		return err
	}
	base := deskAppURL(d.Reference)
	heading := l.T("deskapp." + a.name + ".heading")
	ch.Title = heading + " – " + d.Reference
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("desk.heading"), URL: "/scrivania"}, {Label: d.Reference, URL: base}, {Label: heading}}
	page := views.DeskActionPage{
		Service: serviceTitle(titles, d.Service), Reference: d.Reference, Status: statusBadge(l, d.Status),
		Action: base + "/" + a.path, Heading: heading, Lead: l.T("deskapp." + a.name + ".lead"),
		Submit: l.T("deskapp." + a.name + ".submit"), Danger: a.danger, Revision: revision, BackURL: base,
	}
	field := func(name string) *views.DeskField {
		f := &views.DeskField{ID: "deskaction-" + name, Name: name, Label: l.T("deskapp." + a.name + "." + name),
			Hint: l.T("deskapp.field." + name + ".hint"), Error: in.errs[name]}
		if f.Error != "" {
			page.Errors = append(page.Errors, views.ErrorLink{Message: f.Error, Href: "#" + f.ID})
		}
		return f
	}
	switch a.name {
	case "assign":
		sel := &views.DeskSelect{ID: "deskaction-assignee", Name: "assignee", Label: l.T("deskapp.assign.assignee"), Error: in.errs["assignee"]}
		sel.Options = append(sel.Options, views.DeskOption{Value: "", Label: l.T("deskapp.assignee.none"), Selected: in.assignee == ""})
		for _, m := range d.Staff {
			sel.Options = append(sel.Options, views.DeskOption{Value: m.FiscalCode, Label: m.Name + " – " + l.T("role."+m.Role),
				Selected: m.FiscalCode == in.assignee})
		}
		page.Assignee = sel
	case "integration":
		page.Text = field("message")
		page.Text.Value = in.text
		page.Documents = field("documents")
		page.Documents.Value = in.documents
		page.ReplyBy = field("reply_by")
		page.ReplyBy.Value = in.replyBy
		page.ReplyBy.Min = time.Now().In(locale.Rome).AddDate(0, 0, 1).Format(time.DateOnly)
	case "accept", "reject":
		page.Text = field("motivation")
		page.Text.Value = in.text
		page.Multipart = true
		page.Outcome = &views.DeskOutcome{Generate: !in.upload, FileError: in.errs["document"],
			MaxSize: l.FileSize(s.deps.Applications.Limits().MaxFileSize)}
		if in.errs["document"] != "" {
			page.Errors = append(page.Errors, views.ErrorLink{Message: in.errs["document"], Href: "#outcome-file"})
		}
	case "cancel":
		page.Text = field("motivation")
		page.Text.Value = in.text
	case "message":
		page.Text = field("message")
		page.Text.Value = in.text
	case "note":
		page.Text = field("note")
		page.Text.Value = in.text
	}
	if len(page.Errors) > 0 {
		ch.Title = ch.T("form.errors.title_prefix") + " " + ch.Title
	}
	return s.render(c, status, views.DeskAction(ch, page))
}

// deskDone answers an action: back to the application with a notice when
// it was done; its form again (422) with what was typed when the input
// was wrong; the application as it is now (409) when it changed
// meanwhile or its state does not allow the action.
func (s *Server) deskDone(c echo.Context, a deskAction, in deskInput, revision int, err error) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	ref := c.Param("ref")
	if err == nil {
		s.deps.Sessions.Put(ctx, sessDeskNotice, ref+" "+a.name)
		return c.Redirect(http.StatusSeeOther, deskAppURL(ref))
	}
	l := s.localizer(c)
	in.errs = map[string]string{}
	var msgErr *applications.MessageError
	var refusal *attachments.Refusal
	switch {
	case errors.As(err, &msgErr):
		field := map[string]string{"integration": "message", "message": "message", "note": "note"}[a.name]
		if field == "" {
			field = "motivation"
		}
		in.errs[field] = l.T("deskapp.error."+field+"."+msgErr.Code, "max", applications.MaxMessage)
	case errors.Is(err, applications.ErrReplyBy):
		in.errs["reply_by"] = l.T("deskapp.error.reply_by")
	case errors.As(err, &refusal):
		in.errs["document"] = refusalMessage(l, refusal, s.deps.Applications.Limits()) + " " + l.T("myapps.form.files.again")
	case isTooLarge(err):
		in.errs["document"] = l.T("myapps.error.files.too_big", "file", "", "max_size", s.deps.Applications.Limits().MaxFileSize>>20)
	case errors.Is(err, applications.ErrChanged), errors.Is(err, applications.ErrNotAllowed):
		d, rerr := s.deps.Applications.ForStaff(ctx, t.ID, ref, clerkOf(c))
		if rerr != nil {
			return deskError(rerr)
		}
		key := "deskapp.problem.not_allowed"
		if errors.Is(err, applications.ErrChanged) {
			key = "deskapp.problem.changed"
		}
		return s.deskRefused(c, d, key)
	default:
		return deskError(err)
	}
	if len(in.errs) == 0 {
		return deskError(err)
	}
	return s.deskFormAgain(c, a, in, revision)
}

// deskFormAgain shows the action's form again with what was typed and what
// is wrong with it (422), keeping the revision the clerk saw.
func (s *Server) deskFormAgain(c echo.Context, a deskAction, in deskInput, revision int) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	d, err := s.deps.Applications.ForStaff(c.Request().Context(), t.ID, c.Param("ref"), clerkOf(c))
	if err != nil {
		return deskError(err)
	}
	return s.renderDeskAction(c, http.StatusUnprocessableEntity, d, a, in, revision)
}

// deskPost reads the revision of a plain action form and runs do.
func (s *Server) deskPost(c echo.Context, a deskAction, in deskInput,
	do func(ctx context.Context, tenantID, ref string, revision int, by applications.Clerk) error) error {
	revision, err := revisionOf(c.FormValue("revision"))
	if err != nil {
		return err
	}
	t := c.Get(ctxTenant).(tenant.Tenant)
	err = do(c.Request().Context(), t.ID, c.Param("ref"), revision, clerkOf(c))
	return s.deskDone(c, a, in, revision, err)
}

func (s *Server) deskTakeInCharge(c echo.Context) error {
	return s.deskPost(c, deskAction{name: "take"}, deskInput{}, s.deps.Applications.TakeInCharge)
}

func (s *Server) deskAssign(c echo.Context) error {
	in := deskInput{assignee: c.FormValue("assignee")}
	return s.deskPost(c, deskActionNamed("assign"), in, func(ctx context.Context, tenantID, ref string, rev int, by applications.Clerk) error {
		return s.deps.Applications.Assign(ctx, tenantID, ref, rev, by, in.assignee)
	})
}

func (s *Server) deskRequestIntegration(c echo.Context) error {
	in := deskInput{text: c.FormValue("message"), documents: c.FormValue("documents"), replyBy: strings.TrimSpace(c.FormValue("reply_by"))}
	a := deskActionNamed("integration")
	var replyBy time.Time
	if in.replyBy != "" {
		d, err := time.Parse(time.DateOnly, in.replyBy)
		if err != nil {
			revision, rerr := revisionOf(c.FormValue("revision"))
			if rerr != nil {
				return rerr
			}
			in.errs = map[string]string{"reply_by": s.localizer(c).T("deskapp.error.reply_by")}
			return s.deskFormAgain(c, a, in, revision)
		}
		replyBy = d
	}
	return s.deskPost(c, a, in, func(ctx context.Context, tenantID, ref string, rev int, by applications.Clerk) error {
		return s.deps.Applications.AskForIntegration(ctx, tenantID, ref, rev, by, applications.IntegrationRequest{
			Message: in.text, Documents: strings.Split(in.documents, "\n"), ReplyBy: replyBy})
	})
}

func (s *Server) deskCancel(c echo.Context) error {
	in := deskInput{text: c.FormValue("motivation")}
	return s.deskPost(c, deskActionNamed("cancel"), in, func(ctx context.Context, tenantID, ref string, rev int, by applications.Clerk) error {
		return s.deps.Applications.Cancel(ctx, tenantID, ref, rev, by, in.text)
	})
}

// deskMessage writes to the citizen. A message changes no state: the
// revision is read (the form is ours) but a change meanwhile does not
// stop it.
func (s *Server) deskMessage(c echo.Context) error {
	in := deskInput{text: c.FormValue("message")}
	return s.deskPost(c, deskActionNamed("message"), in, func(ctx context.Context, tenantID, ref string, _ int, by applications.Clerk) error {
		return s.deps.Applications.MessageCitizen(ctx, tenantID, ref, by, in.text)
	})
}

// deskNote adds an internal note; like a message, it changes no state.
func (s *Server) deskNote(c echo.Context) error {
	in := deskInput{text: c.FormValue("note")}
	return s.deskPost(c, deskActionNamed("note"), in, func(ctx context.Context, tenantID, ref string, _ int, by applications.Clerk) error {
		return s.deps.Applications.AddNote(ctx, tenantID, ref, by, in.text)
	})
}

// deskDecide accepts or rejects with a motivation and an outcome document.
// The form streams: its fields come first, then the file, which goes
// straight to the domain as it arrives (checked by content, within the
// per-file limit).
func (s *Server) deskDecide(accept bool) echo.HandlerFunc {
	a := deskActionNamed(map[bool]string{true: "accept", false: "reject"}[accept])
	return func(c echo.Context) error {
		t := c.Get(ctxTenant).(tenant.Tenant)
		ctx := c.Request().Context()
		mr, ok := c.Get(ctxMultipart).(*multipart.Reader)
		if !ok {
			return errBadRequest
		}
		var in deskInput
		var revision int
		var decided bool
		var derr error
		badRevision := false
		cut, err := readParts(mr, func(name, value string) {
			switch name {
			case "revision":
				n, err := revisionOf(value)
				revision, badRevision = n, err != nil
			case "motivation":
				in.text = value
			case "outcome":
				in.upload = value == "upload"
			}
		}, func(part *multipart.Part) error {
			if part.FormName() != "document" || !in.upload || decided || badRevision || revision == 0 {
				return nil
			}
			decided = true
			derr = s.deps.Applications.DecideWithDocument(ctx, t.ID, c.Param("ref"), revision, clerkOf(c), accept, in.text,
				applications.OutcomeDocument{Name: part.FileName(), Body: part})
			return nil
		})
		if err != nil {
			return err
		}
		if badRevision || revision == 0 {
			return errBadRequest
		}
		switch {
		case decided:
		case cut && in.upload:
			derr = &attachments.Refusal{Code: attachments.CodeTooBig, Limit: s.deps.Applications.Limits().MaxFileSize}
		case in.upload:
			in.errs = map[string]string{"document": s.localizer(c).T("deskapp.error.document.missing")}
			if strings.TrimSpace(in.text) == "" {
				in.errs["motivation"] = s.localizer(c).T("deskapp.error.motivation.required")
			}
			return s.deskFormAgain(c, a, in, revision)
		default:
			derr = s.deps.Applications.DecideWithDocument(ctx, t.ID, c.Param("ref"), revision, clerkOf(c), accept, in.text,
				applications.OutcomeDocument{Generate: true})
		}
		return s.deskDone(c, a, in, revision, derr)
	}
}
