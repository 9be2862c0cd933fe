package web

import (
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
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/forms"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// The citizen's journey through an online application: the service's
// start page, the steps of its form (each saved as a draft), the summary,
// the submission and the confirmation. Every page works without
// JavaScript: groups grow and shrink, files are added and removed, and
// questions that depend on an answer appear, by posting the step.

const sessApplyNotice = "apply_notice" // a notice for the next page of the journey (i18n key)

// applyPath is where the pages of an application live.
func applyPath(ref string, rest ...string) string {
	return "/area-personale/pratiche/" + ref + strings.Join(rest, "")
}

func stepPath(ref string, i int) string { return applyPath(ref, "/passo/", strconv.Itoa(i+1)) }

func bookingPath(service, ref string) string {
	q := url.Values{"servizio": {service}}
	if ref != "" {
		q.Set("pratica", ref)
	}
	return "/prenota?" + q.Encode()
}

// maxStepRequest bounds a step's body: the files an application may hold
// and room for the answers.
func (s *Server) maxStepRequest() int64 {
	return s.deps.Applications.Limits().MaxTotalSize + 1<<20
}

// multipartStep lets a step with files post multipart/form-data, streamed
// (multipartToken), while steps without files post an ordinary form.
func (s *Server) multipartStep(next echo.HandlerFunc) echo.HandlerFunc {
	streamed := s.multipartToken(s.maxStepRequest())(next)
	return func(c echo.Context) error {
		if strings.HasPrefix(c.Request().Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm) {
			return streamed(c)
		}
		return next(c)
	}
}

// applyStart is a service's "before you start" page: what is needed, the
// steps, and the person's drafts to resume.
func (s *Server) applyStart(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	ctx := c.Request().Context()
	card, err := s.deps.Catalogue.Card(ctx, t.ID, c.Param("slug"))
	if err != nil {
		return err
	}
	if card.FormVersion == 0 {
		return echo.ErrNotFound
	}
	svc := card.Service
	drafts, err := s.deps.Applications.Drafts(ctx, t.ID, p.PersonID, svc.Slug)
	if err != nil {
		return err
	}
	ch := s.chrome(c, svc.Title.In(s.localizer(c).Lang))
	ch.Feedback = nil
	l := ch.L
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("services.heading"), URL: "/servizi"}, {Label: ch.Title, URL: "/servizi/" + svc.Slug},
		{Label: ch.T("apply.start.crumb")}}
	page := views.ApplyStartPage{
		Slug: svc.Slug, Service: ch.Title, Description: svc.Description.In(l.Lang), Needed: views.Blocks(svc.Needed.In(l.Lang)),
		StartAction: "/servizi/" + svc.Slug + "/domanda", BookingURL: bookingPath(svc.Slug, ""),
	}
	if svc.MaxProcessingDays > 0 {
		page.Time = ch.T("apply.start.time."+svc.ProcessingDaysKind, "days", svc.MaxProcessingDays)
	}
	pf, err := s.deps.Catalogue.CurrentForm(ctx, t.ID, svc.Slug)
	if err != nil {
		return err
	}
	for _, st := range pf.Form.Steps {
		page.Steps = append(page.Steps, st.Title.In(l.Lang))
	}
	for _, d := range drafts {
		link := views.DraftLink{Reference: d.Reference, URL: applyPath(d.Reference, "/riprendi"), Saved: l.DateTime(d.UpdatedAt)}
		if d.ExpiresAt != nil {
			link.Expires = l.Date(*d.ExpiresAt)
		}
		page.Drafts = append(page.Drafts, link)
	}
	return s.render(c, http.StatusOK, views.ApplyStart(ch, page))
}

// applyNew starts a draft and goes to its first step.
func (s *Server) applyNew(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	d, err := s.deps.Applications.StartDraft(c.Request().Context(), t.ID, p.PersonID, c.Param("slug"), s.localizer(c).Lang)
	if errors.Is(err, applications.ErrNoForm) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, stepPath(d.Reference, 0))
}

// applyResume takes the person back into a draft: to the first step with
// something to correct or answer, or to the summary when all is done.
func (s *Server) applyResume(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	d, err := s.deps.Applications.OpenDraft(c.Request().Context(), t.ID, p.PersonID, c.Param("ref"))
	if err != nil {
		return err
	}
	if d.Status != applications.Draft {
		return c.Redirect(http.StatusSeeOther, applyPath(d.Reference))
	}
	for i := range d.Form.Steps {
		if _, errs := d.Form.ValidateStep(i, d.Answers, time.Now()); len(errs) > 0 {
			return c.Redirect(http.StatusSeeOther, stepPath(d.Reference, i))
		}
	}
	return c.Redirect(http.StatusSeeOther, applyPath(d.Reference, "/riepilogo"))
}

// openStep opens the person's draft at the step the path names (from 1).
// An application already sent has no steps to show: sent is true and the
// caller sends the person to its page.
func (s *Server) openStep(c echo.Context) (d applications.Filled, i int, sent bool, err error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	if d, err = s.deps.Applications.OpenDraft(c.Request().Context(), t.ID, p.PersonID, c.Param("ref")); err != nil {
		return d, 0, false, err
	}
	if d.Status != applications.Draft {
		return d, 0, true, nil
	}
	i, err = stepIndex(c, d.Form)
	return d, i, false, err
}

// stepIndex reads the step number of the path (from 1) as an index.
func stepIndex(c echo.Context, f forms.Form) (int, error) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 || n > len(f.Steps) {
		return 0, echo.ErrNotFound
	}
	return n - 1, nil
}

// applyStep shows a step with the draft's answers.
func (s *Server) applyStep(c echo.Context) error {
	d, i, sent, err := s.openStep(c)
	if sent {
		return c.Redirect(http.StatusSeeOther, applyPath(d.Reference))
	}
	if err != nil {
		return err
	}
	values, _ := d.Form.ValidateStep(i, d.Answers, time.Now())
	return s.renderStep(c, http.StatusOK, d, i, d.Form.Merge(d.Answers, i, values), nil, false)
}

// renderStep shows step i of the draft with answers and errors.
func (s *Server) renderStep(c echo.Context, status int, d applications.Filled, i int, answers forms.Values, errs []forms.FieldError, appeared bool) error {
	ctx := c.Request().Context()
	ch := s.chrome(c, "")
	ch.Feedback = nil
	l := ch.L
	frame, err := s.applyFrame(c, d, i)
	if err != nil {
		return err
	}
	if d.Carried {
		frame.Notice = ch.T("apply.notice.replaced")
	} else if key := s.deps.Sessions.PopString(ctx, sessApplyNotice); key != "" {
		frame.Notice = ch.T(key)
	}
	step := d.Form.Steps[i]
	files := map[string]FileName{}
	for _, f := range d.Files {
		files[f.ID] = FileName{Name: f.Name, Size: l.FileSize(f.Size)}
	}
	page := views.ApplyStepPage{
		Frame: frame, Title: step.Title.In(l.Lang), Help: step.Help.In(l.Lang),
		Action: stepPath(d.Reference, i), Fields: formFields(l, d.Form, i, answers, errs, files),
		Visible: strings.Join(visibleFields(d.Form, i, answers), ","), Appeared: appeared,
		Summary: c.QueryParam("riepilogo") != "",
	}
	if page.Summary {
		page.Action += "?riepilogo=1"
	}
	if i > 0 {
		page.BackURL = stepPath(d.Reference, i-1)
	}
	for _, fl := range step.Fields {
		if fl.Type == forms.TypeFile || (fl.Type == forms.TypeGroup && slices.ContainsFunc(fl.Fields, func(sub forms.Field) bool { return sub.Type == forms.TypeFile })) {
			page.Multipart = true
		}
	}
	m := fieldMapper{l: l}
	for _, e := range errs {
		page.Errors = append(page.Errors, views.ErrorLink{Message: summaryMessage(l, d.Form, e, m.errorMessage(d.Form, e)), Href: "#" + views.FormFieldID(e.Key)})
	}
	ch.Title = page.Title + " – " + frame.Service
	if len(errs) > 0 {
		ch.Title = ch.T("form.errors.title_prefix") + " " + ch.Title
	}
	return s.render(c, status, views.ApplyStep(ch, page))
}

// summaryMessage is an error as the error summary lists it: away from
// its field, so it says which question it is about.
func summaryMessage(l *locale.Localizer, f forms.Form, e forms.FieldError, msg string) string {
	fl, ok := f.FieldFor(e.Key)
	if !ok {
		return msg
	}
	label := fl.Label.In(l.Lang)
	if fl.Type == forms.TypeAddress {
		if _, part, found := strings.Cut(strings.TrimPrefix(e.Key, fl.ID), "."); found && slices.Contains(forms.AddressParts, part) {
			label += ", " + strings.ToLower(l.T("form.address."+part))
		}
	}
	switch {
	case label == "":
		return msg
	case strings.ContainsAny(label[len(label)-1:], "?:."):
		return label + " " + msg
	}
	return label + ": " + msg
}

// visibleFields lists the ids of step i's fields shown with answers.
func visibleFields(f forms.Form, i int, answers forms.Values) []string {
	var ids []string
	for _, fl := range f.Steps[i].Fields {
		if f.Visible(fl.ID, answers) {
			ids = append(ids, fl.ID)
		}
	}
	return ids
}

// applyFrame is the stepper and the rest around every page of the
// journey; current is the step shown (len(Steps) for the summary).
func (s *Server) applyFrame(c echo.Context, d applications.Filled, current int) (views.ApplyFrame, error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	svc, _, err := s.deps.Catalogue.Service(c.Request().Context(), t.ID, d.Service)
	if err != nil {
		return views.ApplyFrame{}, err
	}
	f := views.ApplyFrame{Service: svc.Title.In(l.Lang), Reference: d.Reference, BookingURL: bookingPath(d.Service, d.Reference)}
	for i, st := range d.Form.Steps {
		f.Steps = append(f.Steps, views.StepperItem{Label: st.Title.In(l.Lang), URL: stepPath(d.Reference, i), Current: i == current, Done: i < current})
	}
	f.Steps = append(f.Steps, views.StepperItem{Label: l.T("apply.summary.step"), URL: applyPath(d.Reference, "/riepilogo"), Current: current == len(d.Form.Steps)})
	return f, nil
}

// stepPost is what a step's form sent.
type stepPost struct {
	values  forms.Values
	action  string
	visible []string
	refused []forms.FieldError // files not accepted
}

// readStep reads a step's post: an ordinary form, or a multipart stream
// whose files are stored as they arrive (each refused one becomes an error
// beside its field).
func (s *Server) readStep(c echo.Context, d applications.Filled) (stepPost, error) {
	post := stepPost{values: forms.Values{}}
	take := func(name, value string) {
		switch name {
		case "_csrf":
		case "_action":
			post.action = value
		case "_visible":
			post.visible = strings.Split(value, ",")
		default:
			post.values[name] = append(post.values[name], value)
		}
	}
	mr, ok := c.Get(ctxMultipart).(*multipart.Reader)
	if !ok {
		form, err := c.FormParams()
		if err != nil {
			return post, errBadRequest
		}
		for name, vs := range form {
			for _, v := range vs {
				take(name, v)
			}
		}
		return post, nil
	}
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	cut, err := readParts(mr, take, func(part *multipart.Part) error {
		name := part.FormName()
		fl, ok := d.Form.FieldFor(name)
		if !ok || fl.Type != forms.TypeFile {
			return nil // not a file question of this form: ignored
		}
		f, err := s.deps.Applications.AddFile(c.Request().Context(), t.ID, p.PersonID, d.Reference, name, part.FileName(), part, fl.Accept)
		var refusal *attachments.Refusal
		if errors.As(err, &refusal) {
			post.refused = append(post.refused, forms.FieldError{Key: name, Code: "upload_" + refusal.Code,
				Params: map[string]string{"name": refusal.Name, "limit": strconv.FormatInt(refusal.Limit>>20, 10)}})
			return nil
		}
		if err == nil {
			post.values[name] = append(post.values[name], f.ID)
		}
		return err
	})
	if cut {
		post.refused = append(post.refused, forms.FieldError{Code: "upload_request_too_large"})
	}
	return post, err
}

// saveStep saves a step and decides where the person goes: the next step,
// back, out (saved), or this step again (errors, an item added or removed,
// a file removed, new questions that appeared from the answers).
func (s *Server) saveStep(c echo.Context) error {
	ctx := c.Request().Context()
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	d, i, sent, err := s.openStep(c)
	if sent {
		return c.Redirect(http.StatusSeeOther, applyPath(d.Reference))
	}
	if err != nil {
		return err
	}
	post, err := s.readStep(c, d)
	if err != nil {
		return err
	}
	values := post.values
	again := false // show the step again rather than move on
	switch kind, arg, _ := strings.Cut(post.action, ":"); kind {
	case "add":
		values, again = forms.AddItem(values, arg), true
	case "remove":
		if dot := strings.LastIndex(arg, "."); dot > 0 {
			if n, err := strconv.Atoi(arg[dot+1:]); err == nil {
				values = forms.RemoveItem(values, arg[:dot], n)
			}
		}
		again = true
	case "remove-file":
		key, id, _ := strings.Cut(arg, ":")
		if err := s.deps.Applications.RemoveFile(ctx, t.ID, p.PersonID, d.Reference, id); err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		values[key] = slices.DeleteFunc(values[key], func(v string) bool { return v == id })
		again = true
	}
	res, err := s.deps.Applications.SaveStep(ctx, t.ID, p.PersonID, d.Reference, i, values)
	if err != nil {
		return err
	}
	if again {
		return s.renderStep(c, http.StatusOK, res.Filled, i, res.Answers, post.refused, false)
	}
	if len(post.refused) > 0 {
		return s.renderStep(c, http.StatusUnprocessableEntity, res.Filled, i, res.Answers, append(post.refused, res.Errors...), false)
	}
	switch post.action {
	case "save":
		s.deps.Sessions.Put(ctx, sessApplyNotice, "apply.notice.saved")
		return c.Redirect(http.StatusSeeOther, "/area-personale/pratiche?stato=bozza")
	case "back":
		if i == 0 {
			return c.Redirect(http.StatusSeeOther, "/servizi/"+d.Service+"/domanda")
		}
		return c.Redirect(http.StatusSeeOther, stepPath(d.Reference, i-1))
	}
	// Questions that depend on an answer just given appear now: show
	// them before moving on (without JavaScript there was no other way
	// for the person to see them).
	if post.visible != nil {
		for _, id := range visibleFields(res.Form, i, res.Answers) {
			if !slices.Contains(post.visible, id) {
				return s.renderStep(c, http.StatusOK, res.Filled, i, res.Answers, nil, true)
			}
		}
	}
	if len(res.Errors) > 0 {
		return s.renderStep(c, http.StatusUnprocessableEntity, res.Filled, i, res.Answers, res.Errors, false)
	}
	if i+1 < len(res.Form.Steps) && c.QueryParam("riepilogo") == "" {
		return c.Redirect(http.StatusSeeOther, stepPath(d.Reference, i+1))
	}
	return c.Redirect(http.StatusSeeOther, applyPath(d.Reference, "/riepilogo"))
}

// applySummary shows everything entered, with links to change it, and
// the declarations to make before sending.
func (s *Server) applySummary(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	d, err := s.deps.Applications.ForPerson(c.Request().Context(), t.ID, p.PersonID, c.Param("ref"))
	if err != nil {
		return err
	}
	if d.Status != applications.Draft {
		return c.Redirect(http.StatusSeeOther, applyPath(d.Reference))
	}
	return s.renderSummary(c, http.StatusOK, d, nil, nil, nil)
}

func (s *Server) renderSummary(c echo.Context, status int, d applications.Detail, errs []forms.FieldError, declared, missing []string) error {
	ch := s.chrome(c, "")
	ch.Feedback = nil
	l := ch.L
	frame, err := s.applyFrame(c, d.Filled, len(d.Form.Steps))
	if err != nil {
		return err
	}
	if d.Carried {
		frame.Notice = ch.T("apply.notice.replaced")
	} else if key := s.deps.Sessions.PopString(c.Request().Context(), sessApplyNotice); key != "" {
		frame.Notice = ch.T(key)
	}
	names := map[string]string{}
	for _, f := range d.Files {
		names[f.ID] = f.Name
	}
	page := views.ApplySummaryPage{Frame: frame, Action: applyPath(d.Reference, "/riepilogo"), BackURL: stepPath(d.Reference, len(d.Form.Steps)-1)}
	for _, sec := range d.Form.Summary(d.Answers, l, names) {
		v := views.SummarySectionView{Title: sec.Title, ChangeURL: stepPath(d.Reference, sec.StepIndex) + "?riepilogo=1"}
		for _, it := range sec.Items {
			v.Items = append(v.Items, views.SummaryItemView{Label: it.Label, Lines: it.Lines()})
		}
		page.Sections = append(page.Sections, v)
	}
	m := fieldMapper{l: l}
	for _, e := range errs {
		step := d.Form.StepOf(e.Key)
		if step < 0 {
			step = 0
		}
		page.Errors = append(page.Errors, views.ErrorLink{Message: summaryMessage(l, d.Form, e, m.errorMessage(d.Form, e)),
			Href: stepPath(d.Reference, step) + "?riepilogo=1#" + views.FormFieldID(e.Key)})
	}
	for _, decl := range d.Form.Declarations {
		v := views.DeclarationView{ID: decl.ID, Text: decl.Text.In(l.Lang), Checked: slices.Contains(declared, decl.ID)}
		if slices.Contains(missing, decl.ID) {
			v.Error = ch.T("apply.summary.declaration_required")
			page.Errors = append(page.Errors, views.ErrorLink{Message: v.Error, Href: "#declaration-" + decl.ID})
		}
		page.Declarations = append(page.Declarations, v)
	}
	ch.Title = ch.T("apply.summary.heading") + " – " + frame.Service
	if len(page.Errors) > 0 {
		ch.Title = ch.T("form.errors.title_prefix") + " " + ch.Title
	}
	return s.render(c, status, views.ApplySummary(ch, page))
}

// applySubmit sends the draft. Sending again what was sent lands on the
// same confirmation: one application, whatever the clicks.
func (s *Server) applySubmit(c echo.Context) error {
	ctx := c.Request().Context()
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	form, err := c.FormParams()
	if err != nil {
		return errBadRequest
	}
	ref := c.Param("ref")
	declared := form["declaration"]
	r, err := s.deps.Applications.Submit(ctx, t.ID, p.PersonID, ref, declared)
	if errors.Is(err, applications.ErrFormReplaced) {
		s.deps.Sessions.Put(ctx, sessApplyNotice, "apply.notice.replaced")
		return c.Redirect(http.StatusSeeOther, applyPath(ref, "/riepilogo"))
	}
	if errors.Is(err, applications.ErrNotAllowed) {
		return c.Redirect(http.StatusSeeOther, applyPath(ref))
	}
	if err != nil {
		return err
	}
	if len(r.Errors) > 0 || len(r.MissingDeclarations) > 0 {
		d, err := s.deps.Applications.ForPerson(ctx, t.ID, p.PersonID, ref)
		if err != nil {
			return err
		}
		return s.renderSummary(c, http.StatusUnprocessableEntity, d, r.Errors, declared, r.MissingDeclarations)
	}
	return c.Redirect(http.StatusSeeOther, applyPath(ref, "/conferma"))
}

// applyConfirmation is the page after sending: the reference, the
// receipt, what happens next, and the service's rating.
func (s *Server) applyConfirmation(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	d, err := s.deps.Applications.ForPerson(c.Request().Context(), t.ID, p.PersonID, c.Param("ref"))
	if err != nil {
		return err
	}
	if d.Status == applications.Draft {
		return c.Redirect(http.StatusSeeOther, applyPath(d.Reference, "/riepilogo"))
	}
	ch := s.chrome(c, "")
	l := ch.L
	svc, _, err := s.deps.Catalogue.Service(c.Request().Context(), t.ID, d.Service)
	if err != nil {
		return err
	}
	page := views.ApplyConfirmationPage{
		Service: svc.Title.In(l.Lang), Reference: d.Reference, DetailURL: applyPath(d.Reference),
		BookingURL: bookingPath(d.Service, d.Reference),
	}
	if d.SubmittedAt != nil {
		page.SubmittedAt = l.DateTime(*d.SubmittedAt)
	}
	if d.ProtocolNumber != "" && d.ProtocolAt != nil {
		page.Protocol = ch.T("apply.protocol_value", "number", d.ProtocolNumber, "date", l.Date(*d.ProtocolAt))
	}
	if d.DueOn != nil {
		page.DueDate = l.Date(*d.DueOn)
	}
	for _, f := range d.Files {
		if f.Owner == "receipt" {
			page.ReceiptURL = applyPath(d.Reference, "/documenti/receipt")
		}
	}
	if email, err := s.deps.Auth.Email(c.Request().Context(), t.ID, p.PersonID); err == nil {
		page.Email = email
	}
	ch.Title = ch.T("apply.confirm.heading") + " – " + page.Service
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("personal.heading"), URL: "/area-personale"},
		{Label: ch.T("myapps.heading"), URL: "/area-personale/pratiche"}, {Label: d.Reference}}
	rated := serviceRatingPath(d.Service)
	ch.Feedback = s.feedbackOn(c, rated)
	ch.Feedback.Return = applyPath(d.Reference, "/conferma")
	return s.render(c, http.StatusOK, views.ApplyConfirmation(ch, page))
}
