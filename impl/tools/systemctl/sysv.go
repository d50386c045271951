package systemctl

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"gosystemd/impl/cli/logging"
	"gosystemd/impl/cli/term"
	"gosystemd/impl/install"
)

// Where Debian's systemd keeps SysV init scripts and its helper that
// enables them.
const (
	sysvInitPath = "/etc/init.d"
	sysvInstall  = "/lib/systemd/systemd-sysv-install"
)

// enableSysv is enable_sysv_units: for enable, disable and is-enabled,
// services that have a SysV init script are handed to
// systemd-sysv-install; those without a native unit file are taken out of
// names. enabled reports an is-enabled script that said so.
func (t *tool) enableSysv(verb string, names []string) (rest []string, enabled bool, err error) {
	if t.opts.scope != install.ScopeSystem {
		return names, false, nil
	}
	if e, ok := os.LookupEnv("SYSTEMCTL_SKIP_SYSV"); ok && term.ParseBoolean(e) == 1 {
		return names, false, nil
	}
	if verb != "enable" && verb != "disable" && verb != "is-enabled" {
		return names, false, nil
	}
	if _, err := install.NewPaths(t.opts.scope, t.opts.root); err != nil {
		what := ""
		if t.opts.root != "" {
			what = " for root directory " + t.opts.root
		}
		return nil, false, t.errorf("Failed to initialize unit search paths%s: %s", what, install.Strerror(errnoOf(err)))
	}
	o := t.installOptions()
	for _, name := range names {
		if !strings.HasSuffix(name, ".service") || strings.HasPrefix(name, "/") {
			rest = append(rest, name)
			continue
		}
		native, err := install.Exists(o, name)
		if err != nil {
			switch errnoOf(err) {
			case syscall.ELOOP, syscall.ERFKILL, syscall.EADDRNOTAVAIL:
				native = true
			default:
				return nil, false, t.errorf("Failed to look up unit file state: %s", install.Strerror(errnoOf(err)))
			}
		}
		if native && verb == "is-enabled" {
			rest = append(rest, name)
			continue
		}
		script := strings.TrimSuffix(joinRoot(t.opts.root, sysvInitPath+"/"+name), ".service")
		if _, err := os.Stat(script); err != nil {
			rest = append(rest, name)
			continue
		}
		argv := []string{sysvInstall}
		if !t.opts.quiet {
			if native {
				t.info("Synchronizing state of %s with SysV service script with %s.", name, sysvInstall)
			} else {
				t.info("%s is not a native service, redirecting to systemd-sysv-install.", name)
			}
		}
		if t.opts.root != "" {
			argv = append(argv, "--root="+t.opts.root)
		}
		argv = append(argv, verb, script[strings.LastIndexByte(script, '/')+1:])
		if !t.opts.quiet {
			t.info("Executing: %s", strings.Join(argv, " "))
		}
		t.out.Flush()
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = t.stdio.In, t.stdio.Out, t.stdio.Err
		code := 0
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				return nil, false, t.errorf("Failed to execute %s: %s", argv[0], install.Strerror(errnoOf(err)))
			}
			code = ee.ExitCode()
			if code < 0 {
				t.logAt(logging.Warning, "sysv-install terminated by signal %s.", ee.String())
				return nil, false, errReported
			}
			if verb != "is-enabled" {
				t.logAt(logging.Debug, "sysv-install failed with exit status %d.", code)
			}
		}
		if verb == "is-enabled" {
			if code == 0 {
				if !t.opts.quiet {
					t.printf("enabled\n")
				}
				enabled = true
			} else if !t.opts.quiet {
				t.printf("disabled\n")
			}
		} else if code != 0 {
			return nil, false, errReported
		}
		if native {
			rest = append(rest, name)
		}
	}
	return rest, enabled, nil
}

func joinRoot(root, p string) string {
	if root == "" {
		return p
	}
	return strings.TrimRight(root, "/") + p
}
