// Package receipt renders the PDF receipt (ricevuta) a citizen downloads
// after submitting an application: the comune, the service, the key facts of
// the submission, the answers given, the attachments with their SHA-256 and
// the declarations made.
//
// Render only lays out text it is handed: every string, fixed labels
// included, arrives already translated and formatted by the caller, so this
// package knows nothing of languages, dates or the database.
//
// The text is set in Titillium Web, the typeface of the Italian public
// administration's design system, and hashes in Roboto Mono; both are
// embedded (fonts/, under their own licences) and cover Latin Extended, so
// names such as "Ștefan Ăndrei" or "Łukasz" print as written and "€" too.
// Characters outside the Basic Multilingual Plane and control characters are
// replaced, never rejected: a receipt is always produced.
package receipt

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
)

// Receipt is what the receipt shows, every string ready to print.
type Receipt struct {
	Comune      string // "Città di Verdemare"
	Title       string // "Ricevuta di presentazione"
	Service     string
	Reference   string // "AB3K-9QXZ"
	Labels      Labels
	SubmittedAt string // already formatted: "22 novembre 2026, 10:45"
	Applicant   string // "Mario Rossi (RSSMRA85T10H501O)"
	Protocol    string // "2026/000123 del 22 novembre 2026"; "" when not yet assigned
	Office      string
	DueDate     string
	Sections    []Section
	Attachments []Attachment
	// Declarations are the statements the applicant made, one paragraph each.
	Declarations []string

	// CreatedAt is the PDF's creation date. Pass the submission instant:
	// then equal receipts render to equal bytes, and re-running the job
	// that renders it yields the same file. When zero, the current time.
	CreatedAt time.Time
	// Lang is the language of the text, "it" or "en", declared in the PDF
	// for screen readers; "" declares none.
	Lang string
}

// Labels are the receipt's fixed texts, translated.
type Labels struct {
	Reference       string // "Codice pratica"
	SubmittedAt     string // "Presentata il"
	Applicant       string // "Richiedente"
	Protocol        string // "Protocollo"
	ProtocolPending string // "non ancora assegnato"
	Office          string // "Ufficio competente"
	DueDate         string // "Conclusione entro"
	Attachments     string // "Allegati"
	Declarations    string // "Dichiarazioni"
	// Page is the footer, with {page} and {pages} replaced by the page
	// number and the page count: "Pagina {page} di {pages}".
	Page string
}

// Section is one group of answers, as the form showed it.
type Section struct {
	Title string
	Items []Item
}

// Item is one answer; a multi-valued answer prints one value a line.
type Item struct {
	Label  string
	Values []string
}

// Attachment is one uploaded file.
type Attachment struct {
	Name   string
	Size   string // already formatted: "1,2 MB"
	SHA256 string // hex
}

var (
	//go:embed fonts/TitilliumWeb-Regular.ttf
	sansRegular []byte
	//go:embed fonts/TitilliumWeb-Bold.ttf
	sansBold []byte
	//go:embed fonts/RobotoMono-Regular.ttf
	mono []byte
)

// Layout, in millimetres on A4 (210 × 297).
const (
	margin     = 20.0
	bottom     = 20.0 // room for the footer
	width      = 210 - 2*margin
	labelWidth = 55.0
	valueWidth = width - labelWidth
	lineHeight = 5.5
)

// Colours: text, muted labels and rules, from the design system's greys.
var (
	ink   = [3]int{25, 25, 25}
	muted = [3]int{92, 111, 130}
	rule  = [3]int{200, 205, 212}
	band  = [3]int{235, 240, 245}
)

// options are knobs for tests.
type options struct {
	uncompressed bool
}

// Render writes r as a PDF to w.
func Render(w io.Writer, r Receipt) error {
	return render(w, r, options{})
}

func render(w io.Writer, r Receipt, o options) error {
	r = cleanReceipt(r)
	p := newDocument(r, o)
	d := &doc{pdf: p}

	d.heading(r)
	d.facts(r)
	for _, s := range r.Sections {
		d.section(s)
	}
	d.attachments(r.Labels.Attachments, r.Attachments)
	d.declarations(r.Labels.Declarations, r.Declarations)

	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return fmt.Errorf("render receipt: %w", err)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return fmt.Errorf("write receipt: %w", err)
	}
	return nil
}

// pagesAlias stands for the page count until the document is closed.
const pagesAlias = "{nb}"

func newDocument(r Receipt, o options) *fpdf.Fpdf {
	p := fpdf.New(fpdf.OrientationPortrait, fpdf.UnitMillimeter, fpdf.PageSizeA4, "")
	p.SetCompression(!o.uncompressed)
	// fpdf writes into the font bytes it is given while subsetting them, so
	// each document gets its own copy: sharing the embedded ones made a
	// second receipt differ from the first, and concurrent renders race.
	p.AddUTF8FontFromBytes("sans", "", bytes.Clone(sansRegular))
	p.AddUTF8FontFromBytes("sans", "B", bytes.Clone(sansBold))
	p.AddUTF8FontFromBytes("mono", "", bytes.Clone(mono))
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(true, bottom)
	p.SetCellMargin(0)

	p.SetTitle(strings.TrimSpace(r.Title+" "+r.Reference), true)
	p.SetAuthor(r.Comune, true)
	p.SetSubject(r.Service, true)
	p.SetCreator("Civica", true)
	p.SetProducer("Civica", true)
	if r.Lang != "" {
		p.SetLang(r.Lang)
	}
	created := r.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	p.SetCreationDate(created.UTC())
	p.SetModificationDate(created.UTC())
	p.SetCatalogSort(true)

	p.AliasNbPages(pagesAlias)
	footer := r.Labels.Page
	p.SetFooterFunc(func() {
		p.SetY(-bottom + 6)
		p.SetFont("sans", "", 8)
		p.SetTextColor(muted[0], muted[1], muted[2])
		text := strings.NewReplacer("{page}", strconv.Itoa(p.PageNo()), "{pages}", pagesAlias).Replace(footer)
		p.CellFormat(width/2, 4, r.Comune, "", 0, "L", false, 0, "")
		p.CellFormat(width/2, 4, text, "", 0, "R", false, 0, "")
	})
	p.AddPage()
	return p
}

// doc lays out blocks one under the other.
type doc struct {
	pdf *fpdf.Fpdf
}

func (d *doc) color(c [3]int) { d.pdf.SetTextColor(c[0], c[1], c[2]) }

func (d *doc) heading(r Receipt) {
	p := d.pdf
	d.color(muted)
	p.SetFont("sans", "B", 12)
	p.MultiCell(width, 6, r.Comune, "", "L", false)
	p.Ln(2)
	d.color(ink)
	p.SetFont("sans", "B", 20)
	p.MultiCell(width, 9, r.Title, "", "L", false)
	p.SetFont("sans", "", 13)
	p.MultiCell(width, 6.5, r.Service, "", "L", false)
	p.Ln(4)
}

func (d *doc) facts(r Receipt) {
	l := r.Labels
	protocol := r.Protocol
	if protocol == "" {
		protocol = l.ProtocolPending
	}
	d.rule()
	for _, f := range []Item{
		{l.Reference, []string{r.Reference}},
		{l.SubmittedAt, []string{r.SubmittedAt}},
		{l.Applicant, []string{r.Applicant}},
		{l.Protocol, []string{protocol}},
		{l.Office, []string{r.Office}},
		{l.DueDate, []string{r.DueDate}},
	} {
		d.item(f)
		d.rule()
	}
	d.pdf.Ln(4)
}

func (d *doc) section(s Section) {
	d.band(s.Title)
	for _, it := range s.Items {
		d.item(it)
	}
	d.pdf.Ln(3)
}

func (d *doc) attachments(title string, as []Attachment) {
	if len(as) == 0 {
		return
	}
	p := d.pdf
	d.band(title)
	for _, a := range as {
		d.keepTogether(2*lineHeight + 5)
		d.color(ink)
		p.SetFont("sans", "B", 10)
		name := a.Name
		if a.Size != "" {
			name += "  (" + a.Size + ")"
		}
		p.MultiCell(width, lineHeight, name, "", "L", false)
		d.color(muted)
		p.SetFont("mono", "", 7.5)
		p.MultiCell(width, 4, "SHA-256 "+a.SHA256, "", "L", false)
		p.Ln(1.5)
	}
	p.Ln(3)
}

func (d *doc) declarations(title string, ds []string) {
	if len(ds) == 0 {
		return
	}
	p := d.pdf
	d.band(title)
	d.color(ink)
	p.SetFont("sans", "", 10)
	for _, s := range ds {
		p.MultiCell(width, lineHeight, s, "", "L", false)
		p.Ln(1.5)
	}
}

// band prints a section heading on a tinted band, never alone at the foot
// of a page.
func (d *doc) band(title string) {
	p := d.pdf
	d.keepTogether(8 + 2*lineHeight)
	d.color(ink)
	p.SetFont("sans", "B", 12)
	p.SetFillColor(band[0], band[1], band[2])
	p.SetCellMargin(2)
	for _, line := range d.split(title, width-4) {
		p.CellFormat(width, 7, line, "", 1, "L", true, 0, "")
	}
	p.SetCellMargin(0)
	p.Ln(2)
}

// item prints a label and its values side by side, each wrapped in its
// column. An item that fits on a page is not split across two; a longer one
// breaks between lines, each column keeping its place.
func (d *doc) item(it Item) {
	p := d.pdf
	p.SetFont("sans", "B", 9.5)
	labels := d.split(it.Label, labelWidth-3)
	p.SetFont("sans", "", 10)
	var values []string
	for _, v := range it.Values {
		values = append(values, d.split(v, valueWidth)...)
	}
	n := max(len(labels), len(values), 1)
	d.keepTogether(float64(n)*lineHeight + 2)
	p.Ln(1)
	for i := range n {
		p.SetFont("sans", "B", 9.5)
		d.color(muted)
		p.CellFormat(labelWidth, lineHeight, at(labels, i), "", 0, "L", false, 0, "")
		p.SetFont("sans", "", 10)
		d.color(ink)
		p.CellFormat(valueWidth, lineHeight, at(values, i), "", 1, "L", false, 0, "")
	}
	p.Ln(1)
}

// rule draws a thin line across the page.
func (d *doc) rule() {
	p := d.pdf
	p.SetDrawColor(rule[0], rule[1], rule[2])
	p.SetLineWidth(0.2)
	y := p.GetY()
	p.Line(margin, y, margin+width, y)
}

// keepTogether starts a new page unless h millimetres fit on this one, when
// they would fit on a fresh page.
func (d *doc) keepTogether(h float64) {
	p := d.pdf
	_, pageHeight := p.GetPageSize()
	room := pageHeight - bottom - p.GetY()
	if h > room && h <= pageHeight-bottom-margin {
		p.AddPage()
	}
}

// split wraps s to lines that fit w in the current font; "" is one empty
// line, so an empty value still takes its row.
func (d *doc) split(s string, w float64) []string {
	if s == "" {
		return []string{""}
	}
	return d.pdf.SplitText(s, w)
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

// cleanReceipt makes every string printable.
func cleanReceipt(r Receipt) Receipt {
	for _, s := range []*string{
		&r.Comune, &r.Title, &r.Service, &r.Reference, &r.SubmittedAt, &r.Applicant,
		&r.Protocol, &r.Office, &r.DueDate, &r.Lang,
		&r.Labels.Reference, &r.Labels.SubmittedAt, &r.Labels.Applicant, &r.Labels.Protocol,
		&r.Labels.ProtocolPending, &r.Labels.Office, &r.Labels.DueDate,
		&r.Labels.Attachments, &r.Labels.Declarations, &r.Labels.Page,
	} {
		*s = clean(*s)
	}
	sections := make([]Section, len(r.Sections))
	for i, s := range r.Sections {
		items := make([]Item, len(s.Items))
		for j, it := range s.Items {
			values := make([]string, len(it.Values))
			for k, v := range it.Values {
				values[k] = clean(v)
			}
			items[j] = Item{Label: clean(it.Label), Values: values}
		}
		sections[i] = Section{Title: clean(s.Title), Items: items}
	}
	r.Sections = sections
	attachments := make([]Attachment, len(r.Attachments))
	for i, a := range r.Attachments {
		attachments[i] = Attachment{Name: clean(a.Name), Size: clean(a.Size), SHA256: clean(a.SHA256)}
	}
	r.Attachments = attachments
	declarations := make([]string, len(r.Declarations))
	for i, s := range r.Declarations {
		declarations[i] = clean(s)
	}
	r.Declarations = declarations
	if r.Lang != "" && !isLangTag(r.Lang) {
		r.Lang = ""
	}
	return r
}

// clean turns s into text the fonts can set on one line: invalid UTF-8
// becomes U+FFFD, control characters (line breaks included: layout is ours)
// become spaces, and characters beyond the Basic Multilingual Plane, which
// the embedded fonts lack, become U+FFFD.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, r > 0xFFFF:
			return unicode.ReplacementChar
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, string(unicode.ReplacementChar)))
}

// isLangTag reports whether s looks like a BCP 47 tag, safe to write raw
// into the PDF catalogue.
func isLangTag(s string) bool {
	if len(s) > 35 {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
