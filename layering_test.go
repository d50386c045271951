package gosystemd_test

import (
	"os/exec"
	"strings"
	"testing"
)

// layers says which of our packages a package may import: each rule matches
// an import path prefix and lists forbidden import prefixes.
var layers = []struct {
	pkg       string
	forbidden []string
	why       string
}{
	{"gosystemd/impl/unitname", []string{"gosystemd/"}, "names are the lowest layer"},
	{"gosystemd/impl/unitfile", []string{"gosystemd/impl/tools", "gosystemd/impl/multicall", "gosystemd/oracle", "gosystemd/cmd"}, "syntax sits below tools"},
	{"gosystemd/impl/timeutil", []string{"gosystemd/"}, "time is the lowest layer"},
	{"gosystemd/impl/cli", []string{"gosystemd/"}, "cli is imported by every tool"},
	{"gosystemd/impl/version", []string{"gosystemd/"}, "version is imported by every tool"},
	{"gosystemd/impl/", []string{"gosystemd/oracle", "gosystemd/cmd", "gosystemd/scripts"}, "nothing in impl/ imports the oracle or cmd/"},
	{"gosystemd/oracle", []string{"gosystemd/impl", "gosystemd/cmd", "gosystemd/difftests"}, "the oracle judges impl/ from outside"},
	// difftests/ holds differential tests that need both impl/ and the oracle.
}

// within reports whether pkg is the package or tree root names; a root
// ending in "/" names a tree only.
func within(pkg, root string) bool {
	if strings.HasSuffix(root, "/") {
		return strings.HasPrefix(pkg, root)
	}
	return pkg == root || strings.HasPrefix(pkg, root+"/")
}

func TestLayering(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}}`, "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, imports := f[0], f[1:]
		for _, imp := range imports {
			if strings.HasPrefix(imp, "gosystemd/impl/multicall") && pkg != "gosystemd/cmd/gosystemd" {
				t.Errorf("%s imports %s: only cmd/gosystemd may", pkg, imp)
			}
			for _, l := range layers {
				if !within(pkg, l.pkg) {
					continue
				}
				for _, bad := range l.forbidden {
					// A layer's own packages may import each other.
					if strings.HasPrefix(imp, bad) && !within(imp, l.pkg) {
						t.Errorf("%s imports %s: %s", pkg, imp, l.why)
					}
				}
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("go list reported no imports: the check checked nothing")
	}
}
