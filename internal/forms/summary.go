package forms

import (
	"strconv"
	"strings"

	"github.com/civica/civica/internal/locale"
)

// SummarySection is one step on the summary page.
type SummarySection struct {
	StepIndex int
	StepID    string
	Title     string
	Items     []SummaryItem
}

// SummaryItem is one answer, shown as a term (Label) and its description:
// Value when the answer is one line; Values, one line each, for checkboxes,
// an address (street and number, then postal code and comune) and files;
// Group for a repeatable group, one entry per item. Exactly one of the three
// is set. Key is the field's input name, for a "change" link (StepOf tells
// which step).
type SummaryItem struct {
	Key    string
	Label  string
	Value  string
	Values []string
	Group  []SummaryGroupItem
}

// SummaryGroupItem is one item of a group: "Familiare 1" and its answers.
type SummaryGroupItem struct {
	Label string
	Items []SummaryItem
}

// Summary lays out the visible, answered fields of every step in the
// person's language, with sections for steps that have any. Dates, amounts
// and yes/no are written as l writes them, options by their labels; files
// by their names from files (attachment id → name; the id when missing).
func (f Form) Summary(v Values, l *locale.Localizer, files map[string]string) []SummarySection {
	var out []SummarySection
	for i, s := range f.Steps {
		sec := SummarySection{StepIndex: i, StepID: s.ID, Title: s.Title.In(l.Lang)}
		for _, fl := range s.Fields {
			if !f.visible(fl, v, 0) {
				continue
			}
			if item, ok := summaryItem(fl, fl.ID, v, l, files); ok {
				sec.Items = append(sec.Items, item)
			}
		}
		if len(sec.Items) > 0 {
			out = append(out, sec)
		}
	}
	return out
}

func summaryItem(fl Field, key string, v Values, l *locale.Localizer, files map[string]string) (SummaryItem, bool) {
	item := SummaryItem{Key: key, Label: fl.Label.In(l.Lang)}
	if fl.Type == TypeParagraph || !answeredAt(fl, key, v) {
		return item, false
	}
	switch fl.Type {
	case TypeAddress:
		get := func(p string) string { return trimSpace(v.Get(key + "." + p)) }
		item.Values = nonEmpty(
			strings.TrimSpace(get("street")+" "+get("number")),
			strings.TrimSpace(get("postal_code")+" "+get("comune")),
		)
	case TypeCheckboxes:
		for _, s := range v[key] {
			if s != "" {
				item.Values = append(item.Values, optionLabel(fl, s, l.Lang))
			}
		}
	case TypeFile:
		for _, id := range v[key] {
			if id == "" {
				continue
			}
			name := files[id]
			if name == "" {
				name = id
			}
			item.Values = append(item.Values, name)
		}
	case TypeGroup:
		label := fl.ItemLabel.In(l.Lang)
		for i := range ItemCount(v, key) {
			prefix := ItemKey(key, i) + "."
			g := SummaryGroupItem{Label: label + " " + strconv.Itoa(i+1)}
			for _, sub := range fl.Fields {
				if !visibleInItem(fl, sub, prefix, v, 0) {
					continue
				}
				if it, ok := summaryItem(sub, prefix+sub.ID, v, l, files); ok {
					g.Items = append(g.Items, it)
				}
			}
			item.Group = append(item.Group, g)
		}
	default:
		item.Value = ShowValue(fl, v.Get(key), l)
	}
	return item, true
}

// ShowValue writes one stored answer for a person to read: a date as l
// writes dates, money as l writes amounts, yes/no and options by their
// labels; anything else as it is.
func ShowValue(fl Field, s string, l *locale.Localizer) string {
	switch fl.Type {
	case TypeDate:
		if t, ok := ParseDate(s); ok {
			return l.Date(t)
		}
	case TypeMoney:
		if c, err := strconv.ParseInt(s, 10, 64); err == nil {
			return l.Money(c)
		}
	case TypeYesNo:
		switch s {
		case "yes":
			return l.T("form.yes")
		case "no":
			return l.T("form.no")
		}
	case TypeSelect, TypeRadio:
		return optionLabel(fl, s, l.Lang)
	}
	return s
}

func optionLabel(fl Field, value, lang string) string {
	if i, ok := optionIndex(fl, value); ok {
		return fl.Options[i].Label.In(lang)
	}
	return value
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
