package exec

import (
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path"
	"runtime"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// A unit's credentials (LoadCredential=, SetCredential=) are written,
// before its command runs, into a file system of their own that the host
// sees at /run/credentials/UNIT, read-only ($CREDENTIALS_DIRECTORY):
//
//	executor ─ thread in a new mount namespace: /dev made a slave,
//	           ramfs (else tmpfs) mounted on /dev/shm, files written 0400,
//	           remounted read-only, moved to /run/credentials/UNIT ──► host
//	           (through /run's shared propagation; in a container, where
//	           / is not shared, only the empty directory shows)
//
// The manager removes the store when the unit is dead
// (DestroyCredentials).

// LoadCredentialSpec is one LoadCredential=: ID from a file, a directory
// of files, or (a relative name) a credential the manager received.
type LoadCredentialSpec struct{ ID, Path string }

// SetCredentialSpec is one SetCredential=: ID with literal data.
type SetCredentialSpec struct {
	ID   string
	Data []byte
}

// Sizes of 252's credentials (CREDENTIAL_SIZE_MAX, CREDENTIALS_TOTAL_SIZE_MAX).
const (
	credentialSizeMax       = 1 << 20
	credentialsTotalSizeMax = 1 << 20
)

// credentialStores are where a relative LoadCredential= name is looked
// up after the manager's own credentials (CONF_PATHS "credstore").
var credentialStores = []string{"/etc/credstore", "/run/credstore", "/usr/local/lib/credstore", "/usr/lib/credstore"}

func (s *Spec) hasCredentials() bool { return len(s.LoadCredentials) > 0 || len(s.SetCredentials) > 0 }

// credentialsDir is where the unit's credentials show.
func (s *Spec) credentialsDir() string { return pathJoin(s.Prefix[DirRuntime], "credentials", s.Unit) }

// setupCredentials is 252's setup_credentials.
func (s *Spec) setupCredentials(uid uint32) error {
	if !s.hasCredentials() {
		return nil
	}
	if s.Prefix[DirRuntime] == "" {
		return unix.EINVAL
	}
	top := pathJoin(s.Prefix[DirRuntime], "credentials")
	if err := unix.Mkdir(top, 0o755); err != nil && err != unix.EEXIST {
		return err
	}
	final := s.credentialsDir()
	if err := unix.Mkdir(final, 0o700); err != nil && err != unix.EEXIST {
		return err
	}
	err, nsErr := inNewMountNamespace(func() error {
		// Nothing mounted below /dev leaks to the host; the finished
		// store moves to /run, whose propagation takes it there.
		if err := unix.Mount("", "/dev", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
			return err
		}
		return s.setupCredentialsIn(final, "/dev/shm", false, true, uid)
	})
	if nsErr == nil {
		return err
	}
	if !errors.Is(nsErr, unix.EPERM) && !errors.Is(nsErr, unix.EINVAL) && !errors.Is(nsErr, unix.EOPNOTSUPP) {
		return nsErr
	}
	// No mount namespace: prepare the store in an inaccessible place of
	// our own, then move it.
	tmp := pathJoin(s.Prefix[DirRuntime], "systemd/temporary-credentials")
	ws := pathJoin(tmp, s.Unit)
	for _, d := range []string{tmp, ws} {
		if err := unix.Mkdir(d, 0o700); err != nil && err != unix.EEXIST {
			return err
		}
	}
	err = s.setupCredentialsIn(final, ws, true, false, uid)
	_ = unix.Rmdir(ws)
	return err
}

// inNewMountNamespace runs fn on a thread of its own that has left for a
// new mount namespace; the thread ends with fn. nsErr reports that no
// namespace could be made (fn did not run).
func inNewMountNamespace(fn func() error) (err, nsErr error) {
	type result struct{ err, nsErr error }
	done := make(chan result, 1)
	go func() {
		// Never unlocked: the thread dies with the goroutine, namespace
		// and all.
		runtime.LockOSThread()
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: errors.New("credentials setup panicked")}
			}
		}()
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			done <- result{nsErr: err}
			return
		}
		done <- result{err: fn()}
	}()
	r := <-done
	return r.err, r.nsErr
}

// setupCredentialsIn is setup_credentials_internal: the store is
// prepared in workspace (a fresh ramfs or tmpfs, or a writable bind of
// an existing store) and ends up read-only at final.
func (s *Spec) setupCredentialsIn(final, workspace string, reuse, mustMount bool, uid uint32) error {
	wsMounted := -1
	if reuse {
		mp, err := isMountPoint(workspace)
		if err != nil {
			return err
		}
		if mp {
			wsMounted = 1
		}
	}
	finalMounted, err := isMountPoint(final)
	if err != nil {
		return err
	}
	const nodevNoexecNosuid = unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOSUID
	if finalMounted && wsMounted < 0 {
		// A store from an earlier run: made writable in the workspace.
		if err := unix.Mount(final, workspace, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return err
		}
		if err := unix.Mount("", workspace, "", unix.MS_BIND|unix.MS_REMOUNT|nodevNoexecNosuid, ""); err != nil {
			return err
		}
		wsMounted = 1
	}
	if wsMounted < 0 {
		switch {
		case unix.Mount("ramfs", workspace, "ramfs", nodevNoexecNosuid, "mode=0700") == nil:
			// ramfs is not swap backed.
			wsMounted = 1
		case unix.Mount("tmpfs", workspace, "tmpfs", nodevNoexecNosuid, "mode=0700,nr_inodes=1024,size=1048576") == nil:
			wsMounted = 1
		default:
			err := unix.Mount(final, workspace, "", unix.MS_BIND|unix.MS_REC, "")
			if err != nil {
				if mustMount || err != unix.EPERM && err != unix.EACCES {
					return err
				}
				// Plain directory, for containers without privileges.
				wsMounted = 0
			} else {
				if err := unix.Mount("", workspace, "", unix.MS_BIND|unix.MS_REMOUNT|nodevNoexecNosuid, ""); err != nil {
					return err
				}
				wsMounted = 1
			}
		}
	}
	where := final
	if wsMounted > 0 {
		where = workspace
	}
	if err := s.acquireCredentials(where, uid, wsMounted > 0); err != nil {
		return err
	}
	if wsMounted > 0 {
		if err := unix.Mount("", workspace, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|nodevNoexecNosuid, ""); err != nil {
			return err
		}
		if finalMounted {
			return unix.Unmount(workspace, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW)
		}
		return unix.Mount(workspace, final, "", unix.MS_MOVE, "")
	}
	return unix.Chmod(path.Dir(final), 0o755)
}

// acquireCredentials is acquire_credentials: LoadCredential= first, then
// SetCredential= for the IDs still missing; at most 1 MiB in all. The
// store ends up without write permission.
func (s *Spec) acquireCredentials(dir string, uid uint32, ownershipOK bool) error {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return err
	}
	if err := unix.Chmod(dir, st.Mode&0o7777|0o200); err != nil {
		return err
	}
	left := uint64(credentialsTotalSizeMax)
	for _, lc := range s.LoadCredentials {
		var err error
		if strings.HasPrefix(lc.Path, "/") {
			if fi, serr := os.Stat(lc.Path); serr == nil && fi.IsDir() {
				err = s.loadCredentialDir(dir, lc.ID, lc.Path, uid, ownershipOK, &left)
			} else {
				err = s.loadCredential(dir, lc.ID, lc.Path, false, uid, ownershipOK, &left)
			}
		} else {
			err = s.loadCredential(dir, lc.ID, lc.Path, true, uid, ownershipOK, &left)
		}
		if err != nil {
			return err
		}
	}
	for _, sc := range s.SetCredentials {
		if _, err := os.Lstat(pathJoin(dir, sc.ID)); err == nil {
			// Loaded already: SetCredential= is only the default.
			continue
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		add := uint64(len(sc.ID) + len(sc.Data))
		if add > left {
			return unix.E2BIG
		}
		if err := writeCredential(dir, sc.ID, sc.Data, uid, ownershipOK); err != nil {
			return err
		}
		left -= add
	}
	if err := unix.Stat(dir, &st); err != nil {
		return err
	}
	if err := unix.Chmod(dir, st.Mode&0o7777&^0o222); err != nil {
		return err
	}
	if uid != noID && uid != 0 {
		// ramfs knows no ACLs: the store belongs to the user, which is
		// safe only because it is read-only.
		if !ownershipOK {
			return unix.EOPNOTSUPP
		}
		return unix.Chown(dir, int(uid), -1)
	}
	return nil
}

// loadCredential is load_credential for a file (absolute path) or a
// received credential (a name looked up in the credential stores). A
// name not found, or a file missing where SetCredential= has a default,
// is skipped.
func (s *Spec) loadCredential(dir, id, p string, byName bool, uid uint32, ownershipOK bool, left *uint64) error {
	var data []byte
	var err error
	if byName {
		if !credentialNameValid(p) {
			return nil
		}
		err = os.ErrNotExist
		stores := credentialStores
		if s.ReceivedCredentials != "" {
			stores = append([]string{s.ReceivedCredentials}, stores...)
		}
		for _, d := range stores {
			data, err = readCredentialFile(pathJoin(d, p))
			if !errors.Is(err, os.ErrNotExist) {
				break
			}
		}
	} else {
		data, err = readCredentialFile(p)
	}
	if errors.Is(err, os.ErrNotExist) && (byName || s.hasSetCredential(id)) {
		return nil
	}
	if err != nil {
		return err
	}
	add := uint64(len(id) + len(data))
	if add > *left {
		return unix.E2BIG
	}
	if err := writeCredential(dir, id, data, uid, ownershipOK); err != nil {
		return err
	}
	*left -= add
	return nil
}

// loadCredentialDir is LoadCredential= of a directory: every regular
// file below it, in name order, as ID_sub_path.
func (s *Spec) loadCredentialDir(dir, id, root string, uid uint32, ownershipOK bool, left *uint64) error {
	var walk func(rel string) error
	walk = func(rel string) error {
		ents, err := os.ReadDir(pathJoin(root, rel))
		if err != nil {
			return err
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		for _, e := range ents {
			name := e.Name()
			sub := pathJoin(rel, name)
			if e.IsDir() {
				if err := walk(sub); err != nil {
					return err
				}
				continue
			}
			if !e.Type().IsRegular() {
				continue
			}
			subID := strings.ReplaceAll(id+"/"+strings.TrimPrefix(sub, "/"), "/", "_")
			if !credentialNameValid(subID) {
				return unix.EINVAL
			}
			if _, err := os.Lstat(pathJoin(dir, subID)); err == nil {
				continue
			}
			if err := s.loadCredential(dir, subID, pathJoin(root, sub), false, uid, ownershipOK, left); err != nil {
				return err
			}
		}
		return nil
	}
	return walk("")
}

func (s *Spec) hasSetCredential(id string) bool {
	for _, sc := range s.SetCredentials {
		if sc.ID == id {
			return true
		}
	}
	return false
}

func readCredentialFile(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, credentialSizeMax+1))
	if err != nil {
		return nil, err
	}
	if len(data) > credentialSizeMax {
		return nil, unix.E2BIG
	}
	return data, nil
}

// writeCredential is write_credential: a 0400 file, made under a
// temporary name and linked into place.
func writeCredential(dir, id string, data []byte, uid uint32, ownershipOK bool) error {
	var rnd [8]byte
	_, _ = unix.Getrandom(rnd[:], 0)
	tmp := pathJoin(dir, ".#cred"+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_RDWR|os.O_EXCL|unix.O_NOFOLLOW|unix.O_NOCTTY, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(0o400); err != nil {
		return err
	}
	if uid != noID && uid != 0 {
		if !ownershipOK {
			return unix.EOPNOTSUPP
		}
		if err := f.Chown(int(uid), -1); err != nil {
			return err
		}
	}
	err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, pathJoin(dir, id), unix.RENAME_NOREPLACE)
	if err == unix.EEXIST {
		return nil
	}
	return err
}

// credentialNameValid is credential_name_valid: a file name that is also
// a valid fd name.
func credentialNameValid(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 255 || strings.ContainsRune(s, '/') {
		return false
	}
	for _, c := range []byte(s) {
		if c < ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// DestroyCredentials is exec_context_destroy_credentials: the manager
// takes a dead unit's store away.
func DestroyCredentials(runtimePrefix, unit string) {
	if runtimePrefix == "" || unit == "" {
		return
	}
	p := pathJoin(runtimePrefix, "credentials", unit)
	_ = unix.Unmount(p, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW)
	_ = os.Chmod(p, 0o700)
	_ = os.RemoveAll(p)
}
