package forms

import (
	"strconv"
	"strings"
)

// Group limits: MaxItems defaults to DefaultMaxItems and may not exceed
// HardMaxItems. Item indexes at or above maxItemIndex are not read at all, so
// a crafted post cannot make the engine loop over millions of items.
const (
	DefaultMaxItems = 10
	HardMaxItems    = 20
	maxItemIndex    = 100
)

// ItemKey is the input-name prefix of item i of a group: "household.2".
// The key itself, with an empty value, marks that the item exists even when
// none of its fields has been answered (the page renders it as a hidden
// input, so an added item survives a post with JavaScript off).
func ItemKey(group string, i int) string { return group + "." + strconv.Itoa(i) }

// itemIndex reads the item index of key inside group: "household.2.name" →
// 2, "household.2" → 2. ok is false when key is not an item key of group or
// the index is not written canonically (no sign, no leading zeros).
func itemIndex(key, group string) (int, bool) {
	rest, found := strings.CutPrefix(key, group+".")
	if !found {
		return 0, false
	}
	digits, _, _ := strings.Cut(rest, ".")
	if digits == "" || len(digits) > 3 || (len(digits) > 1 && digits[0] == '0') {
		return 0, false
	}
	n := 0
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	if n >= maxItemIndex {
		return 0, false
	}
	return n, true
}

// ItemCount is how many items of group v holds: one more than the highest
// item index present (items are numbered contiguously from 0).
func ItemCount(v Values, group string) int {
	n := 0
	for k := range v {
		if i, ok := itemIndex(k, group); ok && i+1 > n {
			n = i + 1
		}
	}
	return n
}

// AddItem returns a copy of v with one more, empty, item of group.
func AddItem(v Values, group string) Values {
	out := v.clone()
	out[ItemKey(group, ItemCount(v, group))] = []string{""}
	return out
}

// RemoveItem returns a copy of v without item i of group; the items after it
// move down by one, so indexes stay contiguous. An i out of range changes
// nothing.
func RemoveItem(v Values, group string, i int) Values {
	out := Values{}
	for k, vs := range v {
		j, ok := itemIndex(k, group)
		switch {
		case !ok || j < i:
			out[k] = vs
		case j == i:
			// dropped
		default:
			rest := strings.TrimPrefix(k, ItemKey(group, j))
			out[ItemKey(group, j-1)+rest] = vs
		}
	}
	return out
}

func (v Values) clone() Values {
	out := make(Values, len(v))
	for k, vs := range v {
		out[k] = vs
	}
	return out
}
