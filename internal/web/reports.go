package web

import (
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/civica/civica/internal/auth"
	"github.com/civica/civica/internal/locale"
	"github.com/civica/civica/internal/reports"
	"github.com/civica/civica/internal/tenant"
	"github.com/civica/civica/views"
)

// sessReportsSent holds the references of the reports sent in this
// session, space-separated, most recent last: only they have a receipt
// page here.
const sessReportsSent = "reports_sent"

// maxReceipts is how many receipts a session keeps.
const maxReceipts = 10

// reportProblem is the form to report a problem to the comune. The
// platform's host, where no comune answers, points to the comuni instead.
func (s *Server) reportProblem(c echo.Context) error {
	if _, ok := c.Get(ctxTenant).(tenant.Tenant); !ok {
		return s.reportProblemPlatform(c)
	}
	return s.renderReportForm(c, http.StatusOK, reportForm{}, nil)
}

// submitReport stores a report and its files and shows its receipt; a
// report that needs correcting comes back, 422, with what the person typed.
func (s *Server) submitReport(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	mr, ok := c.Get(ctxMultipart).(*multipart.Reader)
	if !ok {
		return errBadRequest
	}
	var uploads reports.Uploads
	defer uploads.Discard()
	form, err := readReportForm(mr, &uploads)
	if err != nil {
		return err
	}
	form.report.Language = s.localizer(c).Lang
	if p, ok := c.Get(ctxPrincipal).(auth.Principal); ok {
		form.report.PersonID, form.report.Email = p.PersonID, ""
	}
	errs := append(form.report.Validate(), form.fileErrs...)
	if len(errs) > 0 {
		return s.renderReportForm(c, http.StatusUnprocessableEntity, form, errs)
	}
	ref, err := s.deps.Reports.Create(c.Request().Context(), t.ID, form.report, uploads.Files())
	if err != nil {
		return err
	}
	s.rememberReport(c, ref)
	return c.Redirect(http.StatusSeeOther, "/segnalazione-disservizio/ricevuta/"+ref)
}

// reportReceipt confirms a report sent in this session; to anyone else, and
// on another comune's host, there is no such page.
func (s *Server) reportReceipt(c echo.Context) error {
	t := c.Get(ctxTenant).(tenant.Tenant)
	ref := c.Param("reference")
	if !s.sentInSession(c, ref) {
		return errNotFound
	}
	rec, err := s.deps.Reports.Get(c.Request().Context(), t.ID, ref)
	if err != nil {
		return err
	}
	ch := s.chrome(c, "")
	ch.Title = ch.T("report.receipt.heading")
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("report.heading"), URL: "/segnalazione-disservizio"}, {Label: ch.T("report.receipt.heading")}}
	page := views.ReportReceiptPage{
		Reference: rec.Reference, ReceivedAt: ch.L.DateTime(rec.ReceivedAt), Category: ch.T("report.category." + rec.Category),
		Subject: rec.Subject, Place: rec.Place,
	}
	switch {
	case rec.PersonID != "":
		page.Reply = ch.T("report.receipt.reply.person")
	case rec.Email != "":
		page.Reply = ch.T("report.receipt.reply.email", "email", rec.Email)
	default:
		page.Reply = ch.T("report.receipt.reply.none")
	}
	for _, f := range rec.Files {
		page.Files = append(page.Files, views.ReportFile{Name: f.Name, Type: ch.T(fileTypeKey(f.ContentType)), Size: ch.L.FileSize(f.Size)})
	}
	return s.render(c, http.StatusOK, views.ReportReceipt(ch, page))
}

func (s *Server) renderReportForm(c echo.Context, status int, form reportForm, errs []*reports.FieldError) error {
	ch := s.chrome(c, "")
	ch.Title = ch.T("report.heading")
	ch.Breadcrumbs = []views.Crumb{{Label: ch.T("report.heading")}}
	r := form.report.Normalize()
	page := views.ReportFormPage{
		Lead:     ch.T("report.lead", s.comuneArgs(c)...),
		Category: r.Category, Place: r.Place, Subject: r.Subject, Description: r.Description, Email: r.Email,
		FilesAgain: form.filesSent && len(errs) > 0,
	}
	for _, cat := range reports.Categories {
		page.Categories = append(page.Categories, views.Option{Value: cat, Label: ch.T("report.category." + cat)})
	}
	if p, ok := c.Get(ctxPrincipal).(auth.Principal); ok {
		page.LoggedInAs = p.Name()
	}
	for _, e := range errs {
		page.Errors = append(page.Errors, views.FieldMessage{Field: e.Field, Message: reportErrorMessage(ch.L, e)})
	}
	return s.render(c, status, views.ReportForm(ch, page))
}

// reportErrorMessage words a field error: report.error.<field>.<code>, with
// the file's name and the limits as placeholders.
func reportErrorMessage(l *locale.Localizer, e *reports.FieldError) string {
	return l.T("report.error."+e.Field+"."+e.Code,
		"file", e.File, "max_files", reports.MaxFiles,
		"max_size", reports.MaxFileSize>>20, "max_total", reports.MaxTotalSize>>20,
		"min", minLength(e.Field), "max", maxLength(e.Field))
}

func minLength(field string) int {
	switch field {
	case reports.FieldSubject:
		return reports.MinSubject
	case reports.FieldDescription:
		return reports.MinDescription
	}
	return 0
}

func maxLength(field string) int {
	switch field {
	case reports.FieldSubject:
		return reports.MaxSubject
	case reports.FieldDescription:
		return reports.MaxDescription
	case reports.FieldPlace:
		return reports.MaxPlace
	}
	return 0
}

// reportProblemPlatform lists the comuni whose portals take reports.
func (s *Server) reportProblemPlatform(c echo.Context) error {
	list, err := s.deps.Tenants.All(c.Request().Context())
	if err != nil {
		return err
	}
	section := views.InfoSection{ID: "comuni"}
	for _, t := range list {
		if t.Serving() {
			section.Links = append(section.Links, views.Crumb{Label: t.Name, URL: s.comuneURL(t) + "segnalazione-disservizio"})
		}
	}
	return s.info(c, "report.platform", section)
}

// rememberReport records in the session that it sent the report.
func (s *Server) rememberReport(c echo.Context, ref string) {
	ctx := c.Request().Context()
	refs := strings.Fields(s.deps.Sessions.GetString(ctx, sessReportsSent))
	refs = append(refs, ref)
	if len(refs) > maxReceipts {
		refs = refs[len(refs)-maxReceipts:]
	}
	s.deps.Sessions.Put(ctx, sessReportsSent, strings.Join(refs, " "))
}

func (s *Server) sentInSession(c echo.Context, ref string) bool {
	refs := strings.Fields(s.deps.Sessions.GetString(c.Request().Context(), sessReportsSent))
	return reports.IsReference(ref) && slices.Contains(refs, ref)
}

func fileTypeKey(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return "report.file_type.jpeg"
	case "image/png":
		return "report.file_type.png"
	}
	return "report.file_type.pdf"
}
