package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/db"
	"github.com/civica/civica/internal/desk"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// The desk's home for staff: the work queue (/scrivania) with its
// filters, saved filters and bulk assignment. The platform administrator,
// who belongs to no comune, gets a simple page instead.

const deskPath = "/scrivania"

// deskLink is one of the desk's other pages, shown beside the queue to
// the roles that may open it.
type deskLink struct {
	label string // catalogue key
	url   string
	roles []string
}

// deskLinks are the desk's other pages. A page of the desk (audit log,
// jobs, dashboards…) adds its line here, with the staff roles that see it.
var deskLinks = []deskLink{
	{label: "agenda.link", url: agendaPath, roles: []string{auth.RoleAdmin, auth.RoleOfficeManager, auth.RoleClerk}},
	{label: "dashboard.heading", url: dashboardPath, roles: []string{auth.RoleAdmin, auth.RoleOfficeManager}},
	{label: "admin.services.heading", url: "/amministrazione/servizi", roles: []string{auth.RoleAdmin}},
	{label: "ratings.heading", url: "/amministrazione/valutazioni", roles: []string{auth.RoleAdmin}},
	{label: "audit.heading", url: auditPath, roles: []string{auth.RoleAdmin}},
	{label: "jobs.heading", url: jobsPath, roles: []string{auth.RoleAdmin}},
	{label: "campaigns.heading", url: campaignsPath, roles: []string{auth.RoleAdmin}},
	{label: "tpladmin.heading", url: templatesPath, roles: []string{auth.RoleAdmin}},
	{label: "desksadmin.heading", url: desksAdminPath, roles: []string{auth.RoleAdmin}},
}

// sessQueueNotice holds, until the queue shows it, what the last desk
// action did (a deskNotice as JSON).
const sessQueueNotice = "desk_queue_notice"

// deskNotice is the outcome of a bulk assignment or of a saved filter's
// change, kept in the session across the redirect.
type deskNotice struct {
	Kind     string        `json:"kind"` // "assigned", "saved", "deleted"
	N        int           `json:"n,omitempty"`
	Name     string        `json:"name,omitempty"`
	Failures []deskFailure `json:"failures,omitempty"`
}

type deskFailure struct {
	Reference string `json:"ref"`
	Code      string `json:"code"` // "changed", "not_allowed", "forbidden", "not_found"
}

// deskQueueRoutes registers the queue and its forms; site is the group
// with language, tenant, session and CSRF.
func (s *Server) deskQueueRoutes(site *echo.Group) {
	staff := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindStaff)}
	site.GET(deskPath, s.desk, s.requireKind(auth.KindStaff, auth.KindPlatformAdmin))
	site.POST(deskPath+"/filtri", s.saveQueueFilter, staff...)
	site.POST(deskPath+"/filtri/:id/elimina", s.deleteQueueFilter, staff...)
	site.POST(deskPath+"/assegna", s.bulkAssign, staff...)
}

// desk is the desk's home: the work queue for a comune's staff, a simple
// page for the platform administrator. Filters that cannot be read send
// the form back (422) with a message by each.
func (s *Server) desk(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	if p.Kind == auth.KindPlatformAdmin {
		return s.platformDesk(c)
	}
	filter, errs := desk.ParseFilter(c.QueryParams())
	return s.renderQueue(c, filter, errs, nil)
}

// platformDesk is the platform administrator's landing page.
func (s *Server) platformDesk(c echo.Context) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	ch := s.chrome(c, "")
	ch.Title = ch.T("desk.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("desk.heading")}}
	page := views.DeskPage{Name: p.Name(), Role: ch.T("role.platform_admin")}
	if t, ok := c.Get(ctxTenant).(tenant.Tenant); ok {
		page.Comune = t.Name
	}
	return s.render(c, http.StatusOK, views.Desk(ch, page))
}

// queueEdit adds to the queue's page what a refused form has to say.
type queueEdit func(*views.DeskQueuePage)

// renderQueue renders the queue under filter. Refused filter fields
// (errs) or an edit make it a 422: the form comes back as typed.
func (s *Server) renderQueue(c echo.Context, filter desk.Filter, errs []desk.FieldError, edit queueEdit) error {
	p := c.Get(ctxPrincipal).(auth.Principal)
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	clerk := clerkOf(c)
	ch := s.chrome(c, "")
	l := ch.L
	ch.Title = ch.T("desk.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("desk.heading")}}

	status := http.StatusOK
	var pg desk.Page
	if len(errs) == 0 {
		var err error
		if pg, err = s.deps.Desk.Queue(ctx, t.ID, clerk, filter); err != nil {
			return deskError(err)
		}
	} else {
		status = http.StatusUnprocessableEntity
		pg.Filter = filter
	}
	staff, err := s.deps.Desk.Assignees(ctx, t.ID, clerk)
	if err != nil {
		return deskError(err)
	}
	saved, err := s.deps.Desk.SavedFilters(ctx, t.ID, clerk)
	if err != nil {
		return deskError(err)
	}
	titles, err := s.serviceTitles(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}
	officeNames, err := s.officeNames(ctx, t.ID, l.Lang)
	if err != nil {
		return err
	}

	page := views.DeskQueuePage{
		Welcome:   l.T("desk.welcome", "name", p.Name(), "role", l.T("role."+p.Role)),
		Caption:   l.T("desk.caption"),
		Empty:     l.T("desk.empty"),
		SaveQuery: filter.Query().Encode(),
		Form:      queueForm(l, filter, c.QueryParams(), titles, officeNames, staff, p.Role),
		Assign:    assignForm(l, clerk, p.Role, staff),
	}
	page.Assign.Return = page.SaveQuery
	for _, link := range deskLinks {
		if slices.Contains(link.roles, p.Role) {
			page.Links = append(page.Links, views.Crumb{Label: l.T(link.label), URL: link.url})
		}
	}
	for _, e := range errs {
		msg := l.T("desk.error." + e.Code)
		page.Form.FieldErrors[e.Field] = msg
		page.Errors = append(page.Errors, views.ErrorLink{Message: l.T("desk.filter.label."+e.Field) + ": " + msg, Href: "#" + filterFieldID(e.Field)})
	}
	if len(errs) > 0 {
		page.Empty = l.T("desk.empty.fix")
	} else {
		page.Counters = queueCounters(l, filter, pg.Counters)
		page.Sorts = queueSorts(l, pg.Filter)
		for _, r := range pg.Rows {
			page.Rows = append(page.Rows, queueRow(l, r, pg.Today, titles, officeNames))
		}
		if pg.Prev != "" {
			page.PrevURL = deskPath + "?" + filter.PageQuery(false, pg.Prev).Encode()
		}
		if pg.Next != "" {
			page.NextURL = deskPath + "?" + filter.PageQuery(true, pg.Next).Encode()
		}
	}
	for _, sf := range saved {
		page.Saved = append(page.Saved, views.DeskSavedFilter{Name: sf.Name, URL: deskPath + "?" + sf.Query,
			DeleteURL: deskPath + "/filtri/" + url.PathEscape(sf.ID) + "/elimina"})
	}
	if n := s.popDeskNotice(c); n != nil {
		page.Notice = deskNoticeView(l, *n)
	}
	if edit != nil {
		edit(&page)
		if len(page.Errors) > 0 {
			status = http.StatusUnprocessableEntity
		}
	}
	return s.render(c, status, views.DeskQueue(ch, page))
}

// filterFieldID is the id of a filter's control on the page, for the
// error summary's links.
func filterFieldID(field string) string {
	switch field {
	case "testo":
		return "f-text"
	case "stato":
		return "f-status"
	case "servizio":
		return "f-service"
	case "ufficio":
		return "f-office"
	case "assegnatario":
		return "f-assignee"
	case "scadenza":
		return "f-deadline"
	case "giorni":
		return "f-days"
	case "dal":
		return "f-from"
	case "al":
		return "f-to"
	}
	return "f-text"
}

// queueForm is the filter form with what was asked: the query's own
// values where a field was refused, so nothing typed is lost.
func queueForm(l *locale.Localizer, f desk.Filter, raw url.Values, titles, offices map[string]string, staff []desk.Staff, role string) views.DeskFilterForm {
	form := views.DeskFilterForm{FieldErrors: map[string]string{}, Text: raw.Get("testo"), From: raw.Get("dal"), To: raw.Get("al"),
		DueWithin: raw.Get("giorni"), Sort: desk.SortWord(f.Sort), Dir: raw.Get("verso")}
	if f.Sort == desk.SortDue {
		form.Sort = ""
	}
	if form.Dir != "desc" {
		form.Dir = ""
	}
	for _, st := range desk.QueueStatuses {
		form.Statuses = append(form.Statuses, views.DeskChoice{Value: string(st), Label: l.T("application.status." + string(st)),
			Selected: slices.Contains(f.Statuses, st)})
	}
	form.Services = []views.DeskChoice{{Label: l.T("desk.filter.any")}}
	for _, slug := range sortedKeys(titles) {
		form.Services = append(form.Services, views.DeskChoice{Value: slug, Label: titles[slug], Selected: slug == f.Service})
	}
	form.Offices = []views.DeskChoice{{Label: l.T("desk.filter.any")}}
	for _, slug := range sortedKeys(offices) {
		form.Offices = append(form.Offices, views.DeskChoice{Value: slug, Label: offices[slug], Selected: slug == f.Office})
	}
	form.Assignees = []views.DeskChoice{{Label: l.T("desk.filter.anyone")},
		{Value: desk.AssigneeWord(desk.AssigneeMine), Label: l.T("desk.filter.mine"), Selected: f.Assignee == desk.AssigneeMine},
		{Value: desk.AssigneeWord(desk.AssigneeUnassigned), Label: l.T("desk.filter.unassigned"), Selected: f.Assignee == desk.AssigneeUnassigned}}
	for _, m := range staff {
		form.Assignees = append(form.Assignees, views.DeskChoice{Value: m.FiscalCode, Label: m.Name, Selected: m.FiscalCode == f.Assignee})
	}
	form.Deadlines = []views.DeskChoice{{Label: l.T("desk.filter.any_deadline")},
		{Value: desk.DeadlineWord(desk.DeadlineOverdue), Label: l.T("desk.filter.overdue"), Selected: f.Deadline == desk.DeadlineOverdue},
		{Value: desk.DeadlineWord(desk.DeadlineDueSoon), Label: l.T("desk.filter.due_soon"), Selected: f.Deadline == desk.DeadlineDueSoon}}
	return form
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] < m[b] {
			return -1
		} else if m[a] > m[b] {
			return 1
		}
		return 0
	})
	return keys
}

// queueCounters are the counters as links: the open applications, each
// state, then mine, unassigned and overdue, each the current filter
// narrowed that way.
func queueCounters(l *locale.Localizer, f desk.Filter, c desk.Counters) []views.ApplicationFilter {
	link := func(g desk.Filter) string { return deskPath + "?" + g.Query().Encode() }
	open := 0
	for _, st := range desk.OpenStatuses {
		open += c.ByStatus[st]
	}
	all := f
	all.Statuses = nil
	out := []views.ApplicationFilter{{Label: l.T("desk.counter.open"), URL: link(all), Count: open, Current: len(f.Statuses) == 0}}
	for _, st := range desk.QueueStatuses {
		g := f
		g.Statuses = []applications.Status{st}
		n, counted := c.ByStatus[st]
		if !counted {
			n = -1 // not counted: see desk.Counters
		}
		out = append(out, views.ApplicationFilter{Label: l.T("application.status." + string(st)), URL: link(g), Count: n,
			Current: len(f.Statuses) == 1 && f.Statuses[0] == st})
	}
	for _, x := range []struct {
		key, assignee string
		n             int
	}{{"desk.counter.mine", desk.AssigneeMine, c.Mine}, {"desk.counter.unassigned", desk.AssigneeUnassigned, c.Unassigned}} {
		g := f
		g.Assignee = x.assignee
		out = append(out, views.ApplicationFilter{Label: l.T(x.key), URL: link(g), Count: x.n, Current: f.Assignee == x.assignee})
	}
	g := f
	g.Deadline = desk.DeadlineOverdue
	out = append(out, views.ApplicationFilter{Label: l.T("desk.counter.overdue"), URL: link(g), Count: c.Overdue,
		Current: f.Deadline == desk.DeadlineOverdue})
	return out
}

// queueSorts are the sortable columns' links: the current one turns the
// direction round; the others start with the most useful end (the
// nearest deadline, the latest submission or change).
func queueSorts(l *locale.Localizer, f desk.Filter) []views.DeskSortLink {
	var out []views.DeskSortLink
	for _, x := range []struct{ sort, key string }{{desk.SortSubmitted, "desk.col.submitted"}, {desk.SortUpdated, "desk.col.updated"},
		{desk.SortDue, "desk.col.due"}} {
		cur := f.Sort == x.sort
		desc := x.sort != desk.SortDue
		if cur {
			desc = !f.Desc
		}
		label := l.T(x.key)
		if cur {
			label += " " + l.T(map[bool]string{false: "desk.sort.asc", true: "desk.sort.desc"}[f.Desc])
		}
		out = append(out, views.DeskSortLink{Label: label, URL: deskPath + "?" + f.SortQuery(x.sort, desc).Encode(), Current: cur, Desc: f.Desc})
	}
	return out
}

func queueRow(l *locale.Localizer, r desk.Row, today time.Time, titles, offices map[string]string) views.DeskQueueRow {
	row := views.DeskQueueRow{
		Reference: r.Reference, URL: deskPath + "/pratiche/" + url.PathEscape(r.Reference), Revision: strconv.Itoa(r.Revision),
		Service: serviceTitle(titles, r.Service), Applicant: r.ApplicantName, Code: r.ApplicantCode,
		Office: r.Office, Status: statusBadge(l, r.Status), Assignee: r.AssigneeName,
		Submitted: dateFact(l, "", r.SubmittedAt), Updated: dateTimeFact(l, "", r.UpdatedAt),
	}
	if name, ok := offices[r.Office]; ok {
		row.Office = name
	}
	if r.Assignee != "" && row.Assignee == "" {
		row.Assignee = r.Assignee
	}
	if r.Assignee == "" {
		row.Assignee = l.T("desk.unassigned")
	}
	if r.DueOn != nil {
		row.Due = views.DatedFact{Date: l.Date(*r.DueOn), ISO: r.DueOn.Format(time.DateOnly)}
	}
	days, ok := r.DaysLeft(today)
	switch {
	case r.Status.Final():
	case r.Suspended:
		row.Deadline, row.DeadlineClass = l.T("desk.deadline.suspended"), "text-secondary"
	case !ok:
		row.Deadline = l.T("desk.deadline.none")
	case days < 0:
		row.Deadline, row.DeadlineClass = l.T("desk.deadline.overdue", "days", -days), "text-danger fw-semibold"
	case days == 0:
		row.Deadline, row.DeadlineClass = l.T("desk.deadline.today"), "text-danger fw-semibold"
	default:
		row.Deadline = l.T("desk.deadline.left", "days", days)
		if days <= 7 {
			row.DeadlineClass = "fw-semibold"
		}
	}
	return row
}

// assignForm offers whom the ticked applications may go to: an office
// manager or admin any colleague of the offices (or nobody), a clerk
// only themselves.
func assignForm(l *locale.Localizer, clerk applications.Clerk, role string, staff []desk.Staff) views.DeskAssignForm {
	form := views.DeskAssignForm{Options: []views.DeskChoice{{Label: l.T("desk.assign.choose")}}}
	if role == auth.RoleClerk {
		form.Options = append(form.Options, views.DeskChoice{Value: clerk.FiscalCode, Label: l.T("desk.assign.me", "name", clerk.Name)})
		return form
	}
	form.Options = append(form.Options, views.DeskChoice{Value: assignNobody, Label: l.T("desk.assign.nobody")})
	for _, m := range staff {
		form.Options = append(form.Options, views.DeskChoice{Value: m.FiscalCode, Label: m.Name})
	}
	return form
}

// assignNobody is the assignment form's value that takes an application
// off whoever had it.
const assignNobody = "nessuno"

// maxBulk is how many applications one bulk assignment takes.
const maxBulk = desk.MaxPageSize

// bulkAssign assigns every ticked application, each at the revision the
// clerk saw, and reports how many went and which did not and why. Nothing
// ticked, or nobody chosen, sends the queue back (422).
func (s *Server) bulkAssign(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	form, err := c.FormParams()
	if err != nil {
		return errBadRequest
	}
	back, _ := url.ParseQuery(form.Get("ritorno"))
	filter, ferrs := desk.ParseFilter(back)
	if len(ferrs) > 0 {
		filter = desk.Filter{}
	}
	refs := form["pratica"]
	to := form.Get("assegnatario")
	l := s.localizer(c)
	var problem string
	switch {
	case len(refs) == 0:
		problem = l.T("desk.assign.error.none")
	case len(refs) > maxBulk:
		problem = l.T("desk.assign.error.too_many", "max", maxBulk)
	case to == "":
		problem = l.T("desk.assign.error.whom")
	}
	if problem != "" {
		return s.renderQueue(c, filter, nil, func(p *views.DeskQueuePage) {
			p.Assign.Error = problem
			p.Errors = append(p.Errors, views.ErrorLink{Message: problem, Href: "#assign-to"})
			for i, o := range p.Assign.Options {
				p.Assign.Options[i].Selected = o.Value == to && to != ""
			}
		})
	}
	if to == assignNobody {
		to = ""
	}
	clerk := clerkOf(c)
	notice := deskNotice{Kind: "assigned"}
	for _, ref := range slices.Compact(slices.Sorted(slices.Values(refs))) {
		rev, err := strconv.Atoi(form.Get("rev-" + ref))
		if err != nil || rev < 1 {
			notice.Failures = append(notice.Failures, deskFailure{ref, "changed"})
			continue
		}
		err = s.deps.Applications.Assign(ctx, t.ID, ref, rev, clerk, to)
		switch {
		case err == nil:
			notice.N++
		case errors.Is(err, applications.ErrChanged):
			notice.Failures = append(notice.Failures, deskFailure{ref, "changed"})
		case errors.Is(err, applications.ErrNotAllowed):
			notice.Failures = append(notice.Failures, deskFailure{ref, "not_allowed"})
		case errors.Is(err, applications.ErrForbidden):
			notice.Failures = append(notice.Failures, deskFailure{ref, "forbidden"})
		case errors.Is(err, db.ErrNotFound):
			notice.Failures = append(notice.Failures, deskFailure{ref, "not_found"})
		case db.IsUnavailable(err):
			return err
		default:
			s.deps.Logger.ErrorContext(ctx, "bulk assign", "error", err, "reference", ref)
			notice.Failures = append(notice.Failures, deskFailure{ref, "error"})
		}
	}
	s.putDeskNotice(c, notice)
	return c.Redirect(http.StatusSeeOther, deskPath+"?"+filter.Query().Encode())
}

// saveQueueFilter saves the current filter under a name; a refused name
// sends the queue back (422) with the name typed.
func (s *Server) saveQueueFilter(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	q, _ := url.ParseQuery(c.FormValue("filtro"))
	filter, ferrs := desk.ParseFilter(q)
	if len(ferrs) > 0 {
		return s.renderQueue(c, filter, ferrs, nil)
	}
	name := c.FormValue("nome")
	saved, err := s.deps.Desk.SaveFilter(c.Request().Context(), t.ID, clerkOf(c), name, filter)
	var fe desk.FieldError
	if errors.As(err, &fe) {
		msg := s.localizer(c).T("desk.saved.error."+fe.Code, "max", desk.MaxFilterName)
		return s.renderQueue(c, filter, nil, func(p *views.DeskQueuePage) {
			p.SaveName, p.SaveError = name, msg
			p.Errors = append(p.Errors, views.ErrorLink{Message: msg, Href: "#save-name"})
		})
	}
	if err != nil {
		return deskError(err)
	}
	s.putDeskNotice(c, deskNotice{Kind: "saved", Name: saved.Name})
	return c.Redirect(http.StatusSeeOther, deskPath+"?"+saved.Query)
}

// deleteQueueFilter deletes one of the clerk's saved filters.
func (s *Server) deleteQueueFilter(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	if err := s.deps.Desk.DeleteFilter(c.Request().Context(), t.ID, clerkOf(c), c.Param("id")); err != nil {
		return deskError(err)
	}
	s.putDeskNotice(c, deskNotice{Kind: "deleted"})
	return c.Redirect(http.StatusSeeOther, deskPath)
}

func (s *Server) putDeskNotice(c echo.Context, n deskNotice) {
	b, err := json.Marshal(n)
	if err == nil {
		s.deps.Sessions.Put(c.Request().Context(), sessQueueNotice, string(b))
	}
}

func (s *Server) popDeskNotice(c echo.Context) *deskNotice {
	v := s.deps.Sessions.PopString(c.Request().Context(), sessQueueNotice)
	if v == "" {
		return nil
	}
	var n deskNotice
	if json.Unmarshal([]byte(v), &n) != nil {
		return nil
	}
	return &n
}

func deskNoticeView(l *locale.Localizer, n deskNotice) *views.DeskNotice {
	v := &views.DeskNotice{}
	switch n.Kind {
	case "assigned":
		v.Message = l.T("desk.assign.done", "n", n.N, "failed", len(n.Failures))
	case "saved":
		v.Message = l.T("desk.saved.done", "name", n.Name)
	case "deleted":
		v.Message = l.T("desk.saved.deleted")
	default:
		return nil
	}
	for _, f := range n.Failures {
		v.Failures = append(v.Failures, l.T("desk.assign.failed."+f.Code, "reference", f.Reference))
	}
	return v
}

// officeNames are the comune's offices' names in lang, by slug.
func (s *Server) officeNames(ctx context.Context, tenantID, lang string) (map[string]string, error) {
	offices, err := s.deps.Catalogue.Offices(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(offices))
	for _, o := range offices {
		names[o.Slug] = o.Name.In(lang)
	}
	return names, nil
}
