package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

func (s *Server) serviceLinks(c echo.Context, list []catalog.Service) []views.ServiceLink {
	l := s.localizer(c)
	out := make([]views.ServiceLink, 0, len(list))
	for _, svc := range list {
		out = append(out, views.ServiceLink{
			Title: svc.Title.In(l.Lang), Description: svc.Description.In(l.Lang), URL: "/servizi/" + svc.Slug,
			Category: l.T("category." + svc.Category), Suspended: svc.Status == "suspended",
		})
	}
	return out
}

// services is /servizi: the 15 categories and every service of the comune.
func (s *Server) services(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	list, err := s.deps.Catalogue.Services(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	ch.Title = ch.T("services.heading")
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("services.heading")}}
	page := views.ServicesPage{Services: s.serviceLinks(c, list)}
	for _, cat := range catalog.Categories {
		n := 0
		for _, svc := range list {
			if svc.Category == cat {
				n++
			}
		}
		page.Categories = append(page.Categories, views.CategoryLink{Name: ch.T("category." + cat), URL: "/servizi/categoria/" + cat, Count: n})
	}
	return s.render(c, http.StatusOK, views.Services(ch, page))
}

// category lists one category's services.
func (s *Server) category(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	cat := c.Param("category")
	if !catalog.IsCategory(cat) {
		return errNotFound
	}
	list, err := s.deps.Catalogue.Services(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	list = slices.DeleteFunc(list, func(svc catalog.Service) bool { return svc.Category != cat })
	ch := s.chrome(c, "")
	name := ch.T("category." + cat)
	ch.Title = name
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("services.heading"), URL: "/servizi"}, {Label: name}}
	return s.render(c, http.StatusOK, views.Category(ch, views.CategoryPage{Name: name, Services: s.serviceLinks(c, list)}))
}

// service is a service card.
func (s *Server) service(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	card, err := s.deps.Catalogue.Card(c.Request().Context(), t.ID, c.Param("slug"))
	if err != nil {
		return err
	}
	svc, office := card.Service, card.Office
	ch := s.chrome(c, "")
	l := ch.L
	page := servicePage(l, svc, office, card.Topics)
	if card.FormVersion > 0 && slices.Contains(svc.Channels, catalog.ChannelOnline) {
		page.ApplyURL, page.AccessKind = "/servizi/"+svc.Slug+"/domanda", catalog.ChannelOnline
	}
	ch.Title = page.Title
	ch.Breadcrumbs = []views.Crumb{
		{Label: ch.T("services.heading"), URL: "/servizi"},
		{Label: ch.T("category." + svc.Category), URL: "/servizi/categoria/" + svc.Category},
		{Label: page.Title},
	}
	page.JSONLD, err = s.governmentService(c, t, svc, office, page)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, views.Service(ch, page))
}

// servicePage is what a service card shows of svc, its office and its
// topics in l's language: the public card and the administrator's preview
// of an edit. It leaves JSONLD empty.
func servicePage(l *locale.Localizer, svc catalog.Service, office catalog.Office, topics []catalog.Topic) views.ServicePage {
	page := views.ServicePage{
		Slug: svc.Slug, Title: svc.Title.In(l.Lang), Description: svc.Description.In(l.Lang),
		Suspended: svc.Status == "suspended", StatusReason: svc.StatusReason.In(l.Lang),
		Addressed: views.Blocks(svc.Addressed.In(l.Lang)), HowTo: views.Blocks(svc.HowTo.In(l.Lang)),
		Needed: views.Blocks(svc.Needed.In(l.Lang)), Achieved: views.Blocks(svc.Achieved.In(l.Lang)),
		Calendar: views.Blocks(svc.Calendar.In(l.Lang)), Costs: views.Blocks(svc.Costs.In(l.Lang)),
		Access: views.Blocks(svc.Access.In(l.Lang)), AccessKind: svc.Channels[0],
		BookingURL: "/prenota?" + url.Values{"servizio": {svc.Slug}}.Encode(),
		Conditions: "/servizi/" + svc.Slug + "/condizioni",
		Office:     officeCard(office, l.Lang),
	}
	for _, d := range svc.Deadlines {
		page.Deadlines = append(page.Deadlines, d.In(l.Lang))
	}
	for _, f := range svc.Fees {
		page.Fees = append(page.Fees, views.FeeLine{Description: f.Description.In(l.Lang), Amount: l.Money(f.AmountCents)})
	}
	for _, tp := range topics {
		page.Topics = append(page.Topics, views.Crumb{Label: tp.Name.In(l.Lang), URL: "/argomenti/" + tp.Slug})
	}
	return page
}

func officeCard(o catalog.Office, lang string) views.OfficeCard {
	return views.OfficeCard{
		Name: o.Name.In(lang), Description: o.Description.In(lang), Address: officeAddress(o),
		Hours: o.Hours.In(lang), Phone: o.Phone, Email: o.Email, PEC: o.PEC, URL: "/uffici/" + o.Slug,
	}
}

func officeAddress(o catalog.Office) string {
	if o.Address == "" {
		return ""
	}
	return o.Address + ", " + o.PostalCode + " " + o.City
}

// governmentService is the schema.org GovernmentService of a card, as the
// Modello Comuni checker reads it, serialised into its script element.
// json.Marshal escapes <, > and &, so the text cannot close the element.
func (s *Server) governmentService(c echo.Context, t tenant.Tenant, svc catalog.Service, o catalog.Office, p views.ServicePage) (string, error) {
	l := s.localizer(c)
	base := s.cfg.PlatformURL.Scheme + "://" + c.Request().Host
	doc := map[string]any{
		"@context":    "https://schema.org",
		"@type":       "GovernmentService",
		"name":        p.Title,
		"description": p.Description,
		"serviceType": l.T("category." + svc.Category),
		"url":         base + "/servizi/" + svc.Slug,
		"serviceOperator": map[string]any{
			"@type": "GovernmentOrganization", "name": t.Name,
		},
		"areaServed": map[string]any{"@type": "AdministrativeArea", "name": t.Contacts.City},
		"audience":   map[string]any{"@type": "Audience", "audienceType": firstParagraph(p.Addressed)},
		"availableChannel": map[string]any{
			"@type":      "ServiceChannel",
			"name":       l.T("service.section.access"),
			"serviceUrl": base + "/servizi/" + svc.Slug + "#accedi-al-servizio",
			"serviceLocation": map[string]any{
				"@type": "Place",
				"name":  o.Name.In(l.Lang),
				"address": map[string]any{
					"@type":           "PostalAddress",
					"streetAddress":   orDefault(o.Address, t.Contacts.Address),
					"postalCode":      orDefault(o.PostalCode, t.Contacts.PostalCode),
					"addressLocality": orDefault(o.City, t.Contacts.City),
				},
			},
		},
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	return `<script type="application/ld+json" data-element="metatag">` + string(raw) + `</script>`, nil
}

func firstParagraph(blocks []views.Block) string {
	for _, b := range blocks {
		if b.Paragraph != "" {
			return b.Paragraph
		}
	}
	return ""
}

func orDefault(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// serviceConditions is the terms-of-service document a card links to.
func (s *Server) serviceConditions(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	svc, _, err := s.deps.Catalogue.Service(c.Request().Context(), t.ID, c.Param("slug"))
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	l := ch.L
	heading := ch.T("service.conditions.heading", "service", svc.Title.In(l.Lang))
	ch.Title = heading
	ch.Breadcrumbs = []views.Crumb{
		{Label: ch.T("services.heading"), URL: "/servizi"},
		{Label: svc.Title.In(l.Lang), URL: "/servizi/" + svc.Slug},
		{Label: ch.T("service.section.conditions")},
	}
	page := views.InfoPage{Heading: heading, Sections: []views.InfoSection{{
		ID: "condizioni", Title: ch.T("service.section.conditions"), Paragraphs: paragraphs(views.Blocks(svc.Conditions.In(l.Lang))),
	}}}
	return s.render(c, http.StatusOK, views.Info(ch, page))
}

func paragraphs(blocks []views.Block) []string {
	var out []string
	for _, b := range blocks {
		if b.Paragraph != "" {
			out = append(out, b.Paragraph)
		}
		for _, it := range b.Items {
			out = append(out, "• "+it)
		}
	}
	return out
}

// topics is /argomenti: every topic of the comune with its services' count.
func (s *Server) topics(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	topics, err := s.deps.Catalogue.Topics(ctx, t.ID)
	if err != nil {
		return err
	}
	services, err := s.deps.Catalogue.Services(ctx, t.ID)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	ch.Title = ch.T("topics.heading")
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("topics.heading")}}
	page := views.TopicsPage{}
	for _, tp := range topics {
		n := 0
		for _, svc := range services {
			if slices.Contains(svc.Topics, tp.Slug) {
				n++
			}
		}
		page.Topics = append(page.Topics, views.TopicLink{
			Name: tp.Name.In(ch.L.Lang), Description: tp.Description.In(ch.L.Lang), URL: "/argomenti/" + tp.Slug, Count: n,
		})
	}
	return s.render(c, http.StatusOK, views.Topics(ch, page))
}

// topic is one topic and the services tagged with it.
func (s *Server) topic(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	topics, err := s.deps.Catalogue.Topics(ctx, t.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(topics, func(tp catalog.Topic) bool { return tp.Slug == c.Param("slug") })
	if i < 0 {
		return errNotFound
	}
	services, err := s.deps.Catalogue.Services(ctx, t.ID)
	if err != nil {
		return err
	}
	services = slices.DeleteFunc(services, func(svc catalog.Service) bool { return !slices.Contains(svc.Topics, topics[i].Slug) })
	ch := s.chrome(c, "")
	name := topics[i].Name.In(ch.L.Lang)
	ch.Title = name
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("topics.heading"), URL: "/argomenti"}, {Label: name}}
	return s.render(c, http.StatusOK, views.Topic(ch, views.TopicPage{
		Name: name, Description: topics[i].Description.In(ch.L.Lang), Services: s.serviceLinks(c, services),
	}))
}

// search is /cerca: the catalogue searched in the person's language. Any
// input, empty or odd, gives a normal page.
func (s *Server) search(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ch := s.chrome(c, "")
	ch.Title = ch.T("search.heading")
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("search.heading")}}
	q := c.QueryParam("q")
	page := views.SearchPage{Query: q}
	if strings.TrimSpace(q) != "" {
		found, err := s.deps.Catalogue.Search(c.Request().Context(), t.ID, ch.L.Lang, q, 50)
		if err != nil {
			return err
		}
		page.Searched, page.Results = true, s.serviceLinks(c, found)
	}
	return s.render(c, http.StatusOK, views.Search(ch, page))
}

// offices lists the comune's offices.
func (s *Server) offices(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	list, err := s.deps.Catalogue.Offices(c.Request().Context(), t.ID)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	ch.Title = ch.T("offices.heading")
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("offices.heading")}}
	page := views.OfficesPage{}
	for _, o := range list {
		page.Offices = append(page.Offices, views.OfficeLink{Name: o.Name.In(ch.L.Lang), Description: o.Description.In(ch.L.Lang), URL: "/uffici/" + o.Slug})
	}
	return s.render(c, http.StatusOK, views.Offices(ch, page))
}

// office is one office: address, hours, contacts and the services it handles.
func (s *Server) office(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ctx := c.Request().Context()
	list, err := s.deps.Catalogue.Offices(ctx, t.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(list, func(o catalog.Office) bool { return o.Slug == c.Param("slug") })
	if i < 0 {
		return errNotFound
	}
	services, err := s.deps.Catalogue.Services(ctx, t.ID)
	if err != nil {
		return err
	}
	services = slices.DeleteFunc(services, func(svc catalog.Service) bool { return svc.Office != list[i].Slug })
	ch := s.chrome(c, "")
	card := officeCard(list[i], ch.L.Lang)
	ch.Title = card.Name
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("offices.heading"), URL: "/uffici"}, {Label: card.Name}}
	return s.render(c, http.StatusOK, views.OfficeDetail(ch, views.OfficePage{Office: card, Services: s.serviceLinks(c, services)}))
}
