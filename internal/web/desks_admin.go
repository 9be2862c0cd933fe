package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/booking"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// The comune administrator's desks (sportelli): the list, the form of a
// desk — new or existing, with its weekly hours typed as text per day
// ("09:00-12:30, 14:30-17:00") and its closures as rows — and the form
// of the comune's booking settings. The handlers read what was typed,
// turn what is not even readable (a time, a number, a date) into field
// errors, and leave every rule to booking.Service.SaveDesk and
// SaveSettings, whose DeskErrors come back beside the fields with 422.

const (
	desksAdminPath      = "/amministrazione/sportelli"
	deskNewPath         = desksAdminPath + "/nuovo"
	bookingSettingsPath = desksAdminPath + "/impostazioni"
)

// sessDesksNotice holds, until the next page shows it, what was just
// saved.
const sessDesksNotice = "desks_notice"

// emptyClosureRows is how many empty closure rows the form offers.
const emptyClosureRows = 3

// deskWeek is the form's order of the weekdays, Monday first, with the
// names of their fields.
var deskWeek = []struct {
	day  time.Weekday
	name string
}{
	{time.Monday, "mon"}, {time.Tuesday, "tue"}, {time.Wednesday, "wed"}, {time.Thursday, "thu"},
	{time.Friday, "fri"}, {time.Saturday, "sat"}, {time.Sunday, "sun"},
}

// deskNumbers are the desk's whole-number fields, in the form's order.
var deskNumbers = []string{"slot_minutes", "buffer_minutes", "capacity", "min_notice_hours", "horizon_days"}

// settingsNumbers are the settings' whole-number fields.
var settingsNumbers = []string{"cancel_cutoff_hours", "reminder_hours", "room_opens_minutes"}

// desksAdminRoutes registers the pages on site, for the comune's
// administrators only.
func (s *Server) desksAdminRoutes(site *echo.Group) {
	admin := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindStaff), s.requireRole(auth.RoleAdmin)}
	site.GET(desksAdminPath, s.desksAdmin, admin...)
	site.GET(deskNewPath, s.deskNew, admin...)
	site.POST(deskNewPath, s.deskSave, admin...)
	site.GET(bookingSettingsPath, s.bookingSettings, admin...)
	site.POST(bookingSettingsPath, s.bookingSettingsSave, admin...)
	site.GET(desksAdminPath+"/:slug", s.deskEdit, admin...)
	site.POST(desksAdminPath+"/:slug", s.deskSave, admin...)
}

func deskEditPath(slug string) string { return desksAdminPath + "/" + url.PathEscape(slug) }

// reservedDeskSlugs are the paths beside the desks' own.
var reservedDeskSlugs = []string{"nuovo", "impostazioni"}

// desksAdmin lists the comune's desks.
func (s *Server) desksAdmin(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	desks, err := s.deps.Booking.Desks(ctx, t.ID)
	if err != nil {
		return err
	}
	l := s.localizer(c)
	names, err := s.officeNames(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}
	heading := l.T("desksadmin.heading")
	ch := s.adminChrome(c, heading, views.Crumb{Label: heading})
	page := views.DesksAdminPage{NewURL: deskNewPath, SettingsURL: bookingSettingsPath,
		Notice: s.deps.Sessions.PopString(ctx, sessDesksNotice)}
	for _, d := range desks {
		modes := make([]string, len(d.Modes))
		for i, m := range d.Modes {
			modes[i] = l.T("desksadmin.mode." + string(m))
		}
		office := names[d.Office]
		if office == "" {
			office = d.Office
		}
		status := l.T("desksadmin.status.inactive")
		if d.Active {
			status = l.T("desksadmin.status.active")
		}
		page.Desks = append(page.Desks, views.DeskAdminRow{Slug: d.Slug, Office: office, Name: deskName(l, d),
			Modes: strings.Join(modes, ", "), Active: d.Active, Status: status, EditURL: deskEditPath(d.Slug)})
	}
	return s.render(c, http.StatusOK, views.DesksAdmin(ch, page))
}

// deskNew shows the empty form of a new desk.
func (s *Server) deskNew(c echo.Context) error {
	d := booking.Desk{Active: true, SlotMinutes: 30, Capacity: 1, MinNoticeHours: 24, HorizonDays: 60,
		Modes: []booking.Mode{booking.ModeInPerson}}
	form := deskFormOf(d)
	form.Numbers["buffer_minutes"] = "0"
	return s.renderDeskEdit(c, http.StatusOK, true, form, nil)
}

// deskEdit shows a desk's form with its saved values.
func (s *Server) deskEdit(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	d, err := s.deps.Booking.Desk(ctx, t.ID, c.Param("slug"))
	if errors.Is(err, booking.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	form := deskFormOf(d)
	notice := s.deps.Sessions.PopString(ctx, sessDesksNotice)
	return s.renderDeskEdit(c, http.StatusOK, false, form, func(p *views.DeskEditPage) { p.Notice = notice })
}

// deskSave creates a desk (from /nuovo) or saves one (POST-redirect-GET);
// anything wrong comes back with 422, as typed.
func (s *Server) deskSave(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	l := s.localizer(c)
	isNew := c.Param("slug") == ""
	var existing booking.Desk
	if !isNew {
		var err error
		existing, err = s.deps.Booking.Desk(ctx, t.ID, c.Param("slug"))
		if errors.Is(err, booking.ErrNotFound) {
			return errNotFound
		}
		if err != nil {
			return err
		}
	}
	if _, err := c.FormParams(); err != nil {
		return echo.ErrBadRequest
	}
	form := readDeskForm(c)
	if !isNew {
		form.Slug = existing.Slug
	}
	d, errs, rows := form.desk()
	if isNew && slices.Contains(reservedDeskSlugs, form.Slug) {
		errs = append(errs, booking.FieldError{Field: "slug", Code: "slug_reserved"})
	}
	if isNew && len(errs) == 0 {
		if _, err := s.deps.Booking.Desk(ctx, t.ID, form.Slug); err == nil {
			errs = append(errs, booking.FieldError{Field: "slug", Code: "slug_taken"})
		} else if !errors.Is(err, booking.ErrNotFound) {
			return err
		}
	}
	if len(errs) == 0 {
		d.ID, d.FeedToken = existing.ID, existing.FeedToken
		err := s.deps.Booking.SaveDesk(ctx, t.ID, d)
		if !errors.As(err, &errs) && err != nil {
			return err
		}
	} else {
		// Say at once what else the domain's rules refuse, except about
		// the fields that could not be read.
		for _, fe := range booking.ValidateDesk(d) {
			if !slices.ContainsFunc(errs, func(x booking.FieldError) bool { return deskFieldID(x.Field) == deskFieldID(fe.Field) }) {
				errs = append(errs, fe)
			}
		}
	}
	// The domain counts the closures it was given; the form, its rows.
	for i, fe := range errs {
		if n, ok := strings.CutPrefix(fe.Field, "closures."); ok {
			if k, err := strconv.Atoi(n); err == nil && k >= 0 && k < len(rows) {
				errs[i].Field = "closure_from_" + strconv.Itoa(rows[k])
			}
		}
	}
	if len(errs) > 0 {
		return s.renderDeskEdit(c, http.StatusUnprocessableEntity, isNew, form, func(p *views.DeskEditPage) {
			deskErrorsInto(l, p, errs)
		})
	}
	s.deps.Sessions.Put(ctx, sessDesksNotice, l.T("desksadmin.notice.saved", "name", d.Name))
	return c.Redirect(http.StatusSeeOther, deskEditPath(d.Slug))
}

// deskForm is a desk's form as typed.
type deskForm struct {
	Slug, Office, Name, NameEn, Location string
	Services                             []string
	Modes                                []string
	Hours                                map[string]string // by deskWeek name
	Numbers                              map[string]string // by deskNumbers name
	Active                               bool
	Closures                             []closureForm
}

type closureForm struct {
	From, To, Reason string
	Remove           bool
	Saved            bool // stored already (it gets the remove box)
}

// deskFormOf is a saved desk as its form shows it.
func deskFormOf(d booking.Desk) deskForm {
	f := deskForm{Slug: d.Slug, Office: d.Office, Name: d.Name, NameEn: d.NameEn, Location: d.Location,
		Services: d.Services, Active: d.Active, Hours: map[string]string{}, Numbers: map[string]string{}}
	for _, m := range d.Modes {
		f.Modes = append(f.Modes, string(m))
	}
	for _, w := range deskWeek {
		f.Hours[w.name] = tenant.FormatRanges(d.Hours[w.day])
	}
	for name, v := range map[string]int{"slot_minutes": d.SlotMinutes, "buffer_minutes": d.BufferMinutes,
		"capacity": d.Capacity, "min_notice_hours": d.MinNoticeHours, "horizon_days": d.HorizonDays} {
		f.Numbers[name] = strconv.Itoa(v)
	}
	for _, cl := range d.Closures {
		f.Closures = append(f.Closures, closureForm{From: cl.From.In(booking.Rome).Format(time.DateOnly),
			To: cl.To.In(booking.Rome).Format(time.DateOnly), Reason: cl.Reason, Saved: true})
	}
	return f
}

// readDeskForm reads the posted form.
func readDeskForm(c echo.Context) deskForm {
	v, _ := c.FormParams()
	trim := func(name string) string { return strings.TrimSpace(v.Get(name)) }
	f := deskForm{Slug: strings.ToLower(trim("slug")), Office: trim("office"), Name: trim("name"), NameEn: trim("name_en"),
		Location: trim("location"), Services: v["services"], Modes: v["modes"], Active: v.Get("active") == "yes",
		Hours: map[string]string{}, Numbers: map[string]string{}}
	for _, w := range deskWeek {
		f.Hours[w.name] = trim("hours_" + w.name)
	}
	for _, name := range deskNumbers {
		f.Numbers[name] = trim(name)
	}
	rows, _ := strconv.Atoi(v.Get("closure_rows"))
	for i := range min(rows, 200) {
		n := strconv.Itoa(i)
		cl := closureForm{From: trim("closure_from_" + n), To: trim("closure_to_" + n), Reason: trim("closure_reason_" + n),
			Remove: v.Get("closure_remove_"+n) == "yes"}
		if cl.From == "" && cl.To == "" && cl.Reason == "" {
			continue
		}
		f.Closures = append(f.Closures, cl)
	}
	return f
}

// desk turns the form into a desk, with a field error for what cannot be
// read at all; the rules are the domain's. rows says which row of the
// form each of the desk's closures comes from.
func (f deskForm) desk() (d booking.Desk, errs booking.DeskErrors, rows []int) {
	d = booking.Desk{Slug: f.Slug, Office: f.Office, Name: f.Name, NameEn: f.NameEn, Location: f.Location,
		Services: f.Services, Active: f.Active}
	for _, m := range f.Modes {
		d.Modes = append(d.Modes, booking.Mode(m))
	}
	for _, w := range deskWeek {
		rs, err := tenant.ParseRanges(f.Hours[w.name])
		if err != nil {
			errs = append(errs, booking.FieldError{Field: "hours_" + w.name, Code: "hours_text"})
			continue
		}
		d.Hours[w.day] = rs
	}
	numbers := map[string]*int{"slot_minutes": &d.SlotMinutes, "buffer_minutes": &d.BufferMinutes,
		"capacity": &d.Capacity, "min_notice_hours": &d.MinNoticeHours, "horizon_days": &d.HorizonDays}
	for _, name := range deskNumbers {
		into := numbers[name]
		n, err := strconv.Atoi(f.Numbers[name])
		if err != nil {
			errs = append(errs, booking.FieldError{Field: name, Code: "number"})
			continue
		}
		*into = n
	}
	for i, cl := range f.Closures {
		if cl.Remove {
			continue
		}
		n := strconv.Itoa(i)
		from, okFrom := parseFormDate(cl.From)
		to, okTo := parseFormDate(cl.To)
		if cl.To == "" {
			to, okTo = from, okFrom
		}
		switch {
		case !okFrom:
			errs = append(errs, booking.FieldError{Field: "closure_from_" + n, Code: "date"})
		case !okTo:
			errs = append(errs, booking.FieldError{Field: "closure_to_" + n, Code: "date"})
		case to.Before(from):
			errs = append(errs, booking.FieldError{Field: "closure_to_" + n, Code: "closure_order"})
		default:
			d.Closures = append(d.Closures, booking.Closure{From: from, To: to, Reason: cl.Reason})
			rows = append(rows, i)
		}
	}
	return d, errs, rows
}

// parseFormDate reads a civil date typed as 2026-12-24 (what date
// controls send) or 24/12/2026.
func parseFormDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, "2/1/2006"} {
		if t, err := time.ParseInLocation(layout, s, booking.Rome); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// deskFieldID is the id of the control a field error of the desk is
// about: the form's own names, or the domain's (hours.<weekday>,
// closures[i], name_en, …), which name fields by the desk's.
func deskFieldID(field string) string {
	if strings.HasPrefix(field, "closure_") {
		return "closure-" + strings.ReplaceAll(strings.TrimPrefix(field, "closure_"), "_", "-")
	}
	base, rest, _ := strings.Cut(strings.NewReplacer("[", ".", "]", "").Replace(field), ".")
	switch base {
	case "hours":
		if day := hoursDay(rest); day != "" {
			return "desk-hours-" + day
		}
		return "desk-hours"
	case "closures":
		if rest != "" {
			i, _, _ := strings.Cut(rest, ".")
			return "closure-from-" + i
		}
		return "desk-closures"
	case "modes", "services":
		return "desk-" + base
	}
	if day, ok := strings.CutPrefix(base, "hours_"); ok {
		return "desk-hours-" + day
	}
	return "desk-" + strings.ReplaceAll(base, "_", "-")
}

// hoursDay finds the weekday a domain field names after "hours.": a
// number (0 is Sunday) or a name.
func hoursDay(rest string) string {
	first, _, _ := strings.Cut(rest, ".")
	if n, err := strconv.Atoi(first); err == nil && n >= 0 && n < 7 {
		for _, w := range deskWeek {
			if int(w.day) == n {
				return w.name
			}
		}
	}
	for _, w := range deskWeek {
		if strings.EqualFold(first, w.name) || strings.EqualFold(first, w.day.String()) {
			return w.name
		}
	}
	return ""
}

// deskErrorMessage translates a field error's code.
func deskErrorMessage(l *locale.Localizer, code string) string {
	if msg := l.T("desksadmin.error." + code); msg != "desksadmin.error."+code {
		return msg
	}
	return l.T("desksadmin.error.invalid")
}

// deskErrorsInto puts each error beside its field and in the summary.
func deskErrorsInto(l *locale.Localizer, p *views.DeskEditPage, errs booking.DeskErrors) {
	for _, fe := range errs {
		id := deskFieldID(fe.Field)
		msg := deskErrorMessage(l, fe.Code)
		label := ""
		set := func(f *views.AdminField) bool {
			if f.ID != id {
				return false
			}
			if f.Error == "" {
				f.Error = msg
			}
			label = f.Label
			return true
		}
		found := false
		for _, f := range []*views.AdminField{&p.Slug, &p.Office, &p.Name, &p.NameEn, &p.Location} {
			found = found || set(f)
		}
		for i := range p.Hours {
			found = found || set(&p.Hours[i])
		}
		for i := range p.Numbers {
			found = found || set(&p.Numbers[i])
		}
		for i := range p.Closures {
			r := &p.Closures[i]
			found = found || set(&r.From) || set(&r.To) || set(&r.Reason)
		}
		if !found {
			switch id {
			case "desk-modes":
				p.ModesError, label = msg, l.T("desksadmin.field.modes")
			case "desk-services":
				p.ServicesError, label = msg, l.T("desksadmin.field.services")
			case "desk-closures":
				p.ClosuresError, label, id = msg, l.T("desksadmin.section.closures"), "desk-closures"
			default:
				p.HoursError, label, id = msg, l.T("desksadmin.section.hours"), "desk-hours"
			}
		}
		p.Errors = append(p.Errors, views.ErrorLink{Message: label + ": " + msg, Href: "#" + id})
	}
	// The summary in the form's order.
	order := []string{p.Slug.ID, p.Office.ID, p.Name.ID, p.NameEn.ID, p.Location.ID, "desk-modes", "desk-services", "desk-hours"}
	for _, f := range p.Hours {
		order = append(order, f.ID)
	}
	for _, f := range p.Numbers {
		order = append(order, f.ID)
	}
	order = append(order, "desk-closures")
	for _, r := range p.Closures {
		order = append(order, r.From.ID, r.To.ID, r.Reason.ID)
	}
	slices.SortStableFunc(p.Errors, func(a, b views.ErrorLink) int {
		return slices.Index(order, strings.TrimPrefix(a.Href, "#")) - slices.Index(order, strings.TrimPrefix(b.Href, "#"))
	})
}

// renderDeskEdit renders the form of f; edit adds a notice or errors.
func (s *Server) renderDeskEdit(c echo.Context, status int, isNew bool, f deskForm, edit func(*views.DeskEditPage)) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	l := s.localizer(c)
	offices, err := s.deps.Catalogue.Offices(ctx, t.ID)
	if err != nil {
		return err
	}
	services, err := s.deps.Catalogue.Services(ctx, t.ID)
	if err != nil {
		return err
	}
	heading := l.T("desksadmin.new.heading")
	action := deskNewPath
	if !isNew {
		heading = l.T("desksadmin.edit.heading", "name", f.Name)
		action = deskEditPath(f.Slug)
	}
	ch := s.adminChrome(c, heading, views.Crumb{Label: l.T("desksadmin.heading"), URL: desksAdminPath}, views.Crumb{Label: heading})
	field := func(id, name, value string) views.AdminField {
		f := views.AdminField{ID: id, Name: name, Value: value, Label: l.T("desksadmin.field." + name)}
		if hint := l.T("desksadmin.field." + name + ".hint"); hint != "desksadmin.field."+name+".hint" {
			f.Hint = hint
		}
		return f
	}
	p := views.DeskEditPage{
		Heading: heading, Action: action, BackURL: desksAdminPath, IsNew: isNew,
		Slug:     field("desk-slug", "slug", f.Slug),
		Office:   field("desk-office", "office", f.Office),
		Name:     field("desk-name", "name", f.Name),
		NameEn:   field("desk-name-en", "name_en", f.NameEn),
		Location: field("desk-location", "location", f.Location),
		Active:   f.Active,
	}
	for _, o := range offices {
		p.Offices = append(p.Offices, views.SelectOption{Value: o.Slug, Label: o.Name.In(l.Lang), Selected: o.Slug == f.Office})
	}
	for _, m := range []booking.Mode{booking.ModeInPerson, booking.ModeVideo} {
		p.Modes = append(p.Modes, views.CheckOption{ID: "desk-mode-" + string(m), Value: string(m),
			Label: l.T("desksadmin.mode." + string(m)), Checked: slices.Contains(f.Modes, string(m))})
	}
	for _, svc := range services {
		p.Services = append(p.Services, views.CheckOption{ID: "desk-service-" + svc.Slug, Value: svc.Slug,
			Label: svc.Title.In(l.Lang), Checked: slices.Contains(f.Services, svc.Slug)})
	}
	for _, w := range deskWeek {
		h := views.AdminField{ID: "desk-hours-" + w.name, Name: "hours_" + w.name, Value: f.Hours[w.name],
			Label: l.T("desksadmin.day." + w.name), Hint: l.T("desksadmin.field.hours.example")}
		p.Hours = append(p.Hours, h)
	}
	for _, name := range deskNumbers {
		n := field("desk-"+strings.ReplaceAll(name, "_", "-"), name, f.Numbers[name])
		n.Numeric = true
		p.Numbers = append(p.Numbers, n)
	}
	rows := append(slices.Clone(f.Closures), make([]closureForm, emptyClosureRows)...)
	for i, cl := range rows {
		n := strconv.Itoa(i)
		row := views.ClosureRow{Index: n, Remove: cl.Remove, Saved: cl.Saved || cl.From != "",
			From:   views.AdminField{ID: "closure-from-" + n, Name: "closure_from_" + n, Value: cl.From, Label: l.T("desksadmin.closures.from"), Type: "date"},
			To:     views.AdminField{ID: "closure-to-" + n, Name: "closure_to_" + n, Value: cl.To, Label: l.T("desksadmin.closures.to"), Type: "date"},
			Reason: views.AdminField{ID: "closure-reason-" + n, Name: "closure_reason_" + n, Value: cl.Reason, Label: l.T("desksadmin.closures.reason")},
		}
		p.Closures = append(p.Closures, row)
	}
	if edit != nil {
		edit(&p)
	}
	return s.render(c, status, views.DeskEdit(ch, p))
}

// bookingSettings shows the comune's booking settings.
func (s *Server) bookingSettings(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	st, err := s.deps.Booking.Settings(ctx, t.ID)
	if err != nil {
		return err
	}
	form := settingsForm{VideoBaseURL: st.VideoBaseURL, JWTAppID: st.VideoJWTAppID, GuestsAllowed: st.GuestsAllowed,
		Numbers: map[string]string{
			"cancel_cutoff_hours": strconv.Itoa(st.CancelCutoffHours), "reminder_hours": strconv.Itoa(st.ReminderHours),
			"room_opens_minutes": strconv.Itoa(st.RoomOpensMinutes),
		}}
	notice := s.deps.Sessions.PopString(ctx, sessDesksNotice)
	return s.renderBookingSettings(c, http.StatusOK, form, st.VideoJWTSecret != "", func(p *views.BookingSettingsPage) { p.Notice = notice })
}

// settingsForm is the settings' form as typed (the secret is never shown
// again).
type settingsForm struct {
	VideoBaseURL, JWTAppID, JWTSecret string
	ClearSecret, GuestsAllowed        bool
	Numbers                           map[string]string
}

// bookingSettingsSave saves the settings: an empty secret keeps the one
// saved, unless "remove" is ticked.
func (s *Server) bookingSettingsSave(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	l := s.localizer(c)
	cur, err := s.deps.Booking.Settings(ctx, t.ID)
	if err != nil {
		return err
	}
	v, err := c.FormParams()
	if err != nil {
		return echo.ErrBadRequest
	}
	form := settingsForm{VideoBaseURL: strings.TrimSpace(v.Get("video_base_url")), JWTAppID: strings.TrimSpace(v.Get("video_jwt_app_id")),
		JWTSecret: v.Get("video_jwt_secret"), ClearSecret: v.Get("clear_secret") == "yes",
		GuestsAllowed: v.Get("guests_allowed") == "yes", Numbers: map[string]string{}}
	st := booking.Settings{VideoBaseURL: form.VideoBaseURL, VideoJWTAppID: form.JWTAppID, VideoJWTSecret: cur.VideoJWTSecret,
		GuestsAllowed: form.GuestsAllowed}
	if form.JWTSecret != "" {
		st.VideoJWTSecret = form.JWTSecret
	} else if form.ClearSecret {
		st.VideoJWTSecret = ""
	}
	var errs booking.DeskErrors
	if u, err := url.Parse(form.VideoBaseURL); form.VideoBaseURL != "" && (err != nil || u.Scheme != "https" || u.Host == "") {
		errs = append(errs, booking.FieldError{Field: "video_base_url", Code: "video_url"})
	}
	numbers := map[string]*int{"cancel_cutoff_hours": &st.CancelCutoffHours, "reminder_hours": &st.ReminderHours,
		"room_opens_minutes": &st.RoomOpensMinutes}
	for _, name := range settingsNumbers {
		into := numbers[name]
		form.Numbers[name] = strings.TrimSpace(v.Get(name))
		n, err := strconv.Atoi(form.Numbers[name])
		if err != nil {
			errs = append(errs, booking.FieldError{Field: name, Code: "number"})
			continue
		}
		*into = n
	}
	if len(errs) == 0 {
		if err := s.deps.Booking.SaveSettings(ctx, t.ID, st); !errors.As(err, &errs) && err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		form.JWTSecret = "" // a secret is never sent back to the browser
		return s.renderBookingSettings(c, http.StatusUnprocessableEntity, form, cur.VideoJWTSecret != "", func(p *views.BookingSettingsPage) {
			for _, fe := range errs {
				msg := deskErrorMessage(l, fe.Code)
				f := &p.VideoBaseURL
				switch fe.Field {
				case "video_jwt", "video_jwt_app_id":
					f = &p.JWTAppID
				case "video_jwt_secret":
					f = &p.JWTSecret
				default:
					for i := range p.Numbers {
						if p.Numbers[i].Name == fe.Field {
							f = &p.Numbers[i]
						}
					}
				}
				if f.Error == "" {
					f.Error = msg
				}
				p.Errors = append(p.Errors, views.ErrorLink{Message: f.Label + ": " + msg, Href: "#" + f.ID})
			}
		})
	}
	s.deps.Sessions.Put(ctx, sessDesksNotice, l.T("desksadmin.settings.notice.saved"))
	return c.Redirect(http.StatusSeeOther, bookingSettingsPath)
}

// renderBookingSettings renders the settings' form.
func (s *Server) renderBookingSettings(c echo.Context, status int, f settingsForm, secretSet bool, edit func(*views.BookingSettingsPage)) error {
	l := s.localizer(c)
	heading := l.T("desksadmin.settings.heading")
	ch := s.adminChrome(c, heading, views.Crumb{Label: l.T("desksadmin.heading"), URL: desksAdminPath}, views.Crumb{Label: heading})
	field := func(name, value string) views.AdminField {
		f := views.AdminField{ID: "settings-" + strings.ReplaceAll(name, "_", "-"), Name: name, Value: value,
			Label: l.T("desksadmin.settings." + name)}
		if hint := l.T("desksadmin.settings." + name + ".hint"); hint != "desksadmin.settings."+name+".hint" {
			f.Hint = hint
		}
		return f
	}
	p := views.BookingSettingsPage{
		Action: bookingSettingsPath, BackURL: desksAdminPath,
		VideoBaseURL: field("video_base_url", f.VideoBaseURL), JWTAppID: field("video_jwt_app_id", f.JWTAppID),
		JWTSecret: field("video_jwt_secret", ""), SecretSet: secretSet, ClearSecret: f.ClearSecret,
		GuestsAllowed: f.GuestsAllowed,
	}
	p.VideoBaseURL.Type = "url"
	p.JWTSecret.Type = "password"
	if secretSet {
		p.JWTSecret.Hint = l.T("desksadmin.settings.video_jwt_secret.hint_set")
	}
	for _, name := range settingsNumbers {
		n := field(name, f.Numbers[name])
		n.Numeric = true
		p.Numbers = append(p.Numbers, n)
	}
	if edit != nil {
		edit(&p)
	}
	return s.render(c, status, views.BookingSettings(ch, p))
}
