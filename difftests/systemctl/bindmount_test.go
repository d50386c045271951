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
