package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/applications"
	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/insight"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// What a comune learns from its own records: the admin's jobs page and
// audit log search, the office managers' dashboard, and the public page
// of processing times with its CSV and JSON.
//
// A clerk asking for the dashboard gets 403, not 404: the page exists for
// their comune and they are logged in as its staff; their role does not
// reach it. 404 is kept for what belongs to someone else (another comune's
// job, an application outside one's offices).

const (
	jobsPath         = "/amministrazione/lavori"
	auditPath        = "/amministrazione/registro-accessi"
	dashboardPath    = "/scrivania/cruscotto"
	transparencyPath = "/tempi-procedimento"
)

// sessJobsNotice holds, until the jobs page shows it, the key of what
// was just done there.
const sessJobsNotice = "jobs_notice"

// jobsQuery names insight's job groups in the page's query.
var jobsQuery = map[string]string{
	insight.JobsQueued:    "in-coda",
	insight.JobsRunning:   "in-esecuzione",
	insight.JobsRetryable: "da-riprovare",
	insight.JobsFailed:    "falliti",
	insight.JobsCompleted: "completati",
}

// deskAdminRoutes registers the pages of this file on the site group.
func (s *Server) deskAdminRoutes(site *echo.Group) {
	admin := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindStaff), s.requireRole(auth.RoleAdmin)}
	site.GET(jobsPath, s.adminJobs, admin...)
	site.POST(jobsPath+"/:id/riprova", s.retryJob, admin...)
	site.GET(auditPath, s.adminAudit, admin...)
	site.GET(dashboardPath, s.dashboard, s.requireComune, s.requireKind(auth.KindStaff),
		s.requireRole(auth.RoleAdmin, auth.RoleOfficeManager))
	site.GET(transparencyPath, s.transparency, s.requireComune)
	site.GET(transparencyPath+".csv", s.transparencyCSV, s.requireComune)
	site.GET(transparencyPath+".json", s.transparencyJSON, s.requireComune)
}

// insightError turns the domain's refusals into pages.
func insightError(err error) error {
	if errors.Is(err, applications.ErrForbidden) {
		return errForbidden
	}
	return err
}

// adminJobs lists the comune's background jobs of one group (failed ones
// first of all).
func (s *Server) adminJobs(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	ctx := c.Request().Context()
	group := ""
	for g, q := range jobsQuery {
		if q == c.QueryParam("stato") {
			group = g
		}
	}
	list, err := s.deps.Insight.Jobs(ctx, t.ID, p.FiscalCode, group)
	if err != nil {
		return insightError(err)
	}
	ch := s.chrome(c, "")
	l := ch.L
	ch.Title = ch.T("jobs.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("desk.heading"), URL: "/scrivania"}, {Label: ch.T("jobs.heading")}}
	page := views.JobsPage{Heading: ch.T("jobs.group." + list.Group), Empty: ch.T("jobs.empty")}
	if key := s.deps.Sessions.PopString(ctx, sessJobsNotice); key != "" {
		page.Notice = ch.T(key)
	}
	for _, g := range insight.JobGroups {
		page.Tabs = append(page.Tabs, views.Tab{Label: ch.T("jobs.group." + g), URL: jobsPath + "?stato=" + jobsQuery[g],
			Count: list.Counts[g], Current: g == list.Group})
	}
	for _, j := range list.Jobs {
		row := views.JobRow{
			ID: strconv.FormatInt(j.ID, 10), Kind: jobKind(l, j.Kind), State: l.T("jobs.state." + j.State), StateCode: j.State,
			Attempts: fmt.Sprintf("%d / %d", j.Attempt, j.MaxAttempts), LastError: j.LastError, Reference: j.Reference,
			Created: dateTimeFact(l, "", j.CreatedAt), Scheduled: dateTimeFact(l, "", j.ScheduledAt),
		}
		if j.Retryable() {
			row.RetryAction = jobsPath + "/" + row.ID + "/riprova"
		}
		page.Jobs = append(page.Jobs, row)
	}
	return s.render(c, http.StatusOK, views.Jobs(ch, page))
}

// jobKind names a job for people; a kind without a name shows as it is.
func jobKind(l *locale.Localizer, kind string) string {
	if name := l.T("jobs.kind." + kind); name != "jobs.kind."+kind {
		return name
	}
	return kind
}

// retryJob runs a failed job of the comune again now (POST-redirect-GET).
func (s *Server) retryJob(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	notice, to := "jobs.notice.retried", jobsPath+"?stato="+jobsQuery[insight.JobsQueued]
	switch err := s.deps.Insight.RetryJob(ctx, t.ID, clerkOf(c), id); {
	case errors.Is(err, insight.ErrNotRetryable):
		notice, to = "jobs.notice.not_retryable", jobsPath
	case err != nil:
		return insightError(err)
	}
	s.deps.Sessions.Put(ctx, sessJobsNotice, notice)
	return c.Redirect(http.StatusSeeOther, to)
}

// adminAudit searches the audit log with the query's filters; dates that
// are not dates come back with 422 and the form as typed.
func (s *Server) adminAudit(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	ch := s.chrome(c, "")
	l := ch.L
	ch.Title = ch.T("audit.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("desk.heading"), URL: "/scrivania"}, {Label: ch.T("audit.heading")}}
	q := c.QueryParams()
	page := views.AuditPage{Actor: q.Get("chi"), Reference: q.Get("pratica"), Action: q.Get("azione"), From: q.Get("dal"),
		To: q.Get("al"), FieldErrors: map[string]string{}}
	f := insight.AuditFilter{Actor: page.Actor, Reference: page.Reference}
	for _, a := range insight.AuditActions {
		page.Actions = append(page.Actions, views.SelectOption{Value: a, Label: auditAction(l, a), Selected: a == page.Action})
		if a == page.Action {
			f.Action = a
		}
	}
	for _, d := range []struct {
		name, value, id string
		into            *time.Time
	}{{"dal", page.From, "audit-from", &f.From}, {"al", page.To, "audit-to", &f.To}} {
		if d.value == "" {
			continue
		}
		v, err := time.Parse(time.DateOnly, d.value)
		if err != nil {
			msg := ch.T("audit.error.date")
			page.FieldErrors[d.name] = msg
			page.Errors = append(page.Errors, views.ErrorLink{Message: msg, Href: "#" + d.id})
			continue
		}
		*d.into = v
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		msg := ch.T("audit.error.range")
		page.FieldErrors["al"] = msg
		page.Errors = append(page.Errors, views.ErrorLink{Message: msg, Href: "#audit-to"})
	}
	if len(page.Errors) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, views.Audit(ch, page))
	}
	f.Before, _ = strconv.ParseInt(q.Get("prima"), 10, 64)
	found, err := s.deps.Insight.SearchAudit(c.Request().Context(), t.ID, p.FiscalCode, f)
	if err != nil {
		return insightError(err)
	}
	for _, line := range found.Lines {
		page.Lines = append(page.Lines, views.AuditRow{
			When: dateTimeFact(l, "", line.At), Who: line.ActorName, FiscalCode: line.ActorID, Action: auditAction(l, line.Action),
			Reference: line.Reference, RemoteAddr: line.RemoteAddr, Detail: line.Detail,
		})
	}
	if found.Next != 0 {
		next := url.Values{}
		for k, v := range map[string]string{"chi": page.Actor, "pratica": page.Reference, "azione": f.Action, "dal": page.From, "al": page.To} {
			if v != "" {
				next.Set(k, v)
			}
		}
		next.Set("prima", strconv.FormatInt(found.Next, 10))
		page.NextURL = auditPath + "?" + next.Encode()
	}
	return s.render(c, http.StatusOK, views.Audit(ch, page))
}

func auditAction(l *locale.Localizer, action string) string {
	if name := l.T("audit.action." + action); name != "audit.action."+action {
		return name
	}
	return action
}

// dashboard shows an office manager their offices' figures (an admin's
// are the whole comune's).
func (s *Server) dashboard(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	ch := s.chrome(c, "")
	l := ch.L
	d, err := s.deps.Insight.Dashboard(c.Request().Context(), t.ID, p.FiscalCode, l.Lang)
	if err != nil {
		return insightError(err)
	}
	names, err := s.officeNames(c.Request().Context(), t.ID, l.Lang)
	if err != nil {
		return err
	}
	officeName := func(slug string) string {
		if n := names[slug]; n != "" {
			return n
		}
		return slug
	}
	offices := make([]string, len(d.Offices))
	for i, o := range d.Offices {
		offices[i] = officeName(o)
	}
	ch.Title = ch.T("dashboard.heading")
	ch.Feedback = nil
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("desk.heading"), URL: "/scrivania"}, {Label: ch.T("dashboard.heading")}}
	page := views.DashboardPage{
		Scope:  ch.T("dashboard.scope.offices", "offices", strings.Join(offices, ", ")),
		Period: ch.T("dashboard.period", "from", l.Date(d.From), "to", l.Date(d.To)),
		OnTime: views.BarChart{ID: "chart-on-time", Title: ch.T("dashboard.chart.on_time"), Desc: ch.T("dashboard.chart.on_time_desc")},
		Median: views.BarChart{ID: "chart-median", Title: ch.T("dashboard.chart.median"), Desc: ch.T("dashboard.chart.median_desc")},
	}
	if d.AllOffices {
		page.Scope = ch.T("dashboard.scope.all")
	}
	for _, st := range []applications.Status{applications.Submitted, applications.Registered, applications.InProgress,
		applications.AwaitingIntegration, applications.Accepted, applications.Rejected, applications.Withdrawn, applications.Cancelled} {
		page.Totals = append(page.Totals, views.StatusCount{Code: string(st), Label: l.T("application.status." + string(st)), Count: d.Totals[st]})
	}
	var onTime, median []chartValue
	maxMedian := 0.0
	for _, svc := range d.Services {
		row := views.DashboardRow{Service: svc.Title, Office: officeName(svc.Office), Open: svc.Open(), Decided: svc.Decided, OnTime: "—", Median: "—"}
		for _, n := range svc.ByStatus {
			row.Closed += n
		}
		row.Closed -= row.Open
		if pct := svc.OnTimePercent(); pct >= 0 {
			row.OnTime = strconv.Itoa(pct) + "%"
			onTime = append(onTime, chartValue{svc.Title, float64(pct), row.OnTime})
		}
		if svc.MedianDays != nil {
			row.Median = days(l, *svc.MedianDays)
			median = append(median, chartValue{svc.Title, *svc.MedianDays, ch.T("dashboard.days", "days", row.Median)})
			maxMedian = math.Max(maxMedian, *svc.MedianDays)
		}
		page.Services = append(page.Services, row)
	}
	page.OnTime.Bars, page.OnTime.Height = bars(onTime, 100)
	page.Median.Bars, page.Median.Height = bars(median, maxMedian)
	if len(onTime) == 0 {
		page.OnTime.Desc = ch.T("dashboard.chart.no_data")
	}
	if len(median) == 0 {
		page.Median.Desc = ch.T("dashboard.chart.no_data")
	}
	return s.render(c, http.StatusOK, views.Dashboard(ch, page))
}

type chartValue struct {
	label string
	value float64
	text  string
}

// bars lays out a horizontal bar chart in a viewBox views.ChartWidth
// wide: each bar under its label, its value after it, the longest bar
// for top.
func bars(values []chartValue, top float64) ([]views.Bar, string) {
	const rowHeight, barArea = 48, 520.0
	var out []views.Bar
	for i, v := range values {
		width := 0.0
		if top > 0 {
			width = v.value / top * barArea
		}
		y := i * rowHeight
		out = append(out, views.Bar{
			Label: v.label, Value: v.text, Width: strconv.FormatFloat(width, 'f', 1, 64),
			LabelY: strconv.Itoa(y + 16), BarY: strconv.Itoa(y + 22), ValueX: strconv.FormatFloat(width+6, 'f', 1, 64),
			ValueY: strconv.Itoa(y + 36),
		})
	}
	return out, strconv.Itoa(max(len(values), 1) * rowHeight)
}

// days writes a number of days with one decimal, in the language's way.
func days(l *locale.Localizer, d float64) string {
	s := strconv.FormatFloat(d, 'f', 1, 64)
	if l.Lang == "it" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// transparency is the public page of processing times.
func (s *Server) transparency(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ch := s.chrome(c, "")
	l := ch.L
	pt, err := s.deps.Insight.ProcessingTimes(c.Request().Context(), t.ID, l.Lang)
	if err != nil {
		return err
	}
	ch.Title = ch.T("transparency.heading")
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("transparency.heading")}}
	page := views.TransparencyPage{
		Period: ch.T("transparency.period", "from", l.Date(pt.From), "to", l.Date(pt.To)),
		CSVURL: transparencyPath + ".csv", JSONURL: transparencyPath + ".json",
	}
	for _, r := range pt.Services {
		row := views.TransparencyRow{Service: r.Title, URL: "/servizi/" + url.PathEscape(r.Service), MaxDays: "—", Decided: r.Decided,
			Average: "—", Median: "—"}
		if r.MaxDays > 0 {
			row.MaxDays = strconv.Itoa(r.MaxDays)
		}
		if r.AverageDays != nil {
			row.Average = days(l, *r.AverageDays)
		}
		if r.MedianDays != nil {
			row.Median = days(l, *r.MedianDays)
		}
		page.Rows = append(page.Rows, row)
	}
	return s.render(c, http.StatusOK, views.Transparency(ch, page))
}

// openProcessingTime is one service's processing time as open data.
type openProcessingTime struct {
	Slug              string   `json:"slug"`
	Title             string   `json:"title"`
	MaxProcessingDays int      `json:"max_processing_days"`
	Decided           int      `json:"decided"`
	AverageDays       *float64 `json:"average_days"`
	MedianDays        *float64 `json:"median_days"`
}

type openProcessingTimes struct {
	Comune   string               `json:"comune"`
	IPACode  string               `json:"ipa_code"`
	From     string               `json:"from"`
	To       string               `json:"to"`
	License  string               `json:"license"`
	Services []openProcessingTime `json:"services"`
}

func (s *Server) openProcessingTimes(c echo.Context) (tenant.Tenant, openProcessingTimes, error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	pt, err := s.deps.Insight.ProcessingTimes(c.Request().Context(), t.ID, "it")
	if err != nil {
		return t, openProcessingTimes{}, err
	}
	out := openProcessingTimes{Comune: t.Name, IPACode: t.IPACode, License: "CC-BY-4.0", Services: []openProcessingTime{},
		From: pt.From.In(locale.Rome).Format(time.DateOnly), To: pt.To.In(locale.Rome).Format(time.DateOnly)}
	round := func(v *float64) *float64 {
		if v == nil {
			return nil
		}
		r := math.Round(*v*10) / 10
		return &r
	}
	for _, r := range pt.Services {
		out.Services = append(out.Services, openProcessingTime{Slug: r.Service, Title: r.Title, MaxProcessingDays: r.MaxDays,
			Decided: r.Decided, AverageDays: round(r.AverageDays), MedianDays: round(r.MedianDays)})
	}
	return t, out, nil
}

// transparencyJSON is the processing times as open data (CC-BY 4.0).
func (s *Server) transparencyJSON(c echo.Context) error {
	_, out, err := s.openProcessingTimes(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, out)
}

// transparencyCSV is the same as CSV, one service a row; days are
// written with a dot and empty when nothing was decided.
func (s *Server) transparencyCSV(c echo.Context) error {
	t, out, err := s.openProcessingTimes(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="tempi-procedimento-`+t.Slug+`.csv"`)
	h.Set("Cache-Control", "public, max-age=300")
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"slug", "title", "max_processing_days", "decided", "average_days", "median_days", "from", "to"})
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', 1, 64)
	}
	for _, r := range out.Services {
		_ = w.Write([]string{r.Slug, r.Title, strconv.Itoa(r.MaxProcessingDays), strconv.Itoa(r.Decided), num(r.AverageDays),
			num(r.MedianDays), out.From, out.To})
	}
	w.Flush()
	return w.Error()
}
