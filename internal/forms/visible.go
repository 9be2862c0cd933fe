package forms

import "slices"

// Visibility is decided on the answers as they are (posted or stored): a
// condition holds when the controlling field is itself visible and one of its
// values is among the condition's. Conditions refer to a field of the form
// by id; inside a group, to a sibling of the same item.

// Visible reports whether the top-level field with id is shown given the
// answers v. An unknown id is not visible.
func (f Form) Visible(id string, v Values) bool {
	fl, ok := f.field(id)
	if !ok {
		return false
	}
	return f.visible(fl, v, 0)
}

func (f Form) visible(fl Field, v Values, depth int) bool {
	if fl.VisibleIf == nil {
		return true
	}
	ctl, ok := f.field(fl.VisibleIf.Field)
	// depth stops a cycle a definition that failed Check might contain.
	if !ok || depth > 20 || !f.visible(ctl, v, depth+1) {
		return false
	}
	return holds(fl.VisibleIf, v[ctl.ID])
}

// visibleInItem is visible for a field of a group item whose keys start with
// prefix ("household.1.").
func visibleInItem(group Field, fl Field, prefix string, v Values, depth int) bool {
	if fl.VisibleIf == nil {
		return true
	}
	ctl, ok := subField(group, fl.VisibleIf.Field)
	if !ok || depth > 20 || !visibleInItem(group, ctl, prefix, v, depth+1) {
		return false
	}
	return holds(fl.VisibleIf, v[prefix+ctl.ID])
}

func holds(c *Condition, values []string) bool {
	for _, s := range values {
		if slices.Contains(c.In, trimSpace(s)) {
			return true
		}
	}
	return false
}

// field finds a top-level field by id.
func (f Form) field(id string) (Field, bool) {
	for _, s := range f.Steps {
		for _, fl := range s.Fields {
			if fl.ID == id {
				return fl, true
			}
		}
	}
	return Field{}, false
}

func subField(group Field, id string) (Field, bool) {
	for _, fl := range group.Fields {
		if fl.ID == id {
			return fl, true
		}
	}
	return Field{}, false
}

// VisibleInItem reports whether sub, a field of group, is shown in the item
// whose keys start with prefix ("household.1"), given the answers v.
func VisibleInItem(group, sub Field, prefix string, v Values) bool {
	return visibleInItem(group, sub, prefix+".", v, 0)
}
