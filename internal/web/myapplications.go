package web

import (
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"
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

// The citizen's applications in the personal area ("Le mie pratiche"):
// the list by filter, one application's page, its documents, and what the
// citizen may do from there (withdraw, answer an integration request,
// write to the office).

const myAppsPath = "/area-personale/pratiche"

// sessMyAppNotice holds, until the application's page shows it, what was
// just done to an application: "<reference> <what>".
const sessMyAppNotice = "myapps_notice"

// myAppsQuery names applications.Filters in the list's query, in
// Italian as the site's paths are.
var myAppsQuery = map[string]string{
	"draft":       "bozza",
	"submitted":   "inviate",
	"in_progress": "in-elaborazione",
	"accepted":    "accettate",
	"rejected":    "rifiutate",
	"integration": "da-integrare",
}

// myApplicationRoutes registers the pages of the citizen's applications.
// site is the group with language, tenant, session and CSRF; the
// multipart forms are registered on e, like the problem report, so that
// their CSRF token is read from the stream first (multipartToken).
func (s *Server) myApplicationRoutes(site *echo.Group, e *echo.Echo) {
	citizen := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindCitizen)}
	site.GET(myAppsPath, s.myApplications, citizen...)
	site.GET(myAppsPath+"/:ref", s.myApplication, citizen...)
	site.GET(myAppsPath+"/:ref/ritira", s.withdrawPage, citizen...)
	site.POST(myAppsPath+"/:ref/ritira", s.withdraw, citizen...)
	site.GET(myAppsPath+"/:ref/documenti/:id", s.myApplicationFile, citizen...)

	// The files of one request can be at most what an application may
	// hold, plus room for the message.
	maxBytes := s.deps.Applications.Limits().MaxTotalSize + 1<<20
	stream := []echo.MiddlewareFunc{s.language, s.resolveTenant, s.session, s.multipartToken(maxBytes), s.csrf(), s.requireComune,
		s.requireKind(auth.KindCitizen)}
	e.POST(myAppsPath+"/:ref/messaggi", s.messageOffice, stream...)
	e.POST(myAppsPath+"/:ref/integrazione", s.answerIntegration, stream...)
}

// myApplications lists the person's applications under the filter of the
// query (all of them without one), with how many each filter holds.
func (s *Server) myApplications(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	filter := ""
	for name, query := range myAppsQuery {
		if query == c.QueryParam("stato") {
			filter = name
		}
	}
	list, err := s.deps.Applications.List(ctx, t.ID, p.PersonID, filter)
	if err != nil {
		return err
	}
	counts, err := s.deps.Applications.Counts(ctx, t.ID, p.PersonID)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	titles, err := s.serviceTitles(ctx, t.ID, ch.L.Lang)
	if err != nil {
		return err
	}
	ch.Title = ch.T("myapps.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("personal.heading"), URL: "/area-personale"}, {Label: ch.T("myapps.heading")}}

	page := views.MyApplicationsPage{
		Filters: []views.ApplicationFilter{{Label: ch.T("myapps.filter.all"), URL: myAppsPath, Count: counts[""], Current: filter == ""}},
		Heading: ch.T("myapps.filter.all"),
		Empty:   ch.T("myapps.empty.all"),
	}
	for _, name := range applications.FilterNames {
		page.Filters = append(page.Filters, views.ApplicationFilter{
			Label: ch.T("myapps.filter." + name), URL: myAppsPath + "?stato=" + myAppsQuery[name], Count: counts[name], Current: name == filter,
		})
		if name == filter {
			page.Heading, page.Empty = ch.T("myapps.filter."+name), ch.T("myapps.empty."+name)
		}
	}
	for _, a := range list {
		page.Items = append(page.Items, applicationRow(ch.L, a, titles))
	}
	return s.render(c, http.StatusOK, views.MyApplications(ch, page))
}

func applicationRow(l *locale.Localizer, a applications.Summary, titles map[string]string) views.ApplicationRow {
	row := views.ApplicationRow{
		Service: serviceTitle(titles, a.Service), Reference: a.Reference, Status: statusBadge(l, a.Status),
		URL: applicationURL(a.Reference), LinkLabel: l.T("myapps.open"), Protocol: a.ProtocolNumber,
	}
	if a.Status == applications.Draft {
		row.URL, row.LinkLabel = applicationURL(a.Reference)+"/riprendi", l.T("myapps.resume")
		row.Dates = append(row.Dates, dateTimeFact(l, "myapps.saved_at", a.UpdatedAt))
		if a.ExpiresAt != nil {
			row.Dates = append(row.Dates, dateFact(l, "myapps.expires_on", *a.ExpiresAt))
		}
		return row
	}
	if a.SubmittedAt != nil {
		row.Dates = append(row.Dates, dateTimeFact(l, "myapps.submitted_at", *a.SubmittedAt))
	}
	if a.DueOn != nil && !a.Status.Final() {
		row.Dates = append(row.Dates, civilDateFact(l, "myapps.due_on", *a.DueOn))
	}
	return row
}

// myApplication shows one of the person's applications; a draft is
// resumed instead.
func (s *Server) myApplication(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	ref := c.Param("ref")
	d, err := s.deps.Applications.ForPerson(c.Request().Context(), t.ID, p.PersonID, ref)
	if err != nil {
		return err
	}
	if d.Status == applications.Draft {
		return c.Redirect(http.StatusSeeOther, applicationURL(d.Reference)+"/riprendi")
	}
	notice := ""
	if v := s.deps.Sessions.PopString(c.Request().Context(), sessMyAppNotice); v != "" {
		if r, what, ok := strings.Cut(v, " "); ok && r == d.Reference {
			notice = s.localizer(c).T("myapps.notice." + what)
		}
	}
	return s.renderMyApplication(c, http.StatusOK, d, func(page *views.MyApplicationPage) { page.Notice = notice })
}

// renderMyApplication renders an application's page; edit, when not nil,
// adds what a refused action has to say (a problem, a form sent back).
func (s *Server) renderMyApplication(c echo.Context, status int, d applications.Detail, edit func(*views.MyApplicationPage)) error {
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
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("personal.heading"), URL: "/area-personale"},
		{Label: ch.T("myapps.heading"), URL: myAppsPath}, {Label: d.Reference}}

	base := applicationURL(d.Reference)
	page := views.MyApplicationPage{
		Service: title, ServiceURL: "/servizi/" + d.Service, Reference: d.Reference, Status: statusBadge(l, d.Status),
	}
	page.Facts = append(page.Facts, views.Fact{Label: l.T("myapps.service"), Value: title, URL: page.ServiceURL})
	if d.SubmittedAt != nil {
		f := dateTimeFact(l, "myapps.submitted_at", *d.SubmittedAt)
		page.Facts = append(page.Facts, views.Fact{Label: f.Label, Value: f.Date, ISO: f.ISO})
	}
	if d.ProtocolNumber != "" {
		page.Facts = append(page.Facts, views.Fact{Label: l.T("myapps.protocol"), Value: d.ProtocolNumber})
		if d.ProtocolAt != nil {
			f := dateTimeFact(l, "myapps.protocol_at", *d.ProtocolAt)
			page.Facts = append(page.Facts, views.Fact{Label: f.Label, Value: f.Date, ISO: f.ISO})
		}
	} else {
		page.Facts = append(page.Facts, views.Fact{Label: l.T("myapps.protocol"), Value: l.T("myapps.protocol.pending")})
	}
	office := views.Fact{Label: l.T("myapps.office"), Value: d.Office}
	for _, o := range offices {
		if o.Slug == d.Office {
			office.Value, office.URL = o.Name.In(l.Lang), "/uffici/"+o.Slug
		}
	}
	page.Facts = append(page.Facts, office)
	if d.TakenAt != nil {
		f := dateFact(l, "myapps.taken_at", *d.TakenAt)
		page.Facts = append(page.Facts, views.Fact{Label: f.Label, Value: f.Date, ISO: f.ISO})
	} else if !d.Status.Final() {
		page.Facts = append(page.Facts, views.Fact{Label: l.T("myapps.taken_at"), Value: l.T("myapps.taken_at.not_yet")})
	}
	if d.DueOn != nil && !d.Status.Final() {
		f := civilDateFact(l, "myapps.due_on", *d.DueOn)
		due := views.Fact{Label: f.Label, Value: f.Date, ISO: f.ISO}
		if d.SuspendedAt != nil {
			due.Note = l.T("myapps.due_on.suspended", "date", l.Date(*d.SuspendedAt))
		}
		page.Facts = append(page.Facts, due)
	}
	if d.DecidedAt != nil {
		f := dateTimeFact(l, "myapps.decided_at", *d.DecidedAt)
		page.Facts = append(page.Facts, views.Fact{Label: f.Label, Value: f.Date, ISO: f.ISO})
	}

	// Files: the receipt; the documents sent with the form, a message or
	// an answer, and the office's; and the citizen's files received but
	// not sent yet (a form sent back), which go with the next message.
	byEvent := map[int][]views.DocumentLink{}
	var own, theirs []views.DocumentLink
	var kept []views.KeptFile
	for _, f := range d.Files {
		link := documentLink(l, base, f)
		switch {
		case f.Owner == "receipt":
			page.ReceiptURL = link.URL
		case f.Owner == "citizen" && f.FieldKey == "" && f.EventSeq == 0:
			kept = append(kept, views.KeptFile{ID: f.ID, Name: f.Name})
		case f.Owner == "citizen":
			own = append(own, link)
		default:
			theirs = append(theirs, link)
		}
		if f.EventSeq != 0 {
			byEvent[f.EventSeq] = append(byEvent[f.EventSeq], link)
		}
	}
	if len(own) > 0 {
		page.Documents = append(page.Documents, views.DocumentGroup{Heading: l.T("myapps.documents.citizen"), Files: own})
	}
	if len(theirs) > 0 {
		page.Documents = append(page.Documents, views.DocumentGroup{Heading: l.T("myapps.documents.office"), Files: theirs})
	}

	for _, ev := range d.Events {
		item := views.TimelineItem{
			Date: l.DateTime(ev.At), ISO: isoTime(ev.At), Event: eventLabel(l, ev),
			Actor: actorLabel(l, ev), Message: lines(ev.Message), Files: byEvent[ev.Seq],
		}
		if ev.ReplyBy != nil {
			item.ReplyBy = civilDateFact(l, "myapps.reply_by", *ev.ReplyBy)
		}
		page.Timeline = append(page.Timeline, item)
		if ev.Kind == string(applications.AwaitingIntegration) && d.Status == applications.AwaitingIntegration {
			page.Request = &item
		}
	}
	for _, n := range d.Notifications {
		page.Notifications = append(page.Notifications, views.NotificationRow{
			Channel: l.T("myapps.channel." + n.Channel), Subject: n.Subject, Status: l.T("myapps.delivery." + n.Status),
			Date: l.DateTime(n.At), ISO: isoTime(n.At),
		})
	}

	if d.Withdrawable {
		page.WithdrawURL = base + "/ritira"
	}
	if d.Status == applications.AwaitingIntegration {
		page.Integration = &views.MessageForm{
			ID: "integration", Action: base + "/integrazione", Heading: l.T("myapps.integration.heading"),
			Lead: l.T("myapps.integration.lead"), TextLabel: l.T("myapps.integration.text"),
			TextHint: l.T("myapps.form.text.hint", "max", applications.MaxMessage), Submit: l.T("myapps.integration.submit"),
			Kept: kept,
		}
		kept = nil
	}
	if !d.Status.Final() {
		page.Message = &views.MessageForm{
			ID: "message", Action: base + "/messaggi", Heading: l.T("myapps.message.heading"),
			Lead: l.T("myapps.message.lead"), TextLabel: l.T("myapps.message.text"),
			TextHint: l.T("myapps.form.text.hint", "max", applications.MaxMessage), Submit: l.T("myapps.message.submit"),
			Required: true, Kept: kept,
		}
	}
	if edit != nil {
		edit(&page)
	}
	return s.render(c, status, views.MyApplication(ch, page))
}

// withdrawPage asks the person to confirm that they withdraw the
// application; one that can no longer be withdrawn says so (409).
func (s *Server) withdrawPage(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	d, err := s.deps.Applications.ForPerson(c.Request().Context(), t.ID, p.PersonID, c.Param("ref"))
	if err != nil {
		return err
	}
	if !d.Withdrawable {
		return s.notAllowed(c, d, "myapps.problem.withdraw")
	}
	return s.renderWithdraw(c, http.StatusOK, d, "", "")
}

// withdraw withdraws the application and goes back to its page.
func (s *Server) withdraw(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	ref, reason := c.Param("ref"), c.FormValue("reason")
	err := s.deps.Applications.Withdraw(ctx, t.ID, p.PersonID, ref, reason)
	var msgErr *applications.MessageError
	switch {
	case errors.As(err, &msgErr):
		d, err := s.deps.Applications.ForPerson(ctx, t.ID, p.PersonID, ref)
		if err != nil {
			return err
		}
		return s.renderWithdraw(c, http.StatusUnprocessableEntity, d, reason, s.localizer(c).T("myapps.error.message."+msgErr.Code,
			"max", applications.MaxMessage))
	case errors.Is(err, applications.ErrNotAllowed):
		d, err := s.deps.Applications.ForPerson(ctx, t.ID, p.PersonID, ref)
		if err != nil {
			return err
		}
		return s.notAllowed(c, d, "myapps.problem.withdraw")
	case err != nil:
		return err
	}
	s.deps.Sessions.Put(ctx, sessMyAppNotice, ref+" withdrawn")
	return c.Redirect(http.StatusSeeOther, applicationURL(ref))
}

func (s *Server) renderWithdraw(c echo.Context, status int, d applications.Detail, reason, reasonErr string) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ch := s.chrome(c, "")
	titles, err := s.serviceTitles(c.Request().Context(), t.ID, ch.L.Lang)
	if err != nil {
		return err
	}
	base := applicationURL(d.Reference)
	ch.Title = ch.T("myapps.withdraw.confirm.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("personal.heading"), URL: "/area-personale"},
		{Label: ch.T("myapps.heading"), URL: myAppsPath}, {Label: d.Reference, URL: base}, {Label: ch.T("myapps.withdraw.heading")}}
	page := views.WithdrawApplicationPage{
		Service: serviceTitle(titles, d.Service), Reference: d.Reference, Status: statusBadge(ch.L, d.Status),
		Action: base + "/ritira", DetailURL: base, Reason: reason, ReasonError: reasonErr,
	}
	if reasonErr != "" {
		page.Errors = []views.ErrorLink{{Message: reasonErr, Href: "#withdraw-reason"}}
	}
	return s.render(c, status, views.WithdrawApplication(ch, page))
}

// notAllowed shows the application's page, 409, saying why what was
// asked cannot be done in its state.
func (s *Server) notAllowed(c echo.Context, d applications.Detail, key string) error {
	if d.Status == applications.Draft {
		return c.Redirect(http.StatusSeeOther, applicationURL(d.Reference)+"/riprendi")
	}
	problem := s.localizer(c).T(key, "status", s.localizer(c).T("application.status."+string(d.Status)))
	return s.renderMyApplication(c, http.StatusConflict, d, func(p *views.MyApplicationPage) { p.Problem = problem })
}

// messageOffice sends the office a message with optional documents.
func (s *Server) messageOffice(c echo.Context) error {
	return s.postToOffice(c, "message", func(ctx context.Context, tenantID, personID, ref, text string, ids []string) error {
		return s.deps.Applications.MessageOffice(ctx, tenantID, personID, ref, text, ids)
	})
}

// answerIntegration answers the office's integration request, which
// resumes the legal clock.
func (s *Server) answerIntegration(c echo.Context) error {
	return s.postToOffice(c, "integration", func(ctx context.Context, tenantID, personID, ref, text string, ids []string) error {
		return s.deps.Applications.AnswerIntegration(ctx, tenantID, personID, ref, text, ids)
	})
}

// postToOffice reads a message form (the message, the files kept from an
// earlier try, new files stored as they stream in) and sends it with
// send. A file refused, or a message refused, sends the form back (422)
// with what was typed; the files received stay with the application and
// go with the next try. form is "message" or "integration": the form's id
// on the page and the notice's name.
func (s *Server) postToOffice(c echo.Context, form string,
	send func(ctx context.Context, tenantID, personID, ref, text string, ids []string) error) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	ref := c.Param("ref")
	mr, ok := c.Get(ctxMultipart).(*multipart.Reader)
	if !ok {
		return errBadRequest
	}
	post, err := s.readMessagePost(ctx, mr, t.ID, p.PersonID, ref)
	if errors.Is(err, applications.ErrNotAllowed) {
		return s.refusedPost(c, ref, form, post, nil)
	} else if err != nil {
		return err
	}
	l := s.localizer(c)
	if len(post.refused) > 0 {
		var msgs []string
		for _, r := range post.refused {
			msgs = append(msgs, refusalMessage(l, r, s.deps.Applications.Limits()))
		}
		return s.refusedPost(c, ref, form, post, func(page *views.MyApplicationPage) {
			f := formOf(page, form)
			f.FilesError, f.FilesAgain = strings.Join(msgs, " "), true
			page.Errors = append(page.Errors, views.ErrorLink{Message: f.FilesError, Href: "#" + f.FilesID()})
		})
	}
	err = send(ctx, t.ID, p.PersonID, ref, post.text, append(post.kept, post.added...))
	var msgErr *applications.MessageError
	switch {
	case errors.As(err, &msgErr):
		msg := l.T("myapps.error.message."+msgErr.Code, "max", applications.MaxMessage)
		return s.refusedPost(c, ref, form, post, func(page *views.MyApplicationPage) {
			f := formOf(page, form)
			f.TextError = msg
			page.Errors = append(page.Errors, views.ErrorLink{Message: msg, Href: "#" + f.TextID()})
		})
	case errors.Is(err, applications.ErrNotAllowed):
		return s.refusedPost(c, ref, form, post, nil)
	case err != nil:
		return err
	}
	s.deps.Sessions.Put(ctx, sessMyAppNotice, ref+" "+form+"_sent")
	return c.Redirect(http.StatusSeeOther, applicationURL(ref))
}

// refusedPost shows the application's page again with what the person
// typed and edit's errors on the form (422); without edit, or when the
// page no longer has the form (the state changed meanwhile), it says that
// the application does not take it now (409).
func (s *Server) refusedPost(c echo.Context, ref, form string, post messagePost, edit func(*views.MyApplicationPage)) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	d, err := s.deps.Applications.ForPerson(c.Request().Context(), t.ID, p.PersonID, ref)
	if err != nil {
		return err
	}
	conflict := edit == nil || (form == "integration" && d.Status != applications.AwaitingIntegration) || d.Status.Final()
	if conflict {
		return s.notAllowed(c, d, "myapps.problem."+form)
	}
	return s.renderMyApplication(c, http.StatusUnprocessableEntity, d, func(page *views.MyApplicationPage) {
		formOf(page, form).Text = post.text
		edit(page)
	})
}

// formOf is the page's form of that name.
func formOf(page *views.MyApplicationPage, form string) *views.MessageForm {
	if form == "integration" {
		return page.Integration
	}
	return page.Message
}

// messagePost is what a message form sent.
type messagePost struct {
	text    string
	kept    []string // ids of files received on an earlier try
	added   []string // ids of the files received now
	refused []*attachments.Refusal
}

// messageKinds are the files a message to the office may carry: documents
// (signed ones too) and images.
var messageKinds = []string{attachments.KindDocument, attachments.KindImage}

// readMessagePost reads the rest of a message form from mr, storing each
// file with the application as it streams in. A request cut short by its
// size limit keeps what came before and refuses the rest as too big.
func (s *Server) readMessagePost(ctx context.Context, mr *multipart.Reader, tenantID, personID, ref string) (messagePost, error) {
	var post messagePost
	cut, err := readParts(mr, func(name, value string) {
		switch {
		case name == "message":
			post.text = value
		case name == "kept" && value != "":
			post.kept = append(post.kept, value)
		}
	}, func(part *multipart.Part) error {
		if part.FormName() != "files" {
			return nil
		}
		f, err := s.deps.Applications.AddFile(ctx, tenantID, personID, ref, "", part.FileName(), part, messageKinds)
		var refusal *attachments.Refusal
		if errors.As(err, &refusal) {
			post.refused = append(post.refused, refusal)
			return nil
		}
		if err == nil {
			post.added = append(post.added, f.ID)
		}
		return err
	})
	if cut {
		post.refused = append(post.refused, &attachments.Refusal{Code: attachments.CodeTotalTooBig,
			Limit: s.deps.Applications.Limits().MaxTotalSize})
	}
	return post, err
}

// refusalMessage words a refused file for the person.
func refusalMessage(l *locale.Localizer, r *attachments.Refusal, limits attachments.Limits) string {
	code := r.Code
	switch code {
	case attachments.CodeEmpty, attachments.CodeType, attachments.CodeTooBig, attachments.CodeTotalTooBig,
		attachments.CodeInfected, attachments.CodeScanUnavailable:
	default:
		code = "other"
	}
	return l.T("myapps.error.files."+code, "file", r.Name,
		"max_size", limits.MaxFileSize>>20, "max_total", limits.MaxTotalSize>>20)
}

// myApplicationFile downloads a document of the person's application;
// "receipt" is its PDF receipt.
func (s *Server) myApplicationFile(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	f, rc, err := s.deps.Applications.OpenFile(c.Request().Context(), t.ID, p.PersonID, c.Param("ref"), c.Param("id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := c.Response().Header()
	h.Set("Content-Disposition", attachmentDisposition(f.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	return c.Stream(http.StatusOK, f.ContentType, rc)
}

// attachmentDisposition is a Content-Disposition that downloads a file
// under its name (RFC 6266): an ASCII fallback in filename, the name
// itself, percent-encoded, in filename*.
func attachmentDisposition(name string) string {
	var ascii strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' || r == '%':
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + strings.ReplaceAll(url.PathEscape(name), "'", "%27")
}

// serviceTitles are the titles of the comune's services in lang, by slug.
func (s *Server) serviceTitles(ctx context.Context, tenantID, lang string) (map[string]string, error) {
	list, err := s.deps.Catalogue.Services(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	titles := make(map[string]string, len(list))
	for _, svc := range list {
		titles[svc.Slug] = svc.Title.In(lang)
	}
	return titles, nil
}

// serviceTitle is a service's title, its slug when the service is gone.
func serviceTitle(titles map[string]string, slug string) string {
	if t, ok := titles[slug]; ok && t != "" {
		return t
	}
	return slug
}

func applicationURL(ref string) string { return myAppsPath + "/" + url.PathEscape(ref) }

func statusBadge(l *locale.Localizer, st applications.Status) views.StatusBadge {
	return views.StatusBadge{Code: string(st), Label: l.T("application.status." + string(st))}
}

func actorLabel(l *locale.Localizer, ev applications.Event) string {
	if ev.ActorKind == applications.ActorStaff && ev.ActorName != "" {
		return l.T("myapps.actor.staff_named", "name", ev.ActorName)
	}
	return l.T("myapps.actor." + ev.ActorKind)
}

// eventLabel names a milestone. Going back to work after an integration
// is not a second taking in charge, and says so.
func eventLabel(l *locale.Localizer, ev applications.Event) string {
	if ev.To == applications.InProgress && ev.From == applications.AwaitingIntegration {
		return l.T("myapps.event.resumed")
	}
	return l.T("application.event." + ev.Kind)
}

func documentLink(l *locale.Localizer, base string, f applications.File) views.DocumentLink {
	id := f.ID
	if f.Owner == "receipt" {
		id = "receipt"
	}
	return views.DocumentLink{
		Name: f.Name, URL: base + "/documenti/" + url.PathEscape(id),
		Info: fileKind(f.ContentType) + ", " + l.FileSize(f.Size),
		Date: dateTimeFact(l, "", f.CreatedAt),
	}
}

// fileKind names a file's format the way people know it.
func fileKind(contentType string) string {
	switch contentType {
	case attachments.TypePDF:
		return "PDF"
	case attachments.TypeJPEG:
		return "JPEG"
	case attachments.TypePNG:
		return "PNG"
	case attachments.TypeODT:
		return "ODT"
	case attachments.TypeDOCX:
		return "DOCX"
	case attachments.TypeP7M:
		return "P7M"
	}
	return "file"
}

func dateFact(l *locale.Localizer, key string, t time.Time) views.DatedFact {
	return views.DatedFact{Label: l.T(key), Date: l.Date(t), ISO: t.In(locale.Rome).Format(time.DateOnly)}
}

func dateTimeFact(l *locale.Localizer, key string, t time.Time) views.DatedFact {
	f := views.DatedFact{Date: l.DateTime(t), ISO: isoTime(t)}
	if key != "" {
		f.Label = l.T(key)
	}
	return f
}

// civilDateFact is a civil date (a deadline, stored as 00:00 UTC).
func civilDateFact(l *locale.Localizer, key string, d time.Time) views.DatedFact {
	return views.DatedFact{Label: l.T(key), Date: l.Date(d), ISO: d.Format(time.DateOnly)}
}

func isoTime(t time.Time) string { return t.In(locale.Rome).Format(time.RFC3339) }

// lines splits a message into the lines it was written in, without the
// empty ones.
func lines(msg string) []string {
	var out []string
	for _, line := range strings.Split(msg, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}
