package web

import (
	"errors"
	"net/http"
	"net/url"

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
	return s.render(c, http.StatusOK, views.ServiceEdit(ch, page))
}

// saveService saves the form and comes back to it (POST-redirect-GET).
// Values that break the catalogue's rules come back with 422; a card
// someone else saved meanwhile comes back with 409, showing what is saved
// now beside what the person typed.
func (s *Server) saveService(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	ctx := c.Request().Context()
	slug := c.Param("slug")
	edit, from, err := serviceEditForm(c)
	if err != nil {
		return err
	}
	_, err = s.deps.Catalogue.UpdateService(ctx, t.ID, catalog.Editor{TenantID: p.TenantID, Role: p.Role}, slug, from, edit)
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
		return s.render(c, http.StatusUnprocessableEntity, views.ServiceEdit(ch, page))
	case errors.Is(err, catalog.ErrConflict):
		current, version, err := s.deps.Catalogue.ServiceForEdit(ctx, t.ID, slug)
		if err != nil {
			return err
		}
		// The form now starts from the current version: saving it again
		// replaces what is saved, knowingly.
		ch, page := s.serviceEditPage(c, current, version, edit, nil)
		markConflict(ch.L, &page, edit, current)
		return s.render(c, http.StatusConflict, views.ServiceEdit(ch, page))
	default:
		return err
	}
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
