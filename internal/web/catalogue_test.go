package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/civica/civica/internal/browsertest"
	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/feedback"
)

func TestServicesPage_ListsEveryCategoryAndEveryService(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	p := browsertest.Get(t, s.Client(t), base+"/servizi")
	if p.Status != http.StatusOK {
		t.Fatalf("status %d", p.Status)
	}
	if n := strings.Count(p.Body, `data-element="service-category-link"`); n != len(catalog.Categories) {
		t.Errorf("%d category links, want %d", n, len(catalog.Categories))
	}
	var count int
	ctx := context.Background()
	services, err := catalog.NewStore(s.Pool).Services(ctx, tenantID(t, s, "verdemare"))
	if err != nil {
		t.Fatal(err)
	}
	count = len(services)
	if count == 0 {
		t.Fatal("the demo comune has no services")
	}
	if n := strings.Count(p.Body, `data-element="service-link"`); n != count {
		t.Errorf("%d service links, want every one of the %d services", n, count)
	}
	mustContain(t, "services page", p.Body, `data-element="appointment-booking"`, `data-element="breadcrumb"`)
}

var sectionIndex = []string{"A chi è rivolto", "Come fare", "Cosa serve", "Cosa si ottiene", "Tempi e scadenze",
	"Accedi al servizio", "Condizioni di servizio", "Contatti"}

// TestServiceCard_CarriesEverySectionMarkerAndStructuredData is the
// conformance check: every card of every demo comune carries each marker,
// index text, JSON-LD field and rating-component string the Modello Comuni
// checker looks for (shared/reference/modello-comuni.md).
func TestServiceCard_CarriesEverySectionMarkerAndStructuredData(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	for _, comune := range []struct{ slug, name string }{{"verdemare", "Città di Verdemare"}, {"roccasole", "Comune di Roccasole"}} {
		checkCards(t, s, c, comune.slug, comune.name)
	}
}

// ratingStrings are the page-rating component's exact texts.
var ratingStrings = []string{
	`data-element="feedback-title">Quanto sono chiare le informazioni su questa pagina?<`,
	`data-element="feedback-rate-1"`, `data-element="feedback-rate-2"`, `data-element="feedback-rate-3"`,
	`data-element="feedback-rate-4"`, `data-element="feedback-rate-5"`,
	`data-element="feedback-rating-positive"`, `data-element="feedback-rating-negative"`,
	`data-element="feedback-rating-question">Quali sono stati gli aspetti che hai preferito?<`,
	`data-element="feedback-rating-question">Dove hai incontrato le maggiori difficoltà?<`,
	`data-element="feedback-rating-answer">Le indicazioni erano chiare<`,
	`data-element="feedback-rating-answer">Le indicazioni erano complete<`,
	`data-element="feedback-rating-answer">Capivo sempre che stavo procedendo correttamente<`,
	`data-element="feedback-rating-answer">Non ho avuto problemi tecnici<`,
	`data-element="feedback-rating-answer">Altro<`,
	`data-element="feedback-rating-answer">A volte le indicazioni non erano chiare<`,
	`data-element="feedback-rating-answer">A volte le indicazioni non erano complete<`,
	`data-element="feedback-rating-answer">A volte non capivo se stavo procedendo correttamente<`,
	`data-element="feedback-rating-answer">Ho avuto problemi tecnici<`,
	`data-element="feedback-input-text"`,
}

func checkCards(t *testing.T, s *browsertest.Server, c *http.Client, slug, comuneName string) {
	t.Helper()
	base := s.ComuneURL(slug)
	services, err := catalog.NewStore(s.Pool).Services(context.Background(), tenantID(t, s, slug))
	if err != nil {
		t.Fatal(err)
	}
	if len(services) < 40 {
		t.Errorf("%s offers %d services", slug, len(services))
	}
	for _, page := range []string{"/", "/servizi"} {
		p := browsertest.Get(t, c, base+page)
		mustContain(t, slug+page+" rating", p.Body, ratingStrings...)
	}
	jsonLD := regexp.MustCompile(`<script type="application/ld\+json" data-element="metatag">(.*?)</script>`)
	for _, svc := range services {
		p := browsertest.Get(t, c, base+"/servizi/"+svc.Slug)
		mustContain(t, slug+"/"+svc.Slug+" rating", p.Body, ratingStrings...)
		if p.Status != http.StatusOK {
			t.Errorf("%s: status %d", svc.Slug, p.Status)
			continue
		}
		mustContain(t, svc.Slug, p.Body, `data-element="service-title"`, `data-element="service-description"`,
			`data-element="service-status"`, `data-element="service-topic"`, `data-element="page-index"`,
			`data-element="service-addressed"`, `data-element="service-how-to"`, `data-element="service-needed"`,
			`data-element="service-achieved"`, `data-element="service-calendar-text"`, `data-element="service-calendar-list"`,
			`data-element="service-file"`, `data-element="service-area"`, `data-element="appointment-booking"`,
			`data-element="all-services"`, `data-element="feedback"`)
		if !strings.Contains(p.Body, `data-element="service-online-access"`) && !strings.Contains(p.Body, `data-element="service-booking-access"`) &&
			!strings.Contains(p.Body, `data-element="service-generic-access"`) {
			t.Errorf("%s: no access element", svc.Slug)
		}
		// The index's link texts, exactly and in order.
		index := p.Body[strings.Index(p.Body, `data-element="page-index"`):]
		index = index[:strings.Index(index, "</nav>")]
		last := -1
		for _, want := range sectionIndex {
			i := strings.Index(index, ">"+htmlEscape(want)+"</a>")
			if i < 0 || i < last {
				t.Errorf("%s: index entry %q missing or out of order", svc.Slug, want)
			}
			last = i
		}
		m := jsonLD.FindStringSubmatch(p.Body)
		if m == nil {
			t.Errorf("%s: no GovernmentService", svc.Slug)
			continue
		}
		var doc struct {
			Type             string `json:"@type"`
			Name             string `json:"name"`
			ServiceType      string `json:"serviceType"`
			ServiceOperator  struct{ Name string }
			AreaServed       struct{ Name string }
			Audience         struct{ AudienceType string }
			AvailableChannel struct {
				ServiceURL      string `json:"serviceUrl"`
				ServiceLocation struct {
					Name    string
					Address struct{ StreetAddress, PostalCode, AddressLocality string }
				}
			}
		}
		if err := json.Unmarshal([]byte(m[1]), &doc); err != nil {
			t.Errorf("%s: JSON-LD: %v", svc.Slug, err)
			continue
		}
		ch := doc.AvailableChannel
		if doc.Type != "GovernmentService" || doc.Name == "" || doc.ServiceType == "" || doc.ServiceOperator.Name != comuneName ||
			doc.AreaServed.Name == "" || doc.Audience.AudienceType == "" || ch.ServiceURL == "" || ch.ServiceLocation.Name == "" ||
			ch.ServiceLocation.Address.StreetAddress == "" || ch.ServiceLocation.Address.PostalCode == "" || ch.ServiceLocation.Address.AddressLocality == "" {
			t.Errorf("%s: GovernmentService lacks a field the checker needs: %+v", svc.Slug, doc)
		}
	}
}

func htmlEscape(s string) string { return strings.ReplaceAll(s, "'", "&#39;") }

func TestServiceCard_ComuneOverridesAndUnknownPages(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	p := browsertest.Get(t, c, s.ComuneURL("verdemare")+"/servizi/carta-identita-elettronica")
	mustContain(t, "Verdemare's CIE card", p.Body, "Diritti comunali (Città di Verdemare)", "€ 5,42", "anagrafe@comune.verdemare.example")
	for _, path := range []string{"/servizi/non-esiste", "/servizi/categoria/non-esiste", "/argomenti/non-esiste", "/servizi/non-esiste/condizioni"} {
		p := browsertest.Get(t, c, s.ComuneURL("roccasole")+path)
		if p.Status != http.StatusNotFound || !strings.Contains(p.Body, "Comune di Roccasole") {
			t.Errorf("%s: %d, want the comune's 404", path, p.Status)
		}
	}
	for _, path := range []string{"/argomenti", "/argomenti/anagrafe", "/servizi/categoria/anagrafe-e-stato-civile", "/servizi/carta-identita-elettronica/condizioni"} {
		if p := browsertest.Get(t, c, s.ComuneURL("roccasole")+path); p.Status != http.StatusOK {
			t.Errorf("%s: %d", path, p.Status)
		}
	}
	home := browsertest.Get(t, c, s.ComuneURL("roccasole")+"/")
	mustContain(t, "home", home.Body, `data-element="all-topics"`, `data-element="feedback"`)
	topics := browsertest.Get(t, c, s.ComuneURL("roccasole")+"/argomenti")
	mustContain(t, "topics", topics.Body, `data-element="topic-element"`)
}

func TestPageRating_StoredPerPageAndLanguageWith422OnBadInput(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	page := browsertest.Get(t, c, base+"/servizi")
	form := page.FirstPostForm(t) // the rating form is the page's only POST form
	if !strings.HasSuffix(form.Action, "/valutazione") {
		t.Fatalf("first form posts to %s", form.Action)
	}

	bad := url.Values{"_csrf": form.Values["_csrf"], "page": {"/servizi"}, "rating": {"5"}, "answer": {"n2"}, "detail": {"testo"}}
	p := browsertest.PostForm(t, c, form.Action, bad)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "non corrisponde alla valutazione") ||
		!strings.Contains(p.Body, `value="testo"`) || !regexp.MustCompile(`id="rating-5" value="5" checked`).MatchString(p.Body) {
		t.Errorf("bad answer: %d, want 422 with the message and the person's choices kept", p.Status)
	}
	good := url.Values{"_csrf": form.Values["_csrf"], "page": {"/servizi"}, "rating": {"2"}, "answer": {"n1"}, "detail": {"manca il numero"}}
	p = browsertest.PostForm(t, c, form.Action, good)
	if p.Status != http.StatusOK || p.URL.Path != "/servizi" || !strings.Contains(p.Body, `data-testid="feedback-thanks"`) {
		t.Errorf("good rating: %d at %s, want back on /servizi with thanks", p.Status, p.URL)
	}
	if again := browsertest.Get(t, c, base+"/servizi"); strings.Contains(again.Body, `data-testid="feedback-thanks"`) {
		t.Error("the thanks is shown more than once")
	}

	store := feedback.NewStore(s.Pool)
	sums, err := store.Summaries(context.Background(), tenantID(t, s, "verdemare"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 1 || sums[0].Path != "/servizi" || sums[0].Language != "it" || sums[0].Count != 1 || sums[0].Average != 2 {
		t.Errorf("summaries %+v", sums)
	}
	other, err := store.Summaries(context.Background(), tenantID(t, s, "roccasole"))
	if err != nil {
		t.Fatal(err)
	}
	if len(other) != 0 {
		t.Errorf("Roccasole sees Verdemare's ratings: %+v", other)
	}
}

func tenantID(t *testing.T, s *browsertest.Server, slug string) string {
	t.Helper()
	var id string
	if err := s.Pool.QueryRow(context.Background(), `SELECT id::text FROM tenants WHERE slug = $1`, slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSearch_FindsByStemAccentAndTypoAndSurvivesAnyInput(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	first := func(q string) string {
		t.Helper()
		p := browsertest.Get(t, c, base+"/cerca?"+url.Values{"q": {q}}.Encode())
		if p.Status != http.StatusOK {
			t.Fatalf("q=%q: status %d", q, p.Status)
		}
		m := regexp.MustCompile(`<a href="/servizi/([a-z0-9-]+)" data-element="service-link">`).FindStringSubmatch(p.Body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	for q, want := range map[string]string{
		"carta d'identità elettronica": "carta-identita-elettronica",
		"CARTA IDENTITA":               "carta-identita-elettronica",
		"carta identitta":              "carta-identita-elettronica", // typo
		"residenza":                    "cambio-residenza",
		"pubblicazioni matrimonio":     "pubblicazioni-di-matrimonio",
	} {
		if got := first(q); got != want {
			t.Errorf("q=%q: first result %q, want %q", q, got, want)
		}
	}
	for _, q := range []string{"", "   ", strings.Repeat("tari ", 400), "'; DROP TABLE services; --", `%_\`, "!!! ((( &&&", "zzzzqqqq"} {
		p := browsertest.Get(t, c, base+"/cerca?"+url.Values{"q": {q}}.Encode())
		if p.Status != http.StatusOK {
			t.Errorf("q=%.30q: status %d, want a normal page", q, p.Status)
		}
	}
	// English searches the English texts.
	req, _ := http.NewRequest(http.MethodGet, base+"/cerca?q=identity+card", nil)
	req.Header.Set("Accept-Language", "en")
	res, err := s.Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := new(strings.Builder)
	if _, err := io.Copy(buf, res.Body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `href="/servizi/carta-identita-elettronica" data-element="service-link"`) {
		t.Error("English search for 'identity card' does not find the CIE")
	}
	// The tables are still there after the SQL-looking query.
	if p := browsertest.Get(t, c, base+"/servizi"); !strings.Contains(p.Body, `data-element="service-link"`) {
		t.Error("services gone")
	}
}

func TestServiceCard_SuspendedShowsTheReasonAndNoWayToApply(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	p := browsertest.Get(t, c, s.ComuneURL("roccasole")+"/servizi/iscrizione-trasporto-scolastico")
	mustContain(t, "suspended card", p.Body, "Servizio non attivo", "sospese fino al 15 gennaio 2027", "non è possibile presentare nuove richieste")
	if strings.Contains(p.Body, `data-element="service-booking-access"`) {
		t.Error("a suspended service offers to book for it")
	}
	if p := browsertest.Get(t, c, s.ComuneURL("roccasole")+"/servizi/permesso-ztl"); p.Status != http.StatusNotFound {
		t.Errorf("a service Roccasole excludes answers %d", p.Status)
	}
	if p := browsertest.Get(t, c, s.ComuneURL("verdemare")+"/servizi/permesso-ztl"); p.Status != http.StatusOK {
		t.Errorf("Verdemare's ZTL permit answers %d", p.Status)
	}
}

func TestOffices_ShowWhereWhenAndWhatTheyHandle(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("verdemare")
	p := browsertest.Get(t, c, base+"/uffici/anagrafe")
	mustContain(t, "office page", p.Body, "Servizi demografici", "Piazza del Municipio 1, piano terra", "anagrafe@comune.verdemare.example",
		"martedì e giovedì", `href="/servizi/carta-identita-elettronica"`)
	card := browsertest.Get(t, c, base+"/servizi/carta-identita-elettronica")
	mustContain(t, "card links its office", card.Body, `href="/uffici/anagrafe"`)
	if p := browsertest.Get(t, c, base+"/uffici/nessuno"); p.Status != http.StatusNotFound {
		t.Errorf("unknown office: %d", p.Status)
	}
	if p := browsertest.Get(t, c, base+"/uffici"); p.Status != http.StatusOK || !strings.Contains(p.Body, `href="/uffici/tributi"`) {
		t.Errorf("offices list: %d", p.Status)
	}
}

func TestOpenData_JSONAndCSVListEveryService(t *testing.T) {
	t.Parallel()
	s := browsertest.Start(t)
	c := s.Client(t)
	base := s.ComuneURL("roccasole")
	res, err := c.Get(base + "/servizi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct {
		Comune   string
		License  string
		Services []struct {
			Slug  string
			URL   string
			Title map[string]string
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	services, err := catalog.NewStore(s.Pool).Services(context.Background(), tenantID(t, s, "roccasole"))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Comune != "Comune di Roccasole" || doc.License != "CC-BY-4.0" || len(doc.Services) != len(services) {
		t.Fatalf("JSON: %s %s %d services, want %d", doc.Comune, doc.License, len(doc.Services), len(services))
	}
	for _, svc := range doc.Services {
		if svc.Slug == "permesso-ztl" || svc.Title["it"] == "" || svc.Title["en"] == "" || !strings.HasPrefix(svc.URL, base+"/servizi/") {
			t.Errorf("JSON service %+v", svc)
		}
	}
	p := browsertest.Get(t, c, base+"/servizi.csv")
	rows, err := csvReader(p.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(services)+1 || rows[0][0] != "slug" {
		t.Errorf("CSV: %d rows, want a header and %d services", len(rows), len(services))
	}
}

func csvReader(body string) ([][]string, error) {
	return csv.NewReader(strings.NewReader(body)).ReadAll()
}
