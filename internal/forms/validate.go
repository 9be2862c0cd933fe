package forms

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Address part limits, in characters.
const (
	maxStreet = 200
	maxNumber = 20
	maxComune = 100
)

// ValidateStep validates the answers to step i and returns them normalized,
// with the errors in the order of the step's fields.
//
// in holds the answers to read: pass the draft merged with the post
// (Merge(draft, i, posted)), since a VisibleIf may look at an earlier step.
// The result holds only the keys of step i's visible fields: a hidden field
// is neither validated nor kept. Every visible field with a single value
// (and every address part) is present, "" when left blank, so that "answered
// blank" differs from "never seen" (Prefill only fills the latter);
// checkboxes and files with nothing chosen are absent. Each group item is
// marked by its ItemKey. An answer with an error is returned as typed (not
// normalized), so the result alone can show the step again.
func (f Form) ValidateStep(i int, in Values, now time.Time) (Values, []FieldError) {
	out := Values{}
	var errs []FieldError
	if i < 0 || i >= len(f.Steps) {
		return out, nil
	}
	v := validation{in: in, out: out, now: now}
	for _, fl := range f.Steps[i].Fields {
		if f.visible(fl, in, 0) {
			v.field(fl, "")
		}
	}
	errs = v.errs
	return out, errs
}

// Validate validates every step and then the Rules, for submission. The
// result holds the normalized answers of every visible field; each error's
// key tells (through StepOf) on which step to show it.
func (f Form) Validate(all Values, now time.Time) (Values, []FieldError) {
	out := Values{}
	var errs []FieldError
	for i := range f.Steps {
		v, e := f.ValidateStep(i, all, now)
		for k, vs := range v {
			out[k] = vs
		}
		errs = append(errs, e...)
	}
	failed := map[string]bool{}
	for _, e := range errs {
		failed[e.Key] = true
	}
	for _, r := range f.Rules {
		if e, bad := f.checkRule(r, out, failed); bad {
			errs = append(errs, e)
		}
	}
	return out, errs
}

// checkRule reports the rule's error when it is broken. A rule on answers
// that are missing, hidden or already wrong is not checked: there is
// nothing to compare yet, and the person has a better message already.
func (f Form) checkRule(r Rule, v Values, failed map[string]bool) (FieldError, bool) {
	switch r.Kind {
	case RuleAfter:
		if failed[r.Field] || failed[r.Other] {
			return FieldError{}, false
		}
		d, ok1 := parseStoredDate(v.Get(r.Field))
		o, ok2 := parseStoredDate(v.Get(r.Other))
		if !ok1 || !ok2 {
			return FieldError{}, false
		}
		bad := d.Before(o) || d.Equal(o) && !r.OrEqual ||
			r.MaxDays > 0 && d.After(o.AddDate(0, 0, r.MaxDays))
		return FieldError{Key: r.Field, Message: r.Message}, bad
	case RuleAtLeastOne:
		shown := false
		for _, id := range r.Fields {
			if f.Visible(id, v) {
				shown = true
			}
			if f.answered(id, v) {
				return FieldError{}, false
			}
		}
		if !shown || len(r.Fields) == 0 {
			return FieldError{}, false
		}
		return FieldError{Key: r.Fields[0], Message: r.Message}, true
	}
	return FieldError{}, false
}

func parseStoredDate(s string) (time.Time, bool) {
	if !isoDate.MatchString(s) {
		return time.Time{}, false
	}
	return parseDate(s)
}

// answered reports whether a top-level field has a non-blank answer in v.
func (f Form) answered(id string, v Values) bool {
	fl, ok := f.field(id)
	if !ok {
		return false
	}
	return answeredAt(fl, id, v)
}

func answeredAt(fl Field, key string, v Values) bool {
	switch fl.Type {
	case TypeAddress:
		for _, p := range AddressParts {
			if !blank(v.Get(key + "." + p)) {
				return true
			}
		}
		return false
	case TypeGroup:
		return ItemCount(v, key) > 0
	}
	for _, s := range v[key] {
		if !blank(s) {
			return true
		}
	}
	return false
}

// validation collects the normalized answers and errors of one pass.
type validation struct {
	in, out Values
	now     time.Time
	errs    []FieldError
}

func (v *validation) fail(key string, p *Problem) {
	v.errs = append(v.errs, FieldError{Key: key, Code: p.Code, Params: p.Params})
}

// field validates the field fl whose key is prefix+fl.ID.
func (v *validation) field(fl Field, prefix string) {
	key := prefix + fl.ID
	switch fl.Type {
	case TypeParagraph:
		return
	case TypeAddress:
		v.address(fl, key)
		return
	case TypeGroup:
		v.group(fl, key)
		return
	case TypeCheckboxes:
		raw := v.in[key]
		got, p := ValidateCheckboxes(fl, raw)
		switch {
		case p != nil:
			v.out[key] = slices.Clone(raw)
			v.fail(key, p)
		case len(got) > 0:
			v.out[key] = got
		}
		return
	case TypeFile:
		v.files(fl, key)
		return
	}
	raw := v.in.Get(key)
	if blank(raw) {
		v.out[key] = []string{""}
		if fl.Required {
			v.fail(key, problem(CodeRequired))
		}
		return
	}
	got, p := validateScalar(fl, raw, v.now)
	if p != nil {
		v.out[key] = []string{raw}
		v.fail(key, p)
		return
	}
	v.out[key] = []string{got}
}

// validateScalar validates a non-blank answer to a single-value field.
func validateScalar(fl Field, raw string, now time.Time) (string, *Problem) {
	switch fl.Type {
	case TypeText, TypeLongText:
		return ValidateText(fl, raw)
	case TypeNumber:
		return ValidateNumber(fl, raw)
	case TypeMoney:
		return ValidateMoney(fl, raw)
	case TypeDate:
		return ValidateDate(fl, raw, now)
	case TypeEmail:
		return ValidateEmail(raw)
	case TypePhone:
		return ValidatePhone(raw)
	case TypeFiscalCode:
		return ValidateFiscalCode(raw)
	case TypeIBAN:
		return ValidateIBAN(raw)
	case TypeSelect, TypeRadio:
		return ValidateOption(fl, raw)
	case TypeYesNo:
		return ValidateYesNo(raw)
	}
	return "", problem(CodeOption) // unknown type: Check reports it
}

// address validates the four parts. A required address needs every part; an
// optional one may be left wholly blank, but once begun needs every part
// too, since half an address reaches nobody.
func (v *validation) address(fl Field, key string) {
	begun := false
	for _, p := range AddressParts {
		if !blank(v.in.Get(key + "." + p)) {
			begun = true
		}
	}
	for _, part := range AddressParts {
		k := key + "." + part
		raw := v.in.Get(k)
		if blank(raw) {
			v.out[k] = []string{""}
			if fl.Required || begun {
				v.fail(k, problem(CodeRequired))
			}
			continue
		}
		var got string
		var p *Problem
		switch part {
		case "postal_code":
			got, p = ValidatePostalCode(raw)
		case "number":
			got, p = ValidateText(Field{Type: TypeText, MaxLength: maxNumber}, raw)
		case "street":
			got, p = ValidateText(Field{Type: TypeText, MaxLength: maxStreet}, raw)
		default:
			got, p = ValidateText(Field{Type: TypeText, MaxLength: maxComune}, raw)
		}
		if p != nil {
			v.out[k] = []string{raw}
			v.fail(k, p)
			continue
		}
		v.out[k] = []string{got}
	}
}

// files keeps the attachment ids, trimmed and without duplicates.
func (v *validation) files(fl Field, key string) {
	var ids []string
	for _, s := range v.in[key] {
		if s = trimSpace(s); s != "" && !slices.Contains(ids, s) {
			ids = append(ids, s)
		}
	}
	if len(ids) > 0 {
		v.out[key] = ids
	}
	switch max := MaxFiles(fl); {
	case len(ids) == 0 && fl.Required:
		v.fail(key, problem(CodeFileRequired))
	case len(ids) > max:
		v.fail(key, problem(CodeTooMany, "max", strconv.Itoa(max)))
	}
}

// MaxFiles is how many files a file field takes: MaxFiles, 1 by default.
func MaxFiles(fl Field) int {
	if fl.MaxFiles > 0 {
		return fl.MaxFiles
	}
	return 1
}

// MaxItems is how many items a group takes: MaxItems, DefaultMaxItems by
// default, never more than HardMaxItems.
func MaxItems(fl Field) int {
	switch {
	case fl.MaxItems <= 0:
		return DefaultMaxItems
	case fl.MaxItems > HardMaxItems:
		return HardMaxItems
	}
	return fl.MaxItems
}

// MinItems is how many items a group needs: MinItems, at least 1 when the
// group is Required.
func MinItems(fl Field) int {
	if fl.Required && fl.MinItems < 1 {
		return 1
	}
	return fl.MinItems
}

// group validates the number of items and each item's fields, with the
// VisibleIf of a field read within its own item.
func (v *validation) group(fl Field, key string) {
	n := ItemCount(v.in, key)
	if min := MinItems(fl); n < min {
		v.fail(key, problem(CodeTooFewItems, "min", strconv.Itoa(min)))
	}
	if max := MaxItems(fl); n > max {
		v.fail(key, problem(CodeTooManyItems, "max", strconv.Itoa(max)))
	}
	for i := 0; i < n; i++ {
		item := ItemKey(key, i)
		v.out[item] = []string{""}
		prefix := item + "."
		for _, sub := range fl.Fields {
			if visibleInItem(fl, sub, prefix, v.in, 0) {
				v.field(sub, prefix)
			}
		}
	}
}

// StepOf is the index of the step a key belongs to ("phone",
// "residence.street", "household.1.name" all belong to the step of their
// top-level field), or -1 when no field of the form owns it.
func (f Form) StepOf(key string) int {
	id, _, _ := strings.Cut(key, ".")
	for i, s := range f.Steps {
		for _, fl := range s.Fields {
			if fl.ID == id {
				if fl.Type == TypeParagraph || !ownsKey(fl, key) {
					return -1
				}
				return i
			}
		}
	}
	return -1
}

// ownsKey reports whether key is one of the input names of the top-level
// field fl.
func ownsKey(fl Field, key string) bool {
	_, ok := fieldAt(fl, key)
	return ok
}

// fieldAt finds the field that key names, starting from the top-level field
// fl: fl itself, an address part (returned as the address), a group item
// marker (the group) or a field of an item.
func fieldAt(fl Field, key string) (Field, bool) {
	rest, ok := strings.CutPrefix(key, fl.ID)
	if !ok {
		return Field{}, false
	}
	if rest == "" {
		return fl, fl.Type != TypeAddress
	}
	rest, ok = strings.CutPrefix(rest, ".")
	if !ok {
		return Field{}, false
	}
	switch fl.Type {
	case TypeAddress:
		return fl, slices.Contains(AddressParts, rest)
	case TypeGroup:
		i, ok := itemIndex(key, fl.ID)
		if !ok {
			return Field{}, false
		}
		sub := strings.TrimPrefix(key, ItemKey(fl.ID, i))
		if sub == "" {
			return fl, true
		}
		sub = strings.TrimPrefix(sub, ".")
		id, _, _ := strings.Cut(sub, ".")
		sf, ok := subField(fl, id)
		if !ok || sf.Type == TypeGroup {
			return Field{}, false
		}
		return fieldAt(sf, sub)
	}
	return Field{}, false
}

// Merge returns the draft with step i's answers replaced by those in step:
// every key of step i is removed from the draft first (so a group item or a
// file removed on the page is gone), then step's keys that belong to step i
// are added. Keys of other steps in step are ignored.
func (f Form) Merge(draft Values, i int, step Values) Values {
	out := Values{}
	for k, vs := range draft {
		if f.StepOf(k) != i {
			out[k] = vs
		}
	}
	for k, vs := range step {
		if f.StepOf(k) == i {
			out[k] = vs
		}
	}
	return out
}
