package systemctl

import (
	"strings"
	"testing"
)

const (
	lib = "usr/lib/systemd/system/"
	etc = "etc/systemd/system/"
)

func unit(install string) string {
	return "[Unit]\nDescription=test\n\n[Service]\nExecStart=/bin/true\n\n[Install]\n" + install
}

// baseTree is a small root with units in every situation the install
// logic distinguishes.
func baseTree() map[string]string {
	return map[string]string{
		lib + "foo.service":                                     unit("WantedBy=multi-user.target\nAlias=bar.service\nAlso=baz.service\n"),
		lib + "baz.service":                                     unit("RequiredBy=foo.service\n"),
		lib + "static.service":                                  "[Service]\nExecStart=/bin/true\n",
		lib + "multi-user.target":                               "[Unit]\nDescription=Multi-User\n",
		lib + "graphical.target":                                "[Unit]\nDescription=Graphical\n[Install]\nAlias=default.target\n",
		lib + "sockets.target":                                  "[Unit]\nDescription=Sockets\n",
		lib + "tmpl@.service":                                   unit("WantedBy=multi-user.target\n"),
		lib + "def@.service":                                    unit("DefaultInstance=one\nWantedBy=multi-user.target\n"),
		lib + "sock.socket":                                     "[Socket]\nListenStream=/run/x\n[Install]\nWantedBy=sockets.target\n",
		lib + "aliasonly.service":                               unit("Alias=ao.service\n"),
		lib + "badalias.service":                                unit("Alias=wrongtype.socket\n"),
		lib + "multi.service":                                   unit("WantedBy=a.target b.target\nRequiredBy=c.target\n"),
		lib + "spec.service":                                    unit("WantedBy=%N-x.target\nAlias=%p-alias.service\n"),
		lib + "badspec.service":                                 unit("WantedBy=%Z.target\n"),
		lib + "x.mount":                                         "[Mount]\nWhat=/a\nWhere=/x\n[Install]\nAlias=y.mount\nWantedBy=multi-user.target\n",
		lib + "indirect.service":                                unit("Also=foo.service\n"),
		lib + "vmask.service":                                   "->/dev/null",
		lib + "empty.service":                                   "",
		lib + "drop.service":                                    unit(""),
		lib + "drop.service.d/i.conf":                           "[Install]\nWantedBy=multi-user.target\n",
		lib + "unknown.service":                                 unit("Foo=bar\nWantedBy=multi-user.target\n"),
		lib + "vendor-alias.service":                            "->foo.service",
		etc + "local.service":                                   unit("WantedBy=multi-user.target\n"),
		etc + "dangling.service":                                "->/usr/lib/systemd/system/nonexistent.service",
		"opt/linked/linked.service":                             unit("WantedBy=multi-user.target\n"),
		"opt/linked/noinst.service":                             "[Service]\nExecStart=/bin/true\n",
		"run/systemd/generator/gen.service":                     unit("WantedBy=multi-user.target\n"),
		"run/systemd/transient/tr.service":                      unit("WantedBy=multi-user.target\n"),
		lib + "rt.service":                                      unit("WantedBy=multi-user.target\n"),
		"run/systemd/system/multi-user.target.wants/rt.service": "->/usr/lib/systemd/system/rt.service",
		"usr/lib/systemd/system-preset/90-default.preset": "enable foo.service\ndisable static.service\n" +
			"enable def@.service two three\nenable multi.service\ndisable *\n",
		"etc/systemd/system-preset/10-local.preset": "# local\nenable sock.socket\n  garbage line\nenable tmpl@.service x\n",
	}
}

var baseUnits = []string{"foo.service", "bar.service", "baz.service", "static.service", "multi-user.target",
	"graphical.target", "default.target", "tmpl@.service", "tmpl@a.service", "def@.service", "def@one.service",
	"sock.socket", "aliasonly.service", "ao.service", "badalias.service", "multi.service", "spec.service",
	"badspec.service", "x.mount", "indirect.service", "vmask.service", "empty.service", "drop.service",
	"unknown.service", "vendor-alias.service", "local.service", "dangling.service", "gen.service", "tr.service",
	"rt.service", "nonexistent.service", "linked.service"}

func TestIsEnabledEveryState(t *testing.T) {
	requireReal(t)
	p := newPair(t, baseTree())
	for _, u := range baseUnits {
		p.step(t, nil, "--root=ROOT", "is-enabled", u)
	}
	p.step(t, nil, "--root=ROOT", "is-enabled", "foo.service", "static.service", "tmpl@.service")
	p.step(t, nil, "--root=ROOT", "is-enabled", "-q", "foo.service")
	p.step(t, nil, "--root=ROOT", "is-enabled", "foo", "invalid//name")
	p.step(t, nil, "--root=ROOT", "is-enabled", "foo bar")
	p.step(t, nil, "--root=ROOT", "is-enabled", "/etc/systemd/system/local.service")
}

func TestListUnitFiles(t *testing.T) {
	requireReal(t)
	p := newPair(t, baseTree())
	p.step(t, nil, "--root=ROOT", "list-unit-files")
	p.step(t, nil, "--root=ROOT", "list-unit-files", "--no-legend")
	p.step(t, nil, "--root=ROOT", "list-unit-files", "--legend=no")
	p.step(t, nil, "--root=ROOT", "list-unit-files", "-q")
	p.step(t, nil, "--root=ROOT", "list-unit-files", "--type=socket,target")
	p.step(t, nil, "--root=ROOT", "list-unit-files", "-t", "mount")
	p.step(t, nil, "--root=ROOT", "list-unit-files", "--state=static,masked")
	p.step(t, nil, "--root=ROOT", "list-unit-files", "--state=enabled-runtime")
	p.step(t, nil, "--root=ROOT", "list-unit-files", "f*", "*.socket", "[a-c]*")
	p.step(t, nil, "--root=ROOT", "list-unit-files", "nothing-matches*")
	for _, glob := range []string{"*", "f?o.service", "[!a-f]*", "[^a-f]*", "[]a]*", "[x", "[[:alpha:]]oo*",
		"[[:digit:]]*", "**a*", "*@*.service", "tmpl\\@.service", "[a-", "*.[st]*"} {
		p.query(t, nil, "--root=ROOT", "list-unit-files", "--no-legend", glob)
	}
	p.step(t, map[string]string{"SYSTEMD_COLORS": "1"}, "--root=ROOT", "list-unit-files")
	p.step(t, map[string]string{"SYSTEMD_COLORS": "16"}, "--root=ROOT", "list-unit-files", "--no-legend")
	p.step(t, map[string]string{"LANG": "C"}, "--root=ROOT", "list-unit-files", "--full")
}

func TestEnableDisable(t *testing.T) {
	requireReal(t)
	p := newPair(t, baseTree())
	steps := [][]string{
		{"enable", "foo.service"},
		{"is-enabled", "foo.service", "bar.service", "baz.service"},
		{"enable", "foo.service"},
		{"list-unit-files", "--state=enabled"},
		{"disable", "foo.service"},
		{"enable", "static.service"},
		{"enable", "-q", "static.service"},
		{"enable", "nonexistent.service"},
		{"enable", "tmpl@.service"},
		{"enable", "tmpl@inst.service"},
		{"is-enabled", "tmpl@inst.service", "tmpl@other.service", "tmpl@.service"},
		{"disable", "tmpl@inst.service"},
		{"enable", "def@.service"},
		{"is-enabled", "def@.service", "def@one.service"},
		{"enable", "def@two.service"},
		{"disable", "def@.service"},
		{"enable", "sock.socket", "multi.service"},
		{"disable", "multi.service", "sock.socket"},
		{"enable", "spec.service"},
		{"enable", "badspec.service"},
		{"enable", "badalias.service"},
		{"enable", "aliasonly.service"},
		{"enable", "x.mount"},
		{"enable", "indirect.service"},
		{"disable", "indirect.service"},
		{"enable", "vmask.service"},
		{"enable", "empty.service"},
		{"enable", "drop.service"},
		{"enable", "unknown.service"},
		{"enable", "gen.service"},
		{"enable", "tr.service"},
		{"enable", "local.service"},
		{"enable", "vendor-alias.service"},
		{"enable", "dangling.service"},
		{"disable", "dangling.service"},
		{"disable", "nonexistent.service"},
		{"disable", "/usr/lib/systemd/system/foo.service"},
		{"enable", "/opt/linked/linked.service"},
		{"is-enabled", "linked.service"},
		{"disable", "linked.service"},
		{"enable", "foo", "invalid@"},
		{"enable", "--runtime", "foo.service"},
		{"is-enabled", "foo.service"},
		{"disable", "--runtime", "foo.service"},
		{"reenable", "foo.service"},
		{"reenable", "static.service"},
		{"enable", "graphical.target"},
		{"list-unit-files"},
	}
	for _, s := range steps {
		p.step(t, nil, append([]string{"--root=ROOT"}, s...)...)
	}
}

func TestEnableConflicts(t *testing.T) {
	requireReal(t)
	tree := baseTree()
	tree[etc+"bar.service"] = "->/usr/lib/systemd/system/static.service"
	tree[etc+"multi-user.target.wants/foo.service"] = "->/opt/other/foo.service"
	tree[etc+"ao.service"] = "regular file in the way\n"
	p := newPair(t, tree)
	p.step(t, nil, "--root=ROOT", "enable", "foo.service")
	p.step(t, nil, "--root=ROOT", "enable", "aliasonly.service")
	p.step(t, nil, "--root=ROOT", "enable", "--force", "foo.service")
	p.step(t, nil, "--root=ROOT", "is-enabled", "foo.service", "bar.service")
	p.step(t, nil, "--root=ROOT", "disable", "foo.service")
}

func TestMaskUnmask(t *testing.T) {
	requireReal(t)
	p := newPair(t, baseTree())
	steps := [][]string{
		{"mask", "foo.service"},
		{"is-enabled", "foo.service"},
		{"enable", "foo.service"},
		{"enable", "indirect.service"},
		{"mask", "foo.service"},
		{"mask", "--runtime", "baz.service"},
		{"is-enabled", "baz.service"},
		{"list-unit-files", "--state=masked,masked-runtime"},
		{"unmask", "foo.service"},
		{"unmask", "--runtime", "baz.service"},
		{"unmask", "static.service"},
		{"mask", "local.service"},
		{"mask", "--force", "local.service"},
		{"mask", "nonexistent.service", "bad name"},
		{"unmask", "nonexistent.service"},
		{"unmask", "local.service"},
		{"unmask", "invalid@"},
	}
	for _, s := range steps {
		p.step(t, nil, append([]string{"--root=ROOT"}, s...)...)
	}
}

func TestLinkRevert(t *testing.T) {
	requireReal(t)
	tree := baseTree()
	tree[etc+"foo.service"] = unit("WantedBy=multi-user.target\n")
	tree[etc+"foo.service.d/override.conf"] = "[Service]\nEnvironment=A=1\n"
	tree["run/systemd/system/foo.service.d/rt.conf"] = "[Service]\nEnvironment=B=1\n"
	tree[lib+"foo.service.d/vendor.conf"] = "[Service]\nEnvironment=C=1\n"
	tree[etc+"static.service.d/x.conf"] = "[Service]\nEnvironment=A=1\n"
	p := newPair(t, tree)
	steps := [][]string{
		{"link", "/opt/linked/linked.service"},
		{"link", "/opt/linked/linked.service"},
		{"is-enabled", "linked.service"},
		{"enable", "linked.service"},
		{"link", "/opt/linked/noinst.service", "/usr/lib/systemd/system/foo.service"},
		{"link", "/opt/linked/missing.service"},
		{"link", "/opt/linked"},
		{"link", "relative/x.service"},
		{"link", "/opt/linked/not-a-unit"},
		{"link", "/usr/lib/systemd/system/foo.service.d/vendor.conf"},
		{"revert", "foo.service"},
		{"revert", "static.service", "local.service"},
		{"revert", "nonexistent.service"},
		{"revert", "linked.service"},
		{"is-enabled", "foo.service", "linked.service"},
	}
	for _, s := range steps {
		p.step(t, nil, append([]string{"--root=ROOT"}, s...)...)
	}
}

func TestPreset(t *testing.T) {
	requireReal(t)
	for _, mode := range []string{"", "--preset-mode=full", "--preset-mode=enable-only", "--preset-mode=disable-only"} {
		t.Run(mode, func(t *testing.T) {
			tree := baseTree()
			tree[etc+"multi-user.target.wants/static.service"] = "->/usr/lib/systemd/system/static.service"
			tree[etc+"multi-user.target.wants/multi.service"] = "->/usr/lib/systemd/system/multi.service"
			p := newPair(t, tree)
			args := []string{"--root=ROOT"}
			if mode != "" {
				args = append(args, mode)
			}
			p.step(t, nil, append(args, "preset", "foo.service", "static.service")...)
			p.step(t, nil, append(args, "preset", "def@.service", "tmpl@.service", "tmpl@x.service", "sock.socket")...)
			p.step(t, nil, append(args, "preset", "multi.service", "nonexistent.service")...)
			p.step(t, nil, append(args, "list-unit-files")...)
			p.step(t, nil, append(args, "preset-all")...)
			p.step(t, nil, append(args, "list-unit-files")...)
		})
	}
	p := newPair(t, baseTree())
	p.step(t, nil, "--root=ROOT", "--preset-mode=bogus", "preset", "foo.service")
	p.step(t, nil, "--root=ROOT", "--preset-mode=help")
	p.step(t, nil, "--root=ROOT", "preset-all", "extra")
}

func TestDefaultTarget(t *testing.T) {
	requireReal(t)
	p := newPair(t, baseTree())
	steps := [][]string{
		{"get-default"},
		{"set-default", "multi-user.target"},
		{"get-default"},
		{"set-default", "multi-user"},
		{"set-default", "graphical.target"},
		{"set-default", "nonexistent.target"},
		{"set-default", "foo.service"},
		{"set-default", "default.target"},
		{"set-default", "-q", "multi-user.target"},
		{"set-default", "a", "b"},
	}
	for _, s := range steps {
		p.step(t, nil, append([]string{"--root=ROOT"}, s...)...)
	}
	empty := newPair(t, map[string]string{lib + "x.service": unit("")})
	empty.step(t, nil, "--root=ROOT", "get-default")
}

func TestAddDependency(t *testing.T) {
	requireReal(t)
	p := newPair(t, baseTree())
	steps := [][]string{
		{"add-wants", "multi-user.target", "static.service", "foo"},
		{"add-requires", "graphical", "static.service"},
		{"add-wants", "nonexistent.target", "static.service"},
		{"add-wants", "multi-user.target", "nonexistent.service"},
		{"add-wants", "multi-user.target", "/opt/linked/noinst.service"},
		{"add-wants", "multi-user.target"},
		{"add-wants", "bad@", "static.service"},
		{"add-wants", "multi-user.target", "vmask.service"},
		{"list-unit-files"},
	}
	for _, s := range steps {
		p.step(t, nil, append([]string{"--root=ROOT"}, s...)...)
	}
}

func TestCommandLine(t *testing.T) {
	requireReal(t)
	p := newPair(t, baseTree())
	for _, s := range [][]string{
		{"--root=ROOT"},
		{"--root=ROOT", "start", "foo"},
		{"--root=ROOT", "frob"},
		{"--root=ROOT", "enable"},
		{"--root=ROOT", "--now", "enable", "foo"},
		{"--root=ROOT", "--now", "disable", "foo"},
		{"--root=ROOT", "-.", "enable"},
		{"--root=ROOT", "-.x"},
		{"--root=ROOT", "--no-such-option"},
		{"--root=ROOT", "--no", "enable"},
		{"--root=ROOT", "-Z"},
		{"--root=ROOT", "--state="},
		{"--root=ROOT", "--state=help"},
		{"--root=ROOT", "--state=help", "--no-legend"},
		{"--root=ROOT", "-t", "help"},
		{"--root=ROOT", "-t", "bogus"},
		{"--root=ROOT", "-t", "loaded", "list-unit-files"},
		{"--root=ROOT", "--legend=maybe"},
		{"--root=ROOT", "-s", "help"},
		{"--root=ROOT", "-s", "list"},
		{"--root=ROOT", "-s", "BOGUS"},
		{"--root=ROOT", "-o", "help"},
		{"--root=ROOT", "-o", "nope"},
		{"--root=ROOT", "--timestamp=help"},
		{"--root=ROOT", "--what=help"},
		{"--root=ROOT", "-n", "x"},
		{"--root=ROOT", "--wait", "--no-block"},
		{"--root=ROOT", "--marked"},
		{"--root=ROOT", "--user", "enable", "foo"},
		{"--root=ROOT", "--global", "enable", "foo"},
		{"--root=ROOT/nonexistent", "enable", "foo"},
		{"--root=ROOT/nonexistent", "mask", "foo"},
		{"--root=ROOT/usr/lib/systemd/system/foo.service", "is-enabled", "foo"},
		{"--root=ROOT", "is-system-running"},
		{"--root=ROOT", "--version"},
		{"--root=ROOT", "--help"},
		{"--root=ROOT", "-h"},
		{"--root=ROOT", "get-default", "extra"},
		{"--root=ROOT", "is-enabled", "--", "-.mount"},
		{"--root=ROOT", "enable", "foo/bar.service"},
		{"--root=ROOT", "disable", "./usr/lib/systemd/system/foo.service"},
	} {
		p.step(t, nil, s...)
	}
}

// TestEdgeCases covers unusual [Install] sections and file system
// situations.
func TestEdgeCases(t *testing.T) {
	requireReal(t)
	tree := map[string]string{
		lib + "multi-user.target":               "[Unit]\n",
		lib + "legacy.service":                  unit("Alias=multi-user.target.wants/legacy.service\nAlias=foo.wants/x.service\nAlias=bad.requires/legacy.service\n"),
		lib + "inst@.service":                   unit("Alias=alias-inst@.service\nWantedBy=multi-user.target\nDefaultInstance=a\n"),
		lib + "badinst@.service":                unit("DefaultInstance=bad/inst\nWantedBy=multi-user.target\n"),
		lib + "emptyinst@.service":              unit("DefaultInstance=\nWantedBy=multi-user.target\n"),
		lib + "plaininst.service":               unit("DefaultInstance=x\nWantedBy=multi-user.target\n"),
		lib + "badalso.service":                 unit("Also=not/a/unit\n"),
		lib + "specalso.service":                unit("Also=%Z.service\n"),
		lib + "missingalso.service":             unit("Also=gone.service\nWantedBy=multi-user.target\n"),
		lib + "exec.service":                    "#!x\n[Install]\nWantedBy=multi-user.target\n",
		lib + "dir.service/":                    "/",
		lib + "self.service":                    unit("Alias=self.service\n"),
		lib + "quoted.service":                  unit("WantedBy=\"multi-user.target\" 'a b.target'\n"),
		lib + "reset.service":                   unit("WantedBy=multi-user.target\nWantedBy=\n"),
		lib + "cont.service":                    unit("WantedBy=multi-user.target \\\n  other.target\n"),
		lib + "badsection.service":              "[Install\nWantedBy=multi-user.target\n",
		lib + "outside.service":                 "WantedBy=multi-user.target\n[Install]\nRequiredBy=multi-user.target\n",
		lib + "xsection.service":                "[X-Foo]\nBar=1\n[Bogus]\nA=b\n[Install]\nX-Key=1\nWantedBy=multi-user.target\n",
		lib + "timer.timer":                     "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\nAlias=t2.timer\n",
		lib + "slice.slice":                     "[Install]\nWantedBy=multi-user.target\n",
		lib + "tslice@.slice":                   "[Install]\nWantedBy=multi-user.target\n",
		lib + "loop1.service":                   "->loop2.service",
		lib + "loop2.service":                   "->loop1.service",
		lib + "chain.service":                   "->vendor-a.service",
		lib + "vendor-a.service":                "->real.service",
		lib + "real.service":                    unit("WantedBy=multi-user.target\n"),
		lib + "inst-alias@x.service":            "->inst@.service",
		lib + "pref-x.service":                  unit("WantedBy=%j.target %i%n%N%p.target\n"),
		lib + "typo-spec.service":               unit("WantedBy=%%a-%-.target\nAlias=x%\n"),
		lib + "long256.service":                 unit("WantedBy=" + strings.Repeat("a", 249) + ".target\n"),
		lib + "long257.service":                 unit("WantedBy=" + strings.Repeat("a", 250) + ".target\n"),
		lib + "longspec.service":                unit("WantedBy=" + strings.Repeat("a", 240) + "%p.target\n"),
		lib + "hostspec.service":                unit("WantedBy=%H-%l-%a-%v-%u-%U-%g-%G.target\nAlias=%m.service %o.service\n"),
		etc + "rel-alias.service":               "->../../../usr/lib/systemd/system/real.service",
		etc + "runtime-link.service":            "->/run/systemd/system/real.service",
		"run/systemd/system/rlinked.service":    "->/opt/x/rlinked.service",
		"opt/x/rlinked.service":                 unit("WantedBy=multi-user.target\n"),
		etc + "elinked.service":                 "->/opt/x/elinked.service",
		"opt/x/elinked.service":                 unit(""),
		"etc/systemd/user/u.service":            unit("WantedBy=default.target\n"),
		"usr/lib/systemd/user/v.service":        unit("WantedBy=default.target\nAlias=w.service\n"),
		"usr/lib/systemd/user/default.target":   "[Unit]\n",
		"usr/lib/systemd/user-preset/90.preset": "enable v.service\ndisable *\n",
	}
	p := newPair(t, tree)
	queries := []string{"legacy.service", "inst@.service", "inst@b.service", "alias-inst@.service", "badinst@.service",
		"emptyinst@.service", "plaininst.service", "badalso.service", "specalso.service", "missingalso.service",
		"exec.service", "dir.service", "self.service", "quoted.service", "reset.service", "cont.service",
		"badsection.service", "outside.service", "xsection.service", "timer.timer", "t2.timer", "slice.slice",
		"tslice@x.slice", "loop1.service", "chain.service", "vendor-a.service", "inst-alias@x.service",
		"inst-alias@y.service", "pref-x.service", "typo-spec.service", "long256.service", "long257.service",
		"longspec.service", "hostspec.service", "rel-alias.service", "runtime-link.service",
		"rlinked.service", "elinked.service"}
	for _, q := range queries {
		p.query(t, nil, "--root=ROOT", "is-enabled", q)
		p.step(t, nil, "--root=ROOT", "enable", q)
		p.query(t, nil, "--root=ROOT", "is-enabled", q)
		p.step(t, nil, "--root=ROOT", "disable", q)
	}
	p.query(t, nil, "--root=ROOT", "list-unit-files")
	for _, s := range [][]string{
		{"--global", "list-unit-files"},
		{"--global", "enable", "u.service", "v.service"},
		{"--global", "is-enabled", "u.service", "v.service", "w.service"},
		{"--global", "preset-all"},
		{"--global", "list-unit-files"},
		{"--global", "disable", "v.service"},
		{"--global", "mask", "--runtime", "u.service"},
		{"--global", "is-enabled", "u.service"},
		{"--global", "get-default"},
		{"mask", "--runtime", "real.service"},
		{"is-enabled", "real.service", "chain.service"},
		{"mask", "real.service"},
		{"unmask", "real.service"},
		{"unmask", "--runtime", "real.service"},
		{"link", "/opt/x/elinked.service"},
		{"reenable", "elinked.service"},
		{"list-unit-files", "--state=linked,linked-runtime,bad"},
	} {
		p.step(t, nil, append([]string{"--root=ROOT"}, s...)...)
	}
	empty := newPair(t, map[string]string{"etc/": "/"})
	empty.query(t, nil, "--root=ROOT", "list-unit-files")
	empty.step(t, nil, "--root=ROOT", "preset-all")
}
