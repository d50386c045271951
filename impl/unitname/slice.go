package unitname

import "strings"

// RootSlice is the root of the slice tree.
const RootSlice = "-.slice"

// SliceIsValid reports whether name is a plain ".slice" name whose prefix
// has no leading, trailing or doubled "-", or is RootSlice.
func SliceIsValid(name string) bool {
	if !IsValid(name, Plain) {
		return false
	}
	if name == RootSlice {
		return true
	}
	prefix, ok := strings.CutSuffix(name, ".slice")
	if !ok {
		return false
	}
	return !strings.HasPrefix(prefix, "-") && !strings.HasSuffix(prefix, "-") && !strings.Contains(prefix, "--")
}

// SliceParent is the slice containing slice: "foo-bar.slice" gives
// "foo.slice", "foo.slice" gives RootSlice, and RootSlice has none
// (ok=false).
func SliceParent(slice string) (parent string, ok bool, err error) {
	if !SliceIsValid(slice) {
		return "", false, invalid("invalid slice name %q", slice)
	}
	if slice == RootSlice {
		return "", false, nil
	}
	if dash := strings.LastIndexByte(slice, '-'); dash >= 0 {
		return slice[:dash] + ".slice", true, nil
	}
	return RootSlice, true, nil
}

// SliceAncestors lists the slices containing slice, nearest first and
// ending with RootSlice: "a-b-c.slice" gives a-b.slice, a.slice, -.slice.
func SliceAncestors(slice string) ([]string, error) {
	var out []string
	for {
		parent, ok, err := SliceParent(slice)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, parent)
		slice = parent
	}
}

// SliceSubslice is the slice named name inside slice: ("foo.slice", "bar")
// gives "foo-bar.slice", (RootSlice, "bar") gives "bar.slice".
func SliceSubslice(slice, name string) (string, error) {
	if !SliceIsValid(slice) {
		return "", invalid("invalid slice name %q", slice)
	}
	if !PrefixIsValid(name) {
		return "", invalid("invalid unit prefix %q", name)
	}
	if slice == RootSlice {
		return name + ".slice", nil
	}
	return strings.TrimSuffix(slice, ".slice") + "-" + name + ".slice", nil
}
