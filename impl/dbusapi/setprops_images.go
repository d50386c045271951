package dbusapi

import (
	"encoding/base64"
	"encoding/hex"
	"path"
	"strings"

	"gosystemd/impl/core/manager"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

// The image, verity, NUMA policy and file system settings of
// bus_exec_context_set_transient_property.

var numaPolicyNames = []string{"default", "preferred", "bind", "interleave", "local"}

// mountOptions is one (ss) of a mount option list: partition and options.
type mountOptions struct{ partition, options string }

// readMountOptions is bus_read_mount_options: it checks an a(ss) and
// returns the options and the text 252 makes of them, each pair
// "partition:::options" (252 separates every word it joins with sep,
// the colons it puts in them included).
func readMountOptions(v any, sep string) ([]mountOptions, string, error) {
	rows, ok := pairRows[string, string](v)
	if !ok {
		return nil, "", errUnexpected
	}
	var out []mountOptions
	var b strings.Builder
	for _, r := range rows {
		if strings.ContainsAny(r.second, " \t\n\r") {
			return nil, "", invalidArgs("Invalid mount options string, contains whitespace character(s): %s", r.second)
		}
		if !unit.PartitionValid(r.first) {
			return nil, "", invalidArgs("Invalid partition name %s", r.first)
		}
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(r.first + sep + ":" + sep + shellEscape(r.second, ":"))
		out = append(out, mountOptions{r.first, r.second})
	}
	return out, b.String(), nil
}

// imageOptionsText is how the unit file parser takes options back:
// ":partition:options" for each.
func imageOptionsText(opts []mountOptions) string {
	var b strings.Builder
	for _, o := range opts {
		b.WriteString(":" + o.partition + ":" + shellEscape(o.options, ":"))
	}
	return b.String()
}

// execImages handles RootHash*, RootImageOptions=, MountImages=,
// ExtensionImages=, NUMAPolicy= and RestrictFileSystems=.
func (w *propWriter) execImages() (bool, error) {
	switch w.name {
	case "RootHash", "RootHashSignature":
		b, ok := w.v.([]byte)
		if !ok {
			return true, errUnexpected
		}
		switch {
		case len(b) == 0:
			w.write(true, w.name, w.name+"=")
		case w.name == "RootHash":
			w.write(true, w.name, "RootHash="+hex.EncodeToString(b))
		default:
			w.write(true, w.name, "RootHashSignature=base64:"+base64.StdEncoding.EncodeToString(b))
		}
		return true, nil
	case "RootHashPath", "RootHashSignaturePath":
		// Written as RootHash= and RootHashSignature=, which take a
		// path too.
		key := strings.TrimSuffix(w.name, "Path")
		s, err := w.str()
		if err != nil {
			return true, err
		}
		if s != "" && !path.IsAbs(s) {
			return true, invalidArgs("Invalid %s setting: %s", key, s)
		}
		w.write(true, key, key+"="+specifierEscape(s))
		// Read back, the path is taken as written, specifiers and all.
		w.setLive(key + "=" + s)
		return true, nil
	case "RootImageOptions":
		opts, _, err := readMountOptions(w.v, " ")
		if err != nil {
			return true, err
		}
		// 252 loses the text of the options (its join starts from
		// nothing) but keeps them in memory.
		w.write(true, w.name, "RootImageOptions=")
		if len(opts) > 0 {
			var words []string
			for _, o := range opts {
				words = append(words, o.partition+":"+shellEscape(o.options, ":"))
			}
			w.setLive(specifierEscape("RootImageOptions=" + strings.Join(words, " ")))
		}
		return true, nil
	case "MountImages", "ExtensionImages":
		return true, w.images(w.name == "MountImages")
	case "NUMAPolicy":
		n, err := w.i32()
		if err != nil {
			return true, err
		}
		if n < 0 || int(n) >= len(numaPolicyNames) {
			return true, invalidArgs("Invalid NUMAPolicy value: %d", n)
		}
		// 252 keeps it without writing it.
		w.out.settings = append(w.out.settings, manager.Setting{Private: true, Name: w.name, Live: "NUMAPolicy=" + numaPolicyNames[n]})
		return true, nil
	case "RestrictFileSystems":
		allow, l, err := w.boolStrv()
		if err != nil {
			return true, err
		}
		if len(l) == 0 {
			w.write(true, w.name, "RestrictFileSystems=")
			return true, nil
		}
		prefix := "~"
		if allow {
			prefix = ""
		}
		w.write(true, w.name, "RestrictFileSystems="+prefix+strings.Join(l, " "))
		return true, nil
	}
	return false, nil
}

// images is MountImages= (a(ssba(ss))) and ExtensionImages=
// (a(sba(ss))): the images are added to the unit's.
func (w *propWriter) images(mount bool) error {
	rows, ok := w.v.([][]any)
	if !ok {
		return errUnexpected
	}
	// text is what 252 writes: its join starts from nothing, which
	// drops the first image (not its options) and puts a space first.
	var text *string
	var live []string
	for _, r := range rows {
		n := 3
		if mount {
			n = 4
		}
		if len(r) != n {
			return errUnexpected
		}
		src, ok1 := r[0].(string)
		dst, ignore, ok2, ok3 := "", false, true, true
		if mount {
			dst, ok2 = r[1].(string)
			ignore, ok3 = r[2].(bool)
		} else {
			ignore, ok3 = r[1].(bool)
		}
		if !ok1 || !ok2 || !ok3 {
			return errUnexpected
		}
		switch {
		case !path.IsAbs(src):
			return invalidArgs("Source path %s is not absolute.", src)
		case !unitname.PathIsNormalized(src):
			return invalidArgs("Source path %s is not normalized.", src)
		case mount && !path.IsAbs(dst):
			return invalidArgs("Destination path %s is not absolute.", dst)
		case mount && !unitname.PathIsNormalized(dst):
			return invalidArgs("Destination path %s is not normalized.", dst)
		}
		tuple := ""
		if ignore {
			tuple = "-"
		}
		tuple += shellEscape(src, ":")
		if mount {
			tuple += ":" + shellEscape(dst, ":")
		}
		if text == nil {
			text = new(string)
		} else {
			*text += " " + tuple
		}
		opts, optText, err := readMountOptions(r[n-1], ":")
		if err != nil {
			return err
		}
		if len(opts) > 0 {
			if *text != "" {
				*text += ":"
			}
			*text += optText
		}
		live = append(live, tuple+imageOptionsText(opts))
	}
	if len(rows) == 0 {
		w.write(true, w.name, w.name+"=")
		return nil
	}
	w.write(true, w.name, cescape(specifierEscape(w.name+"="+*text)))
	w.setLive(specifierEscape(w.name + "=" + strings.Join(live, " ")))
	return nil
}
