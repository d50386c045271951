package unitpath

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

// resolveTree is one unit directory layout ("a" searched before "b") for
// the resolution table test.
var resolveTree = []string{
	"b/foo.service = [Unit]",
	"a/foo-alias.service -> foo.service",
	"b/foo.service.d/10-b.conf = [Unit]",
	"a/foo.service.d/20-a.conf = [Unit]",
	"b/foo.service.d/20-a.conf = [Unit]",
	"a/foo-alias.service.d/05-alias.conf = [Unit]",
	"a/service.d/00-all.conf = [Unit]",
	"a/foo.service.d/.hidden.conf = [Unit]",
	"a/foo.service.d/x.conf~ = [Unit]",
	"a/foo.service.d/notes.txt = text",
	"a/foo.service.wants/dep.service -> ../dep.service",
	"a/foo.service.wants/masked.service -> /dev/null",
	"a/foo.service.wants/plain.service = [Unit]",
	"a/foo.service.wants/other.service -> somethingelse.service",
	"a/foo.service.wants/not-a-unit -> x.service",
	"b/foo-alias.service.requires/req.target -> ../req.target",

	"b/web@.service = [Unit]",
	"a/site@.service -> web@.service",
	"a/web@.service.d/tmpl.conf = [Unit]",
	"a/web@main.service.d/inst.conf = [Unit]",
	"a/web@main.service.wants/w.service -> w.service",
	"b/web@special.service = [Unit]",

	"b/foo-bar-baz.service = [Unit]",
	"a/foo-.service.d/p1.conf = [Unit]",
	"a/foo-bar-.service.d/p2.conf = [Unit]",
	"a/foo-bar-baz.service.d/p3.conf = [Unit]",
	"a/foo-bar-.service.d/p1.conf = [Unit]",

	"b/a-b-c.slice = [Slice]",
	"a/a-.slice.d/s.conf = [Slice]",

	"a/masked.service -> /dev/null",
	"a/empty.service =",
	"b/empty.service = [Unit]",

	"a/l1.service -> l2.service",
	"a/l2.service -> l1.service",
	"a/dangling.service -> nowhere.service",
	"a/nodir.service.d/n.conf = [Unit]",
}

func TestResolve(t *testing.T) {
	root := t.TempDir()
	makeTree(t, root, resolveTree...)
	lp, err := Init(System, Options{Env: envOf(map[string]string{"SYSTEMD_UNIT_PATH": root + "/a:" + root + "/b"})})
	if err != nil {
		t.Fatal(err)
	}
	m, err := BuildNameMap(lp)
	if err != nil {
		t.Fatal(err)
	}
	rel := func(l []string) string {
		return strings.ReplaceAll(strings.Join(l, " "), root+"/", "")
	}
	// The second pass resolves everything again after DropCaches, which
	// PID 1 calls once a burst of loading is over.
	for pass := 0; pass < 2; pass++ {
		if pass == 1 {
			if m.names == nil || m.chased == nil {
				t.Fatal("the first pass made no caches: the second pass tests nothing")
			}
			m.DropCaches()
		}
		resolveCases(t, m, lp, rel)
	}

	u, _ := m.Resolve(lp, "foo.service")
	var logs []string
	for _, l := range u.Log {
		logs = append(logs, strings.ReplaceAll(l.Text, root+"/", ""))
	}
	wantLogs := []string{
		"Wants dependency on masked.service is masked by a/foo.service.wants/masked.service, ignoring.",
		"Wants dependency dropin a/foo.service.wants/not-a-unit is not a valid unit name, ignoring.",
		"Wants dependency dropin a/foo.service.wants/other.service target somethingelse.service has different name",
		"Wants dependency dropin a/foo.service.wants/plain.service is not a symlink, ignoring.",
	}
	if strings.Join(logs, "\n") != strings.Join(wantLogs, "\n") {
		t.Errorf("dependency log:\n%s\nwant\n%s", strings.Join(logs, "\n"), strings.Join(wantLogs, "\n"))
	}

	if _, err := m.Resolve(lp, "l1.service"); !errors.Is(err, syscall.ELOOP) {
		t.Errorf("alias loop: got %v, want ELOOP", err)
	}
	if _, err := m.Resolve(lp, "not a unit"); !errors.Is(err, syscall.EINVAL) {
		t.Errorf("invalid name: got %v, want EINVAL", err)
	}
}

// resolveCases checks the resolution of resolveTree's units.
func resolveCases(t *testing.T, m *NameMap, lp *LookupPaths, rel func([]string) string) {
	t.Helper()
	for _, c := range []struct {
		name, id, names, fragment, dropins, wants, requires string
		masked                                              bool
	}{
		{name: "foo.service", id: "foo.service", names: "foo-alias.service foo.service", fragment: "b/foo.service",
			dropins: "a/service.d/00-all.conf a/foo-alias.service.d/05-alias.conf b/foo.service.d/10-b.conf a/foo.service.d/20-a.conf a/foo-.service.d/p1.conf",
			wants:   "dep.service other.service", requires: "req.target"},
		{name: "foo-alias.service", id: "foo.service", names: "foo-alias.service foo.service", fragment: "b/foo.service",
			dropins: "a/service.d/00-all.conf a/foo-alias.service.d/05-alias.conf b/foo.service.d/10-b.conf a/foo.service.d/20-a.conf a/foo-.service.d/p1.conf",
			wants:   "dep.service other.service", requires: "req.target"},
		{name: "web@main.service", id: "web@main.service", names: "site@main.service web@main.service", fragment: "b/web@.service",
			dropins: "a/service.d/00-all.conf a/web@main.service.d/inst.conf a/web@.service.d/tmpl.conf", wants: "w.service"},
		{name: "site@main.service", id: "web@main.service", names: "site@main.service web@main.service", fragment: "b/web@.service",
			dropins: "a/service.d/00-all.conf a/web@main.service.d/inst.conf a/web@.service.d/tmpl.conf", wants: "w.service"},
		{name: "web@special.service", id: "web@special.service", names: "web@special.service", fragment: "b/web@special.service",
			dropins: "a/service.d/00-all.conf a/web@.service.d/tmpl.conf"},
		{name: "foo-bar-baz.service", id: "foo-bar-baz.service", names: "foo-bar-baz.service", fragment: "b/foo-bar-baz.service",
			dropins: "a/service.d/00-all.conf a/foo-bar-.service.d/p1.conf a/foo-bar-.service.d/p2.conf a/foo-bar-baz.service.d/p3.conf"},
		{name: "a-b-c.slice", id: "a-b-c.slice", names: "a-b-c.slice", fragment: "b/a-b-c.slice", dropins: "a/a-.slice.d/s.conf"},
		{name: "masked.service", id: "masked.service", names: "masked.service", fragment: "a/masked.service", masked: true,
			dropins: "a/service.d/00-all.conf"},
		{name: "empty.service", id: "empty.service", names: "empty.service", fragment: "a/empty.service", masked: true,
			dropins: "a/service.d/00-all.conf"},
		{name: "dangling.service", id: "dangling.service", names: "dangling.service", dropins: "a/service.d/00-all.conf"},
		{name: "nodir.service", id: "nodir.service", names: "nodir.service", dropins: "a/service.d/00-all.conf a/nodir.service.d/n.conf"},
		{name: "none.socket", id: "none.socket", names: "none.socket"},
	} {
		u, err := m.Resolve(lp, c.name)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := []string{u.ID, rel(u.Names), rel([]string{u.Fragment}), rel(u.Dropins), rel(u.Wants), rel(u.Requires)}
		want := []string{c.id, c.names, c.fragment, c.dropins, c.wants, c.requires}
		if strings.Join(got, "|") != strings.Join(want, "|") || u.Masked != c.masked {
			t.Errorf("%s:\n got %q masked=%v\nwant %q masked=%v", c.name, got, u.Masked, want, c.masked)
		}
	}

}
