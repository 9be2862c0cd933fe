package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/civica/civica/internal/browsertest"
)

const (
	desksList     = "/amministrazione/sportelli"
	deskNew       = desksList + "/nuovo"
	desksSettings = desksList + "/impostazioni"
)

// desksAdmin is a server with Verdemare's administrator logged in.
func desksAdmin(t *testing.T) (*browsertest.Server, *http.Client, string) {
	t.Helper()
	s := browsertest.Start(t)
	base := s.ComuneURL("verdemare")
	c := s.Client(t)
	browsertest.LoginHTTP(t, c, base, browsertest.SaraGreco, "/")
	return s, c, base
}

// deskForm is the form of path as the page shows it, with values set
// over it (an empty value removes the field, as an unticked box).
func deskForm(t *testing.T, c *http.Client, base, path string, values url.Values) browsertest.Form {
	t.Helper()
	p := browsertest.Get(t, c, base+path)
	if p.Status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, p.Status)
	}
	form := formWithAction(t, p, path)
	// The form helper reads inputs only: the office's select as a
	// browser sends it.
	if m := selectedOffice.FindStringSubmatch(p.Body); m != nil {
		form.Values.Set("office", m[1])
	}
	for k, v := range values {
		if len(v) == 1 && v[0] == "" && (k == "active" || k == "modes" || k == "services" || strings.HasPrefix(k, "closure_remove")) {
			form.Values.Del(k)
			continue
		}
		form.Values[k] = v
	}
	return form
}

var selectedOffice = regexp.MustCompile(`<option value="([^"]+)" selected>`)

// validDesk is a new desk's values that save.
func validDesk(slug string) url.Values {
	return url.Values{
		"slug": {slug}, "office": {"anagrafe"}, "name": {"Sportello di prova"}, "name_en": {"Test desk"},
		"location": {"Piano terra"}, "modes": {"in_person", "video"},
		"services":  {"carta-identita-elettronica", "certificati-anagrafici"},
		"hours_mon": {"09:00-12:30"}, "hours_tue": {"09:00-12:30, 14:30-17:00"}, "hours_wed": {""},
		"hours_thu": {"9:00-12:30"}, "hours_fri": {"09:00-12:00"},
		"slot_minutes": {"20"}, "buffer_minutes": {"5"}, "capacity": {"2"}, "min_notice_hours": {"12"},
		"horizon_days": {"60"}, "active": {"yes"},
		"closure_from_0": {"2027-01-07"}, "closure_to_0": {"2027-01-08"}, "closure_reason_0": {"Inventario"},
	}
}

func saveDesk(t *testing.T, c *http.Client, base, path string, values url.Values) browsertest.Page {
	t.Helper()
	form := deskForm(t, c, base, path, values)
	return browsertest.PostForm(t, c, form.Action, form.Values)
}

func TestDesksAdmin_WhoMaySeeThem(t *testing.T) {
	t.Parallel()
	s, sara, base := desksAdmin(t)
	login := func(identity string) *http.Client {
		c := s.Client(t)
		browsertest.LoginHTTP(t, c, base, identity, "/")
		return c
	}
	anonymous := s.Client(t)
	for _, tc := range []struct {
		who    string
		c      *http.Client
		path   string
		status int
	}{
		{"admin", sara, desksList, http.StatusOK},
		{"admin", sara, deskNew, http.StatusOK},
		{"admin", sara, desksSettings, http.StatusOK},
		{"admin, unknown desk", sara, desksList + "/nessuno", http.StatusNotFound},
		{"office manager", login("marco-gallo"), desksList, http.StatusForbidden},
		{"clerk", login(browsertest.PaoloConti), deskNew, http.StatusForbidden},
		{"citizen", login(browsertest.MarioRossi), desksSettings, http.StatusForbidden},
	} {
		if p := browsertest.Get(t, tc.c, base+tc.path); p.Status != tc.status {
			t.Errorf("%s GET %s: %d, want %d", tc.who, tc.path, p.Status, tc.status)
		}
	}
	// Not logged in: sent to log in, never shown the page.
	if p := browsertest.Get(t, anonymous, base+desksList); strings.Contains(p.Body, `data-testid="desk-new"`) {
		t.Errorf("anonymous person sees the desks page (%d %s)", p.Status, p.URL)
	}
	clerk := login(browsertest.PaoloConti)
	if p := browsertest.PostForm(t, clerk, base+deskNew, validDesk("da-impiegato")); p.Status != http.StatusForbidden {
		t.Errorf("clerk POST %s: %d, want 403", deskNew, p.Status)
	}
	desk := browsertest.Get(t, sara, base+"/scrivania")
	mustContain(t, "the desk's admin links", desk.Body, `href="`+desksList+`"`)
}

func TestDesksAdmin_CreateEditAndClosures(t *testing.T) {
	t.Parallel()
	_, c, base := desksAdmin(t)

	empty := browsertest.Get(t, c, base+desksList)
	mustContain(t, "no desks yet", empty.Body, `data-testid="desks-empty"`)

	created := saveDesk(t, c, base, deskNew, validDesk("prova"))
	if created.Status != http.StatusOK || created.URL.Path != desksList+"/prova" {
		t.Fatalf("create: %d at %s\n%s", created.Status, created.URL, created.Body)
	}
	mustContain(t, "the saved desk", created.Body,
		`data-testid="desk-notice"`, `value="Sportello di prova"`, `value="09:00-12:30, 14:30-17:00"`,
		`value="09:00-12:30"`, `value="2027-01-07"`, `value="2027-01-08"`, `value="Inventario"`,
		`id="desk-service-carta-identita-elettronica" name="services" value="carta-identita-elettronica" checked`,
		`id="desk-mode-video" name="modes" value="video" checked`)
	if strings.Contains(created.Body, `name="slug"`) {
		t.Error("an existing desk's form lets the slug be changed")
	}

	list := browsertest.Get(t, c, base+desksList)
	mustContain(t, "the list", list.Body, `data-slug="prova"`, "Sportello di prova", "In presenza, In videochiamata", `data-active="true"`)

	// The same code again is refused, not an overwrite.
	again := saveDesk(t, c, base, deskNew, validDesk("prova"))
	if again.Status != http.StatusUnprocessableEntity {
		t.Errorf("second desk with the same code: %d, want 422", again.Status)
	}

	// Edit: another name, video only, inactive, a second closure added in
	// an empty row.
	edited := saveDesk(t, c, base, desksList+"/prova", url.Values{
		"name": {"Sportello rinnovato"}, "modes": {"video"}, "active": {""},
		"closure_from_1": {"2027-02-01"}, "closure_to_1": {""}, "closure_reason_1": {"Formazione"},
	})
	if edited.Status != http.StatusOK {
		t.Fatalf("edit: %d\n%s", edited.Status, edited.Body)
	}
	mustContain(t, "the edited desk", edited.Body, `value="Sportello rinnovato"`, `value="2027-02-01"`, `value="Formazione"`,
		`value="Inventario"`)
	if strings.Contains(edited.Body, `value="in_person" checked`) {
		t.Error("in person is still ticked after unticking it")
	}
	list = browsertest.Get(t, c, base+desksList)
	mustContain(t, "the list after the edit", list.Body, "Sportello rinnovato", `data-active="false"`)

	// Remove the first closure.
	removed := saveDesk(t, c, base, desksList+"/prova", url.Values{"closure_remove_0": {"yes"}})
	if removed.Status != http.StatusOK {
		t.Fatalf("remove a closure: %d\n%s", removed.Status, removed.Body)
	}
	if strings.Contains(removed.Body, "Inventario") {
		t.Error("the removed closure is still there")
	}
	mustContain(t, "the closure kept", removed.Body, "Formazione")
}

func TestDesksAdmin_BadInputIs422WithEverythingKept(t *testing.T) {
	t.Parallel()
	_, c, base := desksAdmin(t)
	for _, tc := range []struct {
		name    string
		set     url.Values
		fieldID string // the control whose error shows
		kept    string // what was typed, shown again
	}{
		{"overlapping ranges", url.Values{"hours_tue": {"09:00-12:00, 11:30-13:00"}}, "desk-hours-tue", `value="09:00-12:00, 11:30-13:00"`},
		{"hours that are not times", url.Values{"hours_mon": {"mattina"}}, "desk-hours-mon", `value="mattina"`},
		{"a range that ends before it starts", url.Values{"hours_fri": {"12:00-09:00"}}, "desk-hours-fri", `value="12:00-09:00"`},
		{"slot of zero minutes", url.Values{"slot_minutes": {"0"}}, "desk-slot-minutes", `value="0"`},
		{"capacity zero", url.Values{"capacity": {"0"}}, "desk-capacity", `value="0"`},
		{"capacity not a number", url.Values{"capacity": {"due"}}, "desk-capacity", `value="due"`},
		{"closure ending before it starts", url.Values{"closure_from_0": {"2027-03-10"}, "closure_to_0": {"2027-03-01"}}, "closure-", `value="2027-03-10"`},
		{"no mode", url.Values{"modes": {""}}, "desk-modes", `value="Sportello di prova"`},
		{"closure reason too long, after a removed row", url.Values{"closure_remove_0": {"yes"},
			"closure_from_1": {"2027-04-01"}, "closure_to_1": {"2027-04-01"}, "closure_reason_1": {"Giusto"},
			"closure_from_2": {"2027-05-01"}, "closure_to_2": {"2027-05-02"}, "closure_reason_2": {strings.Repeat("x", 201)}},
			"closure-from-2", `value="Giusto"`},
		{"bad code", url.Values{"slug": {"Con Spazi"}}, "desk-slug", `value="con spazi"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := validDesk("errore")
			for k, val := range tc.set {
				v[k] = val
			}
			p := saveDesk(t, c, base, deskNew, v)
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422\n%s", p.Status, p.Body)
			}
			mustContain(t, "the refusal", p.Body, `data-testid="error-summary"`, `href="#`+tc.fieldID, tc.kept,
				`value="Piano terra"`, `value="Test desk"`, `value="Inventario"`, `value="carta-identita-elettronica" checked`)
			if !strings.Contains(p.Body, `data-testid="field-error"`) {
				t.Error("no message beside the field")
			}
		})
	}
	if p := browsertest.Get(t, c, base+desksList+"/errore"); p.Status != http.StatusNotFound {
		t.Errorf("a refused desk was saved anyway: %d", p.Status)
	}
}

func TestDesksAdmin_Settings(t *testing.T) {
	t.Parallel()
	_, c, base := desksAdmin(t)
	post := func(values url.Values) browsertest.Page {
		form := deskForm(t, c, base, desksSettings, nil)
		for k, v := range values {
			form.Values[k] = v
		}
		if values.Get("guests_allowed") == "" {
			form.Values.Del("guests_allowed")
		}
		return browsertest.PostForm(t, c, form.Action, form.Values)
	}

	bad := post(url.Values{"video_base_url": {"http://meet.example.it"}, "reminder_hours": {"48"}, "guests_allowed": {"yes"}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("plain http video service: %d, want 422", bad.Status)
	}
	mustContain(t, "the refusal", bad.Body, `href="#settings-video-base-url"`, `value="http://meet.example.it"`, `value="48"`)

	notNumber := post(url.Values{"video_base_url": {""}, "room_opens_minutes": {"dieci"}, "guests_allowed": {"yes"}})
	if notNumber.Status != http.StatusUnprocessableEntity {
		t.Fatalf("room opens not a number: %d, want 422", notNumber.Status)
	}
	mustContain(t, "the refusal", notNumber.Body, `href="#settings-room-opens-minutes"`, `value="dieci"`)

	saved := post(url.Values{"video_base_url": {"https://meet.verdemare.example.it"}, "video_jwt_app_id": {"civica"},
		"video_jwt_secret": {"un-segreto-molto-lungo"}, "cancel_cutoff_hours": {"48"}, "guests_allowed": {""}})
	if saved.Status != http.StatusOK || saved.URL.Path != desksSettings {
		t.Fatalf("save: %d at %s\n%s", saved.Status, saved.URL, saved.Body)
	}
	mustContain(t, "the saved settings", saved.Body, `data-testid="settings-notice"`,
		`value="https://meet.verdemare.example.it"`, `value="civica"`, `value="48"`, `id="settings-clear-secret"`)
	if strings.Contains(saved.Body, "un-segreto-molto-lungo") {
		t.Error("the secret is shown back")
	}
	if strings.Contains(saved.Body, `id="settings-guests" name="guests_allowed" value="yes" checked`) {
		t.Error("guests still allowed after unticking")
	}

	// An empty secret keeps the saved one: the app id alone would be
	// refused (they go together), so a save that passes proves it kept.
	kept := post(url.Values{"video_jwt_secret": {""}, "reminder_hours": {"12"}})
	if kept.Status != http.StatusOK {
		t.Fatalf("save keeping the secret: %d\n%s", kept.Status, html.UnescapeString(kept.Body))
	}
	mustContain(t, "the secret kept", kept.Body, `id="settings-clear-secret"`, `value="12"`)

	// Removing the secret while keeping the app id is refused: they go
	// together.
	cleared := post(url.Values{"clear_secret": {"yes"}})
	if cleared.Status != http.StatusUnprocessableEntity {
		t.Errorf("app id without secret: %d, want 422", cleared.Status)
	}
}
