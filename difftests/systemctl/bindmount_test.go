package systemctl

import (
	"testing"

	"gosystemd/oracle"
)

// bindMountFiles: a running service without a mount namespace, and one
// with a namespace that is not running (kept loaded by the first's
// After=).
var bindMountFiles = []oracle.File{
	unitFile("gosd-bm-plain.service", "[Unit]\nAfter=gosd-bm-ns.service gosd-bm.target\n[Service]\nExecStart=/bin/sleep infinity\n"),
	unitFile("gosd-bm-ns.service", "[Service]\nExecStart=/bin/sleep infinity\nProtectSystem=yes\nInaccessiblePaths=/opt/gosd-secret -/opt/gosd-maybe\n"),
	unitFile("gosd-bm.target", "[Unit]\nDescription=bind mount target\n"),
}

func realSystemctlLine(args string) []string {
	return []string{"!sh", oracle.OracleBin + "/systemctl " + args + "; echo exit=$?"}
}

func busctlManager(method, sig, args string) []string {
	return []string{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager " +
		method + " " + sig + " " + args + "; echo exit=$?"}
}

// bindMountCommands are what BindMountUnit and MountImageUnit refuse.
var bindMountCommands = [][]string{
	{"start", "gosd-bm-plain.service"},
	{"!sh", "mkdir -p /tmp/gosd-bm-src"},
	realSystemctlLine("bind gosd-bm-plain.service /tmp/gosd-bm-src /tmp/gosd-bm-dst"),
	realSystemctlLine("bind gosd-bm-ns.service /tmp/gosd-bm-src /tmp/gosd-bm-dst"),
	realSystemctlLine("bind gosd-bm-ns.service /tmp/gosd-bm-src /opt/gosd-secret/x"),
	realSystemctlLine("bind gosd-bm-ns.service /tmp/gosd-bm-src /opt/gosd-maybe/x"),
	realSystemctlLine("bind gosd-bm.target /tmp/gosd-bm-src"),
	realSystemctlLine("bind gosd-bm-nonexistent.service /tmp/gosd-bm-src"),
	realSystemctlLine("mount-image gosd-bm-plain.service /tmp/gosd-bm.img /tmp/gosd-bm-dst"),
	busctlManager("BindMountUnit", "sssbb", "gosd-bm-ns.service tmp/relative '' false false"),
	busctlManager("BindMountUnit", "sssbb", "gosd-bm-ns.service /tmp//src '' false false"),
	busctlManager("BindMountUnit", "sssbb", "gosd-bm-ns.service /tmp/src dst false false"),
	busctlManager("BindMountUnit", "sssbb", "gosd-bm-ns.service /tmp/src /tmp/./dst false false"),
	busctlManager("BindMountUnit", "sssbb", "gosd-bm-ns.service /tmp/src '' false false"),
	busctlManager("MountImageUnit", "'sssbba(ss)'", "gosd-bm-ns.service /tmp/img '' false false 0"),
	busctlManager("MountImageUnit", "'sssbba(ss)'", "gosd-bm-ns.service /tmp/img /mnt false false 1 bogus ro"),
	busctlManager("MountImageUnit", "'sssbba(ss)'", "gosd-bm-ns.service /tmp/img /mnt false false 1 root 'ro nosuid'"),
	busctlManager("MountImageUnit", "'sssbba(ss)'", "gosd-bm-ns.service /tmp/img /mnt false false 2 root ro,nosuid usr ro"),
	busctlManager("MountImageUnit", "'sssbba(ss)'", "gosd-bm.target /tmp/img /mnt false false 0"),
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/gosd_2dbm_2dplain_2eservice org.freedesktop.systemd1.Service BindMount ssbb /tmp/gosd-bm-src /mnt true true; echo exit=$?"},
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/gosd_2dbm_2dns_2eservice org.freedesktop.systemd1.Service MountImage ssbba\\(ss\\) /tmp/img /mnt true true 0; echo exit=$?"},
}

// TestBindMountMatchesSystemd compares what BindMountUnit,
// MountImageUnit, Service.BindMount and Service.MountImage refuse.
func TestBindMountMatchesSystemd(t *testing.T) {
	compareSides(t, bindMountFiles, bindMountCommands)
}

// bindIntoFiles: running services in mount namespaces of their own
// (ProtectSystem=).
var bindIntoFiles = []oracle.File{
	unitFile("gosd-bm-a.service", "[Service]\nExecStart=/bin/sleep infinity\nProtectSystem=yes\n"),
	unitFile("gosd-bm-sys.service", "[Service]\nExecStart=/bin/sleep infinity\nProtectSystem=full\n"),
	unitFile("gosd-bm-tmp.service", "[Service]\nExecStart=/bin/sleep infinity\nPrivateTmp=yes\n"),
	unitFile("gosd-bm-j1.service", "[Service]\nExecStart=/bin/sleep infinity\nPrivateTmp=yes\n"),
	unitFile("gosd-bm-j2.service", "[Unit]\nJoinsNamespaceOf=gosd-bm-j1.service\n[Service]\nExecStart=/bin/sh -c 'echo joined > /tmp/j2; exec sleep infinity'\nPrivateTmp=yes\n"),
	unitFile("gosd-bm-slow.service", "[Service]\nExecStartPre=/bin/sleep 3\nExecStart=/bin/sleep infinity\nPrivateTmp=yes\n"),
}

// inUnit runs a shell command in the mount namespace of unit's main
// process.
func inUnit(unit, cmd string) []string {
	return []string{"!sh", "nsenter -t $(" + oracle.OracleBin + "/systemctl show -P MainPID " + unit + ") -m sh -c '" + cmd + "'; echo exit=$?"}
}

// waitExec waits until unit's main process runs sleep.
func waitExec(unit string) []string {
	return []string{"!sh", "for i in $(seq 100); do [ \"$(cat /proc/$(" + oracle.OracleBin + "/systemctl show -P MainPID " + unit + ")/comm)\" = sleep ] && break; sleep 0.05; done"}
}

// mountsIn lists the mount points (and their options) under prefix in
// unit's namespace.
func mountsIn(unit, prefix string) []string {
	return inUnit(unit, `awk "index(\$5, \"`+prefix+`\") == 1 {print \$5, \$6}" /proc/self/mountinfo | sort`)
}

// bindIntoCommands bind directories and files into running services'
// namespaces with our systemctl and real 252's, and look at them from
// inside; then what fails once the checks passed. In a container 252
// leaves / private (mount_setup), where nothing would propagate into the
// services: the root is made shared first, as 252 makes it on a machine.
var bindIntoCommands = [][]string{
	{"!sh", "mount --make-rshared /"},
	{"start", "gosd-bm-a.service", "gosd-bm-sys.service"},
	// A simple service is started once forked: wait for its namespace
	// and the exec of sleep.
	waitExec("gosd-bm-a.service"),
	waitExec("gosd-bm-sys.service"),
	{"!sh", "mkdir -p /srv/gosd-bm/dir /srv/gosd-bm/other && echo hello > /srv/gosd-bm/dir/file && echo single > /srv/gosd-bm/file && ln -s dir /srv/gosd-bm/link"},
	{"!sh", "@SYSTEMCTL@ bind gosd-bm-a.service /srv/gosd-bm/dir /srv/gosd-bm-in/bound; echo exit=$?"},
	{"!sh", "journalctl -b -o export --grep MS_MOVE | grep -a -E '^(SYSLOG_IDENTIFIER|PRIORITY|MESSAGE|ERRNO)=' | sort | sed 's#incoming/[^ ]*#incoming/X#'"},
	{"!sh", "@SYSTEMCTL@ bind --mkdir gosd-bm-a.service /srv/gosd-bm/dir /srv/gosd-bm-in/bound; echo exit=$?"},
	inUnit("gosd-bm-a.service", "cat /srv/gosd-bm-in/bound/file; touch /srv/gosd-bm-in/bound/new && echo written"),
	{"!sh", "ls /srv/gosd-bm/dir; ls -a /srv/gosd-bm-in/bound 2>&1; rm -f /srv/gosd-bm/dir/new"},
	{"!sh", "@SYSTEMCTL@ --read-only --mkdir bind gosd-bm-a.service /srv/gosd-bm/link /var/tmp/gosd-bm/a/b/ro; echo exit=$?"},
	inUnit("gosd-bm-a.service", "cat /var/tmp/gosd-bm/a/b/ro/file; touch /var/tmp/gosd-bm/a/b/ro/new"),
	{"!sh", "@SYSTEMCTL@ --mkdir bind gosd-bm-a.service /srv/gosd-bm/file /srv/gosd-bm-in/sub/single; echo exit=$?"},
	inUnit("gosd-bm-a.service", "cat /srv/gosd-bm-in/sub/single; stat -c %F /srv/gosd-bm-in/sub/single"),
	{"!sh", "stat -c %F /srv/gosd-bm-in/sub/single"},
	{"!sh", "@SYSTEMCTL@ bind gosd-bm-a.service /srv/gosd-bm/other; echo exit=$?"},
	mountsIn("gosd-bm-a.service", "/srv/"),
	mountsIn("gosd-bm-a.service", "/var/tmp/"),
	mountsIn("gosd-bm-a.service", "/run/systemd/incoming"),
	{"!sh", "ls -A /run/systemd/propagate/gosd-bm-a.service; ls -d /tmp/propagate.* 2>&1"},
	{"!sh", "@SYSTEMCTL@ bind gosd-bm-a.service /srv/gosd-bm/missing /srv/m; echo exit=$?"},
	{"!sh", "ln -s loop2 /srv/gosd-bm/loop1 && ln -s loop1 /srv/gosd-bm/loop2 && @SYSTEMCTL@ bind gosd-bm-a.service /srv/gosd-bm/loop1 /srv/m; echo exit=$?"},
	{"!sh", "@SYSTEMCTL@ bind gosd-bm-a.service /srv/gosd-bm/file/x /srv/m; echo exit=$?"},
	{"!sh", "@SYSTEMCTL@ bind gosd-bm-a.service srv/gosd-bm/dir /srv/m; echo exit=$?"},
	{"!sh", "@SYSTEMCTL@ bind gosd-bm-a.service /srv/gosd-bm/dir srv/m; echo exit=$?"},
	{"!sh", "@SYSTEMCTL@ bind gosd-bm-a.service /srv/gosd-bm/dir /srv/../m; echo exit=$?"},
	{"!nobody", "bind", "gosd-bm-a.service", "/srv/gosd-bm/dir", "/srv/n"},
	{"!nobody", "bind", "gosd-bm-a.service", "srv", "/srv/n"},
	{"!nobody", "--mkdir", "bind", "gosd-bm-none.service", "/srv/gosd-bm/dir", "/srv/n"},
	realSystemctlLine("bind --mkdir gosd-bm-sys.service /srv/gosd-bm/dir /usr/local/gosd-bm"),
	inUnit("gosd-bm-sys.service", "cat /usr/local/gosd-bm/file; touch /usr/local/gosd-bm/new && echo written"),
	{"!sh", "rm -f /srv/gosd-bm/dir/new"},
	realSystemctlLine("bind gosd-bm-sys.service /srv/gosd-bm/dir /usr/gosd-bm-missing"),
	realSystemctlLine("--read-only bind gosd-bm-sys.service /srv/gosd-bm/file /etc/hostname"),
	inUnit("gosd-bm-sys.service", "cat /etc/hostname"),
	// No loop devices in the container: an image is refused there by
	// 252 too, after the checks.
	{"!sh", "mkdir -p /srv/gosd-bm-img && echo inimage > /srv/gosd-bm-img/f && mkfs.ext4 -q -d /srv/gosd-bm-img /srv/gosd-bm.img 4M && echo made"},
	{"!sh", "@SYSTEMCTL@ mount-image --mkdir gosd-bm-a.service /srv/gosd-bm.img /srv/gosd-bm-in/img; echo exit=$?"},
	{"!sh", "@SYSTEMCTL@ --read-only mount-image gosd-bm-a.service /srv/gosd-bm.img /srv/gosd-bm-in/img root:ro,noexec; echo exit=$?"},
	{"!sh", "@SYSTEMCTL@ mount-image gosd-bm-a.service /srv/gosd-bm-missing.img /srv/gosd-bm-in/img; echo exit=$?"},
	{"!sh", "@SYSTEMCTL@ mount-image gosd-bm-a.service /srv/gosd-bm-img /srv/gosd-bm-in/img; echo exit=$?"},
	{"!sh", "@SYSTEMCTL@ mount-image gosd-bm-a.service /srv/gosd-bm.img srv/img; echo exit=$?"},
	{"!sh", "@SYSTEMCTL@ mount-image gosd-bm-a.service /srv/gosd-bm.img /srv/img bogus:ro; echo exit=$?"},
	{"!nobody", "mount-image", "gosd-bm-a.service", "/srv/gosd-bm.img", "/srv/gosd-bm-in/img"},
	realSystemctlLine("mount-image --mkdir gosd-bm-sys.service /srv/gosd-bm.img /srv/gosd-bm-in/img2 ro"),
	{"!sh", "busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1/unit/gosd_2dbm_2da_2eservice org.freedesktop.systemd1.Service MountImage ssbba\\(ss\\) /srv/gosd-bm.img /srv/gosd-bm-in/img3 false true 1 root nosuid; echo exit=$?"},
	{"!sh", "ls -A /run/systemd/propagate/gosd-bm-a.service; ls -d /tmp/propagate.* 2>&1"},
	{"!sh", "test -d /run/systemd/propagate/gosd-bm-a.service; echo propagate=$?"},
	// PrivateTmp= alone makes the namespace, and its /tmp is the
	// service's own.
	{"start", "gosd-bm-tmp.service"},
	waitExec("gosd-bm-tmp.service"),
	{"!sh", "@SYSTEMCTL@ bind --mkdir gosd-bm-tmp.service /srv/gosd-bm/dir /tmp/bound; echo exit=$?"},
	inUnit("gosd-bm-tmp.service", "ls -A /tmp /var/tmp; cat /tmp/bound/file"),
	{"!sh", "ls /tmp/bound 2>&1; ls -d /tmp/systemd-private-*-gosd-bm-tmp.service-*/tmp /var/tmp/systemd-private-*-gosd-bm-tmp.service-*/tmp | sed 's/-[^-/]*-gosd/-ID-gosd/; s/service-[^/]*/service-X/'"},
	realSystemctlLine("--read-only --mkdir bind gosd-bm-tmp.service /srv/gosd-bm/file /var/tmp/single"),
	inUnit("gosd-bm-tmp.service", "cat /var/tmp/single; echo x > /var/tmp/single"),
	// The directories are the service's across daemon-reload and
	// daemon-reexec, and go with it.
	{"daemon-reload"},
	{"restart", "gosd-bm-tmp.service"},
	waitExec("gosd-bm-tmp.service"),
	inUnit("gosd-bm-tmp.service", "ls -A /tmp /var/tmp"),
	{"!sh", "n() { ls -d /tmp/systemd-private-*-gosd-bm-tmp.service-* /var/tmp/systemd-private-*-gosd-bm-tmp.service-* 2>/dev/null | wc -l; }; for i in $(seq 200); do [ $(n) -le 2 ] && break; sleep 0.05; done; n"},
	{"daemon-reexec"},
	{"stop", "gosd-bm-tmp.service"},
	// The directories go in a process of their own: their count is
	// awaited (a liveness bound), both of them.
	{"!sh", "n() { ls -d /tmp/systemd-private-*-gosd-bm-tmp.service-* /var/tmp/systemd-private-*-gosd-bm-tmp.service-* 2>/dev/null | wc -l; }; for i in $(seq 200); do [ $(n) -eq 0 ] && break; sleep 0.05; done; n"},
	{"!sh", "@SYSTEMCTL@ bind gosd-bm-tmp.service /srv/gosd-bm/dir /tmp/bound; echo exit=$?"},
	// JoinsNamespaceOf=: one /tmp for both, kept until both are gone.
	{"start", "gosd-bm-j1.service"},
	waitExec("gosd-bm-j1.service"),
	{"start", "gosd-bm-j2.service"},
	waitExec("gosd-bm-j2.service"),
	inUnit("gosd-bm-j1.service", "ls -A /tmp; cat /tmp/j2"),
	{"!sh", "ls -d /tmp/systemd-private-*-gosd-bm-j* | sed 's/-[^-/]*-gosd/-ID-gosd/; s/service-[^/]*/service-X/'"},
	{"stop", "gosd-bm-j1.service"},
	{"!sh", "sleep 0.3; ls -d /tmp/systemd-private-*-gosd-bm-j* | sed 's/-[^-/]*-gosd/-ID-gosd/; s/service-[^/]*/service-X/'"},
	{"stop", "gosd-bm-j2.service"},
	{"!sh", "for i in $(seq 200); do ls -d /tmp/systemd-private-*-gosd-bm-j* >/dev/null 2>&1 || break; sleep 0.05; done; ls -d /tmp/systemd-private-*-gosd-bm-j* 2>/dev/null | wc -l"},
	// Starting, its private /tmp made for ExecStartPre=: the namespace
	// is there, the main process not yet.
	{"--no-block", "start", "gosd-bm-slow.service"},
	{"!sh", "sleep 0.5; @SYSTEMCTL@ bind gosd-bm-slow.service /srv/gosd-bm/dir /tmp/bound; echo exit=$?"},
	{"stop", "gosd-bm-slow.service"},
	{"stop", "gosd-bm-a.service"},
	{"!sh", "test -d /run/systemd/propagate/gosd-bm-a.service; echo propagate=$?"},
	{"!sh", "@SYSTEMCTL@ bind gosd-bm-a.service /srv/gosd-bm/dir /srv/bound; echo exit=$?"},
	{"!sh", "@SYSTEMCTL@ bind gosd-bm-sys.service; echo exit=$?"},
	{"!sh", "@SYSTEMCTL@ bind gosd-bm-sys.service /a /b /c; echo exit=$?"},
	// The mounts made on the way were never seen as mount units.
	{"!sh", "journalctl -b -o cat | grep propagate"},
}

// TestBindIntoRunningServiceMatchesSystemd bind-mounts host paths into
// running services' mount namespaces (BindMountUnit) and compares what
// the services see, and the failures after the checks.
func TestBindIntoRunningServiceMatchesSystemd(t *testing.T) {
	compareSides(t, bindIntoFiles, bindIntoCommands)
}
