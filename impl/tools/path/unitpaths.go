package path

// The unit and generator search paths, as systemd 252's lookup_paths_init
// and generator_binary_paths compute them for the system and per-user
// service managers, honouring $SYSTEMD_UNIT_PATH, $SYSTEMD_GENERATOR_PATH
// and the XDG base directory variables.

import (
	"fmt"
	"os"
	"syscall"
)

// systemUnitPath is the system manager's unit search path.
func systemUnitPath() ([]string, error) {
	return unitPath(fixedList(
		"/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
		"/run/systemd/generator.early", systemConfigUnitDir, systemConfigUnitDir, "/etc/systemd/system",
		"/etc/systemd/system.attached", "/run/systemd/system", "/run/systemd/system",
		"/run/systemd/system.attached", "/run/systemd/generator", "/usr/local/lib/systemd/system",
		systemDataUnitDir, "/usr/lib/systemd/system", "/lib/systemd/system", "/run/systemd/generator.late",
	))
}

// userUnitPath is a user manager's unit search path. Without
// $XDG_RUNTIME_DIR the runtime, transient and generator directories are
// left out.
func userUnitPath() ([]string, error) {
	configHome := func(suffix string) (string, error) {
		if e, ok := os.LookupEnv("XDG_CONFIG_HOME"); ok {
			return pathJoin(e, suffix), nil
		}
		h, err := homeDir()
		if err != nil {
			return "", err
		}
		return pathJoin(h, "/.config", suffix), nil
	}
	runtime, haveRuntime := os.LookupEnv("XDG_RUNTIME_DIR")
	inRuntime := func(suffix string) []string {
		if !haveRuntime {
			return nil
		}
		return []string{pathJoin(runtime, suffix)}
	}
	config, err := configHome("/systemd/user")
	if err != nil {
		return nil, err
	}
	control, err := configHome("/systemd/user.control")
	if err != nil {
		return nil, err
	}
	return unitPath(func() ([]string, error) {
		l, err := userDirs(config, control, inRuntime)
		if err != nil {
			// systemd reports any failure here as lack of memory.
			return nil, fmt.Errorf("user unit directories: %v: %w", err, syscall.ENOMEM)
		}
		return l, nil
	})
}

// userDirs is the default user unit search path.
func userDirs(config, control string, inRuntime func(string) []string) ([]string, error) {
	var dataHome string
	if e, ok := os.LookupEnv("XDG_DATA_HOME"); ok {
		dataHome = pathJoin(e, "/systemd/user")
	} else {
		h, err := homeDir()
		if err != nil {
			return nil, err
		}
		dataHome = pathJoin(h, "/.local/share", "/systemd/user")
	}
	configDirs := []string{"/etc/xdg"}
	if e, ok := os.LookupEnv("XDG_CONFIG_DIRS"); ok {
		configDirs = splitList(e)
	}
	dataDirs := []string{"/usr/local/share", "/usr/share"}
	if e, ok := os.LookupEnv("XDG_DATA_DIRS"); ok {
		dataDirs = splitList(e)
	}

	var l []string
	l = append(l, control)
	l = append(l, inRuntime("/systemd/user.control")...)
	l = append(l, inRuntime("/systemd/transient")...)
	l = append(l, inRuntime("/systemd/generator.early")...)
	l = append(l, config)
	for _, d := range configDirs {
		l = append(l, d+"/systemd/user")
	}
	l = append(l, userConfigUnitDir, userConfigUnitDir, "/etc/systemd/user")
	l = append(l, inRuntime("/systemd/user")...)
	l = append(l, "/run/systemd/user")
	l = append(l, inRuntime("/systemd/generator")...)
	l = append(l, dataHome)
	for _, d := range dataDirs {
		l = append(l, d+"/systemd/user")
	}
	l = append(l, "/usr/local/lib/systemd/user", "/usr/local/share/systemd/user", userDataUnitDir,
		"/usr/lib/systemd/user", "/usr/share/systemd/user")
	l = append(l, inRuntime("/systemd/generator.late")...)
	return makeAbsolute(l)
}

// unitPath applies $SYSTEMD_UNIT_PATH to the default search path: it
// replaces the defaults, or comes before them if it ends in ":".
// Duplicates are dropped.
func unitPath(defaults func() ([]string, error)) ([]string, error) {
	paths, set, add, err := pathsFromEnv("SYSTEMD_UNIT_PATH")
	if err != nil || set && !add {
		return uniq(paths), err
	}
	d, err := defaults()
	if err != nil {
		return nil, err
	}
	return uniq(extendUnique(paths, d)), nil
}

var (
	systemGeneratorPaths = []string{"/run/systemd/system-generators", "/etc/systemd/system-generators",
		"/usr/local/lib/systemd/system-generators", systemGeneratorDir}
	userGeneratorPaths = []string{"/run/systemd/user-generators", "/etc/systemd/user-generators",
		"/usr/local/lib/systemd/user-generators", userGeneratorDir}
)

// generatorPath applies $SYSTEMD_GENERATOR_PATH to a default generator
// search path like unitPath, but keeps duplicates within the variable.
func generatorPath(defaults []string) func() ([]string, error) {
	return func() ([]string, error) {
		paths, set, add, err := pathsFromEnv("SYSTEMD_GENERATOR_PATH")
		if err != nil {
			return nil, err
		}
		if !set {
			return append([]string{}, defaults...), nil
		}
		if add {
			paths = extendUnique(paths, defaults)
		}
		return paths, nil
	}
}
