package catalog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Load reads a catalogue from dir (topics.yaml, offices.yaml,
// services/*.yaml) and validates it whole, reporting every problem with
// the file it is in.
func Load(dir string) (Catalogue, error) {
	var c Catalogue
	var problems []string
	if err := readYAML(filepath.Join(dir, "topics.yaml"), &c.Topics); err != nil {
		problems = append(problems, err.Error())
	}
	if err := readYAML(filepath.Join(dir, "offices.yaml"), &c.Offices); err != nil {
		problems = append(problems, err.Error())
	}
	files, err := filepath.Glob(filepath.Join(dir, "services", "*.yaml"))
	if err != nil {
		return c, err
	}
	slices.Sort(files)
	for _, f := range files {
		var s Service
		if err := readYAML(f, &s); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if want := strings.TrimSuffix(filepath.Base(f), ".yaml"); s.Slug != want {
			problems = append(problems, fmt.Sprintf("%s: slug %q must equal the file name %q", f, s.Slug, want))
		}
		c.Services = append(c.Services, s)
	}
	problems = append(problems, c.Validate()...)
	if len(problems) > 0 {
		return c, errors.New(strings.Join(problems, "\n"))
	}
	return c, nil
}

func readYAML(path string, into any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Validate returns every problem of the catalogue, one line each, prefixed
// with what it is about; nil when there is none.
func (c Catalogue) Validate() []string {
	var problems []string
	bad := func(where, format string, args ...any) {
		problems = append(problems, where+": "+fmt.Sprintf(format, args...))
	}
	unknownLanguages := func(where, name string, t Text) {
		for k := range t {
			if !slices.Contains(Languages, k) {
				bad(where, "%s: unknown language %q", name, k)
			}
		}
	}
	// text checks t by rule r; name is what the problem calls it, which
	// for a list item is more than the rule's field (fees[0].description).
	text := func(where, name string, r TextRule, t Text) {
		for _, e := range r.Check(t) {
			bad(where, "%s.%s: %d characters, want %d to %d", name, e.Lang, e.Length, e.Min, e.Max)
		}
		unknownLanguages(where, name, t)
	}
	topics := map[string]bool{}
	for i, t := range c.Topics {
		where := fmt.Sprintf("topic %d (%s)", i, t.Slug)
		if !slugPattern.MatchString(t.Slug) || topics[t.Slug] {
			bad(where, "slug missing, malformed or repeated")
		}
		topics[t.Slug] = true
		text(where, "name", TopicNameRule, t.Name)
	}
	offices := map[string]bool{}
	for i, o := range c.Offices {
		where := fmt.Sprintf("office %d (%s)", i, o.Slug)
		if !slugPattern.MatchString(o.Slug) || offices[o.Slug] {
			bad(where, "slug missing, malformed or repeated")
		}
		offices[o.Slug] = true
		text(where, "name", OfficeNameRule, o.Name)
	}
	services := map[string]bool{}
	for _, s := range c.Services {
		where := "service " + s.Slug
		if !slugPattern.MatchString(s.Slug) || services[s.Slug] {
			bad(where, "slug missing, malformed or repeated")
		}
		services[s.Slug] = true
		if !IsCategory(s.Category) {
			bad(where, "category %q is not one of the 15", s.Category)
		}
		if len(s.Topics) == 0 || len(s.Topics) > 4 {
			bad(where, "topics: 1 to 4, got %d", len(s.Topics))
		}
		for _, t := range s.Topics {
			if !topics[t] {
				bad(where, "topic %q is not in topics.yaml", t)
			}
		}
		for _, e := range s.LifeEvents {
			if !slices.Contains(LifeEvents, e) {
				bad(where, "life event %q unknown", e)
			}
		}
		for _, e := range s.BusinessEvents {
			if !slices.Contains(BusinessEvents, e) {
				bad(where, "business event %q unknown", e)
			}
		}
		if !offices[s.Office] {
			bad(where, "office %q is not in offices.yaml", s.Office)
		}
		if len(s.Channels) == 0 {
			bad(where, "channels: at least one")
		}
		for _, ch := range s.Channels {
			if ch != ChannelOnline && ch != ChannelAppointment && ch != ChannelDesk {
				bad(where, "channel %q: online, appointment or desk", ch)
			}
		}
		if !slices.Contains([]string{"none", "spid-l2", "spid-l3"}, s.LoginLevel) {
			bad(where, "login_level %q: none, spid-l2 or spid-l3", s.LoginLevel)
		}
		if s.MaxProcessingDays < 0 || s.MaxProcessingDays > 365 {
			bad(where, "max_processing_days %d: 0 to 365", s.MaxProcessingDays)
		}
		if s.ProcessingDaysKind != "calendar" && s.ProcessingDaysKind != "working" {
			bad(where, "processing_days_kind %q: calendar or working", s.ProcessingDaysKind)
		}
		// Status and texts: the rules the administrator's editor applies too.
		for _, e := range s.TextProblems() {
			bad(where, "%v", e)
		}
		unknownLanguages(where, StatusReasonRule.Field, s.StatusReason)
		for _, r := range CardTexts {
			unknownLanguages(where, r.Field, *s.text(r.Field))
		}
		for i, f := range s.Fees {
			text(where, fmt.Sprintf("fees[%d].description", i), FeeDescriptionRule, f.Description)
			if f.AmountCents < 0 {
				bad(where, "fees[%d].amount_cents negative", i)
			}
		}
		if len(s.Deadlines) == 0 || len(s.Deadlines) > 6 {
			bad(where, "deadlines: 1 to 6 items, got %d", len(s.Deadlines))
		}
		for i, d := range s.Deadlines {
			text(where, fmt.Sprintf("deadlines[%d]", i), DeadlineRule, d)
		}
	}
	return problems
}
