package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// The comune administrator's pages: the catalogue's service cards, each
// with a form that edits its status and its texts in every language.
// Routes reach them only through requireRole(auth.RoleAdmin); the
// catalogue checks the editor's role again when saving.

const sessServiceSaved = "admin_service_saved" // the slug of the card just saved, for the notice shown once

const adminServicesPath = "/amministrazione/servizi"

// adminChrome is the frame of the administrator's pages: no page rating,
// breadcrumbs from the desk.
func (s *Server) adminChrome(c echo.Context, title string, crumbs ...views.Crumb) views.Chrome {
	ch := s.chrome(c, title)
	ch.Feedback = nil
	ch.Breadcrumbs = append([]views.Crumb{{Label: ch.T("desk.heading"), URL: "/scrivania"}}, crumbs...)
	return ch
}

// adminServices lists the comune's cards, each linking to its form.
func (s *Server) adminServices(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	list, err := s.deps.Catalogue.Services(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	l := s.localizer(c)
	heading := l.T("admin.services.heading")
	ch := s.adminChrome(c, heading, views.Crumb{Label: heading})
	page := views.AdminServicesPage{}
	for _, svc := range list {
		page.Services = append(page.Services, views.AdminServiceRow{
			Title: svc.Title.In(l.Lang), Category: l.T("category." + svc.Category),
			Suspended: svc.Status == catalog.StatusSuspended, EditURL: adminServicesPath + "/" + url.PathEscape(svc.Slug),
		})
	}
	return s.render(c, http.StatusOK, views.AdminServices(ch, page))
}

// editService shows a card's form with its saved values, and the notice
// of a save that just happened.
func (s *Server) editService(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	svc, version, err := s.deps.Catalogue.ServiceForEdit(ctx, t.ID, c.Param("slug"))
	if err != nil {
		return err
	}
	ch, page := s.serviceEditPage(c, svc, version, catalog.EditOf(svc), nil)
	page.Saved = s.deps.Sessions.PopString(ctx, sessServiceSaved) == svc.Slug
	return s.renderServiceEdit(c, http.StatusOK, ch, page)
}

// renderServiceEdit renders the edit form with the card's history.
func (s *Server) renderServiceEdit(c echo.Context, status int, ch views.Chrome, page views.ServiceEditPage) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	slug := c.Param("slug")
	history, err := s.deps.Catalogue.ServiceHistory(c.Request().Context(), t.ID, slug)
	if err != nil {
		return err
	}
	for _, h := range history {
		page.History = append(page.History, views.HistoryEntry{
			Number: h.Number, Name: h.EditedByName, FiscalCode: h.EditedByFiscalCode, When: ch.L.DateTime(h.EditedAt),
			CompareURL: versionPath(slug, h.Number),
		})
	}
	return s.render(c, status, views.ServiceEdit(ch, page))
}

func versionPath(slug string, n int) string {
	return adminServicesPath + "/" + url.PathEscape(slug) + "/versioni/" + strconv.Itoa(n)
}

// saveService saves the form and comes back to it (POST-redirect-GET).
// Values that break the catalogue's rules come back with 422; a card
// someone else saved meanwhile comes back with 409, showing what is saved
// now beside what the person typed. Saving publishes: the public card
// shows the edit at once. With action=preview the form is checked the
// same way but shown as the public card instead of saved; with
// action=edit (from the preview) it comes back to the form as typed.
func (s *Server) saveService(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	ctx := c.Request().Context()
	slug := c.Param("slug")
	edit, from, err := serviceEditForm(c)
	if err != nil {
		return err
	}
	switch c.FormValue("action") {
	case "preview":
		return s.previewService(c, slug, from, edit)
	case "edit":
		saved, _, err := s.deps.Catalogue.ServiceForEdit(ctx, t.ID, slug)
		if err != nil {
			return err
		}
		ch, page := s.serviceEditPage(c, saved, from, edit, nil)
		return s.renderServiceEdit(c, http.StatusOK, ch, page)
	}
	editor := catalog.Editor{TenantID: p.TenantID, Role: p.Role, Name: p.Name(), FiscalCode: p.FiscalCode}
	_, err = s.deps.Catalogue.UpdateService(ctx, t.ID, editor, slug, from, edit)
	var invalid *catalog.InvalidEditError
	switch {
	case err == nil:
		s.deps.Sessions.Put(ctx, sessServiceSaved, slug)
		return c.Redirect(http.StatusSeeOther, adminServicesPath+"/"+url.PathEscape(slug))
	case errors.As(err, &invalid):
		saved, _, err := s.deps.Catalogue.ServiceForEdit(ctx, t.ID, slug)
		if err != nil {
			return err
		}
		// The version stays the one the person started from, so that a
		// save by someone else meanwhile is still noticed.
		ch, page := s.serviceEditPage(c, saved, from, edit, invalid.Problems)
		return s.renderServiceEdit(c, http.StatusUnprocessableEntity, ch, page)
	case errors.Is(err, catalog.ErrConflict):
		current, version, err := s.deps.Catalogue.ServiceForEdit(ctx, t.ID, slug)
		if err != nil {
			return err
		}
		// The form now starts from the current version: saving it again
		// replaces what is saved, knowingly.
		ch, page := s.serviceEditPage(c, current, version, edit, nil)
		markConflict(ch.L, &page, edit, current)
		return s.renderServiceEdit(c, http.StatusConflict, ch, page)
	default:
		return err
	}
}

// previewService shows the public card as the edit would leave it,
// without saving it: values that break the catalogue's rules come back to
// the form with 422, as saving them would.
func (s *Server) previewService(c echo.Context, slug string, from catalog.Version, edit catalog.Edit) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	card, err := s.deps.Catalogue.Card(c.Request().Context(), t.ID, slug)
	if err != nil {
		return err
	}
	next := edit.Apply(card.Service)
	if problems := next.TextProblems(); len(problems) > 0 {
		ch, page := s.serviceEditPage(c, card.Service, from, edit, problems)
		return s.renderServiceEdit(c, http.StatusUnprocessableEntity, ch, page)
	}
	l := s.localizer(c)
	saved := card.Service.Title.In(l.Lang)
	action := adminServicesPath + "/" + url.PathEscape(slug)
	page := servicePage(l, next, card.Office, card.Topics)
	ch := s.adminChrome(c, l.T("admin.preview.title", "service", page.Title),
		views.Crumb{Label: l.T("admin.services.heading"), URL: adminServicesPath},
		views.Crumb{Label: saved, URL: action}, views.Crumb{Label: l.T("admin.edit.preview")})
	form := views.ServicePreviewForm{Action: action, Hidden: []views.HiddenField{
		{Name: "version", Value: from.String()}, {Name: "status", Value: edit.Status},
	}}
	hidden := func(field string, t catalog.Text) {
		for _, lang := range catalog.Languages {
			form.Hidden = append(form.Hidden, views.HiddenField{Name: inputID(field, lang), Value: t[lang]})
		}
	}
	hidden(catalog.StatusReasonRule.Field, edit.StatusReason)
	for _, r := range catalog.CardTexts {
		hidden(r.Field, edit.Texts[r.Field])
	}
	return s.render(c, http.StatusOK, views.ServicePreview(ch, page, form))
}

// serviceVersion compares version n of a card with the one after it (the
// next version, or the current card), field by field and per language.
func (s *Server) serviceVersion(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	slug := c.Param("slug")
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n <= 0 {
		return errNotFound
	}
	pair, err := s.deps.Catalogue.CompareVersion(ctx, t.ID, slug, n)
	if err != nil {
		return err
	}
	l := s.localizer(c)
	title := pair.New.Title.In(l.Lang)
	editURL := adminServicesPath + "/" + url.PathEscape(slug)
	oldLabel := l.T("admin.compare.version", "version", n)
	page := views.VersionComparePage{
		Title: title, EditURL: editURL, OldLabel: oldLabel, NewLabel: l.T("admin.compare.current"),
		EditedBy: pair.Old.EditedByName, EditedAt: l.DateTime(pair.Old.EditedAt),
	}
	if pair.Next != 0 {
		page.NewLabel = l.T("admin.compare.version", "version", pair.Next)
	}
	old, cur := catalog.EditOf(pair.Old.Service), catalog.EditOf(pair.New)
	add := func(r views.CompareRow) {
		r.Changed = r.Old != r.New
		if r.Changed {
			page.Changed++
		}
		page.Rows = append(page.Rows, r)
	}
	add(views.CompareRow{Field: "status", Label: l.T("admin.edit.status"),
		Old: l.T("admin.edit.status." + old.Status), New: l.T("admin.edit.status." + cur.Status)})
	texts := func(field string, o, n catalog.Text, multiline bool) {
		for _, lang := range catalog.Languages {
			add(views.CompareRow{Field: field, Label: l.T("admin.field." + field), Lang: lang, LangLabel: l.T("admin.lang." + lang),
				Old: o[lang], New: n[lang], Multiline: multiline})
		}
	}
	texts(catalog.StatusReasonRule.Field, old.StatusReason, cur.StatusReason, true)
	for _, r := range catalog.CardTexts {
		texts(r.Field, old.Texts[r.Field], cur.Texts[r.Field], r.Field != "title" && r.Field != "description")
	}
	heading := l.T("admin.compare.heading", "service", title, "version", oldLabel)
	ch := s.adminChrome(c, heading, views.Crumb{Label: l.T("admin.services.heading"), URL: adminServicesPath},
		views.Crumb{Label: title, URL: editURL}, views.Crumb{Label: oldLabel})
	return s.render(c, http.StatusOK, views.VersionCompare(ch, page))
}

// serviceEditForm reads the edit form: the version the person started
// from, the status and every text in every language (see inputID).
func serviceEditForm(c echo.Context) (catalog.Edit, catalog.Version, error) {
	form, err := c.FormParams()
	if err != nil {
		return catalog.Edit{}, catalog.Version{}, errBadRequest
	}
	from, err := catalog.ParseVersion(form.Get("version"))
	if err != nil {
		return catalog.Edit{}, catalog.Version{}, errBadRequest
	}
	text := func(field string) catalog.Text {
		t := make(catalog.Text, len(catalog.Languages))
		for _, l := range catalog.Languages {
			t[l] = form.Get(inputID(field, l))
		}
		return t
	}
	e := catalog.Edit{
		Status:       form.Get("status"),
		StatusReason: text(catalog.StatusReasonRule.Field),
		Texts:        make(map[string]catalog.Text, len(catalog.CardTexts)),
	}
	for _, r := range catalog.CardTexts {
		e.Texts[r.Field] = text(r.Field)
	}
	return e, from, nil
}

// inputID is the id and the form name of a text's control in one language.
func inputID(field, lang string) string { return field + "-" + lang }

// serviceEditPage is the form of card svc at version, filled with e and
// showing problems (each a catalog.TextError or catalog.ErrStatus) beside
// their fields and in the summary.
func (s *Server) serviceEditPage(c echo.Context, svc catalog.Service, version catalog.Version, e catalog.Edit, problems []error) (views.Chrome, views.ServiceEditPage) {
	l := s.localizer(c)
	title := svc.Title.In(l.Lang)
	ch := s.adminChrome(c, l.T("admin.edit.heading", "service", title),
		views.Crumb{Label: l.T("admin.services.heading"), URL: adminServicesPath}, views.Crumb{Label: title})
	page := views.ServiceEditPage{
		Title: title, Action: adminServicesPath + "/" + url.PathEscape(svc.Slug), PublicURL: "/servizi/" + url.PathEscape(svc.Slug),
		Version: version.String(), Status: e.Status,
	}
	messages := map[string]string{} // input id → message
	for _, p := range problems {
		var te catalog.TextError
		switch {
		case errors.As(p, &te):
			messages[inputID(te.Field, te.Lang)] = textErrorMessage(l, te)
		case errors.Is(p, catalog.ErrStatus):
			page.StatusError = l.T("admin.error.status")
		}
	}
	if page.StatusError != "" {
		page.Errors = append(page.Errors, views.FieldLink{ID: "status-active", Message: page.StatusError})
	}
	reason := catalog.StatusReasonRule
	page.StatusReason = textField(l, reason, e.StatusReason, messages,
		l.T("admin.edit.status_reason.hint", "min", reason.Min, "max", reason.Max), true)
	for _, r := range catalog.CardTexts {
		hint := l.T("admin.edit.hint", "min", r.Min, "max", r.Max)
		// Title and description are one line; the sections are
		// paragraphs and lists (views.Blocks).
		multiline := r.Field != "title" && r.Field != "description"
		if multiline {
			hint += " " + l.T("admin.edit.format")
		}
		page.Texts = append(page.Texts, textField(l, r, e.Texts[r.Field], messages, hint, multiline))
	}
	for _, f := range append([]views.TextField{page.StatusReason}, page.Texts...) {
		for _, in := range f.Inputs {
			if in.Error != "" {
				page.Errors = append(page.Errors, views.FieldLink{ID: in.ID, Message: in.Error})
			}
		}
	}
	return ch, page
}

func textField(l *locale.Localizer, r catalog.TextRule, t catalog.Text, messages map[string]string, hint string, multiline bool) views.TextField {
	f := views.TextField{Key: r.Field, Label: l.T("admin.field." + r.Field), Hint: hint, Multiline: multiline}
	for _, lang := range catalog.Languages {
		id := inputID(r.Field, lang)
		f.Inputs = append(f.Inputs, views.TextInput{
			ID: id, Lang: lang, LangLabel: l.T("admin.lang." + lang), Value: t[lang], Error: messages[id],
		})
	}
	return f
}

func textErrorMessage(l *locale.Localizer, e catalog.TextError) string {
	args := []any{"field", l.T("admin.field." + e.Field), "language", l.T("admin.lang." + e.Lang),
		"min", e.Min, "max", e.Max, "count", e.Length}
	switch {
	case e.Length == 0:
		return l.T("admin.error.missing", args...)
	case e.Length < e.Min:
		return l.T("admin.error.short", args...)
	default:
		return l.T("admin.error.long", args...)
	}
}

// markConflict shows, under every control whose value differs from what
// is saved now, the saved value, and lists those fields in the page's
// message.
func markConflict(l *locale.Localizer, page *views.ServiceEditPage, typed catalog.Edit, current catalog.Service) {
	page.Conflict = true
	mine, saved := catalog.EditOf(typed.Apply(current)), catalog.EditOf(current)
	if mine.Status != saved.Status {
		page.StatusCurrent = l.T("admin.edit.status." + saved.Status)
		page.Changed = append(page.Changed, views.FieldLink{ID: "status-" + saved.Status, Message: l.T("admin.edit.status")})
	}
	mark := func(f *views.TextField, mine, saved catalog.Text) {
		for i := range f.Inputs {
			in := &f.Inputs[i]
			if mine[in.Lang] != saved[in.Lang] {
				in.Changed, in.Current = true, saved[in.Lang]
				page.Changed = append(page.Changed, views.FieldLink{ID: in.ID, Message: f.Label + " (" + in.LangLabel + ")"})
			}
		}
	}
	mark(&page.StatusReason, mine.StatusReason, saved.StatusReason)
	for i := range page.Texts {
		mark(&page.Texts[i], mine.Texts[page.Texts[i].Key], saved.Texts[page.Texts[i].Key])
	}
}
