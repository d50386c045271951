package condition

import (
	"os"
	"strings"
)

// globExists is systemd's glob_exists: whether glob(3) with GLOB_BRACE
// finds anything for the absolute pattern, looked up under root. Brace
// alternatives are expanded first; a component without wildcards is
// taken as written (the last one must exist, as lstat sees it), one with
// wildcards is matched against the directory's entries ("." and ".."
// never, hidden names only by a pattern starting with "."). Unreadable
// directories match nothing, as glob(3) without GLOB_ERR has it.
func globExists(root, pattern string) bool {
	for _, p := range braceExpand(pattern) {
		if p == "/" {
			if _, err := os.Lstat(root + "/"); err == nil {
				return true
			}
			continue
		}
		if globWalk(root, "", strings.Split(strings.TrimPrefix(p, "/"), "/")) {
			return true
		}
	}
	return false
}

// braceExpandMax bounds the alternatives of a pattern: braces multiply
// them, and glob(3) would take exponential time on a pattern such as
// "{a,b}{a,b}...". Alternatives past the bound are not looked at.
const braceExpandMax = 4096

// braceExpand lists the alternatives of the first brace expression and
// expands each further; a pattern whose braces do not balance is kept.
func braceExpand(p string) []string { return braceExpandInto(p, nil) }

func braceExpandInto(p string, out []string) []string {
	if len(out) >= braceExpandMax {
		return out
	}
	begin := -1
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
		} else if p[i] == '{' {
			begin = i
			break
		}
	}
	if begin < 0 {
		return append(out, p)
	}
	next := nextBraceSub(p, begin+1)
	if next < 0 {
		return append(out, p)
	}
	rest := next
	for p[rest] != '}' {
		if rest = nextBraceSub(p, rest+1); rest < 0 {
			return append(out, p)
		}
	}
	start := begin + 1
	for {
		out = braceExpandInto(p[:begin]+p[start:next]+p[rest+1:], out)
		if p[next] == '}' || len(out) >= braceExpandMax {
			return out
		}
		start = next + 1
		next = nextBraceSub(p, start)
	}
}

// nextBraceSub finds the "," or "}" that ends the brace alternative
// starting at i, or -1.
func nextBraceSub(p string, i int) int {
	depth := 0
	for i < len(p) {
		if p[i] == '\\' {
			if i+1 >= len(p) {
				return -1
			}
			i += 2
			continue
		}
		if p[i] == '}' {
			if depth == 0 {
				return i
			}
			depth--
		} else if p[i] == ',' && depth == 0 {
			return i
		}
		if p[i] == '{' {
			depth++
		}
		i++
	}
	return -1
}

// hasGlobMagic reports whether a component needs matching against
// directory entries rather than being taken as written.
func hasGlobMagic(s string) bool { return strings.ContainsAny(s, "*?[\\") }

// unescapeGlob drops the backslashes of a component without wildcards.
func unescapeGlob(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// globWalk matches the components below dir (a path relative to root,
// "" for root itself).
func globWalk(root, dir string, comps []string) bool {
	comp, last := comps[0], len(comps) == 1
	if !hasGlobMagic(comp) || comp == "" {
		p := dir + "/" + unescapeGlob(comp)
		if last {
			_, err := os.Lstat(root + p)
			return err == nil
		}
		return globWalk(root, p, comps[1:])
	}
	f, err := os.Open(root + dir + "/")
	if err != nil {
		return false
	}
	names, _ := f.Readdirnames(-1)
	f.Close()
	for _, n := range names {
		if ok, _ := fnmatch(comp, n, fnmPeriod); !ok {
			continue
		}
		if last || globWalk(root, dir+"/"+n, comps[1:]) {
			return true
		}
	}
	return false
}
