package receipt

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// receipt returns a typical receipt, changed by the options.
func receipt(opts ...func(*Receipt)) Receipt {
	r := Receipt{
		Comune:      "Città di Verdemare",
		Title:       "Ricevuta di presentazione",
		Service:     "Occupazione di suolo pubblico per attività commerciali",
		Reference:   "AB3K-9QXZ",
		SubmittedAt: "22 novembre 2026, 10:45",
		Applicant:   "Mario Rossi (RSSMRA85T10H501O)",
		Office:      "Ufficio Tributi",
		DueDate:     "22 dicembre 2026",
		Labels: Labels{
			Reference:       "Codice pratica",
			SubmittedAt:     "Presentata il",
			Applicant:       "Richiedente",
			Protocol:        "Protocollo",
			ProtocolPending: "non ancora assegnato",
			Office:          "Ufficio competente",
			DueDate:         "Conclusione entro",
			Attachments:     "Allegati",
			Declarations:    "Dichiarazioni",
			Page:            "Pagina {page} di {pages}",
		},
		Sections: []Section{{
			Title: "Dati dell'occupazione",
			Items: []Item{
				{Label: "Superficie", Values: []string{"12 m²"}},
				{Label: "Canone stimato", Values: []string{"€ 1.234,50"}},
				{Label: "Giorni", Values: []string{"lunedì", "mercoledì", "venerdì"}},
			},
		}},
		Attachments: []Attachment{{
			Name:   "planimetria.pdf",
			Size:   "1,2 MB",
			SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		}},
		Declarations: []string{"Dichiaro di essere consapevole delle sanzioni penali previste dall'art. 76 del D.P.R. 445/2000 per le dichiarazioni mendaci."},
		CreatedAt:    time.Date(2026, 11, 22, 9, 45, 0, 0, time.UTC),
		Lang:         "it",
	}
	for _, o := range opts {
		o(&r)
	}
	return r
}

// renderPlain renders r without compression, so its text can be searched.
func renderPlain(t testing.TB, r Receipt) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := render(&buf, r, options{uncompressed: true}); err != nil {
		t.Fatalf("render: %v", err)
	}
	return buf.Bytes()
}

// shown is s as the content stream holds it in the embedded fonts:
// UTF-16BE in a PDF string, with its special characters escaped.
func shown(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return []byte(strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`, "\r", `\r`).Replace(string(b)))
}

var pageCount = regexp.MustCompile(`/Type /Pages\s*/Kids \[[^\]]*\]\s*/Count (\d+)`)

func pages(t *testing.T, pdf []byte) int {
	t.Helper()
	m := pageCount.FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no page tree in the PDF")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func isPDF(pdf []byte) bool {
	return bytes.HasPrefix(pdf, []byte("%PDF-")) && bytes.HasSuffix(bytes.TrimRight(pdf, "\r\n"), []byte("%%EOF"))
}

func TestRender_IsACompressedPDF(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Render(&buf, receipt()); err != nil {
		t.Fatal(err)
	}
	if !isPDF(buf.Bytes()) {
		t.Fatalf("not a PDF: %q…", buf.Bytes()[:min(buf.Len(), 20)])
	}
	if !bytes.Contains(buf.Bytes(), []byte("/FlateDecode")) {
		t.Error("Render does not compress its streams")
	}
}

func TestRender_ShowsTheTextAsWritten(t *testing.T) {
	t.Parallel()
	pdf := renderPlain(t, receipt())
	for _, s := range []string{
		"Città di Verdemare", "AB3K-9QXZ", "Occupazione di suolo pubblico per attività commerciali",
		"Mario Rossi (RSSMRA85T10H501O)", "€ 1.234,50", "12 m²", "lunedì", "venerdì",
		"non ancora assegnato", "Pagina 1 di 1",
		"SHA-256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	} {
		if !bytes.Contains(pdf, shown(s)) {
			t.Errorf("the receipt does not show %q", s)
		}
	}
}

func TestRender_ProtocolWhenAssigned(t *testing.T) {
	t.Parallel()
	pdf := renderPlain(t, receipt(func(r *Receipt) { r.Protocol = "2026/000123 del 22 novembre 2026" }))
	if !bytes.Contains(pdf, shown("2026/000123 del 22 novembre 2026")) {
		t.Error("the receipt does not show the protocol number")
	}
	if bytes.Contains(pdf, shown("non ancora assegnato")) {
		t.Error("the receipt says the protocol is pending when it is assigned")
	}
}

func TestRender_LatinExtendedNames(t *testing.T) {
	t.Parallel()
	name := "Ștefan Ăndrei Łukasz Dvořák Øre Ğül"
	pdf := renderPlain(t, receipt(func(r *Receipt) { r.Applicant = name }))
	if !bytes.Contains(pdf, shown(name)) {
		t.Errorf("the receipt does not show %q", name)
	}
}

func TestRender_Metadata(t *testing.T) {
	t.Parallel()
	pdf := renderPlain(t, receipt())
	for _, s := range []string{"/Author ", "/Title ", "/CreationDate (D:20261122094500)", "/Lang (it)"} {
		if !bytes.Contains(pdf, []byte(s)) {
			t.Errorf("the PDF lacks %s", s)
		}
	}
}

func TestRender_EqualReceiptsEqualBytes(t *testing.T) {
	t.Parallel()
	var a, b bytes.Buffer
	if err := Render(&a, receipt()); err != nil {
		t.Fatal(err)
	}
	if err := Render(&b, receipt()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renderings of the same receipt differ")
	}
}

func TestRender_ManyItemsSpillOntoMorePages(t *testing.T) {
	t.Parallel()
	pdf := renderPlain(t, receipt(func(r *Receipt) {
		var items []Item
		for i := range 80 {
			items = append(items, Item{Label: fmt.Sprintf("Voce %d", i), Values: []string{fmt.Sprintf("valore %d", i)}})
		}
		r.Sections = append(r.Sections, Section{Title: "Molte voci", Items: items})
	}))
	n := pages(t, pdf)
	if n < 2 {
		t.Fatalf("%d page(s), want more than one", n)
	}
	if !bytes.Contains(pdf, shown(fmt.Sprintf("Pagina %d di %d", n, n))) {
		t.Errorf("the last page's footer does not read Pagina %d di %d", n, n)
	}
	if !bytes.Contains(pdf, shown("valore 79")) {
		t.Error("the last item is missing")
	}
}

func TestRender_VeryLongValues(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("attività ", 3000)
	unbroken := strings.Repeat("x", 5000)
	pdf := renderPlain(t, receipt(func(r *Receipt) {
		r.Service = unbroken
		r.Sections[0].Items = append(r.Sections[0].Items,
			Item{Label: "Descrizione", Values: []string{long}},
			Item{Label: unbroken, Values: []string{unbroken}})
		r.Declarations = append(r.Declarations, long)
		r.Attachments = append(r.Attachments, Attachment{Name: unbroken, SHA256: unbroken})
	}))
	if !isPDF(pdf) {
		t.Fatal("not a PDF")
	}
	if n := pages(t, pdf); n < 3 {
		t.Errorf("%d pages for a very long value, want it to run on", n)
	}
}

func TestRender_EmptyParts(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]Receipt{
		"Nothing":       {},
		"EmptySections": receipt(func(r *Receipt) { r.Sections = []Section{{}, {Title: "Vuota"}, {Items: []Item{{}}}} }),
		"NoAttachmentsNorDeclarations": receipt(func(r *Receipt) {
			r.Attachments, r.Declarations = nil, nil
		}),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := Render(&buf, r); err != nil {
				t.Fatal(err)
			}
			if !isPDF(buf.Bytes()) {
				t.Fatal("not a PDF")
			}
		})
	}
}

func TestClean(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Città":       "Città",
		"a\nb\tc\r":   "a b c ",
		"x\xffy":      "x\uFFFDy",
		"emoji 🙂":     "emoji \uFFFD",
		"zero\x00end": "zero end",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRender(f *testing.F) {
	f.Add("Città", "€ 1.234,50", "attività\n(parentesi) \\", "it", "Pagina {page} di {pages}")
	f.Add("", "", "", "", "")
	f.Add("\xff\xfe", "🙂𝄞", "\x00\x01\u2028", "en\x00", "{pages}{pages}")
	f.Add(strings.Repeat("W", 400), "中文字符", "ﬀﬁ\uFFFF", "it-IT", "{nb}")
	f.Fuzz(func(t *testing.T, a, b, c, lang, page string) {
		r := Receipt{
			Comune: a, Title: b, Service: c, Reference: a, SubmittedAt: b, Applicant: c,
			Protocol: a, Office: b, DueDate: c, Lang: lang,
			Labels:       Labels{Reference: a, Protocol: b, ProtocolPending: c, Attachments: a, Declarations: b, Page: page},
			Sections:     []Section{{Title: a, Items: []Item{{Label: b, Values: []string{c, a}}, {Label: c}}}},
			Attachments:  []Attachment{{Name: a, Size: b, SHA256: c}},
			Declarations: []string{a, b, c},
			CreatedAt:    time.Date(2026, 11, 22, 9, 45, 0, 0, time.UTC),
		}
		var buf bytes.Buffer
		if err := Render(&buf, r); err != nil {
			t.Fatalf("Render: %v", err)
		}
		if !isPDF(buf.Bytes()) {
			t.Fatal("not a PDF")
		}
	})
}
