package analyze

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/core/dep"
	"gosystemd/impl/core/job"
	"gosystemd/impl/core/state"
	"gosystemd/impl/unit"
	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// verifyOptions are the options of the verify verb.
type verifyOptions struct {
	man, generators bool
	// recursiveErrors is "yes", "no", "one" or recursiveUnset.
	recursiveErrors string
}

const recursiveUnset = ""

// Source locations of verify's messages, shown with SYSTEMD_LOG_LOCATION.
const (
	locVerify     = "src/analyze/analyze-verify.c"
	locVerifyUtil = "src/analyze/analyze-verify-util.c"
	locManager    = "src/core/manager.c"
)

// verifier is one run of verify: systemd-analyze's test-run manager.
type verifier struct {
	r      *run
	log    *logging.Logger
	level  logging.Level
	queue  *unit.LoadQueue
	root   string
	jobs   map[string]job.Type
	syntax map[string]bool // units with syntax warnings (log_syntax_callback)
	cache  *graphCache

	gcTuned   bool // collecting garbage less often than gcPercent says
	gcPercent int  // the GC percentage to go back to
}

// tuneGC goes back to the usual garbage collection once the heap holds
// more than a few verified units need, so that verifying many files at
// once does not cost several times the memory.
func (v *verifier) tuneGC() {
	if !v.gcTuned {
		return
	}
	// runtime.ReadMemStats rather than runtime/metrics: importing that
	// package costs every process of the multicall binary its tables.
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if ms.HeapAlloc > 16<<20 {
		debug.SetGCPercent(v.gcPercent)
		v.gcTuned = false
	}
}

// verbVerify is verb_verify: the files are copied where an alias is
// asked for, then loaded into a fresh manager with everything they pull
// in and checked.
func (r *run) verbVerify(args []string) int {
	t := term.Detect(r.stdio.Out, r.stdio.Err)
	v := &verifier{r: r, log: logging.New(r.stdio.Err, t, "systemd-analyze"), root: r.root,
		jobs: map[string]job.Type{}, syntax: map[string]bool{}}
	// A short run over many small objects: collecting garbage less often
	// costs little memory and a good part of the time, until the heap
	// grows (tuneGC).
	if _, set := os.LookupEnv("GOGC"); !set {
		v.gcPercent = debug.SetGCPercent(400)
		v.gcTuned = true
		defer func() {
			if v.gcTuned {
				debug.SetGCPercent(v.gcPercent)
			}
		}()
	}
	v.log.Setup()
	defer v.log.Close()
	v.level = levelFromEnv()

	tmp, err := unitpath.Mkdtemp("/tmp/systemd-analyze-")
	if err != nil {
		v.log.Log(logging.Err, locVerify+":63", "Failed to setup working directory: %s", logging.Strerror(errnoOf(err)))
		return 1
	}
	defer os.RemoveAll(tmp)
	files, err := processAliases(args[1:], tmp)
	if err != nil {
		v.log.Log(logging.Err, locVerify+":67", "Couldn't process aliases: %s", logging.Strerror(err))
		return 1
	}
	if err := v.verifyUnits(files); err != nil {
		return 1
	}
	return 0
}

// processAliases is process_aliases: "FILE:NAME" copies FILE to NAME in
// dir and stands for the copy.
func processAliases(args []string, dir string) ([]string, error) {
	var out []string
	for _, a := range args {
		src, alias, ok := strings.Cut(a, ":")
		if !ok {
			out = append(out, a)
			continue
		}
		base, err := pathExtractFilename(alias)
		if err != nil {
			return nil, err
		}
		dst := path.Join(dir, base)
		if err := copyFile(src, dst); err != nil {
			return nil, err
		}
		out = append(out, dst)
	}
	return out, nil
}

// copyFile is copy_file without flags: the destination is created with
// mode 0644 (less the umask) if missing and written over.
func copyFile(src, dst string) error {
	in, err := os.OpenFile(src, os.O_RDONLY|unix.O_NOCTTY, 0)
	if err != nil {
		return errnoOf(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|unix.O_NOCTTY, 0o644)
	if err != nil {
		return errnoOf(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return errnoOf(err)
	}
	return errnoOf(out.Close())
}

// pathExtractFilename is path_extract_filename.
func pathExtractFilename(p string) (string, error) {
	if !unitname.PathIsValid(p) {
		return "", syscall.EINVAL
	}
	last := lastComponent(p)
	switch {
	case last == "":
		return "", syscall.EADDRNOTAVAIL
	case len(last) > 255, last == "..":
		return "", syscall.EINVAL
	}
	return last, nil
}

// lastComponent is the last component of p that is not "." ("" for
// the root directory or ".").
func lastComponent(p string) string {
	parts := strings.Split(p, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] != "" && parts[i] != "." {
			return parts[i]
		}
	}
	return ""
}

// pathExtractDirectory is path_extract_directory for an absolute path:
// what comes before the last component, without trailing slashes and
// "." components.
func pathExtractDirectory(p string) (string, error) {
	if !unitname.PathIsValid(p) {
		return "", syscall.EINVAL
	}
	end := len(p)
	skip := func() {
		for end > 0 {
			switch {
			case p[end-1] == '/':
				end--
			case p[end-1] == '.' && (end == 1 || p[end-2] == '/'):
				end--
			default:
				return
			}
		}
	}
	skip()
	if end == 0 {
		return "", syscall.EADDRNOTAVAIL
	}
	start := strings.LastIndexByte(p[:end], '/') + 1
	if p[start:end] == ".." {
		return "", syscall.EINVAL
	}
	end = start
	skip()
	if end == 0 {
		if strings.HasPrefix(p, "/") {
			return "/", nil
		}
		return "", syscall.EDESTADDRREQ
	}
	return p[:end], nil
}

// makeAbsolute is path_make_absolute_cwd.
func makeAbsolute(p string) (string, error) {
	if strings.HasPrefix(p, "/") {
		return p, nil
	}
	wd, err := unitpath.MakeAbsolute(".")
	if err != nil {
		return "", err
	}
	return unitname.PathJoin(strings.TrimSuffix(wd, "/."), p), nil
}

// findUnitDirectory is find_unit_directory: the directory of an existing
// file, or of the template an instance file would use.
func findUnitDirectory(p string) (string, bool) {
	a, err := makeAbsolute(p)
	if err != nil {
		return "", false
	}
	if unix.Access(a, unix.F_OK) == nil {
		d, err := pathExtractDirectory(a)
		return d, err == nil
	}
	u, err := pathExtractFilename(a)
	if err != nil || !unitname.IsValid(u, unitname.Instance) {
		return "", false
	}
	t, err := unitname.TemplateOf(u)
	if err != nil {
		return "", false
	}
	d, err := pathExtractDirectory(a)
	if err != nil || unix.Access(unitname.PathJoin(d, t), unix.F_OK) != nil {
		return "", false
	}
	return d, true
}

// unitPath is verify_set_unit_path: the value of $SYSTEMD_UNIT_PATH the
// manager gets, with the directories of the files first; ok is false
// when it stays as it is.
func unitPath(files []string) (string, bool) {
	var dirs []string
	for _, f := range files {
		if d, ok := findUnitDirectory(f); ok && !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return "", false
	}
	joined := strings.Join(dirs, ":")
	if old, set := os.LookupEnv("SYSTEMD_UNIT_PATH"); !set || old != "" {
		joined += ":" + old
	}
	return joined, true
}

// prepareFilename is verify_prepare_filename: the absolute path of a
// unit file, a template taken as its instance "i".
func prepareFilename(f string) (string, error) {
	abs, err := makeAbsolute(f)
	if err != nil {
		return "", err
	}
	name := abs[strings.LastIndexByte(abs, '/')+1:]
	if !unitname.IsValid(name, unitname.Any) {
		return "", syscall.EINVAL
	}
	if unitname.IsValid(name, unitname.Template) {
		if name, err = unitname.ReplaceInstance(name, "i"); err != nil {
			return "", err
		}
	}
	dir, err := pathExtractDirectory(abs)
	if err != nil {
		return "", err
	}
	return unitname.PathJoin(dir, name), nil
}

// verifyUnits is verify_units; a non-nil error means failure.
func (v *verifier) verifyUnits(files []string) error {
	if len(files) == 0 {
		return nil
	}
	env := unitpath.Environ(nil)
	if p, ok := unitPath(files); ok {
		env = func(name string) (string, bool) {
			if name == "SYSTEMD_UNIT_PATH" {
				return p, true
			}
			return os.LookupEnv(name)
		}
	}
	var sc unitpath.Scope
	switch v.r.scope {
	case scopeUser:
		sc = unitpath.User
		if _, ok := os.LookupEnv("XDG_RUNTIME_DIR"); !ok {
			v.log.Log(logging.Err, "src/basic/path-lookup.c:99", "Failed to lookup RuntimeDirectory path: %s", logging.Strerror(syscall.ENXIO))
			v.log.Log(logging.Err, locVerifyUtil+":319", "Failed to initialize manager: %s", logging.Strerror(syscall.ENXIO))
			return syscall.ENXIO
		}
	case scopeGlobal:
		// The test-run manager knows no global scope; systemd aborts.
		v.log.Log(logging.Level(2), locManager+":782", "Assertion 'IN_SET(scope, LOOKUP_SCOPE_SYSTEM, LOOKUP_SCOPE_USER)' failed at src/core/manager.c:782, function manager_new(). Aborting.")
		return syscall.EINVAL
	}
	lp, err := unitpath.Init(sc, unitpath.Options{Flags: unitpath.TemporaryGenerated, Root: v.root, Env: env})
	if err != nil {
		if v.root != "" {
			v.log.Log(logging.Err, "src/shared/path-lookup.c:878", "Failed to initialize unit search paths for root directory %s: %s", v.root, logging.Strerror(err))
		} else {
			v.log.Log(logging.Err, "src/shared/path-lookup.c:878", "Failed to initialize unit search paths: %s", logging.Strerror(err))
		}
		return err
	}
	if lp.TempDir != "" {
		defer os.RemoveAll(lp.TempDir)
	}
	if v.r.verify.generators {
		v.runGenerators(lp, sc)
	}

	d := unit.NewDefaults()
	l := unit.NewLoader(d)
	l.FilesOnly = true
	l.IgnoreDependencies = v.r.verify.recursiveErrors == "no"
	v.queue = &unit.LoadQueue{Loader: l, Paths: lp, Log: v.logLoad}

	var firstErr error
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	var units []*unit.Unit
	for _, f := range files {
		prepared, err := prepareFilename(f)
		if err != nil {
			v.log.Log(logging.Err, locVerifyUtil+":336", "Failed to prepare filename %s: %s", f, logging.Strerror(err))
			fail(err)
			continue
		}
		u, err := v.queue.Load(path.Base(prepared))
		if err != nil {
			v.log.Log(logging.Err, locManager+":2279", "Failed to load unit file %s: %s", prepared, err.Error())
			fail(err)
			continue
		}
		if _, msg := u.ValidateLoadState(); msg != "" {
			v.log.Log(logging.Err, locManager+":2285", "%s", msg)
			fail(syscall.EINVAL)
			continue
		}
		units = append(units, u)
		v.tuneGC()
	}
	for _, u := range units {
		if err := v.verifyUnit(u); err != nil {
			fail(err)
		}
		v.tuneGC()
	}
	if firstErr != nil || len(v.syntax) == 0 {
		return firstErr
	}
	switch v.r.verify.recursiveErrors {
	case "yes", "no":
		return syscall.ENOTRECOVERABLE
	case "one":
		for _, f := range files {
			if v.syntax[f[strings.LastIndexByte(f, '/')+1:]] {
				return syscall.ENOTRECOVERABLE
			}
		}
	}
	return nil
}

// logLoad prints a message of loading and notes syntax warnings, as
// verify's log_syntax callback does.
func (v *verifier) logLoad(u *unit.Unit, d unit.Diagnostic) {
	level := logging.Level(d.Level)
	if u != nil && isSyntax(d) && level <= logging.Warning && level <= v.level {
		v.syntax[u.ID] = true
	}
	v.log.Log(level, "", "%s", unit.Message(d))
}

// isSyntax reports whether a message is about a line of a file
// (log_syntax) rather than about a unit.
func isSyntax(d unit.Diagnostic) bool {
	return d.Line > 0 || strings.HasPrefix(d.File, "/")
}

// verifyUnit is verify_unit: a start job for the unit, then the checks
// of sockets, commands and documentation. The error is the first check
// that failed.
func (v *verifier) verifyUnit(u *unit.Unit) error {
	var first error
	note := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	note(v.startJob(u))
	note(v.verifySocket(u))
	note(v.verifyExecutables(u))
	note(v.verifyDocumentation(u))
	return first
}

func (v *verifier) unitLog(level logging.Level, loc string, u *unit.Unit, format string, args ...any) {
	v.log.Log(level, loc, "%s: %s", u.ID, fmt.Sprintf(format, args...))
}

// startJob is manager_add_job for a start job in replace mode, with the
// jobs of earlier units installed.
func (v *verifier) startJob(u *unit.Unit) error {
	v.queue.Finish()
	if n := v.queue.Generation(); v.cache == nil || v.cache.units != n {
		v.cache = &graphCache{units: n, deps: map[depsKey][]job.UnitID{}}
	}
	g := &verifyGraph{q: v.queue, jobs: v.jobs, cache: v.cache}
	plan, err := job.Enqueue(g, job.Start, u.ID, job.Replace)
	if plan != nil {
		for _, l := range plan.Logs {
			msg := l.Msg
			if l.Unit != "" {
				msg = l.Unit + ": " + msg
			}
			v.log.Log(logging.Level(l.Level), "src/core/transaction.c", "%s", msg)
		}
	}
	if err != nil {
		v.unitLog(logging.Err, locVerifyUtil+":226", u, "Failed to create %s/start: %s", u.ID, err.Error())
		return err
	}
	for _, pj := range plan.Jobs {
		var existing *job.Installed
		if t, ok := v.jobs[pj.Unit]; ok {
			existing = &job.Installed{Type: t, State: job.Waiting}
		}
		_, t := job.Install(existing, pj.Type, state.Inactive)
		v.jobs[pj.Unit] = t
	}
	return nil
}

// verifySocket is verify_socket: a socket's service must load.
func (v *verifier) verifySocket(u *unit.Unit) error {
	if u.Type != unitname.Socket {
		return nil
	}
	name, err := u.SocketService()
	var svc *unit.Unit
	if err == nil {
		svc, err = v.queue.Load(name)
	}
	if err != nil {
		v.unitLog(logging.Err, locVerifyUtil+":174", u, "service unit for the socket cannot be loaded: %s", logging.Strerror(err))
		return err
	}
	if svc.LoadState != unit.Loaded {
		v.unitLog(logging.Err, locVerifyUtil+":177", u, "service %s not loaded, socket cannot be started.", svc.ID)
		return syscall.ENOENT
	}
	return nil
}

// verifyExecutables is verify_executables: the first command of each
// kind must be executable, unless failing is allowed ("-").
func (v *verifier) verifyExecutables(u *unit.Unit) error {
	var cmds [][]unit.ExecCommand
	switch {
	case u.Service != nil:
		cmds = u.Service.Exec[:]
	case u.Socket != nil:
		cmds = u.Socket.Exec[:]
	}
	var first error
	for _, list := range cmds {
		if len(list) == 0 || list[0].Flags&unitfile.ExecIgnoreFailure != 0 {
			continue
		}
		if err := findExecutable(list[0].Path, v.root); err != nil {
			v.unitLog(logging.Err, locVerifyUtil+":196", u, "Command %s is not executable: %s", list[0].Path, logging.Strerror(err))
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// defaultPath is systemd's DEFAULT_PATH with a split /usr, which
// verify searches for commands without a slash.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// findExecutable is find_executable_full without $PATH.
func findExecutable(name, root string) error {
	if strings.Contains(name, "/") {
		return checkExecutable(name, root)
	}
	last := error(syscall.ENOENT)
	for _, dir := range strings.Split(defaultPath, ":") {
		err := checkExecutable(dir+"/"+name, root)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EACCES) {
			last = err
		}
	}
	return last
}

// checkExecutable is find_executable_impl and check_x_access.
func checkExecutable(p, root string) error {
	if root != "" {
		resolved, _, err := unitpath.Chase(p, root, unitpath.ChasePrefixRoot)
		if err != nil {
			return errnoOf(err)
		}
		p = resolved
	}
	fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return errnoOf(err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return errnoOf(err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
	case unix.S_IFDIR:
		return syscall.EISDIR
	case unix.S_IFLNK:
		return syscall.ELOOP
	default:
		return syscall.EBADFD
	}
	if err := unix.Access("/proc/self/fd/"+strconv.Itoa(fd), unix.X_OK); err != nil {
		return errnoOf(err)
	}
	return nil
}

// verifyDocumentation is verify_documentation: with --man, every man:
// page the unit documents must show.
func (v *verifier) verifyDocumentation(u *unit.Unit) error {
	var first error
	for _, doc := range u.Documentation {
		page, ok := strings.CutPrefix(doc, "man:")
		if !v.r.verify.man || !ok {
			continue
		}
		code, err := showManPage(page)
		var e error
		switch {
		case err != nil:
			v.unitLog(logging.Err, locVerifyUtil+":241", u, "Can't show %s: %s", page, logging.Strerror(err))
			e = err
		case code != 0:
			v.unitLog(logging.Err, locVerifyUtil+":243", u, "Command 'man %s' failed with code %d", page, code)
			e = syscall.ENOEXEC
		}
		if e != nil && first == nil {
			first = e
		}
	}
	return first
}

// showManPage is show_man_page with the standard streams on /dev/null:
// "page(section)" runs `man section page`. It returns man's exit code.
func showManPage(desc string) (int, error) {
	args := []string{desc}
	if strings.HasSuffix(desc, ")") {
		if i := strings.LastIndexByte(desc, '('); i >= 0 {
			args = []string{desc[i+1 : len(desc)-1], desc[:i]}
		}
	}
	prog, err := lookPath("man")
	if err != nil {
		// execvp fails in the child, which exits with EXIT_FAILURE.
		return 1, nil
	}
	cmd := exec.Command(prog, args...)
	cmd.Args[0] = "man"
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return 0, syscall.EPROTO
			}
			return ee.ExitCode(), nil
		}
		return 1, nil
	}
	return 0, nil
}

// lookPath is execvp's search: $PATH, or "/bin:/usr/bin" when unset.
func lookPath(name string) (string, error) {
	p, ok := os.LookupEnv("PATH")
	if !ok {
		p = "/bin:/usr/bin"
	}
	for _, dir := range strings.Split(p, ":") {
		if dir == "" {
			dir = "."
		}
		f := dir + "/" + name
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() && unix.Access(f, unix.X_OK) == nil {
			return f, nil
		}
	}
	return "", syscall.ENOENT
}

// verifyGraph shows the loaded units to the transaction engine: all
// inactive, with the jobs earlier units installed.
type verifyGraph struct {
	q     *unit.LoadQueue
	jobs  map[string]job.Type
	cache *graphCache
}

// Deps lists the units u depends on with any of the atoms, each once.
// The dependencies name primary names (LoadQueue.Finish); the answers
// are kept until more units load.
func (g *verifyGraph) Deps(id job.UnitID, atoms dep.Atom) []job.UnitID {
	key := depsKey{id, atoms}
	if out, ok := g.cache.deps[key]; ok {
		return out
	}
	u := g.q.Unit(id)
	if u == nil {
		return nil
	}
	var out []job.UnitID
	var seen map[string]bool
	for k := dep.Kind(0); k < dep.NumKinds; k++ {
		if k.Atoms()&atoms == 0 || u.Deps[k].Len() == 0 {
			continue
		}
		if seen == nil {
			seen = map[string]bool{}
		}
		for _, n := range u.Deps[k].List() {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	g.cache.deps[key] = out
	return out
}

type depsKey struct {
	unit  string
	atoms dep.Atom
}

// graphCache holds what the graph answered about a set of loaded units.
type graphCache struct {
	units int // the queue's Generation when it was made
	deps  map[depsKey][]job.UnitID
}

func (g *verifyGraph) ActiveState(job.UnitID) state.Active { return state.Inactive }

func (g *verifyGraph) LoadState(id job.UnitID) state.Load {
	u := g.q.Unit(id)
	if u == nil {
		return state.NotFound
	}
	s, ok := state.ParseLoad(string(u.LoadState))
	if !ok {
		return state.NotFound
	}
	return s
}

func (g *verifyGraph) LoadError(id job.UnitID) string {
	if u := g.q.Unit(id); u != nil && u.LoadErr != nil {
		return logging.Strerror(u.LoadErr)
	}
	return ""
}

func (g *verifyGraph) Job(id job.UnitID) *job.Installed {
	if t, ok := g.jobs[id]; ok {
		return &job.Installed{Type: t, State: job.Waiting}
	}
	return nil
}

// JobApplicable is unit_job_is_applicable.
func (g *verifyGraph) JobApplicable(id job.UnitID, t job.Type) bool {
	u := g.q.Unit(id)
	if u == nil {
		return false
	}
	switch t {
	case job.VerifyActive, job.Start, job.Nop:
		return true
	case job.Stop:
		return !u.Perpetual
	case job.Restart, job.TryRestart:
		return u.Type != unitname.Device && u.Type != unitname.Scope
	}
	return false
}

func (g *verifyGraph) AllowIsolate(id job.UnitID) bool {
	u := g.q.Unit(id)
	return u != nil && u.AllowIsolate
}

func (g *verifyGraph) IgnoreOnIsolate(id job.UnitID) bool {
	u := g.q.Unit(id)
	return u != nil && u.IgnoreOnIsolate
}

func (g *verifyGraph) Units() []job.UnitID {
	var out []job.UnitID
	for _, u := range g.q.Units() {
		out = append(out, u.ID)
	}
	return out
}

func (g *verifyGraph) JobUnits() []job.UnitID {
	var out []job.UnitID
	for id := range g.jobs {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func (g *verifyGraph) Following(job.UnitID) []job.UnitID { return nil }

func (g *verifyGraph) StatusString(id job.UnitID) string {
	if u := g.q.Unit(id); u != nil && u.Description != "" {
		return u.Description
	}
	return id
}

// levelFromEnv is the maximum log level $SYSTEMD_LOG_LEVEL sets (info
// when unset or bad), which decides what counts as logged.
func levelFromEnv() logging.Level {
	names := []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}
	e, ok := os.LookupEnv("SYSTEMD_LOG_LEVEL")
	if !ok {
		return logging.Info
	}
	for i, n := range names {
		if e == n {
			return logging.Level(i)
		}
	}
	if n, err := strconv.ParseUint(strings.TrimSpace(e), 0, 8); err == nil && n <= 7 {
		return logging.Level(n)
	}
	return logging.Info
}

// errnoOf is the errno an error carries, EIO if none; nil stays nil.
func errnoOf(err error) error {
	if err == nil {
		return nil
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}
