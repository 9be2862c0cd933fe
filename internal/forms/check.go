package forms

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

// knownTypes are the field types a definition may use.
var knownTypes = []string{
	TypeText, TypeLongText, TypeNumber, TypeMoney, TypeDate, TypeEmail,
	TypePhone, TypeSelect, TypeRadio, TypeCheckboxes, TypeYesNo, TypeFile,
	TypeFiscalCode, TypeIBAN, TypeAddress, TypeGroup, TypeParagraph,
}

// FileKinds are the values a file field's Accept may hold.
var FileKinds = []string{"pdf", "image", "document"}

// identityPrefills are the Prefill values taken from the login.
var identityPrefills = []string{
	"identity.given_name", "identity.family_name", "identity.fiscal_code",
	"identity.email", "identity.birth_date",
}

// Languages every text of a definition must be written in.
var Languages = []string{"it", "en"}

// Check lists every problem of the definition, one line each, saying where
// it is ("step personal, field phone: …"). An empty list means the form can
// be published.
func (f Form) Check() []string {
	c := checker{form: f, ids: map[string]string{}}
	if len(f.Steps) == 0 {
		c.add("form", "has no steps")
	}
	stepIDs := map[string]bool{}
	for si, s := range f.Steps {
		where := fmt.Sprintf("step %d", si+1)
		if s.ID != "" {
			where = "step " + s.ID
		}
		switch {
		case !idPattern.MatchString(s.ID):
			c.add(where, fmt.Sprintf("id %q must match %s", s.ID, idPattern))
		case stepIDs[s.ID]:
			c.add(where, "id used by another step")
		}
		stepIDs[s.ID] = true
		c.text(where, "title", s.Title, true)
		c.text(where, "help", s.Help, false)
		if len(s.Fields) == 0 {
			c.add(where, "has no fields")
		}
		for fi, fl := range s.Fields {
			c.field(where, si, fi, fl, nil)
		}
	}
	declIDs := map[string]bool{}
	for di, d := range f.Declarations {
		where := fmt.Sprintf("declaration %d", di+1)
		switch {
		case !idPattern.MatchString(d.ID):
			c.add(where, fmt.Sprintf("id %q must match %s", d.ID, idPattern))
		case declIDs[d.ID]:
			c.add(where, "id "+d.ID+" used by another declaration")
		}
		declIDs[d.ID] = true
		c.text(where, "text", d.Text, true)
	}
	for ri, r := range f.Rules {
		c.rule(fmt.Sprintf("rule %d", ri+1), r)
	}
	switch f.OnIntegrationExpiry {
	case "", ExpiryResume, ExpiryReject:
	default:
		c.add("on_integration_expiry", fmt.Sprintf("%q: one of %s, %s", f.OnIntegrationExpiry, ExpiryResume, ExpiryReject))
	}
	if r := f.Route; r != nil {
		fl, ok := f.field(r.Field)
		switch {
		case !ok || (fl.Type != TypeSelect && fl.Type != TypeRadio):
			c.add("route", fmt.Sprintf("field %q must be a select or radio field of the form", r.Field))
		case len(r.Offices) == 0:
			c.add("route", "no offices")
		default:
			for value, office := range r.Offices {
				if _, known := optionIndex(fl, value); !known {
					c.add("route", fmt.Sprintf("%q is not an option of %s", value, r.Field))
				}
				if !slugLike.MatchString(office) {
					c.add("route", fmt.Sprintf("office %q is not an office slug", office))
				}
			}
		}
	}
	return c.problems
}

var slugLike = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

type checker struct {
	form     Form
	ids      map[string]string // top-level field id → where it is
	problems []string
}

func (c *checker) add(where, problem string) {
	c.problems = append(c.problems, where+": "+problem)
}

// text checks a translated text: present in every language when required,
// and then in every language when present at all.
func (c *checker) text(where, name string, t Text, required bool) {
	if !required && len(t) == 0 {
		return
	}
	for _, lang := range Languages {
		if strings.TrimSpace(t[lang]) == "" {
			c.add(where, fmt.Sprintf("%s has no %q text", name, lang))
		}
	}
}

// field checks one field; group is the enclosing group for a field of a
// group, nil for a top-level one.
func (c *checker) field(stepWhere string, step, index int, fl Field, group *Field) {
	where := stepWhere + ", field " + fl.ID
	if fl.ID == "" {
		where = fmt.Sprintf("%s, field %d", stepWhere, index+1)
	}
	if group != nil {
		where = stepWhere + ", group " + group.ID + ", field " + fl.ID
	}
	if !idPattern.MatchString(fl.ID) {
		c.add(where, fmt.Sprintf("id %q must match %s", fl.ID, idPattern))
	} else if group == nil {
		if prev, dup := c.ids[fl.ID]; dup {
			c.add(where, "id already used in "+prev)
		}
		c.ids[fl.ID] = stepWhere
	} else if n := countIDs(group.Fields, fl.ID); n > 1 && firstIndex(group.Fields, fl.ID) != index {
		c.add(where, "id already used in the group")
	}
	if !slices.Contains(knownTypes, fl.Type) {
		c.add(where, fmt.Sprintf("unknown type %q", fl.Type))
		return
	}
	if fl.Type == TypeParagraph {
		c.text(where, "text (label)", fl.Label, true)
	} else {
		c.text(where, "label", fl.Label, true)
	}
	c.text(where, "help", fl.Help, false)

	switch fl.Type {
	case TypeSelect, TypeRadio, TypeCheckboxes:
		c.options(where, fl)
	}
	if fl.Pattern != "" {
		if fl.Type != TypeText && fl.Type != TypeLongText {
			c.add(where, "pattern only applies to text fields")
		}
		if _, err := compilePattern(fl.Pattern); err != nil {
			c.add(where, fmt.Sprintf("pattern does not compile: %v", err))
		}
		c.text(where, "pattern_help", fl.PatternHelp, true)
	}
	if fl.MinLength < 0 || fl.MaxLength < 0 || fl.MaxLength > 0 && fl.MinLength > fl.MaxLength {
		c.add(where, "min_length and max_length must satisfy 0 <= min_length <= max_length")
	}
	if fl.Min != nil && fl.Max != nil && *fl.Min > *fl.Max {
		c.add(where, "min is greater than max")
	}
	for _, bound := range [][2]string{{"min_date", fl.MinDate}, {"max_date", fl.MaxDate}} {
		name, b := bound[0], bound[1]
		if b == "" {
			continue
		}
		if fl.Type != TypeDate {
			c.add(where, name+" only applies to date fields")
		}
		if _, err := DateBound(b, zeroNow); err != nil {
			c.add(where, fmt.Sprintf("%s %q: want today, today+30d, today-18y, today-6m or 2006-01-02", name, b))
		}
	}
	if fl.VisibleIf != nil {
		c.condition(where, step, fl, group)
	}
	if fl.Prefill != "" {
		c.prefill(where, fl, group)
	}
	if fl.Profile != "" {
		if !profileKey.MatchString(fl.Profile) {
			c.add(where, fmt.Sprintf("profile %q must match %s", fl.Profile, profileKey))
		}
		if group != nil || fl.Type == TypeGroup || fl.Type == TypeFile || fl.Type == TypeParagraph {
			c.add(where, "profile does not apply to "+fl.Type+" fields or inside groups")
		}
	}
	switch fl.Type {
	case TypeGroup:
		c.group(stepWhere, where, step, fl, group)
	case TypeFile:
		for _, a := range fl.Accept {
			if !slices.Contains(FileKinds, a) {
				c.add(where, fmt.Sprintf("accept %q is not one of %s", a, strings.Join(FileKinds, ", ")))
			}
		}
		if fl.MaxFiles < 0 || fl.MaxFiles > 20 {
			c.add(where, "max_files must be between 1 and 20")
		}
	}
}

func countIDs(fields []Field, id string) int {
	n := 0
	for _, f := range fields {
		if f.ID == id {
			n++
		}
	}
	return n
}

func firstIndex(fields []Field, id string) int {
	return slices.IndexFunc(fields, func(f Field) bool { return f.ID == id })
}

func (c *checker) options(where string, fl Field) {
	if len(fl.Options) == 0 {
		c.add(where, "has no options")
	}
	seen := map[string]bool{}
	for oi, o := range fl.Options {
		ow := fmt.Sprintf("%s, option %d", where, oi+1)
		switch {
		case strings.TrimSpace(o.Value) == "" || o.Value != strings.TrimSpace(o.Value):
			c.add(ow, fmt.Sprintf("value %q must be non-empty with no surrounding spaces", o.Value))
		case seen[o.Value]:
			c.add(ow, fmt.Sprintf("value %q used by another option", o.Value))
		}
		seen[o.Value] = true
		c.text(ow, "label", o.Label, true)
	}
}

// discrete are the types whose answers are from a fixed list, the only ones
// a VisibleIf may look at.
var discrete = []string{TypeSelect, TypeRadio, TypeCheckboxes, TypeYesNo}

func (c *checker) condition(where string, step int, fl Field, group *Field) {
	cond := fl.VisibleIf
	if cond.Field == fl.ID {
		c.add(where, "visible_if refers to the field itself")
		return
	}
	var ctl Field
	if group != nil {
		sf, ok := subField(*group, cond.Field)
		if !ok {
			c.add(where, fmt.Sprintf("visible_if refers to %q, not a field of group %s", cond.Field, group.ID))
			return
		}
		ctl = sf
	} else {
		ctlStep := -1
		for si, s := range c.form.Steps {
			for _, f := range s.Fields {
				if f.ID == cond.Field {
					ctl, ctlStep = f, si
				}
			}
		}
		if ctlStep < 0 {
			c.add(where, fmt.Sprintf("visible_if refers to unknown field %q", cond.Field))
			return
		}
		if ctlStep > step {
			c.add(where, fmt.Sprintf("visible_if refers to %q, in a later step", cond.Field))
		}
	}
	if !slices.Contains(discrete, ctl.Type) {
		c.add(where, fmt.Sprintf("visible_if refers to %q, a %s field: only select, radio, checkboxes and yesno can control visibility", cond.Field, ctl.Type))
		return
	}
	if len(cond.In) == 0 {
		c.add(where, "visible_if has no values")
	}
	for _, val := range cond.In {
		ok := ctl.Type == TypeYesNo && (val == "yes" || val == "no")
		if ctl.Type != TypeYesNo {
			_, ok = optionIndex(ctl, val)
		}
		if !ok {
			c.add(where, fmt.Sprintf("visible_if value %q is not a value of %s", val, cond.Field))
		}
	}
}

var profileKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

func (c *checker) prefill(where string, fl Field, group *Field) {
	switch {
	case group != nil || fl.Type == TypeGroup || fl.Type == TypeFile || fl.Type == TypeParagraph:
		c.add(where, "prefill does not apply to "+fl.Type+" fields or inside groups")
	case slices.Contains(identityPrefills, fl.Prefill):
		if fl.Type == TypeAddress || fl.Type == TypeCheckboxes {
			c.add(where, "prefill "+fl.Prefill+" does not fit a "+fl.Type+" field")
		}
	case strings.HasPrefix(fl.Prefill, "profile."):
		if !profileKey.MatchString(strings.TrimPrefix(fl.Prefill, "profile.")) {
			c.add(where, fmt.Sprintf("prefill %q: the profile key must match %s", fl.Prefill, profileKey))
		}
	default:
		c.add(where, fmt.Sprintf("prefill %q must be one of %s or profile.<key>", fl.Prefill, strings.Join(identityPrefills, ", ")))
	}
}

func (c *checker) group(stepWhere, where string, step int, fl Field, parent *Field) {
	if parent != nil {
		c.add(where, "groups cannot be nested")
		return
	}
	if len(fl.Fields) == 0 {
		c.add(where, "group has no fields")
	}
	c.text(where, "item_label", fl.ItemLabel, true)
	if fl.MinItems < 0 || fl.MaxItems < 0 || fl.MaxItems > HardMaxItems ||
		fl.MinItems > MaxItems(fl) {
		c.add(where, fmt.Sprintf("items must satisfy 0 <= min_items <= max_items <= %d (max_items defaults to %d)", HardMaxItems, DefaultMaxItems))
	}
	for i, sub := range fl.Fields {
		c.field(stepWhere, step, i, sub, &fl)
	}
}

func (c *checker) rule(where string, r Rule) {
	c.text(where, "message", r.Message, true)
	switch r.Kind {
	case RuleAfter:
		c.ruleField(where, r.Field, TypeDate)
		c.ruleField(where, r.Other, TypeDate)
		if r.MaxDays < 0 {
			c.add(where, "max_days cannot be negative")
		}
		if len(r.Fields) > 0 {
			c.add(where, "fields is for at_least_one rules")
		}
	case RuleAtLeastOne:
		if len(r.Fields) < 2 {
			c.add(where, "at_least_one needs two fields or more")
		}
		for _, id := range r.Fields {
			c.ruleField(where, id, "")
		}
		if r.Field != "" || r.Other != "" {
			c.add(where, "field and other are for after rules")
		}
	default:
		c.add(where, fmt.Sprintf("unknown kind %q", r.Kind))
	}
}

// ruleField checks that a rule refers to a top-level field, of type typ when
// given.
func (c *checker) ruleField(where, id, typ string) {
	fl, ok := c.form.field(id)
	switch {
	case !ok:
		c.add(where, fmt.Sprintf("refers to unknown field %q", id))
	case typ != "" && fl.Type != typ:
		c.add(where, fmt.Sprintf("field %q is a %s field, want %s", id, fl.Type, typ))
	case fl.Type == TypeParagraph:
		c.add(where, fmt.Sprintf("field %q is a paragraph", id))
	}
}
