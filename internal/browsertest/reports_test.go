package browsertest

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestReportProblemInBrowser sends a report as a person does: first with
// nothing filled in (the form comes back with its errors, and must still
// pass axe), then filled in with a photo attached, up to the receipt. In
// Italian with JavaScript, in English without.
func TestReportProblemInBrowser(t *testing.T) {
	t.Parallel()
	s := Start(t)
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(t.TempDir(), "lampione.png")
	if err := os.WriteFile(photo, img.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		lang string
		opts []Option
	}{
		{"it/WithJavaScript", "it", nil},
		{"en/WithoutJavaScript", "en", []Option{WithLanguage("en"), WithoutJavaScript()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := NewBrowser(t, tc.opts...)
			b.Visit(t, s.ComuneURL("verdemare")+"/segnalazione-disservizio")
			b.Follow(t, `[data-testid="report-submit"]`)
			if n := b.Count(t, `[data-testid="report-errors"] a`); n != 4 {
				t.Errorf("%d errors in the summary, want 4 (category, place, subject, description)", n)
			}
			checkPage(t, b, tc.lang, http.StatusUnprocessableEntity)

			b.do(t, "fill in the report",
				chromedp.SetValue(chromedp.CSS("#report-category"), "illuminazione-pubblica"),
				chromedp.SendKeys(chromedp.CSS("#report-place"), "Via Roma 12"),
				chromedp.SendKeys(chromedp.CSS("#report-subject"), "Lampione spento"),
				chromedp.SendKeys(chromedp.CSS("#report-description"), "Il lampione davanti al civico 12 è spento da una settimana."),
				chromedp.SetUploadFiles(chromedp.CSS("#report-files"), []string{photo}),
			)
			b.Follow(t, `[data-testid="report-submit"]`)
			if path := pathOf(t, b.Location(t)); !regexp.MustCompile(`^/segnalazione-disservizio/ricevuta/DS-[2-9A-HJKMNP-Z]{8}$`).MatchString(path) {
				t.Fatalf("after sending the report the browser is at %s", path)
			}
			if ref := b.Text(t, `[data-testid="report-reference"]`); !regexp.MustCompile(`^DS-[2-9A-HJKMNP-Z]{8}$`).MatchString(ref) {
				t.Errorf("reference %q", ref)
			}
			if got := b.Text(t, `[data-testid="report-files"]`); !regexp.MustCompile(`^lampione\.png \(`).MatchString(got) {
				t.Errorf("files on the receipt: %q", got)
			}
			checkPage(t, b, tc.lang, http.StatusOK)
		})
	}
}
