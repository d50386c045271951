package analyze

import (
	"os"
	"testing"
)

// pathVars are the variables unit-paths and cat-config read; each case
// sets exactly the ones it names, for both tools.
var pathVars = []string{"HOME", "PWD", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CONFIG_DIRS",
	"XDG_DATA_DIRS", "SYSTEMD_UNIT_PATH", "SYSTEMD_URLIFY", "NO_COLOR", "TERM", "COLORTERM", "COLUMNS"}

// comparePaths is compare with pathVars unset in our process unless
// vars sets them.
func comparePaths(t *testing.T, vars map[string]string, args []string) bool {
	t.Helper()
	for _, k := range pathVars {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	return compare(t, testEnv{fakeTime: "2024-05-01 12:00:00", vars: vars}, args)
}

func TestUnitPathsDiff(t *testing.T) {
	requireTools(t)
	envs := []map[string]string{
		{},
		{"HOME": "/home/someone"},
		{"HOME": "not/absolute", "XDG_RUNTIME_DIR": "/run/user/0"},
		{"XDG_RUNTIME_DIR": "/run/user/1000/", "XDG_CONFIG_HOME": "/c", "XDG_DATA_HOME": "/d/"},
		{"XDG_CONFIG_DIRS": "/x:/y/:", "XDG_DATA_DIRS": "::/z"},
		{"SYSTEMD_UNIT_PATH": "/a:/b"},
		{"SYSTEMD_UNIT_PATH": "/a//:b/./c:"},
		{"SYSTEMD_UNIT_PATH": ""},
		{"SYSTEMD_UNIT_PATH": ":", "XDG_RUNTIME_DIR": "/r"},
		{"SYSTEMD_UNIT_PATH": "/etc/systemd/system:/etc/systemd/user:"},
	}
	argsList := [][]string{
		{"unit-paths"},
		{"unit-paths", "--system"},
		{"--user", "unit-paths"},
		{"unit-paths", "--global"},
		{"unit-paths", "extra"},
		{"--root=/tmp", "unit-paths"},
	}
	n := 0
	for _, env := range envs {
		for _, args := range argsList {
			if comparePaths(t, env, args) {
				n++
			}
		}
	}
	t.Logf("%d unit-paths cases agree", n)
}
