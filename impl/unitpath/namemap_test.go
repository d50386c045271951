package unitpath

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// nameMapTrees are unit directories ("a" searched before "b", "c" a
// symlink to "real") for the name map differential test.
var nameMapTrees = map[string][]string{
	"aliases": {
		"b/foo.service = [Unit]",
		"a/fa.service -> foo.service",
		"a/fb.service -> ../b/foo.service",
		"a/fc.service -> {root}/b/foo.service",
		"b/fd.service -> fa.service",
		"a/foo.service.d/",
		"a/foo.service.wants/",
		"a/service.d/",
		"a/notaunit.d/",
		"a/bar.service.requires -> {root}/b/barreq",
		"b/barreq/",
		"a/baz.service.d -> nowhere",
		"a/README = text",
		"a/foo.bar = [Unit]",
	},
	"chains and loops": {
		"a/c1.service -> c2.service",
		"a/c2.service -> c3.service",
		"b/c3.service -> c4.service",
		"b/c4.service = [Unit]",
		"a/l1.service -> l2.service",
		"a/l2.service -> l1.service",
		"a/h1.service -> h2.service",
		"a/h2.service -> h3.service",
		"a/h3.service -> h4.service",
		"a/h4.service -> h5.service",
		"a/h5.service -> h6.service",
		"a/h6.service -> h7.service",
		"a/h7.service -> h8.service",
		"a/h8.service -> h9.service",
		"a/h9.service = [Unit]",
		"a/d.service -> nothere.service",
		"a/self.service -> self.service",
	},
	"outside and masks": {
		"out/o.service = [Unit]",
		"out/empty.service =",
		"a/linked.service -> {root}/out/o.service",
		"a/renamed.service -> {root}/out/o.service",
		"a/dangling.service -> {root}/out/none.service",
		"a/m1.service -> /dev/null",
		"a/m2.service =",
		"a/m3.service -> {root}/out/empty.service",
		"a/ma.service -> m1.service",
		"b/m1.service = [Unit]",
	},
	"templates": {
		"b/t@.service = [Unit]",
		"a/ta@.service -> t@.service",
		"a/t@x.service -> t@.service",
		"a/ti@y.service -> t@y.service",
		"a/tj@y.service -> t@z.service",
		"a/tk@.service -> t@x.service",
		"a/tl@q.service -> tk@.service",
		"b/t@own.service = [Unit]",
		"a/to@own.service -> t@own.service",
		"a/tp.service -> t@.service",
	},
	"refused": {
		"b/y.socket = [Socket]",
		"a/x.service -> y.socket",
		"a/p.mount -> q.mount",
		"b/q.mount = [Mount]",
		"a/s.slice -> r.slice",
		"a/x@.mount -> y@.mount",
		"a/bad.service -> not-a-unit",
		"a/sub/s2.service = [Unit]",
		"a/s.service -> sub/s2.service",
		"a/s3.service -> sub/../s4.service",
		"b/s4.service = [Unit]",
		"a/up.service -> ../b/../b/s4.service",
	},
	"symlinked search directory": {
		"real/r.service = [Unit]",
		"real/ra.service -> r.service",
		"a/rb.service -> {root}/real/r.service",
		"c -> real",
	},
}

// unitFilesOutput is the name map as `systemd-analyze unit-files`
// prints it, with its hash order replaced by sorting.
func unitFilesOutput(m *NameMap) []string {
	var lines []string
	for k, v := range m.IDs {
		lines = append(lines, fmt.Sprintf("ids: %s → %s", k, v))
	}
	for k, v := range m.Names {
		v = slices.Clone(v)
		slices.Sort(v)
		lines = append(lines, fmt.Sprintf("aliases: %s ← %s", k, strings.Join(v, ", ")))
	}
	slices.Sort(lines)
	return lines
}

func sortedRealLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		if k, v, ok := strings.Cut(l, " ← "); ok {
			names := strings.Split(v, ", ")
			slices.Sort(names)
			l = k + " ← " + strings.Join(names, ", ")
		}
		lines = append(lines, l)
	}
	slices.Sort(lines)
	return lines
}

// TestNameMapDiff builds each tree and compares our name map and log
// with `systemd-analyze unit-files` on the same search path.
func TestNameMapDiff(t *testing.T) {
	requireReal(t, realAnalyze)
	for name, tree := range nameMapTrees {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			makeTree(t, root, tree...)
			search := root + "/a:" + root + "/b:" + root + "/c"
			env := map[string]string{"SYSTEMD_UNIT_PATH": search}
			out, stderr, code := runReal(t, env, realAnalyze, "unit-files")
			if code != 0 {
				t.Fatalf("real tool failed (%d): %s", code, stderr)
			}
			lp, err := Init(System, Options{Env: envOf(env)})
			if err != nil {
				t.Fatal(err)
			}
			m, err := BuildNameMap(lp)
			if err != nil {
				t.Fatal(err)
			}
			want, got := sortedRealLines(out), unitFilesOutput(m)
			if strings.Join(want, "\n") != strings.Join(got, "\n") {
				t.Errorf("name map differs\n--- systemd 252\n%s\n--- ours\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
			}
			var logged strings.Builder
			for _, msg := range m.Log {
				if msg.Level <= LevelInfo {
					logged.WriteString(msg.Text + "\n")
				}
			}
			if logged.String() != stderr {
				t.Errorf("log differs\n--- systemd 252\n%s--- ours\n%s", stderr, logged.String())
			}
		})
	}
}
