// Package unitpath owns where unit files come from and how a unit name
// finds its files, as systemd 252 does it: the search paths of the system
// and user managers (src/basic/path-lookup.c), the map from every unit
// name found there to its fragment or alias target, the fragment and the
// full set of names of a unit (src/basic/unit-file.c), its drop-in files
// and its .wants/.requires dependencies (src/shared/dropin.c,
// src/core/load-dropin.c), and symlink canonicalization inside a root
// directory (chase_symlinks).
//
// It never logs: what systemd would log comes back as Messages for the
// caller to print. The manager core, offline analyzers and tools may
// import it; it imports only unitname and unitfile of ours.
package unitpath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unitname"
)

// Scope is which manager the paths are for (LookupScope).
type Scope int

const (
	System Scope = iota // the system manager
	User                // a per-user manager
	Global              // every user's managers (no per-user directories)
)

// Flags modify Init as LookupPathsFlags do.
type Flags int

const (
	// ExcludeGenerated leaves out the generator directories.
	ExcludeGenerated Flags = 1 << iota
	// TemporaryGenerated puts the generator and transient directories
	// into a fresh temporary directory (LookupPaths.TempDir), which the
	// caller removes.
	TemporaryGenerated
)

// LookupPaths is systemd's LookupPaths: the unit search path, highest
// priority first, and the special directories in it ("" when absent).
// With a root directory every path carries it as prefix.
type LookupPaths struct {
	SearchPath []string

	PersistentConfig, RuntimeConfig          string
	Generator, GeneratorEarly, GeneratorLate string
	Transient                                string
	PersistentControl, RuntimeControl        string
	PersistentAttached, RuntimeAttached      string
	RootDir                                  string
	TempDir                                  string
}

// Directories as Debian bookworm configures systemd 252 (split /usr:
// the system's own units under /lib/systemd/system).
const (
	systemConfigUnitDir = "/etc/systemd/system"
	systemDataUnitDir   = "/lib/systemd/system"
	userConfigUnitDir   = "/etc/systemd/user"
	userDataUnitDir     = "/usr/lib/systemd/user"
	systemGeneratorDir  = "/lib/systemd/system-generators"
	userGeneratorDir    = "/usr/lib/systemd/user-generators"
)

// Options are Init's inputs besides the scope.
type Options struct {
	Flags Flags
	// Root is the root directory every path is placed under ("" or "/"
	// for the host's).
	Root string
	// Env reads $SYSTEMD_UNIT_PATH, $HOME and the XDG variables.
	Env Environ
}

// Init is lookup_paths_init. Errors wrap the errno systemd fails with.
func Init(scope Scope, opts Options) (*LookupPaths, error) {
	env := opts.Env
	root := ""
	if opts.Root != "" && opts.Root != "/" {
		if scope == User {
			return nil, fmt.Errorf("a root directory with the user scope: %w", syscall.EINVAL)
		}
		st, err := os.Stat(opts.Root)
		if err != nil {
			return nil, fmt.Errorf("root directory: %w", errnoOf(err))
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("root directory %s: %w", opts.Root, syscall.ENOTDIR)
		}
		root = opts.Root
	}
	lp := &LookupPaths{}
	if opts.Flags&TemporaryGenerated != 0 {
		d, err := Mkdtemp("/tmp/systemd-temporary-")
		if err != nil {
			return nil, err
		}
		lp.TempDir = d
	}
	fail := func(err error) (*LookupPaths, error) {
		if lp.TempDir != "" {
			os.Remove(lp.TempDir)
		}
		return nil, err
	}

	var err error
	var globalPersistent, globalRuntime string
	if lp.PersistentConfig, lp.RuntimeConfig, err = configDirs(scope, env); err != nil {
		return fail(err)
	}
	if scope == User {
		globalPersistent, globalRuntime, _ = configDirs(Global, env)
	}
	if opts.Flags&ExcludeGenerated == 0 {
		lp.Generator, lp.GeneratorEarly, lp.GeneratorLate = generatorDirs(scope, lp.TempDir, env)
	}
	lp.Transient = transientDir(scope, lp.TempDir, env)
	if lp.PersistentControl, lp.RuntimeControl, err = controlDirs(scope, env); err != nil {
		return fail(err)
	}
	if scope == System {
		lp.PersistentAttached, lp.RuntimeAttached = "/etc/systemd/system.attached", "/run/systemd/system.attached"
	}

	paths, set, appendDefaults, err := pathsFromEnv(env, "SYSTEMD_UNIT_PATH")
	if err != nil {
		return fail(err)
	}
	if !set || appendDefaults {
		var add []string
		switch scope {
		case System:
			add = nonEmpty(lp.PersistentControl, lp.RuntimeControl, lp.Transient, lp.GeneratorEarly,
				lp.PersistentConfig, systemConfigUnitDir, "/etc/systemd/system", lp.PersistentAttached,
				lp.RuntimeConfig, "/run/systemd/system", lp.RuntimeAttached, lp.Generator,
				"/usr/local/lib/systemd/system", systemDataUnitDir, "/usr/lib/systemd/system",
				"/lib/systemd/system", lp.GeneratorLate)
		case Global:
			add = nonEmpty(lp.PersistentControl, lp.RuntimeControl, lp.Transient, lp.GeneratorEarly,
				lp.PersistentConfig, userConfigUnitDir, "/etc/systemd/user",
				lp.RuntimeConfig, "/run/systemd/user", lp.Generator,
				"/usr/local/share/systemd/user", "/usr/share/systemd/user",
				"/usr/local/lib/systemd/user", userDataUnitDir, "/usr/lib/systemd/user", lp.GeneratorLate)
		case User:
			if add, err = userDirs(lp, globalPersistent, globalRuntime, env); err != nil {
				return fail(err)
			}
		}
		paths = extendUnique(paths, add)
	}

	if root != "" {
		for _, p := range []*string{&lp.PersistentConfig, &lp.RuntimeConfig, &lp.Generator, &lp.GeneratorEarly,
			&lp.GeneratorLate, &lp.Transient, &lp.PersistentControl, &lp.RuntimeControl,
			&lp.PersistentAttached, &lp.RuntimeAttached} {
			if *p != "" {
				*p = unitname.PathJoin(root, *p)
			}
		}
		for i, p := range paths {
			paths[i] = unitname.PathJoin(root, p)
		}
	}
	lp.SearchPath = uniq(paths)
	lp.RootDir = root
	return lp, nil
}

// GeneratorBinaryPaths is generator_binary_paths: where the manager of
// scope looks for generators, highest priority first.
// $SYSTEMD_GENERATOR_PATH replaces the defaults, or comes before them if
// it ends in ":"; duplicates within it stay.
func GeneratorBinaryPaths(scope Scope, env Environ) ([]string, error) {
	paths, set, appendDefaults, err := pathsFromEnv(env, "SYSTEMD_GENERATOR_PATH")
	if err != nil {
		return nil, err
	}
	if set && !appendDefaults {
		return paths, nil
	}
	add := []string{"/run/systemd/user-generators", "/etc/systemd/user-generators",
		"/usr/local/lib/systemd/user-generators", userGeneratorDir}
	if scope == System {
		add = []string{"/run/systemd/system-generators", "/etc/systemd/system-generators",
			"/usr/local/lib/systemd/system-generators", systemGeneratorDir}
	}
	return extendUnique(paths, add), nil
}

func nonEmpty(l ...string) []string {
	out := []string{}
	for _, s := range l {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// extendUnique appends the entries of add that l does not hold yet.
func extendUnique(l, add []string) []string {
	have := map[string]bool{}
	for _, s := range l {
		have[s] = true
	}
	for _, s := range add {
		if !have[s] {
			have[s] = true
			l = append(l, s)
		}
	}
	return l
}

// pathsFromEnv reads a search path variable: its entries made absolute,
// set=false when unset, appendDefaults=true when it ends in ":".
func pathsFromEnv(env Environ, name string) (paths []string, set, appendDefaults bool, err error) {
	e, ok := env.lookup(name)
	if !ok {
		return nil, false, false, nil
	}
	if len(e) > 0 && e[len(e)-1] == ':' {
		e, appendDefaults = e[:len(e)-1], true
	}
	paths, err = makeAllAbsolute(SplitList(e))
	return paths, true, appendDefaults, err
}

// runtimeDir is xdg_user_runtime_dir: suffix in $XDG_RUNTIME_DIR, ""
// when that is unset.
func runtimeDir(env Environ, suffix string) string {
	e, ok := env.lookup("XDG_RUNTIME_DIR")
	if !ok {
		return ""
	}
	return unitname.PathJoin(e, suffix)
}

// configHome is xdg_user_config_dir.
func configHome(env Environ, suffix string) (string, error) {
	if e, ok := env.lookup("XDG_CONFIG_HOME"); ok {
		return unitname.PathJoin(e, suffix), nil
	}
	h, err := HomeDir(env)
	if err != nil {
		return "", err
	}
	return unitname.PathJoin(h, "/.config", suffix), nil
}

// dataHome is xdg_user_data_dir.
func dataHome(env Environ, suffix string) (string, error) {
	if e, ok := env.lookup("XDG_DATA_HOME"); ok {
		return unitname.PathJoin(e, suffix), nil
	}
	h, err := HomeDir(env)
	if err != nil {
		return "", err
	}
	return unitname.PathJoin(h, "/.local/share", suffix), nil
}

func configDirs(scope Scope, env Environ) (persistent, runtime string, err error) {
	switch scope {
	case System:
		return systemConfigUnitDir, "/run/systemd/system", nil
	case Global:
		return userConfigUnitDir, "/run/systemd/user", nil
	}
	if persistent, err = configHome(env, "/systemd/user"); err != nil {
		return "", "", err
	}
	return persistent, runtimeDir(env, "/systemd/user"), nil
}

func controlDirs(scope Scope, env Environ) (persistent, runtime string, err error) {
	switch scope {
	case System:
		return "/etc/systemd/system.control", "/run/systemd/system.control", nil
	case Global:
		return "", "", nil
	}
	if persistent, err = configHome(env, "/systemd/user.control"); err != nil {
		return "", "", err
	}
	return persistent, runtimeDir(env, "/systemd/user.control"), nil
}

func generatorDirs(scope Scope, tempDir string, env Environ) (normal, early, late string) {
	prefix := tempDir
	switch {
	case scope == Global:
		return "", "", ""
	case prefix != "":
	case scope == System:
		prefix = "/run/systemd"
	default:
		if prefix = runtimeDir(env, "/systemd"); prefix == "" {
			return "", "", ""
		}
	}
	return unitname.PathJoin(prefix, "generator"), unitname.PathJoin(prefix, "generator.early"), unitname.PathJoin(prefix, "generator.late")
}

func transientDir(scope Scope, tempDir string, env Environ) string {
	switch {
	case scope == Global:
		return ""
	case tempDir != "":
		return unitname.PathJoin(tempDir, "transient")
	case scope == System:
		return "/run/systemd/transient"
	}
	return runtimeDir(env, "/systemd/transient")
}

// userDirs is the user manager's default search path (user_dirs).
func userDirs(lp *LookupPaths, globalPersistent, globalRuntime string, env Environ) ([]string, error) {
	// systemd reports any failure here as lack of memory.
	enomem := func(err error) error { return fmt.Errorf("user unit directories: %v: %w", err, syscall.ENOMEM) }
	configDirs := []string{"/etc/xdg"}
	if e, ok := env.lookup("XDG_CONFIG_DIRS"); ok {
		configDirs = SplitList(e)
	}
	dataDirs := []string{"/usr/local/share", "/usr/share"}
	if e, ok := env.lookup("XDG_DATA_DIRS"); ok {
		dataDirs = SplitList(e)
	}
	data, err := dataHome(env, "/systemd/user")
	if err != nil {
		return nil, enomem(err)
	}
	l := nonEmpty(lp.PersistentControl, lp.RuntimeControl, lp.Transient, lp.GeneratorEarly, lp.PersistentConfig)
	for _, d := range configDirs {
		l = append(l, d+"/systemd/user")
	}
	l = append(l, nonEmpty(globalPersistent, userConfigUnitDir, "/etc/systemd/user", lp.RuntimeConfig,
		globalRuntime, lp.Generator, data)...)
	for _, d := range dataDirs {
		l = append(l, d+"/systemd/user")
	}
	l = append(l, nonEmpty("/usr/local/lib/systemd/user", "/usr/local/share/systemd/user", userDataUnitDir,
		"/usr/lib/systemd/user", "/usr/share/systemd/user", lp.GeneratorLate)...)
	l, err = makeAllAbsolute(l)
	if err != nil {
		return nil, enomem(err)
	}
	return l, nil
}

// Mkdtemp is mkdtemp(3), as systemd makes its temporary directories: a
// new directory prefix+"XXXXXX" (six random letters and digits), mode
// 0700.
func Mkdtemp(prefix string) (string, error) {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	for range 100 {
		var b [6]byte
		if _, err := unix.Getrandom(b[:], 0); err != nil {
			return "", err
		}
		for i := range b {
			b[i] = chars[int(b[i])%len(chars)]
		}
		err := os.Mkdir(prefix+string(b[:]), 0o700)
		if err == nil {
			return prefix + string(b[:]), nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("making a directory %sXXXXXX: %w", prefix, syscall.EEXIST)
}
