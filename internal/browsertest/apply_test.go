package browsertest

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The citizen's journey through an online application in Chromium, as a
// person goes through it: the service card's "Accedi al servizio", the
// login, the start page, every step (first answered wrongly, then right),
// back and forth between steps, the summary with its "Modifica" links and
// declarations, and the confirmation. Every page is checked with axe, in
// its error state too, with JavaScript and without.

// applyModes are the two ways the journeys run: a browser with JavaScript
// and one without (the pages must work with both, and look the same to
// axe).
var applyModes = []struct {
	name string
	opts []Option
}{{"WithJavaScript", nil}, {"WithoutJavaScript", []Option{WithoutJavaScript()}}}

// applyRef is an application's reference in the path of its pages.
var applyRef = regexp.MustCompile(`^/area-personale/pratiche/(PR-[0-9A-Z]{8})/passo/1$`)

// startApplyInBrowser opens the service's card, follows "Accedi al
// servizio", logs in as Mario Rossi (the provider lands back on the start
// page), checks the start page and starts a draft. It returns the draft's
// reference, with the browser on step 1.
func startApplyInBrowser(t *testing.T, b *Browser, base, service string) string {
	t.Helper()
	b.Visit(t, base+"/servizi/"+service)
	b.Follow(t, `a[data-element="service-online-access"]`)
	if got := pathOf(t, b.Location(t)); got != "/accedi" {
		t.Fatalf("Accedi al servizio without a login leads to %s, want /accedi", got)
	}
	b.Follow(t, "[data-testid=login-spid]")
	b.Click(t, "label[for=identity-"+MarioRossi+"]")
	b.Follow(t, "[data-testid=idp-submit]")
	if got := pathOf(t, b.Location(t)); got != "/servizi/"+service+"/domanda" {
		t.Fatalf("after the login the browser is at %s, want the start page", got)
	}
	checkPage(t, b, "it", http.StatusOK)
	if n := b.Count(t, `[data-testid="apply-booking"]`); n != 1 {
		t.Errorf("start page: %d booking links, want 1", n)
	}
	b.Follow(t, `[data-testid="apply-start"]`)
	m := applyRef.FindStringSubmatch(pathOf(t, b.Location(t)))
	if m == nil {
		t.Fatalf("starting the application leads to %s, want step 1", b.Location(t))
	}
	if got := b.Text(t, `[data-testid="apply-reference"]`); got != m[1] {
		t.Errorf("reference shown %q, want %q (the one in the address)", got, m[1])
	}
	return m[1]
}

// checkApplyPage checks the page of the journey the browser shows: where it
// is, its status, which item of the stepper is the current one ("3. Dove"),
// and what every page owes (checkPage: one h1, skip link, axe, console).
func checkApplyPage(t *testing.T, b *Browser, path string, status int, current string) {
	t.Helper()
	if got := pathOf(t, b.Location(t)); got != path {
		t.Fatalf("the browser is at %s, want %s", got, path)
	}
	if n := b.Count(t, `[data-testid="stepper"] [aria-current="step"]`); n != 1 {
		t.Errorf("%d stepper items with aria-current=step, want 1", n)
	} else if got := strings.Join(strings.Fields(b.Text(t, `[data-testid="stepper"] [aria-current="step"]`)), " "); got != current {
		t.Errorf("current step %q, want %q", got, current)
	}
	errorsShown := b.Count(t, `[data-testid="error-summary"]`)
	switch {
	case status == http.StatusUnprocessableEntity && errorsShown != 1:
		t.Errorf("%d error summaries, want 1", errorsShown)
	case status != http.StatusUnprocessableEntity && errorsShown != 0:
		t.Errorf("an error summary on a page without errors: %s", b.Text(t, `[data-testid="error-summary"]`))
	}
	if status == http.StatusUnprocessableEntity {
		if title := Eval[string](t, b, `document.title`); !strings.HasPrefix(title, "Errore:") {
			t.Errorf("title %q of a page with errors, want it to start with Errore:", title)
		}
	}
	checkPage(t, b, "it", status)
}

// checkFieldError checks that the error summary links to the field with
// the message (after the question it is about) and that the message is
// beside the field.
func checkFieldError(t *testing.T, b *Browser, name, message string) {
	t.Helper()
	id := "f-" + strings.ReplaceAll(name, ".", "-")
	link := `[data-testid="error-summary"] a[href="#` + id + `"]`
	if n := b.Count(t, link); n != 1 {
		t.Errorf("the error summary has %d links to #%s, want 1", n, id)
		return
	}
	beside := `[data-testid="form-error-` + name + `"]`
	if n := b.Count(t, beside); n != 1 {
		t.Errorf("%d error messages beside %s, want 1", n, name)
		return
	}
	if got := b.Text(t, beside); got != message {
		t.Errorf("error beside %s %q, want %q", name, got, message)
	}
	if got := b.Text(t, link); !strings.HasSuffix(got, " "+message) {
		t.Errorf("error in the summary for %s %q, want the question then %q", name, got, message)
	}
	// The message is tied to the field for screen readers.
	describedBy := Eval[string](t, b, `document.getElementById(`+jsString(id)+`).getAttribute("aria-describedby") || ""`)
	if !strings.Contains(" "+describedBy+" ", " "+id+"-error ") {
		t.Errorf("#%s aria-describedby=%q, want it to name %s-error", id, describedBy, id)
	}
}

// typeIn empties a text input or textarea and types text into it, a key at
// a time, as a person does.
func typeIn(t *testing.T, b *Browser, selector, text string) {
	t.Helper()
	clearField(t, b, selector)
	if text != "" {
		b.do(t, "type in "+selector, chromedp.SendKeys(chromedp.CSS(selector), text))
	}
}

// clearField empties a form control, as selecting its text and deleting it
// would (chromedp.Clear fails on an empty textarea, chromedp.SetValue on
// an empty value).
func clearField(t *testing.T, b *Browser, selector string) {
	t.Helper()
	if !Eval[bool](t, b, `(() => { const el = document.querySelector(`+jsString(selector)+`); if (!el) return false; el.value = ""; return true })()`) {
		t.Fatalf("browser: no element matches %s on %s", selector, b.Location(t))
	}
}

// choose picks an option of a radio group or a yes/no question by clicking
// its label.
func choose(t *testing.T, b *Browser, optionID string) {
	t.Helper()
	b.Click(t, `label[for="`+optionID+`"]`)
	if !Eval[bool](t, b, `document.getElementById(`+jsString(optionID)+`).checked`) {
		t.Fatalf("clicking the label of #%s did not check it", optionID)
	}
}

// valueOf is the current value of the form control with the id.
func valueOf(t *testing.T, b *Browser, id string) string {
	t.Helper()
	return Eval[string](t, b, `(() => { const el = document.getElementById(`+jsString(id)+`); return el ? el.value : "<no #`+id+`>" })()`)
}

func isChecked(t *testing.T, b *Browser, id string) bool {
	t.Helper()
	return Eval[bool](t, b, `!!(document.getElementById(`+jsString(id)+`) || {}).checked`)
}

// pressFollow presses keys in the focused element and waits for the page
// the key leads to, like Follow for a click.
func pressFollow(t *testing.T, b *Browser, keys string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(keys)); err != nil {
		t.Fatalf("browser: press %q and follow (from %s): %v", keys, b.Location(t), explainTimeout(err))
	}
}

// tabToContinue presses Tab from the focused element until "Salva e
// continua" has the focus; the hidden default button of the step form (for
// Enter) must never get it.
func tabToContinue(t *testing.T, b *Browser) {
	t.Helper()
	for range 10 {
		b.Press(t, kb.Tab)
		focused := Eval[string](t, b, `(() => { const el = document.activeElement;
			if (!el) return "";
			if (el.classList.contains("visually-hidden")) return "hidden:" + el.outerHTML;
			return el.dataset.testid || el.id || el.outerHTML.slice(0, 80) })()`)
		if strings.HasPrefix(focused, "hidden:") {
			t.Fatalf("Tab gave the focus to a visually hidden element: %s", focused)
		}
		if focused == "apply-next" {
			return
		}
	}
	t.Fatal(`ten presses of Tab did not reach "Salva e continua"`)
}

// summaryText is the text of the summary's sections.
func summaryText(t *testing.T, b *Browser) string {
	t.Helper()
	return Eval[string](t, b, `[...document.querySelectorAll('[data-testid="summary-section"]')].map(s => s.innerText).join("\n")`)
}

// confirmAndWaitForReceipt checks the confirmation page, then reloads it
// until the job has made the receipt and the page links to it.
func confirmAndWaitForReceipt(t *testing.T, b *Browser, ref string) {
	t.Helper()
	path := "/area-personale/pratiche/" + ref + "/conferma"
	if got := pathOf(t, b.Location(t)); got != path {
		t.Fatalf("after sending the browser is at %s, want %s", got, path)
	}
	if got := b.Text(t, `[data-testid="confirm-reference"]`); got != ref {
		t.Errorf("confirmation shows reference %q, want %q", got, ref)
	}
	if body := b.Text(t, "main"); !strings.Contains(body, "Quanto è stato facile usare questo servizio?") {
		t.Error("the confirmation does not ask how easy the service was")
	}
	checkPage(t, b, "it", http.StatusOK)
	deadline := time.Now().Add(20 * time.Second)
	for b.Count(t, `[data-testid="confirm-receipt"]`) == 0 {
		if time.Now().After(deadline) {
			t.Errorf("after 20s the confirmation still has no receipt link")
			return
		}
		time.Sleep(250 * time.Millisecond)
		b.Reload(t)
	}
	href := Eval[string](t, b, `document.querySelector('[data-testid="confirm-receipt"]').getAttribute("href")`)
	if want := "/area-personale/pratiche/" + ref + "/documenti/receipt"; href != want {
		t.Errorf("receipt link %q, want %q", href, want)
	}
	b.CheckAxe(t)
	b.CheckNoConsoleErrors(t)
}

func writeTestPNG(t *testing.T, name string) string {
	t.Helper()
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, img.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestApplyReportAProblemInChromium goes through segnalazione-disservizio
// (3 steps; the third has a photo and a yes/no that brings up an email
// question) with and without JavaScript.
func TestApplyReportAProblemInChromium(t *testing.T) {
	t.Parallel()
	s := Start(t)
	base := s.ComuneURL("verdemare")
	photo := writeTestPNG(t, "lampione.png")
	for _, mode := range applyModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b := NewBrowser(t, mode.opts...)
			ref := startApplyInBrowser(t, b, base, "segnalazione-disservizio")
			step := func(n string) string { return "/area-personale/pratiche/" + ref + "/passo/" + n }
			summary := "/area-personale/pratiche/" + ref + "/riepilogo"
			send := "/area-personale/pratiche/" + ref + "/riepilogo"

			// Step 1, everything wrong: the errors, and what was typed kept.
			checkApplyPage(t, b, step("1"), http.StatusOK, "1. Il problema")
			if n := b.Count(t, `[data-testid="apply-back"]`); n != 0 {
				t.Errorf("step 1 has %d Indietro buttons, want none", n)
			}
			typeIn(t, b, "#f-subject", "Buca")
			typeIn(t, b, "#f-description", "troppo corta")
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("1"), http.StatusUnprocessableEntity, "1. Il problema")
			if n := b.Count(t, `[data-testid="error-summary"] a`); n != 3 {
				t.Errorf("%d errors in the summary, want 3 (category, subject, description)", n)
			}
			checkFieldError(t, b, "category", "Questo campo è obbligatorio.")
			checkFieldError(t, b, "subject", "Scrivi almeno 5 caratteri.")
			checkFieldError(t, b, "description", "Scrivi almeno 20 caratteri.")
			if got := valueOf(t, b, "f-subject"); got != "Buca" {
				t.Errorf("subject %q after the errors, want what was typed", got)
			}
			if got := valueOf(t, b, "f-description"); got != "troppo corta" {
				t.Errorf("description %q after the errors, want what was typed", got)
			}

			b.do(t, "choose the category", chromedp.SetValue(chromedp.CSS("#f-category"), "roads"))
			typeIn(t, b, "#f-subject", "Buca in via Roma")
			typeIn(t, b, "#f-description", "Una buca profonda davanti al civico 12, pericolosa per chi va in bicicletta.")
			b.Follow(t, `[data-testid="apply-next"]`)

			// Step 2: wrong, then right; back to step 1 and forward again
			// keep the answers of both.
			checkApplyPage(t, b, step("2"), http.StatusOK, "2. Dove")
			typeIn(t, b, "#f-place", "ab")
			typeIn(t, b, "#f-place_address-postal_code", "479")
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("2"), http.StatusUnprocessableEntity, "2. Dove")
			checkFieldError(t, b, "place", "Scrivi almeno 3 caratteri.")
			checkFieldError(t, b, "place_address.postal_code", "Il CAP è formato da 5 cifre.")
			if got := valueOf(t, b, "f-place_address-postal_code"); got != "479" {
				t.Errorf("postal code %q after the errors, want what was typed", got)
			}
			typeIn(t, b, "#f-place", "Via Roma 12")
			typeIn(t, b, "#f-place_address-postal_code", "")
			b.Follow(t, `[data-testid="apply-back"]`)
			checkApplyPage(t, b, step("1"), http.StatusOK, "1. Il problema")
			if got := valueOf(t, b, "f-subject"); got != "Buca in via Roma" {
				t.Errorf("back on step 1 the subject is %q", got)
			}
			if got := valueOf(t, b, "f-category"); got != "roads" {
				t.Errorf("back on step 1 the category is %q", got)
			}
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("2"), http.StatusOK, "2. Dove")
			if got := valueOf(t, b, "f-place"); got != "Via Roma 12" {
				t.Errorf("step 2 again: place %q, want what was typed before going back", got)
			}
			b.Follow(t, `[data-testid="apply-next"]`)

			// Step 3: the yes/no is required.
			checkApplyPage(t, b, step("3"), http.StatusOK, "3. Foto e risposta")
			if n := b.Count(t, "#f-reply_email"); n != 0 {
				t.Error("the reply email is asked before answering yes")
			}
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("3"), http.StatusUnprocessableEntity, "3. Foto e risposta")
			checkFieldError(t, b, "wants_reply", "Questo campo è obbligatorio.")

			// A photo and "yes": the step comes back with the email
			// question, prefilled, and the photo attached.
			b.do(t, "attach the photo", chromedp.SetUploadFiles(chromedp.CSS("#f-photos"), []string{photo}))
			choose(t, b, "f-wants_reply-0")
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("3"), http.StatusOK, "3. Foto e risposta")
			if n := b.Count(t, `[data-testid="apply-appeared"]`); n != 1 {
				t.Errorf("%d notices of new questions, want 1", n)
			}
			if got := valueOf(t, b, "f-reply_email"); got != "mario.rossi@example.it" {
				t.Errorf("reply email prefilled with %q, want the identity's", got)
			}
			if !isChecked(t, b, "f-wants_reply-0") {
				t.Error("the yes answer is not kept")
			}
			if got := b.Text(t, `[data-testid="form-field-photos"]`); !strings.Contains(got, "lampione.png") {
				t.Errorf("the photos field does not list the attached photo: %q", got)
			}

			// A wrong email, kept; then the right one, and Enter in it goes
			// on (the form's first submit button continues: it does not
			// remove the photo).
			typeIn(t, b, "#f-reply_email", "mario@")
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("3"), http.StatusUnprocessableEntity, "3. Foto e risposta")
			checkFieldError(t, b, "reply_email", "Scrivi un indirizzo email valido, per esempio nome@esempio.it.")
			if got := valueOf(t, b, "f-reply_email"); got != "mario@" {
				t.Errorf("reply email %q after the error, want what was typed", got)
			}
			if got := b.Text(t, `[data-testid="form-field-photos"]`); !strings.Contains(got, "lampione.png") {
				t.Errorf("after the error the photo is no longer attached: %q", got)
			}
			typeIn(t, b, "#f-reply_email", "mario@example.it")
			pressFollow(t, b, kb.Enter)

			// The summary lists the answers; "Modifica" goes to the step
			// and back to the summary.
			checkApplyPage(t, b, summary, http.StatusOK, "4. Riepilogo")
			text := summaryText(t, b)
			for _, want := range []string{"Strade, marciapiedi e segnaletica", "Buca in via Roma", "Una buca profonda davanti al civico 12",
				"Via Roma 12", "lampione.png", "Sì", "mario@example.it"} {
				if !strings.Contains(text, want) {
					t.Errorf("the summary does not show %q:\n%s", want, text)
				}
			}
			if n := b.Count(t, `[data-testid="summary-change"]`); n != 3 {
				t.Errorf("%d Modifica links, want 3", n)
			}
			b.Follow(t, `[data-testid="summary-change"]`)
			checkApplyPage(t, b, step("1"), http.StatusOK, "1. Il problema")
			if got := b.Text(t, `[data-testid="apply-next"]`); got != "Salva e torna al riepilogo" {
				t.Errorf("coming from the summary the button says %q", got)
			}
			typeIn(t, b, "#f-subject", "Buca profonda in via Roma")
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, summary, http.StatusOK, "4. Riepilogo")
			if text := summaryText(t, b); !strings.Contains(text, "Buca profonda in via Roma") {
				t.Errorf("the summary does not show the changed subject:\n%s", text)
			}

			// Sending without the declaration, then with it.
			b.Follow(t, `[data-testid="apply-submit"]`)
			// The summary with its errors answers the POST to /riepilogo.
			checkApplyPage(t, b, send, http.StatusUnprocessableEntity, "4. Riepilogo")
			if n := b.Count(t, `[data-testid="error-summary"] a[href="#declaration-privacy"]`); n != 1 {
				t.Errorf("the error summary has %d links to the privacy declaration, want 1", n)
			}
			if n := b.Count(t, `#declaration-privacy-error`); n != 1 {
				t.Errorf("%d errors beside the privacy declaration, want 1", n)
			}
			b.Click(t, `label[for="declaration-privacy"]`)
			b.Follow(t, `[data-testid="apply-submit"]`)
			confirmAndWaitForReceipt(t, b, ref)
		})
	}
}

// TestApplyAccessToDocumentsInChromium goes through accesso-agli-atti (4
// steps; the answers of steps 1 and 3 bring up more questions) with and
// without JavaScript.
func TestApplyAccessToDocumentsInChromium(t *testing.T) {
	t.Parallel()
	s := Start(t)
	base := s.ComuneURL("verdemare")
	for _, mode := range applyModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			b := NewBrowser(t, mode.opts...)
			ref := startApplyInBrowser(t, b, base, "accesso-agli-atti")
			step := func(n string) string { return "/area-personale/pratiche/" + ref + "/passo/" + n }
			summary := "/area-personale/pratiche/" + ref + "/riepilogo"
			send := "/area-personale/pratiche/" + ref + "/riepilogo"

			// Step 1: the kind of access is required.
			checkApplyPage(t, b, step("1"), http.StatusOK, "1. Tipo di accesso")
			if n := b.Count(t, `[data-testid="form-paragraph-f-counterparties_note"]`); n != 1 {
				t.Errorf("%d notes on counterparties, want 1", n)
			}
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("1"), http.StatusUnprocessableEntity, "1. Tipo di accesso")
			checkFieldError(t, b, "access_kind", "Questo campo è obbligatorio.")
			choose(t, b, "f-access_kind-0") // documentary
			b.Follow(t, `[data-testid="apply-next"]`)

			// Step 2: documentary access asks why (and for documents
			// proving it), not where it should have been published.
			checkApplyPage(t, b, step("2"), http.StatusOK, "2. Cosa chiedi")
			for id, want := range map[string]int{"f-motivation": 1, "f-motivation_documents": 1, "f-transparency_section": 0} {
				if n := b.Count(t, "#"+id); n != want {
					t.Errorf("documentary access: %d #%s, want %d", n, id, want)
				}
			}
			typeIn(t, b, "#f-documents_requested", "Permesso 2022")
			b.do(t, "enter a date", chromedp.SetValue(chromedp.CSS("#f-reference_date"), "2999-01-01"))
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("2"), http.StatusUnprocessableEntity, "2. Cosa chiedi")
			checkFieldError(t, b, "documents_requested", "Scrivi almeno 20 caratteri.")
			checkFieldError(t, b, "motivation", "Questo campo è obbligatorio.")
			if n := b.Count(t, `[data-testid="form-error-reference_date"]`); n != 1 {
				t.Error("a date in the future is not refused")
			}
			if got := valueOf(t, b, "f-documents_requested"); got != "Permesso 2022" {
				t.Errorf("documents requested %q after the errors, want what was typed", got)
			}
			if got := valueOf(t, b, "f-reference_date"); got != "2999-01-01" {
				t.Errorf("date %q after the errors, want what was entered", got)
			}
			typeIn(t, b, "#f-documents_requested", "Permesso di costruire del 2022 per l'edificio di via Roma 10, con gli elaborati grafici.")
			typeIn(t, b, "#f-reference_protocol", "2022/0001234")
			clearField(t, b, "#f-reference_date")
			typeIn(t, b, "#f-motivation", "Sono il confinante e voglio verificare le distanze del nuovo edificio.")
			b.Follow(t, `[data-testid="apply-next"]`)

			// Back from step 3 to step 2 and step 1: the answers are there.
			checkApplyPage(t, b, step("3"), http.StatusOK, "3. Chi chiede")
			b.Follow(t, `[data-testid="apply-back"]`)
			checkApplyPage(t, b, step("2"), http.StatusOK, "2. Cosa chiedi")
			if got := valueOf(t, b, "f-motivation"); !strings.HasPrefix(got, "Sono il confinante") {
				t.Errorf("back on step 2 the motivation is %q", got)
			}
			if got := valueOf(t, b, "f-reference_protocol"); got != "2022/0001234" {
				t.Errorf("back on step 2 the registration number is %q", got)
			}
			b.Follow(t, `[data-testid="apply-back"]`)
			checkApplyPage(t, b, step("1"), http.StatusOK, "1. Tipo di accesso")
			if !isChecked(t, b, "f-access_kind-0") {
				t.Error("back on step 1 the kind of access is not chosen any more")
			}
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("2"), http.StatusOK, "2. Cosa chiedi")
			b.Follow(t, `[data-testid="apply-next"]`)

			// Step 3: prefilled from the identity; acting for an
			// organisation brings up three questions (and a file).
			checkApplyPage(t, b, step("3"), http.StatusOK, "3. Chi chiede")
			for id, want := range map[string]string{"f-given_name": "Mario", "f-family_name": "Rossi", "f-fiscal_code": "RSSMRA85T10H501O"} {
				if got := valueOf(t, b, id); got != want {
					t.Errorf("#%s prefilled with %q, want %q", id, got, want)
				}
			}
			if n := b.Count(t, "#f-represented_name"); n != 0 {
				t.Error("the represented party is asked before choosing for whom")
			}
			choose(t, b, "f-acting_as-1") // organisation
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("3"), http.StatusOK, "3. Chi chiede")
			if n := b.Count(t, `[data-testid="apply-appeared"]`); n != 1 {
				t.Errorf("%d notices of new questions, want 1", n)
			}
			for id, want := range map[string]int{"f-represented_name": 1, "f-represented_tax_code": 1, "f-representative_role": 1,
				"f-powers_document": 1, "f-delegation": 0} {
				if n := b.Count(t, "#"+id); n != want {
					t.Errorf("acting for an organisation: %d #%s, want %d", n, id, want)
				}
			}
			typeIn(t, b, "#f-represented_name", "Associazione Amici del Porto")
			typeIn(t, b, "#f-represented_tax_code", "1234")
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("3"), http.StatusUnprocessableEntity, "3. Chi chiede")
			checkFieldError(t, b, "represented_tax_code", "Il formato non è corretto. Scrivi il codice fiscale di 16 caratteri della persona, "+
				"oppure il codice fiscale o la partita IVA di 11 cifre dell'impresa o dell'ente.")
			checkFieldError(t, b, "representative_role", "Questo campo è obbligatorio.")
			if got := valueOf(t, b, "f-represented_tax_code"); got != "1234" {
				t.Errorf("tax code %q after the error, want what was typed", got)
			}
			typeIn(t, b, "#f-represented_tax_code", "01234567890")
			typeIn(t, b, "#f-representative_role", "presidente")
			b.Follow(t, `[data-testid="apply-next"]`)

			// Step 4: wrong, then right, and by keyboard: Tab from the last
			// field reaches "Salva e continua", Enter presses it.
			checkApplyPage(t, b, step("4"), http.StatusOK, "4. Come ricevere")
			if got := valueOf(t, b, "f-email"); got != "mario.rossi@example.it" {
				t.Errorf("email prefilled with %q, want the identity's", got)
			}
			typeIn(t, b, "#f-phone", "abc")
			b.Follow(t, `[data-testid="apply-next"]`)
			checkApplyPage(t, b, step("4"), http.StatusUnprocessableEntity, "4. Come ricevere")
			checkFieldError(t, b, "delivery_mode", "Questo campo è obbligatorio.")
			checkFieldError(t, b, "phone", "Scrivi un numero di telefono valido; se non è italiano, con il prefisso internazionale (per esempio +41).")
			if got := valueOf(t, b, "f-phone"); got != "abc" {
				t.Errorf("phone %q after the error, want what was typed", got)
			}
			choose(t, b, "f-delivery_mode-1") // digital
			typeIn(t, b, "#f-phone", "0541 123456")
			tabToContinue(t, b)
			pressFollow(t, b, kb.Enter)

			// The summary, with the three declarations.
			checkApplyPage(t, b, summary, http.StatusOK, "5. Riepilogo")
			text := summaryText(t, b)
			for _, want := range []string{"Accesso documentale", "Permesso di costruire del 2022", "2022/0001234", "Sono il confinante",
				"Mario", "Rossi", "RSSMRA85T10H501O", "Associazione Amici del Porto", "01234567890", "presidente",
				"Copia digitale per email o PEC", "mario.rossi@example.it"} {
				if !strings.Contains(text, want) {
					t.Errorf("the summary does not show %q:\n%s", want, text)
				}
			}
			if n := b.Count(t, `[data-testid="summary-change"]`); n != 4 {
				t.Errorf("%d Modifica links, want 4", n)
			}
			b.Click(t, `label[for="declaration-truthful"]`)
			b.Follow(t, `[data-testid="apply-submit"]`)
			checkApplyPage(t, b, send, http.StatusUnprocessableEntity, "5. Riepilogo")
			if n := b.Count(t, `[data-testid="error-summary"] a`); n != 2 {
				t.Errorf("%d errors in the summary, want 2 (the declarations not made)", n)
			}
			for _, d := range []string{"costs", "privacy"} {
				if n := b.Count(t, `[data-testid="error-summary"] a[href="#declaration-`+d+`"]`); n != 1 {
					t.Errorf("the error summary has %d links to the declaration %s, want 1", n, d)
				}
			}
			if !isChecked(t, b, "declaration-truthful") {
				t.Error("the declaration made is no longer ticked")
			}
			b.Click(t, `label[for="declaration-costs"]`)
			b.Click(t, `label[for="declaration-privacy"]`)
			b.Follow(t, `[data-testid="apply-submit"]`)
			confirmAndWaitForReceipt(t, b, ref)
		})
	}
}
