// Package specifier holds differential tests of unit file loading against
// real systemd 252 booted in the oracle container: specifier expansion
// (impl/specifier) and name, fragment and drop-in resolution
// (impl/unitpath). The guest loads the units; `systemctl show` and the
// journal say what it made of them; our packages must say the same given
// the guest's facts.
package specifier

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gosystemd/impl/id128"
	"gosystemd/impl/specifier"
	"gosystemd/impl/unitpath"
	"gosystemd/oracle"
)

// everySpecifier names each specifier of unit settings, with "%%", an
// unknown non-alphanumeric one kept as written and a stray trailing "%".
const everySpecifier = "a=%a A=%A b=%b B=%B C=%C d=%d E=%E f=%f g=%g G=%G h=%h H=%H i=%i I=%I j=%j J=%J " +
	"l=%l L=%L m=%m M=%M n=%n N=%N o=%o p=%p P=%P q=%q s=%s S=%S t=%t T=%T u=%u U=%U v=%v V=%V " +
	"w=%w W=%W y=%y Y=%Y pct=%% lit=%- end%"

const specUnit = "[Unit]\nDescription=" + everySpecifier + "\nWants=dep-%i-%j.service dep-%p.target\n[Service]\nExecStart=/bin/true\n"

// guestFiles are placed into the guest before boot. Symlinks leaving the
// search path are relative so that they resolve the same inside a copy
// of the tree on the host.
var guestFiles = []oracle.File{
	{Path: "/etc/systemd/system/spec@.service", Data: []byte(specUnit)},
	{Path: "/etc/systemd/system/spec-foo-bar.service", Data: []byte(specUnit)},
	{Path: "/etc/systemd/system/specalias@.service", Symlink: "spec@.service"},
	{Path: "/opt/units/linked-x.service", Data: []byte(specUnit)},
	{Path: "/etc/systemd/system/linked-x.service", Symlink: "../../../opt/units/linked-x.service"},
	{Path: "/etc/systemd/system/err-unknown.service", Data: []byte("[Unit]\nDescription=before %z after\n[Service]\nExecStart=/bin/true\n")},
	{Path: "/etc/systemd/system/err-long.service", Data: []byte("[Unit]\nWants=%m%m%m%m%m%m%m%m.service\n[Service]\nExecStart=/bin/true\n")},
	{Path: "/etc/machine-info", Data: []byte("PRETTY_HOSTNAME=\"Oracle's \\\"box\\\"\"\n")},

	// Resolution: aliases, templates, drop-ins, dependency directories.
	{Path: "/usr/lib/systemd/system/res-main.service", Data: []byte("[Service]\nExecStart=/bin/true\n")},
	{Path: "/etc/systemd/system/res-alias.service", Symlink: "/usr/lib/systemd/system/res-main.service"},
	{Path: "/etc/systemd/system/res-chain.service", Symlink: "res-alias.service"},
	{Path: "/usr/lib/systemd/system/res-main.service.d/10-usr.conf", Data: []byte("[Unit]\nDescription=usr\n")},
	{Path: "/etc/systemd/system/res-main.service.d/10-usr.conf", Data: []byte("[Unit]\nDescription=etc\n")},
	{Path: "/etc/systemd/system/res-alias.service.d/20-alias.conf", Data: []byte("[Unit]\nDocumentation=man:true(1)\n")},
	{Path: "/etc/systemd/system/res-.service.d/05-prefix.conf", Data: []byte("[Unit]\nX-Prefix=yes\n")},
	{Path: "/etc/systemd/system/res-main.service.wants/dirdep-a.service", Symlink: "/usr/lib/systemd/system/dirdep-a.service"},
	{Path: "/etc/systemd/system/res-main.service.wants/dirdep-masked.service", Symlink: "/dev/null"},
	{Path: "/etc/systemd/system/res-alias.service.requires/dirdep-b.target", Symlink: "../dirdep-b.target"},
	{Path: "/usr/lib/systemd/system/res-tpl@.service", Data: []byte("[Service]\nExecStart=/bin/true\n")},
	{Path: "/etc/systemd/system/res-tpl-alias@.service", Symlink: "/usr/lib/systemd/system/res-tpl@.service"},
	{Path: "/etc/systemd/system/res-tpl@.service.d/tpl.conf", Data: []byte("[Unit]\nX-Tpl=yes\n")},
	{Path: "/etc/systemd/system/res-tpl@one.service.d/one.conf", Data: []byte("[Unit]\nX-One=yes\n")},
	{Path: "/etc/systemd/system/res-tpl@one.service.wants/dirdep-c.service", Symlink: "../dirdep-c.service"},
	{Path: "/usr/lib/systemd/system/res-tpl@two.service", Data: []byte("[Service]\nExecStart=/bin/false\n")},
	{Path: "/etc/systemd/system/res-masked.service", Symlink: "/dev/null"},
	{Path: "/etc/systemd/system/res-empty.service", Data: nil},
	{Path: "/etc/systemd/system/res-loop1.service", Symlink: "res-loop2.service"},
	{Path: "/etc/systemd/system/res-loop2.service", Symlink: "res-loop1.service"},
	{Path: "/etc/systemd/system/res-dangling.service", Symlink: "res-nowhere.service"},
	{Path: "/etc/systemd/system/res-a-b-c.slice", Data: []byte("[Slice]\n")},
	{Path: "/etc/systemd/system/res-a-.slice.d/s.conf", Data: []byte("[Slice]\nCPUWeight=50\n")},
	{Path: "/etc/systemd/system/res-nofile.service.d/n.conf", Data: []byte("[Unit]\nDescription=no file\n")},
}

// booted is one real guest, booted once for the package's tests.
type booted struct {
	sb   oracle.Sandbox
	ctx  context.Context
	host guestHost
	root string // a copy of guestFiles on the host
}

func boot(t *testing.T) *booted {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the oracle needs root (namespaces, cgroups, mounts)")
	}
	repo, err := oracle.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	images, err := oracle.EnsureRootfs(repo)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := oracle.NewSandbox(oracle.ModeContainer, oracle.Config{Name: "specifier", Impl: oracle.Real, Images: images,
		Files: guestFiles, KernelArgs: oracle.BaseKernelArgs, BootTimeout: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(func() {
		sb.Poweroff(ctx)
		sb.Close()
		cancel()
	})
	res, err := sb.Boot(ctx)
	if err != nil || !res.Settled {
		t.Fatalf("boot: %v (%+v)\n%s", err, res, sb.Console())
	}
	b := &booted{sb: sb, ctx: ctx, root: t.TempDir()}
	// The image's top-level symlinks (lib -> usr/lib, ...) matter to the
	// search path.
	top, err := os.ReadDir(images.Rootfs)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range top {
		if e.Type()&os.ModeSymlink != 0 {
			target, _ := os.Readlink(filepath.Join(images.Rootfs, e.Name()))
			os.Symlink(target, filepath.Join(b.root, e.Name()))
		}
	}
	for _, f := range guestFiles {
		p := filepath.Join(b.root, f.Path)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if f.Symlink != "" {
			err = os.Symlink(f.Symlink, p)
		} else {
			err = os.WriteFile(p, f.Data, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	b.host = b.facts(t, images.Rootfs)
	return b
}

// run runs a shell command in the guest and returns its output.
func (b *booted) run(t *testing.T, cmd string) string {
	t.Helper()
	r := b.sb.Exec(b.ctx, []string{"/bin/sh", "-c", cmd}, nil)
	if r.Exit != 0 {
		t.Fatalf("%s: exit %d: %s", cmd, r.Exit, r.Stderr)
	}
	return strings.TrimSuffix(string(r.Stdout), "\n")
}

// guestHost is the guest as our specifiers see it: files from the image
// and the placed files, the rest from the running guest.
type guestHost struct {
	specifier.System
	bootID                 id128.ID
	hostname, kernel, arch string
	placed                 specifier.System
}

func (h guestHost) BootID() (id128.ID, error)         { return h.bootID, nil }
func (h guestHost) Hostname() (string, error)         { return h.hostname, nil }
func (h guestHost) KernelRelease() (string, error)    { return h.kernel, nil }
func (h guestHost) RealPath(p string) (string, error) { return h.placed.RealPath(p) }

func (b *booted) facts(t *testing.T, rootfs string) guestHost {
	t.Helper()
	bootID, err := id128.Parse(b.run(t, "cat /proc/sys/kernel/random/boot_id"))
	if err != nil {
		t.Fatal(err)
	}
	// PID 1's own environment decides %h, %s, %T and %V.
	env := map[string]string{}
	for _, kv := range strings.Split(b.run(t, "tr '\\0' '\\n' </proc/1/environ"), "\n") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return guestHost{
		System: specifier.System{Root: rootfs, MachineInfo: filepath.Join(b.root, "etc/machine-info"),
			Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }},
		bootID:   bootID,
		hostname: b.run(t, "uname -n"),
		kernel:   b.run(t, "uname -r"),
		placed:   specifier.System{Root: b.root},
	}
}

// show is `systemctl show -p PROP --value UNIT` in the guest.
func (b *booted) show(t *testing.T, unit, prop string) string {
	t.Helper()
	return b.run(t, "systemctl show -p "+prop+" --value '"+unit+"'")
}

func TestSpecifiersDiff(t *testing.T) {
	b := boot(t)
	units := []struct{ name, fragment string }{
		{"spec@inst.service", "/etc/systemd/system/spec@.service"},
		{`spec@a-b\x2dc.service`, "/etc/systemd/system/spec@.service"},
		{"spec@-.service", "/etc/systemd/system/spec@.service"},
		{"spec-foo-bar.service", "/etc/systemd/system/spec-foo-bar.service"},
		{"specalias@x.service", "/etc/systemd/system/spec@.service"},
		{"linked-x.service", "/etc/systemd/system/linked-x.service"},
	}
	for _, u := range units {
		want := b.show(t, u.name, "Description")
		ours := &specifier.Unit{ID: u.name, FragmentPath: u.fragment, Scope: unitpath.System, Dirs: specifier.SystemDirs, Host: b.host}
		got, err := ours.FullPrintf(everySpecifier, specifier.LongLineMax)
		if err != nil || got != want {
			t.Errorf("%s: Description\n  systemd 252: %q\n  ours:        %q (%v)", u.name, want, got, err)
		}
		var wants []string
		for _, w := range showList(b.show(t, u.name, "Wants")) {
			if strings.HasPrefix(w, "dep-") {
				wants = append(wants, w)
			}
		}
		var ourWants []string
		for _, w := range []string{"dep-%i-%j.service", "dep-%p.target"} {
			n, err := ours.NamePrintf(w)
			if err != nil {
				t.Errorf("%s: NamePrintf(%q): %v", u.name, w, err)
			}
			ourWants = append(ourWants, n)
		}
		if strings.Join(sorted(wants), " ") != strings.Join(sorted(ourWants), " ") {
			t.Errorf("%s: Wants\n  systemd 252: %q\n  ours:        %q", u.name, wants, ourWants)
		}
	}

	// Failures: systemd logs the error and ignores the setting.
	journal := b.run(t, "journalctl -b -o cat --no-pager | grep 'Failed to resolve unit specifiers' || true")
	for _, c := range []struct {
		unit, text string
		full       bool
	}{
		{"err-unknown.service", "before %z after", true},
		{"err-long.service", "%m%m%m%m%m%m%m%m.service", false},
	} {
		b.show(t, c.unit, "Id") // loads the unit
		journal = b.run(t, "journalctl -b -o cat --no-pager | grep 'Failed to resolve unit specifiers' || true")
		u := &specifier.Unit{ID: c.unit, FragmentPath: "/etc/systemd/system/" + c.unit, Dirs: specifier.SystemDirs, Host: b.host}
		var err error
		if c.full {
			_, err = u.FullPrintf(c.text, specifier.LongLineMax)
		} else {
			_, err = u.NamePrintf(c.text)
		}
		if err == nil {
			t.Errorf("%s: %q expanded without error", c.unit, c.text)
			continue
		}
		line := "/etc/systemd/system/" + c.unit + ":2: Failed to resolve unit specifiers in '" + c.text + "', ignoring: " + strerror(err)
		// journald may not have written the message yet: awaited for
		// up to 5 s (a liveness bound).
		for i := 0; i < 50 && !strings.Contains(journal, line); i++ {
			time.Sleep(100 * time.Millisecond)
			journal = b.run(t, "journalctl -b -o cat --no-pager | grep 'Failed to resolve unit specifiers' || true")
		}
		if !strings.Contains(journal, line) {
			t.Errorf("%s: journal lacks %q:\n%s", c.unit, line, journal)
		}
	}
}

// showList splits a list property as systemctl show prints it, entries
// that need it quoted and C-escaped.
func showList(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		if strings.HasPrefix(w, "\"") {
			if u, err := strconv.Unquote(w); err == nil {
				w = u
			}
		}
		out = append(out, w)
	}
	return out
}

func sorted(l []string) []string {
	l = append([]string{}, l...)
	for i := range l {
		for j := i + 1; j < len(l); j++ {
			if l[j] < l[i] {
				l[i], l[j] = l[j], l[i]
			}
		}
	}
	return l
}

// strerror is glibc's text for the errno err carries.
func strerror(err error) string {
	var e syscall.Errno
	if !errors.As(err, &e) {
		return err.Error()
	}
	s := e.Error()
	return strings.ToUpper(s[:1]) + s[1:]
}
