package path

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"

	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// Directories as Debian bookworm builds systemd 252: split /usr, with
// systemd's own files under /lib/systemd.
const (
	systemDataUnitDir   = "/lib/systemd/system"
	systemConfigUnitDir = "/etc/systemd/system"
	userDataUnitDir     = "/usr/lib/systemd/user"
	userConfigUnitDir   = "/etc/systemd/user"
	systemGeneratorDir  = "/lib/systemd/system-generators"
	userGeneratorDir    = "/usr/lib/systemd/user-generators"
)

// multiarchTuples are Debian's library directory names per GOARCH.
var multiarchTuples = map[string]string{
	"amd64":    "x86_64-linux-gnu",
	"386":      "i386-linux-gnu",
	"arm64":    "aarch64-linux-gnu",
	"arm":      "arm-linux-gnueabihf",
	"loong64":  "loongarch64-linux-gnu",
	"mips":     "mips-linux-gnu",
	"mipsle":   "mipsel-linux-gnu",
	"mips64":   "mips64-linux-gnuabi64",
	"mips64le": "mips64el-linux-gnuabi64",
	"ppc64":    "powerpc64-linux-gnu",
	"ppc64le":  "powerpc64le-linux-gnu",
	"riscv64":  "riscv64-linux-gnu",
	"s390x":    "s390x-linux-gnu",
}

var (
	archTuple = multiarchTuples[runtime.GOARCH]
	libDir    = "/usr/lib/" + archTuple
)

// pathTable lists the known paths in systemd's order; each entry resolves
// to one path or to a search list.
var pathTable = []struct {
	name   string
	path   func() (string, error)
	search func() ([]string, error)
}{
	{"temporary", func() (string, error) { return unitpath.TmpDir(nil, "/tmp") }, nil},
	{"temporary-large", func() (string, error) { return unitpath.TmpDir(nil, "/var/tmp") }, nil},
	{"system-binaries", fixed("/usr/bin"), nil},
	{"system-include", fixed("/usr/include"), nil},
	{"system-library-private", fixed("/usr/lib"), nil},
	{"system-library-arch", fixed(libDir), nil},
	{"system-shared", fixed("/usr/share"), nil},
	{"system-configuration-factory", fixed("/usr/share/factory/etc"), nil},
	{"system-state-factory", fixed("/usr/share/factory/var"), nil},
	{"system-configuration", fixed("/etc"), nil},
	{"system-runtime", fixed("/run"), nil},
	{"system-runtime-logs", fixed("/run/log"), nil},
	{"system-state-private", fixed("/var/lib"), nil},
	{"system-state-logs", fixed("/var/log"), nil},
	{"system-state-cache", fixed("/var/cache"), nil},
	{"system-state-spool", fixed("/var/spool"), nil},
	{"user-binaries", fromHome("", ".local/bin"), nil},
	{"user-library-private", fromHome("", ".local/lib"), nil},
	{"user-library-arch", fromHome("", ".local/lib/"+archTuple), nil},
	{"user-shared", fromHome("XDG_DATA_HOME", ".local/share"), nil},
	{"user-configuration", fromHome("XDG_CONFIG_HOME", ".config"), nil},
	{"user-runtime", userRuntime, nil},
	{"user-state-cache", fromHome("XDG_CACHE_HOME", ".cache"), nil},
	{"user", homeDir, nil},
	{"user-documents", fromUserDirs("XDG_DOCUMENTS_DIR"), nil},
	{"user-music", fromUserDirs("XDG_MUSIC_DIR"), nil},
	{"user-pictures", fromUserDirs("XDG_PICTURES_DIR"), nil},
	{"user-videos", fromUserDirs("XDG_VIDEOS_DIR"), nil},
	{"user-download", fromUserDirs("XDG_DOWNLOAD_DIR"), nil},
	{"user-public", fromUserDirs("XDG_PUBLICSHARE_DIR"), nil},
	{"user-templates", fromUserDirs("XDG_TEMPLATES_DIR"), nil},
	{"user-desktop", fromUserDirs("XDG_DESKTOP_DIR"), nil},
	{"search-binaries", nil, searchFromEnv("", ".local/bin", "PATH", true, defaultPath...)},
	{"search-binaries-default", nil, fixedList(defaultPath...)},
	{"search-library-private", nil, searchFromEnv("", ".local/lib", "", false, "/usr/local/lib", "/usr/lib", "/lib")},
	{"search-library-arch", nil, searchFromEnv("", ".local/lib/"+archTuple, "LD_LIBRARY_PATH", true, libDir, libDir)},
	{"search-shared", nil, searchFromEnv("XDG_DATA_HOME", ".local/share", "XDG_DATA_DIRS", false, "/usr/local/share", "/usr/share")},
	{"search-configuration-factory", nil, searchFromEnv("", "", "", false, "/usr/local/share/factory/etc", "/usr/share/factory/etc")},
	{"search-state-factory", nil, searchFromEnv("", "", "", false, "/usr/local/share/factory/var", "/usr/share/factory/var")},
	{"search-configuration", nil, searchFromEnv("XDG_CONFIG_HOME", ".config", "XDG_CONFIG_DIRS", false, "/etc")},
	{"systemd-util", fixed("/lib/systemd"), nil},
	{"systemd-system-unit", fixed(systemDataUnitDir), nil},
	{"systemd-system-preset", fixed("/lib/systemd/system-preset"), nil},
	{"systemd-system-conf", fixed(systemConfigUnitDir), nil},
	{"systemd-user-unit", fixed(userDataUnitDir), nil},
	{"systemd-user-preset", fixed("/lib/systemd/user-preset"), nil},
	{"systemd-user-conf", fixed(userConfigUnitDir), nil},
	{"systemd-search-system-unit", nil, unitSearchPath(unitpath.System)},
	{"systemd-search-user-unit", nil, unitSearchPath(unitpath.User)},
	{"systemd-system-generator", fixed(systemGeneratorDir), nil},
	{"systemd-user-generator", fixed(userGeneratorDir), nil},
	{"systemd-search-system-generator", nil, generatorPath(unitpath.System)},
	{"systemd-search-user-generator", nil, generatorPath(unitpath.User)},
	{"systemd-sleep", fixed("/lib/systemd/system-sleep"), nil},
	{"systemd-shutdown", fixed("/lib/systemd/system-shutdown"), nil},
	{"tmpfiles", fixed("/usr/lib/tmpfiles.d"), nil},
	{"sysusers", fixed("/usr/lib/sysusers.d"), nil},
	{"sysctl", fixed("/usr/lib/sysctl.d"), nil},
	{"binfmt", fixed("/usr/lib/binfmt.d"), nil},
	{"modules-load", fixed("/usr/lib/modules-load.d"), nil},
	{"catalog", fixed("/usr/lib/systemd/catalog"), nil},
	{"systemd-search-network", nil, fixedList("/etc/systemd/network", "/run/systemd/network", "/usr/local/lib/systemd/network", "/usr/lib/systemd/network", "/lib/systemd/network")},
}

// defaultPath is the $PATH systemd gives services on a split-/usr system.
var defaultPath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// homeDir is get_home_dir.
func homeDir() (string, error) { return unitpath.HomeDir(nil) }

func fixed(p string) func() (string, error) {
	return func() (string, error) { return p, nil }
}

func fixedList(l ...string) func() ([]string, error) {
	return func() ([]string, error) { return append([]string{}, l...), nil }
}

// fromHome is $env if that is absolute, else suffix in the home directory.
func fromHome(env, suffix string) func() (string, error) {
	return func() (string, error) {
		if e, ok := os.LookupEnv(env); ok && strings.HasPrefix(e, "/") {
			return e, nil
		}
		h, err := homeDir()
		if err != nil {
			return "", err
		}
		return unitname.PathJoin(h, suffix), nil
	}
}

func userRuntime() (string, error) {
	if e, ok := os.LookupEnv("XDG_RUNTIME_DIR"); ok && strings.HasPrefix(e, "/") {
		return e, nil
	}
	return "", fmt.Errorf("$XDG_RUNTIME_DIR is not an absolute path: %w", syscall.ENXIO)
}

// searchFromEnv builds a search list as systemd's
// search_from_environment: the entries of $listEnv if set (and nothing
// else if that suffices), else defaults; preceded by $homeEnv if that is
// absolute, else by homeSuffix in $HOME if $HOME is absolute.
func searchFromEnv(homeEnv, homeSuffix, listEnv string, listSuffices bool, defaults ...string) func() ([]string, error) {
	return func() ([]string, error) {
		var l []string
		if e, ok := os.LookupEnv(listEnv); ok && listEnv != "" {
			l = unitpath.SplitList(e)
			if listSuffices {
				return l, nil
			}
		}
		if l == nil {
			l = append([]string{}, defaults...)
		}
		h := ""
		if e, ok := os.LookupEnv(homeEnv); ok && homeEnv != "" && strings.HasPrefix(e, "/") {
			h = e
		}
		if e, ok := os.LookupEnv("HOME"); ok && h == "" && homeSuffix != "" && strings.HasPrefix(e, "/") {
			h = unitname.PathJoin(e, homeSuffix)
		}
		if h != "" {
			l = append([]string{h}, l...)
		}
		return l, nil
	}
}

// lookup resolves a path table entry as sd_path_lookup does: a single
// path gets the suffix (less its leading slashes) appended, each entry of
// a search list gets it appended as is, and lists are joined with ":".
func lookup(i int, suffix *string) (string, error) {
	e := pathTable[i]
	if e.path != nil {
		p, err := e.path()
		if err != nil {
			return "", err
		}
		if suffix != nil {
			p = unitname.PathJoin(p, strings.TrimLeft(*suffix, "/"))
		}
		return p, nil
	}
	l, err := e.search()
	if err != nil {
		return "", err
	}
	if suffix != nil {
		for j := range l {
			l[j] = unitname.PathJoin(l[j], *suffix)
		}
	}
	return strings.Join(l, ":"), nil
}
