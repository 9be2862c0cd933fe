package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/civica/civica/internal/browsertest/axe"
)

// Time limits. A browser that stops answering fails the test within
// actionTimeout instead of hanging it until `go test -timeout`.
const (
	startTimeout  = 30 * time.Second // start Chromium and open its tab
	actionTimeout = 30 * time.Second // one navigation, click, query or check
)

// Browser is a headless Chromium with one tab, driven as a person drives a
// browser: it visits URLs, clicks, types and reads what the page shows. It
// also records what a developer would see in the console (errors, uncaught
// exceptions, Content-Security-Policy violations) for CheckNoConsoleErrors.
//
// Methods that act (Visit, Click, Follow, Press, Reload) or read (Text,
// Count, Location, Eval) end the test with t.Fatal when the browser cannot do
// what was asked; the Check methods report with t.Error so that one page can
// fail several checks at once. They take the t of the (sub)test that calls
// them, so one Browser can serve many subtests, one after another: a Browser
// is not safe for concurrent use.
type Browser struct {
	ctx        context.Context // the tab; each action adds its own deadline
	javaScript bool
	output     *syncBuffer // Chromium's own stdout and stderr, shown when a test fails

	mu        sync.Mutex
	mainFrame cdp.FrameID
	status    int                        // HTTP status of the tab's current document
	documents map[network.RequestID]bool // requests that loaded a document
	problems  []string                   // console errors not yet reported
}

// Option changes how NewBrowser sets up the browser.
type Option func(*options)

type options struct {
	javaScript     bool
	acceptLanguage string
}

// WithoutJavaScript turns off JavaScript in the tab, as a person may do:
// the page's scripts do not run. The harness can still read the page and
// check it with axe, which it evaluates through the DevTools protocol.
func WithoutJavaScript() Option {
	return func(o *options) { o.javaScript = false }
}

// WithLanguage sets the languages the browser prefers: its Accept-Language
// header and navigator.languages, e.g. "en" or "en-GB,en;q=0.9". Without it
// a Browser prefers Italian ("it-IT,it;q=0.9"), like most people Civica
// serves, whatever the machine's locale.
func WithLanguage(acceptLanguage string) Option {
	return func(o *options) { o.acceptLanguage = acceptLanguage }
}

// NewBrowser starts a headless Chromium for the test, with a fresh profile
// in a temporary directory, and stops it when the test ends.
//
// Chromium is $CIVICA_CHROMIUM, or chromium or chromium-browser on PATH; the
// test fails when there is none, since a browser test that skips proves
// nothing.
func NewBrowser(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	o := options{javaScript: true, acceptLanguage: "it-IT,it;q=0.9"}
	for _, opt := range opts {
		opt(&o)
	}
	output := &syncBuffer{}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox, // tests may run as root, where the sandbox cannot start
		chromedp.Flag("disable-gpu", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.WindowSize(1280, 1024), // a desktop layout: Bootstrap Italia's lg breakpoint and up
		chromedp.CombinedOutput(output),
		// No UserDataDir: chromedp makes a new temporary profile and removes
		// it when the browser stops.
	)
	b := &Browser{javaScript: o.javaScript, output: output, documents: map[network.RequestID]bool{}}
	tabCtx, cancelTab := chromedp.NewContext(allocCtx,
		chromedp.WithListener(b.record),
		chromedp.WithErrorf(func(format string, args ...any) { fmt.Fprintf(output, "chromedp: "+format+"\n", args...) }),
	)
	b.ctx = tabCtx
	t.Cleanup(func() {
		if t.Failed() {
			b.logState(t)
		}
		cancelTab()
		cancelAlloc() // waits until Chromium has exited and its profile is gone
	})

	// The first action starts Chromium and binds its life to the context it
	// runs in, so it runs in the tab's own context (no deadline) and the
	// deadline is enforced from outside.
	started := make(chan error, 1)
	go func() {
		started <- chromedp.Do(tabCtx, chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error { return b.setUp(ctx, tab, o) }))
	}()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("browsertest: start Chromium: %v\n%s", err, output.String())
		}
	case <-time.After(startTimeout):
		cancelTab()
		t.Fatalf("browsertest: Chromium did not start within %v\n%s", startTimeout, output.String())
	}
	return b
}

// chromiumPath finds the Chromium to run.
func chromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CIVICA_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("browsertest: Chromium not found: install it (Debian: apt-get install chromium) or set CIVICA_CHROMIUM to its path")
	return ""
}

// setUp applies the options to the fresh tab, before its first navigation.
// Emulation settings belong to the tab and last across its navigations.
func (b *Browser) setUp(ctx context.Context, tab *chromedp.Target, o options) error {
	b.mu.Lock()
	b.mainFrame = cdp.FrameID(tab.TargetID) // a page target's main frame has the target's id
	b.mu.Unlock()
	version, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return err
	}
	if _, err := cdp.Call(ctx, tab, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent: version.UserAgent, AcceptLanguage: o.acceptLanguage,
	}); err != nil {
		return fmt.Errorf("set the language: %w", err)
	}
	if !o.javaScript {
		if err := setScripts(ctx, tab, false); err != nil {
			return err
		}
	}
	return nil
}

func setScripts(ctx context.Context, tab *chromedp.Target, enabled bool) error {
	_, err := cdp.Call(ctx, tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !enabled})
	if err != nil {
		return fmt.Errorf("switch JavaScript (enabled=%v): %w", enabled, err)
	}
	return nil
}

// record sees every event of the tab, in order, on chromedp's reading
// goroutine: it must be quick and must not call the browser.
//
// Content-Security-Policy violations arrive as Log entries of the "security"
// source (also when JavaScript is off, e.g. for a blocked inline style), so no
// securitypolicyviolation listener is needed in the page.
func (b *Browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.Type == network.ResourceTypeDocument {
			b.documents[ev.RequestID] = true
		}
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument && ev.FrameID == b.mainFrame {
			b.status = int(ev.Response.Status)
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			b.problems = append(b.problems, fmt.Sprintf("console.%s: %s", ev.Type, consoleArgs(ev.Args)))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		b.problems = append(b.problems, fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
	case *log.EventEntryAdded:
		e := ev.Entry
		switch {
		case e.Source == log.EntrySourceNetwork && b.documents[e.NetworkRequestID]:
			// The status of the page itself, e.g. an expected 404: tests
			// assert it with Status.
		case e.Level == log.EntryLevelError, e.Source == log.EntrySourceSecurity && e.Level == log.EntryLevelWarning:
			where := ""
			if e.URL != "" {
				where = fmt.Sprintf(" (%s)", e.URL)
			}
			b.problems = append(b.problems, fmt.Sprintf("%s %s: %s%s", e.Source, e.Level, e.Text, where))
		}
	}
}

func consoleArgs(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		var s string
		switch {
		case a.Value != nil && json.Unmarshal(a.Value, &s) == nil:
		case a.Value != nil:
			s = string(a.Value)
		default:
			s = a.Description
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// run runs one action in the tab under actionTimeout.
func run[T any](b *Browser, action chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	return v, explainTimeout(err)
}

func explainTimeout(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("nothing happened within %v: %w", actionTimeout, err)
	}
	return err
}

func (b *Browser) do(t testing.TB, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if _, err := run(b, chromedp.Steps(actions...)); err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
}

// Visit opens url in the tab and waits until the page has loaded.
func (b *Browser) Visit(t testing.TB, url string) {
	t.Helper()
	b.do(t, "visit "+url, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
}

// Reload reloads the current page and waits until it has loaded.
func (b *Browser) Reload(t testing.TB) {
	t.Helper()
	b.do(t, "reload", chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
}

// Click clicks the first element matching the CSS selector, as a mouse
// would, once it is visible. It does not wait for what the click causes:
// use Follow for links and submit buttons.
func (b *Browser) Click(t testing.TB, selector string) {
	t.Helper()
	b.do(t, "click "+selector, chromedp.Click(chromedp.CSS(selector)))
}

// Follow clicks the first element matching the CSS selector (a link or a
// submit button) and waits until the page it leads to has loaded, through
// any redirects; a link to a fragment of the same page counts as loaded at
// once.
func (b *Browser) Follow(t testing.TB, selector string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	// The element's own click(), once it is visible: a mouse click at its
	// coordinates lands elsewhere when the layout shifts under load (web
	// fonts arriving), and then nothing happens.
	click := chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		if _, err := chromedp.WaitVisible(chromedp.CSS(selector))(ctx, tab); err != nil {
			return err
		}
		_, err := chromedp.Evaluate[bool](`(() => { const el = document.querySelector(`+jsString(selector)+`); if (!el) return false; el.click(); return true })()`)(ctx, tab)
		return err
	})
	if _, err := chromedp.RunResponse(ctx, click); err != nil {
		t.Fatalf("browser: follow %s (from %s): %v", selector, b.Location(t), explainTimeout(err))
	}
}

// Press types keys into the focused element, one key event each. Special
// keys are in github.com/chromedp/chromedp/kb, e.g. kb.Tab and kb.Enter.
func (b *Browser) Press(t testing.TB, keys string) {
	t.Helper()
	b.do(t, fmt.Sprintf("press %q", keys), chromedp.KeyEvent(keys))
}

// Text is the visible text (innerText) of the first element matching the
// CSS selector, trimmed. The test fails at once when no element matches.
func (b *Browser) Text(t testing.TB, selector string) string {
	t.Helper()
	text := Eval[*string](t, b, fmt.Sprintf(`(() => { const el = document.querySelector(%s); return el && el.innerText })()`, jsString(selector)))
	if text == nil {
		t.Fatalf("browser: no element matches %s on %s", selector, b.Location(t))
	}
	return strings.TrimSpace(*text)
}

// Count is the number of elements matching the CSS selector.
func (b *Browser) Count(t testing.TB, selector string) int {
	t.Helper()
	return Eval[int](t, b, fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(selector)))
}

// Location is the URL of the current page.
func (b *Browser) Location(t testing.TB) string {
	t.Helper()
	return Eval[string](t, b, `document.location.href`)
}

// Status is the HTTP status of the current page's document (after
// redirects), or 0 before the first page.
func (b *Browser) Status() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

// Screenshot saves a PNG of the whole page to path, for debugging.
func (b *Browser) Screenshot(t testing.TB, path string) {
	t.Helper()
	png, err := run(b, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("browser: save screenshot: %v", err)
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its JSON
// value into T. It runs through the DevTools protocol, so neither the page's
// Content-Security-Policy nor WithoutJavaScript stops it; a promise is
// awaited.
func Eval[T any](t testing.TB, b *Browser, expression string) T {
	t.Helper()
	v, err := run(b, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browser: evaluate %s: %v", expression, err)
	}
	return v
}

// jsString and jsStrings write Go strings as JavaScript literals.
func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

func jsStrings(s []string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// The WCAG levels Civica must meet (the AgID guidelines ask for WCAG 2.1 AA).
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// axeViolation is the part of an axe-core result a failure message shows.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  string `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"summary"`
	} `json:"nodes"`
	Count int `json:"count"`
}

// axeNodesShown is how many offending elements a failure lists per rule.
const axeNodesShown = 3

// CheckAxe runs axe-core on the current page for the WCAG 2.0 and 2.1 A and
// AA rules and reports every violation. The page must have none.
//
// axe is evaluated through the DevTools protocol, not added as a <script>:
// the page's CSP forbids inline scripts, and a Browser without JavaScript
// runs no page scripts at all (it lets axe run for the check, then turns
// JavaScript off again; the page's own scripts stay unrun).
func (b *Browser) CheckAxe(t testing.TB) {
	t.Helper()
	page := b.Location(t)
	violations, err := b.axeViolations()
	if err != nil {
		t.Errorf("axe-core %s on %s: %v", axe.Version, page, err)
		return
	}
	if len(violations) == 0 {
		return
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "axe-core %s: %d accessibility rule(s) violated on %s:", axe.Version, len(violations), page)
	for _, v := range violations {
		fmt.Fprintf(&msg, "\n- %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&msg, "\n  * %s\n    %s\n    %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n    "))
		}
		if more := v.Count - len(v.Nodes); more > 0 {
			fmt.Fprintf(&msg, "\n  * ... and %d more element(s)", more)
		}
	}
	t.Error(msg.String())
}

// axeRun runs the loaded axe on the document and keeps what a failure
// message shows.
var axeRun = fmt.Sprintf(`axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']}).then(result =>
	result.violations.map(v => ({
		id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, count: v.nodes.length,
		nodes: v.nodes.slice(0, %d).map(n => ({target: n.target.join(' '), html: n.html, summary: n.failureSummary})),
	})))`, jsStrings(axeTags), axeNodesShown)

// axeViolations loads axe into the page unless it is there already, and
// runs it.
func (b *Browser) axeViolations() ([]axeViolation, error) {
	return run(b, func(ctx context.Context, tab *chromedp.Target) (_ []axeViolation, err error) {
		if !b.javaScript {
			// axe waits on timers, which do not fire while scripts are off.
			if err := setScripts(ctx, tab, true); err != nil {
				return nil, err
			}
			defer func() {
				err = errors.Join(err, setScripts(context.WithoutCancel(ctx), tab, false))
			}()
		}
		loaded, err := chromedp.Evaluate[bool](`typeof window.axe !== 'undefined'`)(ctx, tab)
		if err != nil {
			return nil, err
		}
		if !loaded {
			if _, err := chromedp.Evaluate[chromedp.Void](axe.Script)(ctx, tab); err != nil {
				return nil, fmt.Errorf("load axe: %w", err)
			}
		}
		return chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise)(ctx, tab)
	})
}

// ConsoleErrors returns, and forgets, what the browser reported since the
// last call (or since it started): console.error and console.assert calls,
// uncaught exceptions, failed loads of a page's resources, and security
// messages such as Content-Security-Policy violations. A failed load of the
// page itself is not among them: see Status.
func (b *Browser) ConsoleErrors(t testing.TB) []string {
	t.Helper()
	// An evaluation's reply comes after every event Chromium sent before it,
	// and record has seen those events by the time the reply is read.
	Eval[int](t, b, `0`)
	b.mu.Lock()
	defer b.mu.Unlock()
	problems := b.problems
	b.problems = nil
	return problems
}

// CheckNoConsoleErrors reports every console error since the last check:
// a page must log none, and must break none of its CSP.
func (b *Browser) CheckNoConsoleErrors(t testing.TB) {
	t.Helper()
	if problems := b.ConsoleErrors(t); len(problems) > 0 {
		t.Errorf("browser console on %s (or the pages before it since the last check):\n- %s", b.Location(t), strings.Join(problems, "\n- "))
	}
}

const chromiumLinesShown = 40

// logState tells a failed test where the browser was and what Chromium said.
func (b *Browser) logState(t testing.TB) {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if url, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		t.Logf("browser was at %s (HTTP %d)", url, b.Status())
	}
	if out := strings.TrimSpace(b.output.String()); out != "" {
		lines := strings.Split(out, "\n")
		if len(lines) > chromiumLinesShown {
			lines = lines[len(lines)-chromiumLinesShown:]
		}
		t.Logf("Chromium output (last %d lines at most):\n%s", chromiumLinesShown, strings.Join(lines, "\n"))
	}
}
