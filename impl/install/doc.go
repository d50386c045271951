// Package install owns unit file installation as systemd 252 performs it
// without a running manager: enabling, disabling, masking, linking,
// reverting and presetting unit files by creating and removing symlinks
// under a root directory, the unit file states ("enabled", "static", ...)
// and the unit file list that follow from those symlinks, and the default
// target. It reads [Install] sections itself and reports what it changed
// (or failed to change) as a list of Changes that DumpChanges words as
// systemctl prints them.
//
// Messages systemd would log along the way (parser warnings, suspicious
// symlinks) go to the caller's Options.Log; nothing is printed here.
// Errors wrap the errno systemd returns in the same situation.
//
// Tools (systemctl) and, later, the manager import install; it imports
// only the syntax and name packages.
package install
