package pid1

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/condition"
	"gosystemd/impl/core/manager"
	"gosystemd/impl/specifier"
	"gosystemd/impl/unit/value"
	"gosystemd/impl/version"
)

// logExecutionMode is log_execution_mode for the system manager: what
// 252 logs at every start of PID 1, daemon-reexec included. It reports
// whether this is the first boot.
func logExecutionMode(cmdline string, log func(level int, msg string)) bool {
	log(manager.LevelInfo, "systemd "+version.Package+" running in system mode ("+version.Features+")")
	if v, err := condition.New(condition.Host{}).DetectVirtualization(); err == nil && v != condition.VirtNone {
		log(manager.LevelInfo, "Detected virtualization "+v.String()+".")
	}
	if a, err := (specifier.System{}).Architecture(); err == nil {
		log(manager.LevelInfo, "Detected architecture "+a+".")
	}
	if _, err := os.Stat("/etc/initrd-release"); err == nil {
		log(manager.LevelInfo, "Running in initrd.")
		return false
	}
	return detectFirstBoot(cmdline, log)
}

// welcome is os_release_status: "Welcome to Debian GNU/Linux 12
// (bookworm)!" on the console while status lines are on, and a status
// line if the OS is past its SUPPORT_END=.
func (l *journalLog) welcome(log func(level int, msg string), now time.Time) {
	fields, err := (specifier.System{}).OSReleaseFields("PRETTY_NAME", "NAME", "VERSION", "ANSI_COLOR", "SUPPORT_END")
	if err != nil {
		level := manager.LevelWarning
		if errors.Is(err, syscall.EUNATCH) {
			level, err = manager.LevelDebug, syscall.ENOENT
		}
		log(level, "Failed to read os-release file, ignoring: "+value.Strerror(err))
		return
	}
	label := fields["PRETTY_NAME"]
	if label == "" {
		label = fields["NAME"]
	}
	if label == "" {
		label = "Linux"
	}
	l.mu.Lock()
	all, color, console := l.statusAll, l.color, l.console
	l.mu.Unlock()
	if all {
		if color {
			ansi := fields["ANSI_COLOR"]
			if ansi == "" {
				ansi = "1"
			}
			_, _ = io.WriteString(console, "\nWelcome to \x1b["+ansi+"m"+label+"\x1b[0m!\n\r\n")
		} else {
			_, _ = io.WriteString(console, "\nWelcome to "+label+"!\n\r\n")
		}
	}
	if end := fields["SUPPORT_END"]; end != "" {
		t, err := time.ParseInLocation("2006-01-02", end, time.Local)
		if err != nil {
			log(manager.LevelWarning, "Failed to parse SUPPORT_END= in os-release file, ignoring: Invalid argument")
			return
		}
		if now.After(t) {
			v := ""
			if fields["PRETTY_NAME"] == "" && fields["VERSION"] != "" {
				v = " version " + fields["VERSION"]
			}
			_, _ = fmt.Fprintf(console, "[\x1b[0;1;31m  !!  \x1b[0m] This OS version (%s%s) is past its end-of-support date (%s)\r\n", label, v, end)
		}
	}
}

// setupHostname is hostname_setup: systemd.hostname= on the kernel
// command line, else /etc/hostname, else the hostname the kernel already
// has, else the default one (DEFAULT_HOSTNAME= of os-release, or
// "localhost"), logged as 252 logs it.
func setupHostname(cmdline string, log func(level int, msg string)) {
	name, isDefault, missing := "", false, false
	for _, w := range cmdlineWords(cmdline) {
		if v, ok := strings.CutPrefix(w, "systemd.hostname="); ok {
			if hostnameIsValidTrailingDot(v) {
				name = v
			} else {
				log(manager.LevelWarning, "Hostname specified on kernel command line is invalid, ignoring: "+v)
				name = ""
			}
		}
	}
	if name == "" {
		var err error
		name, err = readEtcHostname("/etc/hostname")
		switch {
		case errors.Is(err, os.ErrNotExist):
			missing = true
		case err != nil:
			log(manager.LevelWarning, "Failed to read configured hostname: "+value.Strerror(err))
		}
	}
	current := ""
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		current = unix.ByteSliceToString(u.Nodename[:])
	}
	if name == "" {
		if current != "" && current != "(none)" {
			log(manager.LevelDebug, "No hostname configured, leaving existing hostname <"+current+"> in place.")
			return
		}
		if missing {
			log(manager.LevelInfo, "No hostname configured, using default hostname.")
		}
		name, isDefault = "localhost", true
		if d, err := (specifier.System{}).OSRelease("DEFAULT_HOSTNAME"); err == nil && specifier.HostnameIsValid(d) {
			name = d
		}
	}
	if current == name {
		log(manager.LevelDebug, "Hostname was already set to <"+name+">.")
	} else if err := unix.Sethostname([]byte(name)); err != nil {
		log(manager.LevelWarning, "Failed to set hostname to <"+name+">: "+value.Strerror(err))
		return
	} else {
		log(manager.LevelInfo, "Hostname set to <"+name+">.")
	}
	// The hint hostnamed reads: the name is the default, not configured.
	if isDefault {
		if err := os.WriteFile("/run/systemd/default-hostname", []byte(name+"\n"), 0o644); err != nil {
			log(manager.LevelWarning, "Failed to create \"/run/systemd/default-hostname\": "+value.Strerror(err))
		}
	} else if err := os.Remove("/run/systemd/default-hostname"); err != nil && !errors.Is(err, os.ErrNotExist) {
		log(manager.LevelWarning, "Failed to remove \"/run/systemd/default-hostname\": "+value.Strerror(err))
	}
}

// readEtcHostname is read_etc_hostname: the first line that is neither
// empty nor a comment, which must be a valid hostname (EBADMSG if not).
func readEtcHostname(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !hostnameIsValidTrailingDot(line) {
			return "", syscall.EBADMSG
		}
		return strings.TrimSuffix(line, "."), nil
	}
	return "", syscall.ENOENT
}

// hostnameIsValidTrailingDot is hostname_is_valid with
// VALID_HOSTNAME_TRAILING_DOT.
func hostnameIsValidTrailingDot(s string) bool {
	if t, ok := strings.CutSuffix(s, "."); ok && t != "" {
		s = t
	}
	return specifier.HostnameIsValid(s)
}
