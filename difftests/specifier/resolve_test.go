package specifier

import (
	"errors"
	"strings"
	"syscall"
	"testing"

	"gosystemd/impl/unitpath"
)

// TestResolveDiff compares what the guest's manager made of each unit's
// files (id, names, fragment, drop-ins, directory dependencies, load
// state) with unitpath's resolution of the same files.
func TestResolveDiff(t *testing.T) {
	b := boot(t)
	lp, err := unitpath.Init(unitpath.System, unitpath.Options{Root: b.root})
	if err != nil {
		t.Fatal(err)
	}
	m, err := unitpath.BuildNameMap(lp)
	if err != nil {
		t.Fatal(err)
	}
	unroot := func(p string) string {
		if rest, ok := unitpath.PathStartsWith(p, b.root); ok && p != "" {
			return "/" + rest
		}
		return p
	}
	deps := func(l []string) string {
		var out []string
		for _, d := range l {
			if strings.HasPrefix(d, "dirdep-") {
				out = append(out, d)
			}
		}
		return strings.Join(sorted(out), " ")
	}
	for _, name := range []string{
		"res-main.service", "res-alias.service", "res-chain.service",
		"res-tpl@one.service", "res-tpl-alias@one.service", "res-tpl@two.service", "res-tpl-alias@two.service",
		"res-masked.service", "res-empty.service", "res-loop1.service", "res-dangling.service",
		"res-a-b-c.slice", "res-nofile.service", "res-nofile.slice",
		"spec@inst.service", "specalias@x.service", "linked-x.service", "spec-foo-bar.service",
	} {
		want := map[string]string{}
		for _, p := range []string{"Id", "Names", "FragmentPath", "DropInPaths", "LoadState", "Wants", "Requires"} {
			want[p] = b.show(t, name, p)
		}
		want["Names"] = strings.Join(sorted(showList(want["Names"])), " ")
		want["Wants"] = deps(showList(want["Wants"]))
		want["Requires"] = deps(showList(want["Requires"]))

		got := map[string]string{}
		u, err := m.Resolve(lp, name)
		switch {
		case errors.Is(err, syscall.ELOOP):
			// A unit that fails to load before it had a state is
			// "not-found" (with the error as LoadError).
			got["LoadState"] = "not-found"
		case err != nil:
			t.Errorf("%s: %v", name, err)
			continue
		default:
			got["Id"] = u.ID
			got["Names"] = strings.Join(u.Names, " ")
			got["FragmentPath"] = unroot(u.Fragment)
			var dropins []string
			for _, d := range u.Dropins {
				dropins = append(dropins, unroot(d))
			}
			got["DropInPaths"] = strings.Join(dropins, " ")
			got["Wants"] = deps(u.Wants)
			got["Requires"] = deps(u.Requires)
			switch {
			case u.Masked:
				got["LoadState"] = "masked"
			case u.Fragment == "" && !strings.HasSuffix(name, ".slice"):
				// Services need a fragment; the manager stops before
				// reading drop-ins and dependency directories.
				got["LoadState"] = "not-found"
				got["DropInPaths"], got["Wants"], got["Requires"] = "", "", ""
			default:
				got["LoadState"] = "loaded"
			}
		}
		if err != nil {
			if want["LoadState"] != got["LoadState"] {
				t.Errorf("%s: systemd 252 says %q, we failed with %v", name, want["LoadState"], err)
			}
			continue
		}
		for _, p := range []string{"Id", "Names", "FragmentPath", "DropInPaths", "LoadState", "Wants", "Requires"} {
			if want[p] != got[p] {
				t.Errorf("%s: %s\n  systemd 252: %q\n  ours:        %q", name, p, want[p], got[p])
			}
		}
	}
}
