// Package kmod loads kernel modules the way systemd 252's PID 1 does
// with libkmod at startup: a name is looked up in the running kernel's
// module index under /lib/modules/$(uname -r) (modules.dep, then
// modules.alias, then modules.builtin), modprobe.d's blacklist and
// options apply, and a module is inserted after the modules it depends
// on (finit_module).
//
//	Load("autofs4") ─► modules.dep: kernel/fs/autofs/autofs4.ko: [deps…]
//	                   /sys/module/autofs4/initstate: live? built in?
//	                   finit_module(deps, last first), finit_module(autofs4)
//
// Nothing is logged here; Load reports what happened per module. Only
// PID 1 (impl/pid1) imports this package.
package kmod

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Outcome is what Load did with one module.
type Outcome int

const (
	// BuiltIn: the module is part of the kernel.
	BuiltIn Outcome = iota
	// AlreadyLoaded: the module was live already.
	AlreadyLoaded
	// Inserted: the module (and what it needs) was inserted now.
	Inserted
	// Blacklisted: modprobe.d forbids loading it.
	Blacklisted
	// Failed: inserting it failed (Result.Err says why).
	Failed
)

// Result is one module Load handled.
type Result struct {
	Name    string
	Outcome Outcome
	Err     error
}

// ErrNotFound: the name is no module, alias or built-in module.
var ErrNotFound = errors.New("module not found")

// Index is the module database of one kernel.
type Index struct {
	// Root is prefixed to every path ("" is /); for tests.
	Root string
	// Release is the kernel release ("" is uname -r).
	Release string
	// insert replaces finit_module (tests).
	insert func(path, params string) error

	loaded   bool
	deps     map[string][]string // module name → [its .ko path, deps…]
	builtin  map[string]bool
	aliases  [][2]string // glob pattern, module
	cfgAlias map[string][]string
	black    map[string]bool
	options  map[string][]string
}

// moduleName is a module's canonical name: '-' is '_'.
func moduleName(s string) string { return strings.ReplaceAll(s, "-", "_") }

// nameOfPath is a .ko path's module name.
func nameOfPath(p string) string {
	b := path.Base(p)
	if i := strings.Index(b, ".ko"); i >= 0 {
		b = b[:i]
	}
	return moduleName(b)
}

func (x *Index) dir() string {
	rel := x.Release
	if rel == "" {
		var u unix.Utsname
		if err := unix.Uname(&u); err == nil {
			rel = unix.ByteSliceToString(u.Release[:])
		}
	}
	return x.Root + "/lib/modules/" + rel
}

// load reads the index files and modprobe.d once.
func (x *Index) load() {
	if x.loaded {
		return
	}
	x.loaded = true
	x.deps, x.builtin = map[string][]string{}, map[string]bool{}
	x.cfgAlias, x.black, x.options = map[string][]string{}, map[string]bool{}, map[string][]string{}
	dir := x.dir()
	eachLine(dir+"/modules.dep", func(l string) {
		mod, rest, ok := strings.Cut(l, ":")
		if !ok {
			return
		}
		x.deps[nameOfPath(mod)] = append([]string{mod}, strings.Fields(rest)...)
	})
	eachLine(dir+"/modules.builtin", func(l string) { x.builtin[nameOfPath(l)] = true })
	eachLine(dir+"/modules.alias", func(l string) {
		f := strings.Fields(l)
		if len(f) == 3 && f[0] == "alias" {
			x.aliases = append(x.aliases, [2]string{f[1], moduleName(f[2])})
		}
	})
	x.readConfig()
}

// readConfig reads modprobe.d the way kmod does: one file name wins
// across the directories, files in name order.
func (x *Index) readConfig() {
	files := map[string]string{}
	for _, d := range []string{"/lib/modprobe.d", "/usr/lib/modprobe.d", "/usr/local/lib/modprobe.d", "/run/modprobe.d", "/etc/modprobe.d"} {
		ents, _ := os.ReadDir(x.Root + d)
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".conf") {
				files[e.Name()] = x.Root + d + "/" + e.Name()
			}
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		eachLine(files[n], func(l string) {
			f := strings.Fields(l)
			if len(f) < 2 || strings.HasPrefix(f[0], "#") {
				return
			}
			switch f[0] {
			case "blacklist":
				x.black[moduleName(f[1])] = true
			case "alias":
				if len(f) >= 3 {
					x.cfgAlias[moduleName(f[1])] = append(x.cfgAlias[moduleName(f[1])], moduleName(f[2]))
				}
			case "options":
				x.options[moduleName(f[1])] = append(x.options[moduleName(f[1])], f[2:]...)
			}
		})
	}
}

// maxIndexLine bounds one line of an index file.
const maxIndexLine = 1 << 20

func eachLine(p string, fn func(string)) {
	f, err := os.Open(p)
	if err != nil {
		return
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 64<<10), maxIndexLine)
	for s.Scan() {
		if l := strings.TrimSpace(s.Text()); l != "" && l[0] != '#' {
			fn(l)
		}
	}
}

// lookup is kmod_module_new_from_lookup: configured aliases, then the
// module itself, then the kernel's aliases, then built-in modules.
func (x *Index) lookup(name string) []string {
	n := moduleName(name)
	if l := x.cfgAlias[n]; len(l) > 0 {
		return l
	}
	if _, ok := x.deps[n]; ok {
		return []string{n}
	}
	var out []string
	for _, a := range x.aliases {
		if ok, _ := filepath.Match(a[0], name); ok && !contains(out, a[1]) {
			out = append(out, a[1])
		}
	}
	if len(out) > 0 {
		return out
	}
	if x.builtin[n] {
		return []string{n}
	}
	return nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// initState is the module's state in the running kernel: "builtin",
// "live", "coming", "going" or "" if it is not there.
func (x *Index) initState(name string) string {
	data, err := os.ReadFile(x.Root + "/sys/module/" + name + "/initstate")
	if err == nil {
		return strings.TrimSpace(string(data))
	}
	if _, err := os.Stat(x.Root + "/sys/module/" + name); err == nil {
		return "builtin"
	}
	if x.builtin[name] {
		return "builtin"
	}
	return ""
}

// Load looks name up and makes sure every module it stands for is in
// the kernel, as libkmod's probe with KMOD_PROBE_APPLY_BLACKLIST.
func (x *Index) Load(name string) ([]Result, error) {
	x.load()
	mods := x.lookup(name)
	if len(mods) == 0 {
		return nil, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	var out []Result
	for _, m := range mods {
		switch st := x.initState(m); st {
		case "builtin":
			out = append(out, Result{Name: m, Outcome: BuiltIn})
			continue
		case "live":
			out = append(out, Result{Name: m, Outcome: AlreadyLoaded})
			continue
		}
		if x.black[m] {
			out = append(out, Result{Name: m, Outcome: Blacklisted})
			continue
		}
		out = append(out, Result{Name: m, Outcome: Inserted, Err: x.insertWithDeps(m)})
		if out[len(out)-1].Err != nil {
			out[len(out)-1].Outcome = Failed
		}
	}
	return out, nil
}

// insertWithDeps inserts m's dependencies, the last listed first, then
// m itself; modules already there are skipped.
func (x *Index) insertWithDeps(m string) error {
	l := x.deps[m]
	if len(l) == 0 {
		return fmt.Errorf("%s: %w", m, ErrNotFound)
	}
	for i := len(l) - 1; i >= 1; i-- {
		dn := nameOfPath(l[i])
		if st := x.initState(dn); st == "live" || st == "builtin" {
			continue
		}
		if err := x.insertOne(l[i], dn); err != nil {
			return fmt.Errorf("dependency %s: %w", dn, err)
		}
	}
	return x.insertOne(l[0], m)
}

func (x *Index) insertOne(rel, name string) error {
	p := rel
	if !strings.HasPrefix(p, "/") {
		p = x.dir() + "/" + rel
	}
	params := strings.Join(x.options[name], " ")
	var err error
	if x.insert != nil {
		err = x.insert(p, params)
	} else {
		err = finitModule(p, params)
	}
	if errors.Is(err, unix.EEXIST) {
		return nil
	}
	return err
}

func finitModule(p, params string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	flags := 0
	if strings.HasSuffix(p, ".xz") || strings.HasSuffix(p, ".zst") || strings.HasSuffix(p, ".gz") {
		// The kernel decompresses (MODULE_INIT_COMPRESSED_FILE).
		flags = 4
	}
	if err := unix.FinitModule(int(f.Fd()), params, flags); err != nil {
		return &fs.PathError{Op: "finit_module", Path: p, Err: err}
	}
	return nil
}
