package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/notify"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// Campaigns, for a comune's admins: the list, a draft's form, and each
// campaign's page, where it is scheduled and watched, paused, resumed or
// cancelled (notify/campaigns.go does the work).

const campaignsPath = "/amministrazione/campagne"

// sessCampaignNotice holds, until the next campaign page shows it, what
// was just done.
const sessCampaignNotice = "campaign_notice"

// campaignRoutes registers the campaign pages on site (language, tenant,
// session and CSRF).
func (s *Server) campaignRoutes(site *echo.Group) {
	admin := []echo.MiddlewareFunc{s.requireComune, s.requireKind(auth.KindStaff), s.requireRole(auth.RoleAdmin)}
	site.GET(campaignsPath, s.campaigns, admin...)
	site.GET(campaignsPath+"/nuova", s.newCampaign, admin...)
	site.POST(campaignsPath+"/nuova", s.createCampaign, admin...)
	site.GET(campaignsPath+"/:id", s.campaign, admin...)
	site.GET(campaignsPath+"/:id/modifica", s.editCampaign, admin...)
	site.POST(campaignsPath+"/:id/modifica", s.updateCampaign, admin...)
	site.POST(campaignsPath+"/:id/programma", s.scheduleCampaign, admin...)
	site.POST(campaignsPath+"/:id/pausa", s.campaignAction("pause"), admin...)
	site.POST(campaignsPath+"/:id/riprendi", s.campaignAction("resume"), admin...)
	site.POST(campaignsPath+"/:id/annulla", s.campaignAction("cancel"), admin...)
}

func campaignPath(id string) string { return campaignsPath + "/" + id }

func (s *Server) campaignChrome(c echo.Context, title string, crumbs ...views.Crumb) views.Chrome {
	ch := s.chrome(c, "")
	ch.Title = title
	ch.Feedback = nil
	ch.Breadcrumbs = append([]views.Crumb{{Label: ch.T("desk.heading"), URL: "/scrivania"}}, crumbs...)
	return ch
}

// campaigns lists the comune's campaigns.
func (s *Server) campaigns(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	list, err := s.deps.Campaigns.List(ctx, t.ID)
	if err != nil {
		return err
	}
	names, err := s.segmentNames(c, t.ID)
	if err != nil {
		return err
	}
	ch := s.campaignChrome(c, s.localizer(c).T("campaigns.heading"))
	ch.Breadcrumbs = append(ch.Breadcrumbs, views.Crumb{Label: ch.T("campaigns.heading")})
	l := ch.L
	page := views.CampaignsPage{Notice: s.deps.Sessions.PopString(ctx, sessCampaignNotice), NewURL: campaignsPath + "/nuova"}
	for _, cp := range list {
		row := views.CampaignRow{ID: cp.ID, Title: cp.Title, URL: campaignPath(cp.ID), Segment: segmentLabel(l, cp.Segment, names),
			StatusCode: cp.Status, Status: l.T("campaigns.status." + cp.Status), Sent: cp.Sent, Total: cp.Recipients}
		if cp.ScheduledAt != nil {
			row.When = l.DateTime(*cp.ScheduledAt)
		}
		if cp.StartedAt != nil {
			row.Progress = progressText(l, cp.Sent, cp.Recipients)
		}
		page.Rows = append(page.Rows, row)
	}
	return s.render(c, http.StatusOK, views.Campaigns(ch, page))
}

func progressText(l *locale.Localizer, sent, total int) string {
	percent := 100
	if total > 0 {
		percent = sent * 100 / total
	}
	return l.T("campaigns.progress.text", "sent", sent, "total", total, "percent", percent)
}

// segmentNames are the comune's topic and service names, by slug, in the
// page's language.
func (s *Server) segmentNames(c echo.Context, tenantID string) (map[notify.SegmentKind]map[string]string, error) {
	ctx := c.Request().Context()
	lang := s.localizer(c).Lang
	names := map[notify.SegmentKind]map[string]string{notify.SegmentTopic: {}, notify.SegmentService: {}}
	topics, err := s.deps.Catalogue.Topics(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, t := range topics {
		names[notify.SegmentTopic][t.Slug] = t.Name.In(lang)
	}
	services, err := s.deps.Catalogue.Services(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, sv := range services {
		names[notify.SegmentService][sv.Slug] = sv.Title.In(lang)
	}
	return names, nil
}

func segmentLabel(l *locale.Localizer, seg notify.Segment, names map[notify.SegmentKind]map[string]string) string {
	switch seg.Kind {
	case notify.SegmentTopic, notify.SegmentService:
		name := names[seg.Kind][seg.Param]
		if name == "" {
			name = seg.Param
		}
		return l.T("campaigns.segment."+string(seg.Kind)+"_of", "name", name)
	case notify.SegmentAppointments:
		day := seg.Param
		if d, err := time.Parse(time.DateOnly, seg.Param); err == nil {
			day = l.Date(d)
		}
		return l.T("campaigns.segment.appointments_of", "day", day)
	}
	return l.T("campaigns.segment." + string(seg.Kind))
}

// newCampaign shows an empty form.
func (s *Server) newCampaign(c echo.Context) error {
	return s.renderCampaignForm(c, http.StatusOK, "", notify.CampaignText{Segment: notify.Segment{Kind: notify.SegmentTopic}}, nil)
}

// createCampaign stores a new draft.
func (s *Server) createCampaign(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	p := c.Get(ctxPrincipal).(auth.Principal)
	text := campaignForm(c)
	id, err := s.deps.Campaigns.Create(c.Request().Context(), t.ID, p.Name(), text)
	var refused notify.CampaignErrors
	if errors.As(err, &refused) {
		return s.renderCampaignForm(c, http.StatusUnprocessableEntity, "", text, refused)
	}
	if err != nil {
		return err
	}
	return s.campaignDone(c, campaignPath(id), "campaigns.notice.created")
}

// editCampaign shows a draft's form.
func (s *Server) editCampaign(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	cp, err := s.deps.Campaigns.Get(c.Request().Context(), t.ID, c.Param("id"))
	if err != nil {
		return err
	}
	if !notify.CampaignCan(cp.Status, "edit") {
		return c.Redirect(http.StatusSeeOther, campaignPath(cp.ID))
	}
	return s.renderCampaignForm(c, http.StatusOK, cp.ID, cp.CampaignText, nil)
}

// updateCampaign saves a draft.
func (s *Server) updateCampaign(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	id := c.Param("id")
	text := campaignForm(c)
	err := s.deps.Campaigns.Update(c.Request().Context(), t.ID, id, text)
	var refused notify.CampaignErrors
	if errors.As(err, &refused) {
		return s.renderCampaignForm(c, http.StatusUnprocessableEntity, id, text, refused)
	}
	if errors.Is(err, notify.ErrCampaignState) {
		return s.renderCampaign(c, http.StatusConflict, id, func(p *views.CampaignPage) { p.Error = s.localizer(c).T("campaigns.error.state") })
	}
	if err != nil {
		return err
	}
	return s.campaignDone(c, campaignPath(id), "campaigns.notice.saved")
}

func campaignForm(c echo.Context) notify.CampaignText {
	kind := notify.SegmentKind(c.FormValue("segment"))
	param := ""
	switch kind {
	case notify.SegmentTopic:
		param = c.FormValue("topic")
	case notify.SegmentService:
		param = c.FormValue("service")
	case notify.SegmentAppointments:
		param = strings.TrimSpace(c.FormValue("appointments_day"))
	}
	return notify.CampaignText{Title: c.FormValue("title"), SubjectIT: c.FormValue("subject_it"), BodyIT: c.FormValue("body_it"),
		SubjectEN: c.FormValue("subject_en"), BodyEN: c.FormValue("body_en"), Segment: notify.Segment{Kind: kind, Param: param}}
}

// renderCampaignForm renders the form of a new campaign (id "") or of a
// draft, with what was typed and the reasons it was refused.
func (s *Server) renderCampaignForm(c echo.Context, status int, id string, text notify.CampaignText, refused notify.CampaignErrors) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	l := s.localizer(c)
	heading, action := l.T("campaigns.form.heading_new"), campaignsPath+"/nuova"
	if id != "" {
		heading, action = l.T("campaigns.form.heading_edit"), campaignPath(id)+"/modifica"
	}
	ch := s.campaignChrome(c, heading, views.Crumb{Label: l.T("campaigns.heading"), URL: campaignsPath}, views.Crumb{Label: heading})
	required := l.T("form.required")
	field := func(kind, name, value string, max int, help string, req bool) views.FormField {
		return views.FormField{Kind: kind, Name: name, ID: "campaign-" + strings.ReplaceAll(name, "_", "-"), Label: l.T("campaigns.field." + name),
			Value: value, MaxLength: max, Help: help, Required: req, RequiredLabel: required}
	}
	page := views.CampaignFormPage{
		Heading: heading, Action: action, BackURL: campaignsPath,
		Title:     field("text", "title", text.Title, notify.CampaignTitleMax, l.T("campaigns.field.title_hint"), true),
		SubjectIT: field("text", "subject_it", text.SubjectIT, notify.IOSubjectMax, l.T("campaigns.field.subject_hint"), true),
		BodyIT:    field("textarea", "body_it", text.BodyIT, notify.CampaignBodyMax, l.T("campaigns.field.body_hint"), true),
		SubjectEN: field("text", "subject_en", text.SubjectEN, notify.IOSubjectMax, "", false),
		BodyEN:    field("textarea", "body_en", text.BodyEN, notify.CampaignBodyMax, "", false),
		Topic:     field("select", "topic", "", 0, "", false),
		Service:   field("select", "service", "", 0, "", false),
		Day:       field("date", "appointments_day", "", 0, l.T("campaigns.field.appointments_day_hint"), false),
	}
	if text.Segment.Kind == notify.SegmentAppointments {
		page.Day.Value = text.Segment.Param
	}
	page.Topic.ChooseLabel, page.Service.ChooseLabel = l.T("campaigns.field.choose"), l.T("campaigns.field.choose")
	ctx := c.Request().Context()
	topics, err := s.deps.Catalogue.Topics(ctx, t.ID)
	if err != nil {
		return err
	}
	for _, tp := range topics {
		page.Topic.Options = append(page.Topic.Options, views.FormOption{Value: tp.Slug, Label: tp.Name.In(l.Lang),
			Checked: text.Segment.Kind == notify.SegmentTopic && text.Segment.Param == tp.Slug})
	}
	services, err := s.deps.Catalogue.Services(ctx, t.ID)
	if err != nil {
		return err
	}
	for _, sv := range services {
		page.Service.Options = append(page.Service.Options, views.FormOption{Value: sv.Slug, Label: sv.Title.In(l.Lang),
			Checked: text.Segment.Kind == notify.SegmentService && text.Segment.Param == sv.Slug})
	}
	for _, k := range notify.SegmentKinds {
		choice := views.SegmentChoice{Value: string(k), Label: l.T("campaigns.segment." + string(k)), Checked: text.Segment.Kind == k}
		page.Segments = append(page.Segments, choice)
	}
	fields := map[string]*views.FormField{"title": &page.Title, "subject_it": &page.SubjectIT, "body_it": &page.BodyIT,
		"subject_en": &page.SubjectEN, "body_en": &page.BodyEN, "segment_topic": &page.Topic, "segment_service": &page.Service,
		"segment_appointments": &page.Day}
	for _, e := range refused {
		msg := l.T("campaigns.error."+e.Code, "limit", e.Limit, "got", e.Got)
		if f, ok := fields[e.Field]; ok {
			f.Error = msg
			page.Errors = append(page.Errors, views.ErrorLink{Message: f.Label + ": " + msg, Href: "#" + f.ID})
			continue
		}
		page.SegmentError = msg
		page.Errors = append(page.Errors, views.ErrorLink{Message: l.T("campaigns.segment.legend") + ": " + msg, Href: "#campaign-segment"})
	}
	return s.render(c, status, views.CampaignForm(ch, page))
}

// campaign shows a campaign: its message and reach, its schedule form
// while a draft, its progress once started.
func (s *Server) campaign(c echo.Context) error {
	notice := s.deps.Sessions.PopString(c.Request().Context(), sessCampaignNotice)
	return s.renderCampaign(c, http.StatusOK, c.Param("id"), func(p *views.CampaignPage) { p.Notice = notice })
}

// scheduleCampaign schedules a draft at the date and time given (Europe/
// Rome), or now when none is.
func (s *Server) scheduleCampaign(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	id := c.Param("id")
	l := s.localizer(c)
	typed := strings.TrimSpace(c.FormValue("when"))
	var at time.Time
	if typed != "" {
		var err error
		if at, err = parseLocalDateTime(typed); err != nil {
			return s.renderCampaign(c, http.StatusUnprocessableEntity, id, func(p *views.CampaignPage) {
				scheduleRefused(l, p, typed, "when_invalid")
			})
		}
	}
	err := s.deps.Campaigns.Schedule(c.Request().Context(), t.ID, id, at)
	var refused notify.CampaignErrors
	if errors.As(err, &refused) {
		return s.renderCampaign(c, http.StatusUnprocessableEntity, id, func(p *views.CampaignPage) {
			scheduleRefused(l, p, typed, refused[0].Code)
		})
	}
	if errors.Is(err, notify.ErrCampaignState) {
		return s.renderCampaign(c, http.StatusConflict, id, func(p *views.CampaignPage) { p.Error = l.T("campaigns.error.state") })
	}
	if err != nil {
		return err
	}
	return s.campaignDone(c, campaignPath(id), "campaigns.notice.scheduled")
}

func scheduleRefused(l *locale.Localizer, p *views.CampaignPage, typed, code string) {
	p.WhenValue, p.WhenError = typed, l.T("campaigns.error."+code)
	p.Errors = append(p.Errors, views.ErrorLink{Message: l.T("campaigns.schedule.when") + ": " + p.WhenError, Href: "#campaign-when"})
}

// parseLocalDateTime reads a datetime-local value ("2026-12-24T09:30",
// or with a space) as a civil time in Europe/Rome.
func parseLocalDateTime(s string) (time.Time, error) {
	s = strings.Replace(s, " ", "T", 1)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, locale.Rome); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not a date and time")
}

// campaignAction pauses, resumes or cancels a campaign.
func (s *Server) campaignAction(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		t := c.Get(ctxTenant).(tenant.Tenant)
		id := c.Param("id")
		ctx := c.Request().Context()
		var err error
		switch action {
		case "pause":
			err = s.deps.Campaigns.Pause(ctx, t.ID, id)
		case "resume":
			err = s.deps.Campaigns.Resume(ctx, t.ID, id)
		default:
			err = s.deps.Campaigns.Cancel(ctx, t.ID, id)
		}
		if errors.Is(err, notify.ErrCampaignState) {
			return s.renderCampaign(c, http.StatusConflict, id, func(p *views.CampaignPage) { p.Error = s.localizer(c).T("campaigns.error.state") })
		}
		if err != nil {
			return err
		}
		return s.campaignDone(c, campaignPath(id), "campaigns.notice."+action)
	}
}

func (s *Server) campaignDone(c echo.Context, to, key string) error {
	s.deps.Sessions.Put(c.Request().Context(), sessCampaignNotice, s.localizer(c).T(key))
	return c.Redirect(http.StatusSeeOther, to)
}

// renderCampaign renders a campaign's page; edit adds a notice or a
// refusal.
func (s *Server) renderCampaign(c echo.Context, status int, id string, edit func(*views.CampaignPage)) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	pr, err := s.deps.Campaigns.Progress(ctx, t.ID, id)
	if err != nil {
		return err
	}
	names, err := s.segmentNames(c, t.ID)
	if err != nil {
		return err
	}
	l := s.localizer(c)
	ch := s.campaignChrome(c, pr.Title, views.Crumb{Label: l.T("campaigns.heading"), URL: campaignsPath}, views.Crumb{Label: pr.Title})
	path := campaignPath(pr.ID)
	page := views.CampaignPage{
		ID: pr.ID, Title: pr.Title, StatusCode: pr.Status, Status: l.T("campaigns.status." + pr.Status),
		Subject: pr.SubjectIT, Body: splitParagraphs(pr.BodyIT), SubjectEN: pr.SubjectEN, BodyEN: splitParagraphs(pr.BodyEN),
		RefreshURL: path, BackURL: campaignsPath,
	}
	page.Facts = append(page.Facts, views.Fact{Label: l.T("campaigns.detail.segment"), Value: segmentLabel(l, pr.Segment, names)})
	for _, f := range []struct {
		key string
		at  *time.Time
	}{{"scheduled", pr.ScheduledAt}, {"started", pr.StartedAt}, {"finished", pr.FinishedAt}} {
		if f.at != nil {
			page.Facts = append(page.Facts, views.Fact{Label: l.T("campaigns.detail." + f.key), Value: l.DateTime(*f.at)})
		}
	}
	if pr.CreatedBy != "" {
		page.Facts = append(page.Facts, views.Fact{Label: l.T("campaigns.detail.created_by"), Value: pr.CreatedBy})
	}
	switch pr.Status {
	case notify.CampaignDraft, notify.CampaignScheduled:
		if pr.Segment.Kind.Available() {
			r, err := s.deps.Campaigns.Reach(ctx, t.ID, pr.Segment)
			if err != nil {
				return err
			}
			page.Reach = l.T("campaigns.reach.text", "people", r.People, "email", r.Email, "sms", r.SMS, "io", r.IO)
			page.ReachNote = l.T("campaigns.reach.note")
		}
	}
	if pr.StartedAt != nil {
		page.Started, page.Sent, page.Total = true, pr.Sent, pr.Recipients
		page.ProgressText = progressText(l, pr.Sent, pr.Recipients)
		for _, cc := range pr.Channels {
			page.Channels = append(page.Channels, views.ChannelRow{Channel: l.T("contacts.channel." + string(cc.Channel)),
				Pending: cc.Pending, Sent: cc.Sent, Failed: cc.Failed})
		}
	}
	if notify.CampaignCan(pr.Status, "edit") {
		page.EditURL = path + "/modifica"
	}
	if notify.CampaignCan(pr.Status, "schedule") && pr.Segment.Kind.Available() {
		page.CanSchedule, page.ScheduleAction = true, path+"/programma"
	}
	for _, a := range []struct {
		action, segment string
		danger          bool
	}{{"pause", "pausa", false}, {"resume", "riprendi", false}, {"cancel", "annulla", true}} {
		if notify.CampaignCan(pr.Status, a.action) {
			page.Actions = append(page.Actions, views.CampaignAction{Name: a.action, URL: path + "/" + a.segment,
				Label: l.T("campaigns.action." + a.action), Danger: a.danger})
		}
	}
	if edit != nil {
		edit(&page)
	}
	return s.render(c, status, views.Campaign(ch, page))
}

// splitParagraphs splits text at blank lines.
func splitParagraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
