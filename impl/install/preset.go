package install

import (
	"fmt"
	"os"
	"strings"
	"syscall"

	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// PresetMode says which preset rules Preset and PresetAll apply.
type PresetMode int

// The modes, as --preset-mode= names them.
const (
	PresetFull PresetMode = iota
	PresetEnableOnly
	PresetDisableOnly
)

var presetModeNames = []string{"full", "enable-only", "disable-only"}

// PresetModeNames lists the modes' names in order.
func PresetModeNames() []string { return append([]string(nil), presetModeNames...) }

// ParsePresetMode maps a mode name to its PresetMode.
func ParsePresetMode(s string) (PresetMode, bool) {
	for i, n := range presetModeNames {
		if n == s {
			return PresetMode(i), true
		}
	}
	return 0, false
}

type presetAction int

const (
	presetUnknown presetAction = iota
	presetEnable
	presetDisable
)

type presetRule struct {
	pattern   string
	action    presetAction
	instances []string
}

// Presets are the rules of the preset files of one scope and root.
type Presets struct {
	rules []presetRule
}

// presetDirs are the directories preset files are read from.
func presetDirs(scope Scope) []string {
	sub := "systemd/system-preset"
	if scope != ScopeSystem {
		sub = "systemd/user-preset"
	}
	dirs := []string{"/etc/" + sub, "/run/" + sub, "/usr/local/lib/" + sub, "/usr/lib/" + sub}
	if scope == ScopeSystem {
		dirs = append(dirs, "/lib/"+sub)
	}
	return dirs
}

// splitLines splits data as read_line does: a line ends at "\n", "\r" or
// NUL, "\r\n" and "\n\r" counting as one end.
func splitLines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		n := 0
		for n < len(data) && data[n] != '\n' && data[n] != '\r' && data[n] != 0 {
			n++
		}
		lines = append(lines, string(data[:n]))
		rest := data[n:]
		seen := 0
		for len(rest) > 0 {
			var bit int
			switch rest[0] {
			case '\n':
				bit = 1
			case '\r':
				bit = 2
			case 0:
				rest = rest[1:]
				bit = -1
			}
			if bit == 0 || bit < 0 || seen&bit != 0 {
				break
			}
			seen |= bit
			rest = rest[1:]
		}
		data = rest
	}
	return lines
}

// firstWord is first_word: the rest of s after word when s starts with it
// followed by whitespace or nothing.
func firstWord(s, word string) (string, bool) {
	rest, ok := strings.CutPrefix(s, word)
	if !ok {
		return "", false
	}
	if rest == "" {
		return rest, true
	}
	if !strings.ContainsRune(unitfile.Whitespace, rune(rest[0])) {
		return "", false
	}
	return strings.TrimLeft(rest, unitfile.Whitespace), true
}

// ReadPresets reads the preset files of scope in root (read_presets).
// Lines it cannot parse are reported to log.
func ReadPresets(scope Scope, root string, log func(Message)) (*Presets, error) {
	if unitname.EmptyOrRoot(root) {
		root = ""
	}
	ps := &Presets{}
	for _, p := range unitpath.ConfFiles(".preset", root, presetDirs(scope)) {
		data, err := os.ReadFile(p)
		if err != nil {
			if errnoOf(err) == syscall.ENOENT {
				continue
			}
			return nil, err
		}
		for n, line := range splitLines(data) {
			if len(line) >= unitfile.LongLineMax {
				return nil, syscall.ENOBUFS
			}
			l := strings.Trim(line, unitfile.Whitespace)
			if l == "" || strings.ContainsRune("#;", rune(l[0])) {
				continue
			}
			var rule presetRule
			if param, ok := firstWord(l, "enable"); ok {
				name, instances, err := splitPattern(param)
				if err != nil {
					warnPreset(log, p, n+1, line)
					continue
				}
				rule = presetRule{pattern: name, action: presetEnable, instances: instances}
			}
			if param, ok := firstWord(l, "disable"); ok {
				rule = presetRule{pattern: param, action: presetDisable}
			}
			if rule.action != presetUnknown {
				ps.rules = append(ps.rules, rule)
				continue
			}
			warnPreset(log, p, n+1, line)
		}
	}
	return ps, nil
}

func warnPreset(log func(Message), file string, line int, text string) {
	if log != nil {
		log(Message{LevelWarning, fmt.Sprintf("%s:%d: Couldn't parse line '%s'. Ignoring.", file, line, text)})
	}
}

// splitPattern is split_pattern_into_name_and_instances: "foo@.service a
// b" names a template and the instances to enable.
func splitPattern(s string) (string, []string, error) {
	ex := unitfile.NewExtractor(s)
	name, _, err := ex.Next(unitfile.Whitespace, unitfile.ExtractRetainEscape)
	if err != nil {
		return "", nil, err
	}
	if ex.Done() {
		return name, nil, nil
	}
	if !unitname.IsValid(name, unitname.Template) {
		return "", nil, syscall.EINVAL
	}
	return name, strings.FieldsFunc(ex.Rest(), func(r rune) bool {
		return strings.ContainsRune(unitfile.Whitespace, r)
	}), nil
}

// matchInstances is pattern_match_multiple_instances: whether an enable
// rule with instances covers name, and for a template the instance names
// to enable.
func (r presetRule) matchInstances(name string) (bool, []string) {
	if r.instances == nil {
		return false, nil
	}
	template, err := unitname.TemplateOf(name)
	if err != nil || r.pattern != template {
		return false, nil
	}
	if unitname.IsValid(name, unitname.Template) {
		var out []string
		for _, inst := range r.instances {
			n, err := unitname.ReplaceInstance(name, inst)
			if err != nil {
				return false, nil
			}
			out = append(out, n)
		}
		return true, out
	}
	inst, _, _ := unitname.InstanceOf(name)
	return contains(r.instances, inst), nil
}

// query is query_presets: whether name is to be enabled (1) or disabled
// (0); with instances, an enable rule for a template can name instances.
func (ps *Presets) query(name string, withInstances bool) (bool, []string, error) {
	if !unitname.IsValid(name, unitname.Any) {
		return false, nil, syscall.EINVAL
	}
	for _, r := range ps.rules {
		if withInstances {
			if ok, list := r.matchInstances(name); ok {
				return r.action == presetEnable, list, nil
			}
		}
		if Fnmatch(r.pattern, name) {
			return r.action == presetEnable, nil, nil
		}
	}
	return true, nil, nil
}

// Query is unit_file_query_preset: whether the presets enable name.
func (ps *Presets) Query(name string) (bool, error) {
	enable, _, err := ps.query(name, false)
	return enable, err
}

// executePreset is execute_preset.
func (x *installer) executePreset(plus, minus *context, configPath string, mode PresetMode, force bool) int {
	r := 0
	if mode != PresetEnableOnly {
		set := removalSet{}
		if r = x.markForRemoval(minus, set); r < 0 {
			return r
		}
		r = x.removeMarked(set, configPath, false)
	}
	if mode != PresetDisableOnly {
		q := x.contextApply(plus, configPath, fileFlags{force: force, ignoreAuxFailure: true}, searchLoad)
		if r >= 0 {
			if q < 0 {
				r = q
			} else {
				r += q
			}
		}
	}
	return r
}

// presetPrepareOne is preset_prepare_one: sorts name into the units to
// enable (plus) or disable (minus).
func (x *installer) presetPrepareOne(plus, minus *context, name string, ps *Presets) int {
	if plus.find(name) != nil || minus.find(name) != nil {
		return 0
	}
	info, r := x.discover(&context{scope: x.scope}, name, searchFollowConfigSymlinks, true)
	if r < 0 {
		return r
	}
	if name != info.name {
		return 0
	}
	enable, instances, err := ps.query(name, true)
	if err != nil {
		return neg(err)
	}
	if enable {
		if instances != nil {
			for _, s := range instances {
				if _, r := x.discoverAndCheck(plus, s, searchLoad|searchFollowConfigSymlinks); r < 0 {
					return r
				}
			}
			return 0
		}
		_, r := x.discoverAndCheck(plus, name, searchLoad|searchFollowConfigSymlinks)
		return r
	}
	_, r = x.discover(minus, name, searchFollowConfigSymlinks, true)
	return r
}

// Preset is unit_file_preset: enables or disables names as the preset
// files say.
func Preset(o Options, names []string, mode PresetMode) (int, []Change, error) {
	return run(o, func(x *installer, configPath string) int {
		ps, err := ReadPresets(o.Scope, x.lp.RootDir, o.Log)
		if err != nil {
			return neg(err)
		}
		plus, minus := &context{scope: x.scope}, &context{scope: x.scope}
		for _, n := range names {
			if r := x.presetPrepareOne(plus, minus, n, ps); r < 0 {
				return r
			}
		}
		return x.executePreset(plus, minus, configPath, mode, o.Force)
	})
}

// PresetAll is unit_file_preset_all: applies the presets to every unit
// file in the search path.
func PresetAll(o Options, mode PresetMode) (int, []Change, error) {
	return run(o, func(x *installer, configPath string) int {
		ps, err := ReadPresets(o.Scope, x.lp.RootDir, o.Log)
		if err != nil {
			return neg(err)
		}
		plus, minus := &context{scope: x.scope}, &context{scope: x.scope}
		for _, d := range x.lp.SearchPath {
			entries, err := readDir(d)
			if err != nil {
				if errnoOf(err) == syscall.ENOENT {
					continue
				}
				return neg(err)
			}
			for _, de := range entries {
				if !unitname.IsValid(de.name, unitname.Any) {
					continue
				}
				if !de.isSymlink() && !de.isRegular() {
					continue
				}
				r := x.presetPrepareOne(plus, minus, de.name, ps)
				switch syscall.Errno(-r) {
				case syscall.EEXIST, syscall.ERFKILL, syscall.EADDRNOTAVAIL, syscall.EBADSLT, syscall.EIDRM,
					syscall.EUCLEAN, syscall.ELOOP, syscall.ENOENT, syscall.EUNATCH, syscall.EXDEV:
					continue
				}
				if r < 0 {
					return r
				}
			}
		}
		return x.executePreset(plus, minus, configPath, mode, o.Force)
	})
}
