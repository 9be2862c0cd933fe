package web

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/catalog"
	"github.com/civica/civica/internal/tenant"
)

// openService is one service in the open-data catalogue: stable field
// names, both languages, the legal maximum time and the fees.
type openService struct {
	Slug               string        `json:"slug"`
	URL                string        `json:"url"`
	Category           string        `json:"category"`
	Topics             []string      `json:"topics"`
	Office             string        `json:"office"`
	Status             string        `json:"status"`
	Channels           []string      `json:"channels"`
	LoginLevel         string        `json:"login_level"`
	MaxProcessingDays  int           `json:"max_processing_days"`
	ProcessingDaysKind string        `json:"processing_days_kind"`
	Title              catalog.Text  `json:"title"`
	Description        catalog.Text  `json:"description"`
	Fees               []catalog.Fee `json:"fees"`
}

type openCatalogue struct {
	Comune   string        `json:"comune"`
	IPACode  string        `json:"ipa_code"`
	ISTAT    string        `json:"istat_code"`
	License  string        `json:"license"`
	Services []openService `json:"services"`
}

func (s *Server) openServices(c echo.Context) (tenant.Tenant, []openService, error) {
	t := c.Get(ctxTenant).(tenant.Tenant)
	list, err := s.deps.Catalogue.Services(c.Request().Context(), t.ID)
	if err != nil {
		return t, nil, err
	}
	base := s.cfg.PlatformURL.Scheme + "://" + c.Request().Host
	out := make([]openService, 0, len(list))
	for _, svc := range list {
		fees := svc.Fees
		if fees == nil {
			fees = []catalog.Fee{}
		}
		out = append(out, openService{
			Slug: svc.Slug, URL: base + "/servizi/" + svc.Slug, Category: svc.Category, Topics: svc.Topics, Office: svc.Office,
			Status: svc.Status, Channels: svc.Channels, LoginLevel: svc.LoginLevel, MaxProcessingDays: svc.MaxProcessingDays,
			ProcessingDaysKind: svc.ProcessingDaysKind, Title: svc.Title, Description: svc.Description, Fees: fees,
		})
	}
	return t, out, nil
}

// servicesJSON is the comune's catalogue as open data (CC-BY 4.0, like the
// rest of the site's content).
func (s *Server) servicesJSON(c echo.Context) error {
	t, list, err := s.openServices(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.JSON(http.StatusOK, openCatalogue{Comune: t.Name, IPACode: t.IPACode, ISTAT: t.ISTATCode, License: "CC-BY-4.0", Services: list})
}

// servicesCSV is the same catalogue as CSV, one service a row.
func (s *Server) servicesCSV(c echo.Context) error {
	t, list, err := s.openServices(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="servizi-`+t.Slug+`.csv"`)
	h.Set("Cache-Control", "public, max-age=300")
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"slug", "url", "category", "title_it", "title_en", "description_it", "description_en", "office",
		"status", "channels", "login_level", "max_processing_days", "processing_days_kind", "fees_total_cents"})
	for _, svc := range list {
		var total int64
		for _, f := range svc.Fees {
			total += f.AmountCents
		}
		_ = w.Write([]string{svc.Slug, svc.URL, svc.Category, svc.Title["it"], svc.Title["en"], svc.Description["it"], svc.Description["en"],
			svc.Office, svc.Status, strings.Join(svc.Channels, ","), svc.LoginLevel, strconv.Itoa(svc.MaxProcessingDays), svc.ProcessingDaysKind,
			strconv.FormatInt(total, 10)})
	}
	w.Flush()
	return w.Error()
}
