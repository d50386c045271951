package systemctl

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/install"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// The lines that frame what edit keeps of the temporary file.
const (
	editMarkerStart = "### Anything between here and the comment below will become the new contents of the file"
	editMarkerEnd   = "### Lines below this comment will be discarded"
)

// editPair is a file to write and the temporary file edited for it.
type editPair struct{ original, tmp string }

// edit is verb_edit.
func (t *tool) edit(args []string) error {
	if !term.IsTTY(t.stdio.Out) || !t.term.StderrTTY() {
		return t.errorf("Cannot edit units if not on a tty.")
	}
	if t.opts.remote || t.opts.machine {
		return t.errorf("Cannot edit units remotely.")
	}
	lp, err := unitpath.Init(t.opts.scope, unitpath.Options{Root: t.opts.root})
	if err != nil {
		return t.errorf("Failed to initialize unit search paths: %s", install.Strerror(errnoOf(err)))
	}
	b, err := t.connectBus()
	if err != nil {
		return err
	}
	names, err := t.expandOrSay(b, args[1:], "Failed to expand names")
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return t.errorf("No units matched the specified patterns.")
	}
	for _, n := range names {
		masked, err := t.unitIsMasked(b, lp, n)
		if err != nil {
			return err
		}
		if masked {
			return t.errorf("Cannot edit %s: unit is masked.", n)
		}
	}
	pairs, err := t.findPathsToEdit(b, lp, names)
	if err != nil {
		return err
	}
	if len(pairs) == 0 {
		return errReported
	}
	ret := t.runEditor(pairs)
	if ret == nil {
		ret = t.installEdited(pairs)
	}
	for _, p := range pairs {
		os.Remove(p.tmp)
		if !t.opts.full {
			// Only an empty drop-in directory goes. 252 keeps the
			// result of finding the directory's name as its own: a
			// failed editor, rename or reload still exits 0.
			syscall.Rmdir(filepath.Dir(p.original))
			ret = nil
		}
	}
	return ret
}

// installEdited moves each edited file in place and reloads.
func (t *tool) installEdited(pairs []editPair) error {
	for _, p := range pairs {
		if t.trimEditMarkers(p.tmp) != nil {
			continue
		}
		if st, err := os.Stat(p.tmp); err == nil && (st.Size() == 0 || st.Mode()&os.ModeCharDevice != 0 && isDevNull(st)) {
			t.warning("Editing \"%s\" canceled: temporary file is empty.", p.original)
			continue
		}
		if err := os.Rename(p.tmp, p.original); err != nil {
			return t.errorf("Failed to rename \"%s\" to \"%s\": %s", p.tmp, p.original, install.Strerror(errnoOf(err)))
		}
	}
	if !t.opts.noReload && !t.installClientSide() {
		return t.reloadManager()
	}
	return nil
}

func isDevNull(st os.FileInfo) bool {
	s, ok := st.Sys().(*syscall.Stat_t)
	return ok && s.Rdev == 0x103
}

// unitIsMasked is unit_is_masked.
func (t *tool) unitIsMasked(b *managerBus, lp *unitpath.LookupPaths, name string) (bool, error) {
	if unitname.IsValid(name, unitname.Template) {
		for _, dir := range lp.SearchPath {
			p := filepath.Join(dir, name)
			real, err := filepath.EvalSymlinks(p)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return false, t.errorf("Failed to access path \"%s\": %s", p, install.Strerror(errnoOf(err)))
			}
			st, err := os.Stat(real)
			return err == nil && (st.Size() == 0 || real == "/dev/null"), nil
		}
		return false, nil
	}
	state, err := b.stringProperty(unitPath(name), ifaceUnit, "LoadState")
	if err != nil {
		return false, t.errorf("Failed to get load state of %s: %s", name, busErrorMessage(err))
	}
	return state == "masked", nil
}

// findPathsToEdit is find_paths_to_edit.
func (t *tool) findPathsToEdit(b *managerBus, lp *unitpath.LookupPaths, names []string) ([]editPair, error) {
	var pairs []editPair
	for _, name := range names {
		st := &catState{lp: lp}
		fragment, dropins, err := t.findUnitPaths(b, st, name)
		if err == errUnitNotLoaded {
			t.logAt(logging.Debug, "Unit '%s' was not loaded correctly, retrying client-side.", name)
			st.clientSide = true
			fragment, dropins, err = t.findUnitPaths(b, st, name)
		}
		if err == errUnitMasked {
			return nil, t.errorf("Unit '%s' masked, cannot edit.", name)
		}
		if err != nil {
			return nil, err
		}
		var p editPair
		if fragment == "" {
			if t.opts.force == 0 {
				scope := ""
				switch t.opts.scope {
				case install.ScopeGlobal:
					scope = " --global"
				case install.ScopeUser:
					scope = " --user"
				}
				t.info("Run 'systemctl edit%s --force --full %s' to create a new unit.", scope, name)
				return nil, errReported
			}
			suffix := ".d/override.conf"
			if t.opts.full {
				suffix = ""
			}
			p, err = t.editNew(lp, name+suffix, nil)
		} else {
			unit := filepath.Base(fragment)
			if unitname.IsValid(name, unitname.Instance) && unitname.IsValid(unit, unitname.Template) {
				instance := name[strings.IndexByte(name, '@')+1 : strings.LastIndexByte(name, '.')]
				unit = unit[:strings.IndexByte(unit, '@')+1] + instance + unit[strings.LastIndexByte(unit, '.'):]
			}
			if t.opts.full {
				p, err = t.editCopy(lp, unit, fragment)
			} else {
				p, err = t.editNew(lp, unit+".d/override.conf", append([]string{fragment}, dropins...))
			}
		}
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, p)
	}
	return pairs, nil
}

// fileToEdit is get_file_to_edit: under /etc, or /run with --runtime
// unless /etc has the file.
func (t *tool) fileToEdit(lp *unitpath.LookupPaths, name string) (string, error) {
	path := filepath.Join(lp.PersistentConfig, name)
	if !t.opts.runtime {
		return path, nil
	}
	run := filepath.Join(lp.RuntimeConfig, name)
	if _, err := os.Lstat(path); err == nil {
		return "", t.errorf("Refusing to create \"%s\" because it would be overridden by \"%s\" anyway.", run, path)
	}
	return run, nil
}

// tempFileFor is tempfn_random: ".#" and random hex next to path.
func tempFileFor(path string) string {
	var r [8]byte
	_, _ = rand.Read(r[:])
	return filepath.Join(filepath.Dir(path), ".#"+filepath.Base(path)+hex.EncodeToString(r[:]))
}

// editNew is unit_file_create_new: the temporary file shows the file's
// current contents between the markers, then the unit's other files as
// comments.
func (t *tool) editNew(lp *unitpath.LookupPaths, name string, unitPaths []string) (editPair, error) {
	path, err := t.fileToEdit(lp, name)
	if err != nil {
		return editPair{}, err
	}
	tmp := tempFileFor(path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return editPair{}, t.errorf("Failed to create directories for \"%s\": %s", path, install.Strerror(errnoOf(err)))
	}
	if unitPaths == nil {
		return editPair{path, tmp}, nil
	}
	cur, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return editPair{}, t.errorf("Failed to read \"%s\": %s", path, install.Strerror(errnoOf(err)))
	}
	var s strings.Builder
	s.WriteString("### Editing " + path + "\n" + editMarkerStart + "\n\n" + string(cur))
	if err != nil || !strings.HasSuffix(string(cur), "\n") {
		s.WriteString("\n")
	}
	s.WriteString("\n" + editMarkerEnd)
	for _, p := range unitPaths {
		if p == path {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return editPair{}, t.errorf("Failed to read \"%s\": %s", p, install.Strerror(errnoOf(err)))
		}
		s.WriteString("\n\n### " + p)
		if c := strings.Trim(string(data), " \t\n\r"); c != "" {
			s.WriteString("\n# " + strings.ReplaceAll(c, "\n", "\n# "))
		}
	}
	if err := writeMode(tmp, s.String()); err != nil {
		return editPair{}, t.errorf("Failed to open \"%s\": %s", tmp, install.Strerror(errnoOf(err)))
	}
	return editPair{path, tmp}, nil
}

func writeMode(path, data string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	_, err = f.WriteString(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// editCopy is unit_file_create_copy: the temporary file starts as the
// unit's fragment.
func (t *tool) editCopy(lp *unitpath.LookupPaths, unit, fragment string) (editPair, error) {
	path, err := t.fileToEdit(lp, unit)
	if err != nil {
		return editPair{}, err
	}
	if fragment != path {
		if _, err := os.Stat(path); err == nil {
			return editPair{}, t.errorf("Overwriting \"%s\" with \"%s\" needs an answer on the terminal, which is not implemented yet.", path, fragment)
		}
	}
	tmp := tempFileFor(path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return editPair{}, t.errorf("Failed to create directories for \"%s\": %s", path, install.Strerror(errnoOf(err)))
	}
	src, err := os.Open(fragment)
	if errors.Is(err, os.ErrNotExist) {
		if err := writeMode(tmp, ""); err != nil {
			return editPair{}, t.errorf("Failed to create temporary file \"%s\": %s", tmp, install.Strerror(errnoOf(err)))
		}
		return editPair{path, tmp}, nil
	}
	if err == nil {
		var dst *os.File
		if dst, err = os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644); err == nil {
			_, err = io.Copy(dst, src)
			if cerr := dst.Close(); err == nil {
				err = cerr
			}
		}
		src.Close()
	}
	if err != nil {
		return editPair{}, t.errorf("Failed to create temporary file for \"%s\": %s", path, install.Strerror(errnoOf(err)))
	}
	return editPair{path, tmp}, nil
}

// runEditor is run_editor: $SYSTEMD_EDITOR, $EDITOR or $VISUAL (split at
// whitespace), else editor, nano, vim or vi, on the temporary files.
func (t *tool) runEditor(pairs []editPair) error {
	var editor []string
	for _, v := range []string{"SYSTEMD_EDITOR", "EDITOR", "VISUAL"} {
		if e, ok := os.LookupEnv(v); ok {
			editor = strings.Fields(e)
			break
		}
	}
	var files []string
	for _, p := range pairs {
		files = append(files, p.tmp)
	}
	run := func(argv []string) (bool, error) {
		path, err := exec.LookPath(argv[0])
		if err != nil {
			if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
				return false, nil
			}
			return true, err
		}
		cmd := exec.Command(path, argv[1:]...)
		cmd.Args[0] = argv[0]
		cmd.Stdin, cmd.Stdout, cmd.Stderr = t.stdio.In, t.stdio.Out, t.stdio.Err
		return true, cmd.Run()
	}
	var ran bool
	var err error
	if len(editor) > 0 {
		ran, err = run(append(editor, files...))
	}
	for _, name := range []string{"editor", "nano", "vim", "vi"} {
		if ran {
			break
		}
		argv := append([]string{name}, files...)
		if len(editor) > 1 {
			argv = append(append([]string{name}, editor[1:]...), files...)
		}
		if ran, err = run(argv); ran && err != nil && !isExitError(err) {
			t.logAt(logging.Err, "Failed to execute %s: %s", name, install.Strerror(errnoOf(err)))
			t.logAt(logging.Err, "(editor) failed with exit status 1.")
			return errReported
		}
	}
	if !ran {
		t.logAt(logging.Err, "Cannot edit units, no editor available. Please set either $SYSTEMD_EDITOR, $EDITOR or $VISUAL.")
		t.logAt(logging.Err, "(editor) failed with exit status 1.")
		return errReported
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ws, _ := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			return t.errorf("(editor) terminated by signal %s.", value.SignalName(int(ws.Signal())))
		}
		return t.errorf("(editor) failed with exit status %d.", ws.ExitStatus())
	}
	if err != nil {
		return t.errorf("Failed to execute %s: %s", editor[0], install.Strerror(errnoOf(err)))
	}
	return nil
}

func isExitError(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee)
}

// trimEditMarkers is trim_edit_markers: what lies between the markers,
// stripped, replaces the file when that changes its length as 252
// measures it.
func (t *tool) trimEditMarkers(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return t.errorf("Failed to read temporary file \"%s\": %s", path, install.Strerror(errnoOf(err)))
	}
	contents := string(data)
	if i := strings.IndexByte(contents, 0); i >= 0 {
		contents = contents[:i]
	}
	size := len(data)
	prefix, rest := "", contents
	if i := strings.Index(contents, editMarkerStart); i >= 0 {
		prefix, rest = contents[:i+len(editMarkerStart)], contents[i+len(editMarkerStart):]
	}
	if i := strings.Index(rest, editMarkerEnd); i >= 0 {
		rest = rest[:i]
	}
	body := strings.TrimRight(rest, " \t\n\r")
	// 252 compares the C string length of the whole buffer after cutting
	// at the end marker and the trailing whitespace.
	if len(prefix)+len(body) == size {
		return nil
	}
	body = strings.TrimLeft(body, " \t\n\r")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		return t.errorf("Failed to modify temporary file \"%s\": %s", path, install.Strerror(errnoOf(err)))
	}
	return nil
}
