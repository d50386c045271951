package unitpath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"gosystemd/impl/unitname"
)

// Syslog levels of Messages.
const (
	LevelErr     = 3
	LevelWarning = 4
	LevelNotice  = 5
	LevelInfo    = 6
	LevelDebug   = 7
)

// Message is something systemd logs at this point; the caller decides
// whether and where to print it.
type Message struct {
	Level int
	Text  string
}

// NameMap is what unit_file_build_name_map builds from the search path.
type NameMap struct {
	// IDs maps every unit name found to an absolute fragment path (a
	// unit file, or a symlink leaving the search path: a linked unit or
	// a mask) or to the name an alias symlink points to.
	IDs map[string]string
	// Names maps a unit's final name to all names that lead to it (the
	// unit's own name only if a file or symlink of that name exists).
	Names map[string][]string
	// Paths is every unit file, symlink and unit directory (".d",
	// ".wants", ".requires") found: the manager's unit path cache.
	Paths map[string]bool
	// Log is what systemd logs while building the map.
	Log []Message

	// names is the set of the last components of Paths, made on first
	// use (dirNames).
	names map[string]bool
	// chased caches the canonical forms of search path directories
	// (chaseDir), "" for those that do not resolve.
	chased map[string]string
}

// DropCaches lets go of what the map keeps only to answer faster (the
// set of names found, the resolved search path directories): PID 1
// keeps the map until the next reload but looks units up in bursts.
// The next lookup makes them again.
func (m *NameMap) DropCaches() { m.names, m.chased = nil, nil }

// dirNames is the set of file and directory names found, whatever the
// directory.
func (m *NameMap) dirNames() map[string]bool {
	if m.names == nil {
		m.names = make(map[string]bool, len(m.Paths))
		for p := range m.Paths {
			m.names[p[strings.LastIndexByte(p, '/')+1:]] = true
		}
	}
	return m.names
}

func (m *NameMap) logf(level int, format string, a ...any) {
	m.Log = append(m.Log, Message{level, fmt.Sprintf(format, a...)})
}

// NamesCompatible is unit_symlink_name_compatible: whether a symlink
// named symlink may point to a unit named target (the same name, an
// instance of the target template, or with instancePropagation a
// template pointing to the same template).
func NamesCompatible(symlink, target string, instancePropagation bool) bool {
	kind := unitname.Classify(symlink)
	if symlink == target && kind&(unitname.Plain|unitname.Instance) != 0 {
		return true
	}
	tmpl, err := unitname.TemplateOf(symlink)
	if err != nil {
		return false
	}
	targetKind := unitname.Classify(target)
	if tmpl != target || targetKind != unitname.Template {
		return false
	}
	return kind == unitname.Instance || instancePropagation && kind == unitname.Template
}

// AliasError is why an alias symlink is refused: Text is systemd's log
// message for it, Errno its error code (EINVAL for a bad source, EXDEV
// for a bad target, ELOOP for an alias to itself, which systemd logs at
// debug level only).
type AliasError struct {
	Text  string
	Errno syscall.Errno
}

func (e *AliasError) Error() string { return e.Text }
func (e *AliasError) Unwrap() error { return e.Errno }

// ValidateAlias is unit_validate_alias_symlink_or_warn: whether the
// alias symlink filename may point to target (both may be paths; only
// their last components count). The error is an *AliasError.
func ValidateAlias(filename, target string) error {
	refuse := func(errno syscall.Errno, format string, a ...any) error {
		return &AliasError{fmt.Sprintf(format, a...), errno}
	}
	src, dst := filepath.Base(filename), filepath.Base(target)
	srcInst, srcKind, err := unitname.InstanceOf(src)
	if err != nil {
		return refuse(syscall.EINVAL, "%s: not a valid unit name \"%s\": %s", filename, src, strerror(syscall.EINVAL))
	}
	srcType := unitname.TypeOf(src)
	if !srcType.MayAlias() {
		return refuse(syscall.EINVAL, "%s: symlinks are not allowed for units of this type, rejecting.", filename)
	}
	if srcKind != unitname.Plain && !srcType.MayTemplate() {
		return refuse(syscall.EINVAL, "%s: templates not allowed for %s units, rejecting.", filename, srcType)
	}
	if src == dst {
		return refuse(syscall.ELOOP, "%s: unit self-alias: %s → %s, ignoring.", filename, src, dst)
	}
	dstInst, dstKind, err := unitname.InstanceOf(dst)
	if err != nil {
		return refuse(syscall.EXDEV, "%s points to \"%s\" which is not a valid unit name: %s", filename, dst, strerror(syscall.EXDEV))
	}
	if !(dstKind == srcKind || srcKind == unitname.Instance && dstKind == unitname.Template) {
		return refuse(syscall.EXDEV, "%s: symlink target name type \"%s\" does not match source, rejecting.", filename, dst)
	}
	if dstKind == unitname.Instance && srcInst != dstInst {
		return refuse(syscall.EXDEV, "%s: unit symlink target \"%s\" instance name doesn't match, rejecting.", filename, dst)
	}
	if unitname.TypeOf(dst) != srcType {
		return refuse(syscall.EXDEV, "%s: symlink target \"%s\" has incompatible suffix, rejecting.", filename, dst)
	}
	return nil
}

// strerror is glibc's text for an errno.
func strerror(e syscall.Errno) string {
	s := e.Error()
	if s == "" || strings.HasPrefix(s, "errno ") {
		return fmt.Sprintf("Unknown error %d", int(e))
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// resolveSymlink is unit_file_resolve_symlink for loading (the
// destination is the alias target's name, or for a symlink leaving the
// search path the symlink's own path).
func (m *NameMap) resolveSymlink(root string, searchPath []string, dir, filename string) (dst string, ok bool) {
	target, err := os.Readlink(unitname.PathJoin(dir, filename))
	if err != nil {
		m.logf(LevelWarning, "Failed to read symlink %s/%s: %s", dir, filename, strerror(errnoOf(err)))
		return "", false
	}
	isAbs := strings.HasPrefix(target, "/")
	if root != "" || !isAbs {
		base := dir
		if isAbs {
			base = root
		}
		target = unitname.PathJoin(base, target)
	}
	simplified, err := m.chaseNoFollow(target, root)
	if err != nil {
		m.logf(LevelWarning, "Failed to resolve symlink %s/%s pointing to %s: %s", dir, filename, target, strerror(errnoOf(err)))
		return "", false
	}
	tail, inside := unitname.PathStartsWithAny(simplified, searchPath)
	if !inside {
		m.logf(LevelDebug, "Linked unit file: %s/%s → %s", dir, filename, simplified)
		return unitname.PathJoin(dir, filename), true
	}
	if err := ValidateAlias(filename, simplified); err != nil {
		level := LevelNotice
		if errnoOf(err) == syscall.ELOOP {
			level = LevelDebug
		}
		m.logf(level, "%s", err)
		return "", false
	}
	if strings.Contains(tail, "/") {
		m.logf(LevelWarning, "Suspicious symlink %s/%s → %s, treating as alias.", dir, filename, simplified)
	}
	return filepath.Base(simplified), true
}

// chaseNoFollow is Chase(target, root, ChaseNoFollow|ChaseNonexistent)
// with the directories of normalized targets resolved once (chaseDir's
// cache): symlinks in one directory mostly point into another.
func (m *NameMap) chaseNoFollow(target, root string) (string, error) {
	i := strings.LastIndexByte(target, '/')
	if root != "" || i <= 0 || i == len(target)-1 || !unitname.PathIsNormalized(target) {
		s, _, err := Chase(target, root, ChaseNoFollow|ChaseNonexistent)
		return s, err
	}
	parent := target[:i]
	if m.chased == nil {
		m.chased = map[string]string{}
	}
	rp, ok := m.chased[parent]
	if !ok {
		if r, exists, err := Chase(parent, "", 0); err == nil && exists {
			rp = r
		}
		m.chased[parent] = rp
	}
	if rp == "" {
		s, _, err := Chase(target, root, ChaseNoFollow|ChaseNonexistent)
		return s, err
	}
	return unitname.PathJoin(rp, target[i+1:]), nil
}

// dirNameIsValid is directory_name_is_valid: a unit name or unit type
// followed by ".wants", ".requires" or ".d".
func dirNameIsValid(name string) bool {
	for _, suffix := range []string{".wants", ".requires", ".d"} {
		if chopped, ok := strings.CutSuffix(name, suffix); ok {
			if unitname.IsValid(chopped, unitname.Any) || unitname.TypeFromString(chopped) != unitname.TypeInvalid {
				return true
			}
		}
	}
	return false
}

// BuildNameMap is unit_file_build_name_map over lp's search path.
func BuildNameMap(lp *LookupPaths) (*NameMap, error) {
	m := &NameMap{IDs: map[string]string{}, Names: map[string][]string{}, Paths: map[string]bool{}}

	// The search path plus each entry's canonical form, so that units in
	// symlinked directories still count as inside it.
	expanded := []string{}
	for _, dir := range lp.SearchPath {
		expanded = append(expanded, dir)
		resolved, _, err := Chase(dir, "", 0)
		if err != nil {
			if errnoOf(err) != syscall.ENOENT {
				m.logf(LevelWarning, "Failed to resolve symlink %s, ignoring: %s", dir, strerror(errnoOf(err)))
			}
			continue
		}
		if !slices.Contains(expanded, resolved) {
			expanded = append(expanded, resolved)
		}
	}

	for _, dir := range lp.SearchPath {
		entries, err := readDirUnsorted(dir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				m.logf(LevelWarning, "Failed to open \"%s\", ignoring: %s", dir, strerror(errnoOf(err)))
			}
			continue
		}
		for _, de := range entries {
			name := de.Name()
			typ := de.Type()
			symlinkToDir := false
			switch {
			case typ.IsRegular():
				if !unitname.IsValid(name, unitname.Any) {
					continue
				}
			case typ.IsDir():
				if !dirNameIsValid(name) {
					continue
				}
			case typ&fs.ModeSymlink != 0:
				if !unitname.IsValid(name, unitname.Any) {
					if !dirNameIsValid(name) {
						continue
					}
					target, err := os.Readlink(unitname.PathJoin(dir, name))
					if err != nil {
						m.logf(LevelWarning, "Failed to read symlink %s/%s, ignoring: %s", dir, name, strerror(errnoOf(err)))
						continue
					}
					// As systemd does, a relative target is taken
					// relative to the working directory here.
					if st, err := os.Stat(target); err != nil || !st.IsDir() {
						continue
					}
					symlinkToDir = true
				}
			default:
				continue
			}
			filename := unitname.PathJoin(dir, name)
			m.Paths[filename] = true
			if typ.IsDir() || symlinkToDir {
				continue
			}
			if _, seen := m.IDs[name]; seen {
				continue
			}
			dst := filename
			if typ&fs.ModeSymlink != 0 {
				var ok bool
				if dst, ok = m.resolveSymlink(lp.RootDir, expanded, dir, name); !ok {
					continue
				}
			} else {
				m.logf(LevelDebug, "unit_file_build_name_map: normal unit file: %s", dst)
			}
			m.IDs[name] = dst
		}
	}

	for _, src := range sortedKeys(m.IDs) {
		dst, err := m.lookupID(src)
		if err != nil {
			continue
		}
		if mask, err := IsMask(dst); err != nil || mask {
			continue
		}
		dst = filepath.Base(dst)
		// A symlink from an instance to a template aliases just that
		// instance: foo@id.service ↔ template@id.service.
		if unitname.IsValid(dst, unitname.Template) {
			inst, kind, err := unitname.InstanceOf(src)
			if err != nil {
				return nil, fmt.Errorf("extracting the instance of %s: %w", src, err)
			}
			if kind == unitname.Instance {
				withInst, err := unitname.ReplaceInstance(dst, inst)
				if err != nil {
					m.logf(LevelDebug, "Failed to build alias name (%s + %s), ignoring: %s", dst, inst, strerror(errnoOf(err)))
					continue
				}
				dst = withInst
			}
		}
		if !slices.Contains(m.Names[dst], src) {
			m.Names[dst] = append(m.Names[dst], src)
		}
	}
	return m, nil
}

// readDirUnsorted lists a directory in the order the file system gives.
func readDirUnsorted(dir string) ([]fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// followMax is how many alias hops unit_ids_map_get takes.
const followMax = 8

// lookupID is unit_ids_map_get: name followed through aliases to a
// fragment path. ENOENT: name is not in the map; ENXIO: an alias leads
// nowhere; ELOOP: too many hops.
func (m *NameMap) lookupID(name string) (string, error) {
	id := ""
	for range followMax {
		key := name
		if id != "" {
			key = id
		}
		t, ok := m.IDs[key]
		if !ok {
			if id == "" {
				return "", fmt.Errorf("unit %s: %w", name, syscall.ENOENT)
			}
			tmpl, err := unitname.TemplateOf(id)
			if err != nil {
				return "", fmt.Errorf("alias target %s of %s: %w", id, name, syscall.ENXIO)
			}
			if t, ok = m.IDs[tmpl]; !ok {
				return "", fmt.Errorf("alias target %s of %s: %w", id, name, syscall.ENXIO)
			}
		}
		if strings.HasPrefix(t, "/") {
			return t, nil
		}
		id = t
	}
	return "", fmt.Errorf("unit %s: %w", name, syscall.ELOOP)
}
