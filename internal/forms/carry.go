package forms

import (
	"slices"
	"sort"
	"strconv"
)

// Carry moves a draft written against an earlier version of the form onto
// this one. A key is kept when this version has a field at that key and
// every stored value still fits the field's type (a date is still a date,
// an option is still an option, money is still cents); bounds and Required
// are not checked here, submission does. It returns the kept answers and the
// keys dropped, sorted, so the page can tell the person what to answer again.
func (f Form) Carry(old Values) (Values, []string) {
	out := Values{}
	var dropped []string
	for k, vs := range old {
		if f.fits(k, vs) {
			out[k] = vs
		} else {
			dropped = append(dropped, k)
		}
	}
	sort.Strings(dropped)
	return out, dropped
}

func (f Form) fits(key string, vs []string) bool {
	i := f.StepOf(key)
	if i < 0 {
		return false
	}
	var fl Field
	for _, top := range f.Steps[i].Fields {
		if got, ok := fieldAt(top, key); ok {
			fl = got
		}
	}
	if fl.Type == TypeGroup || fl.Type == TypeFile {
		return true // an item marker, or attachment ids
	}
	if fl.Type != TypeCheckboxes && len(vs) > 1 {
		return false
	}
	return !slices.ContainsFunc(vs, func(s string) bool { return !storedFits(fl, s) })
}

// storedFits reports whether s is a stored answer of a field of fl's type.
func storedFits(fl Field, s string) bool {
	if s == "" {
		return true
	}
	switch fl.Type {
	case TypeMoney, TypeNumber:
		_, err := strconv.ParseInt(s, 10, 64)
		return err == nil
	case TypeDate:
		_, ok := parseStoredDate(s)
		return ok
	case TypeSelect, TypeRadio, TypeCheckboxes:
		_, ok := optionIndex(fl, s)
		return ok
	case TypeYesNo:
		return s == "yes" || s == "no"
	case TypeEmail:
		got, p := ValidateEmail(s)
		return p == nil && got == s
	case TypePhone:
		got, p := ValidatePhone(s)
		return p == nil && got == s
	case TypeFiscalCode:
		got, p := ValidateFiscalCode(s)
		return p == nil && got == s
	case TypeIBAN:
		got, p := ValidateIBAN(s)
		return p == nil && got == s
	case TypeText, TypeLongText, TypeAddress:
		return true
	}
	return false
}
