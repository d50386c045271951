package manager

import (
	"syscall"

	"gosystemd/impl/exec"
)

// MountInNamespaceLoop is the mount half of 252's
// bus_service_method_mount: src is bound (or, with image, the disk image
// src mounted, with options per partition) on dest in the mount
// namespace of pid, u's main process, through u's propagation
// directory, by a helper process (the manager never joins a namespace
// itself). done is called on the loop with nil or the errno of the step
// that failed.
func (m *Manager) MountInNamespaceLoop(u *Unit, pid int, src, dest string, readOnly, mkdir, image bool, options [][2]string, done func(error)) {
	req := &exec.NSMount{
		PID:          pid,
		PropagateDir: "/run/systemd/propagate/" + u.ID(),
		IncomingDir:  "/run/systemd/incoming/",
		Source:       src,
		Dest:         dest,
		ReadOnly:     readOnly,
		MakeDir:      mkdir,
		Image:        image,
		Journal:      exec.JournalSocket,
	}
	for _, o := range options {
		req.Options = append(req.Options, exec.PartitionOptions{Partition: o[0], Options: o[1]})
	}
	_, result, err := exec.StartNSMount(req, m.cfg.Executable)
	if err != nil {
		done(unwrapErrno(err))
		return
	}
	// The helper's report is read off the loop, up to the pipe's end
	// when it exits (the reaper collects it as any other child).
	mountsOf(m).holdRescans()
	m.Watch("mount helper of "+u.ID(), func() {
		res := exec.NSMountResult{Errno: syscall.EIO}
		// Answered (and the mount table released) even if reading
		// panicked.
		defer m.Post(func() {
			for _, msg := range res.Errors {
				m.log(LogEntry{Level: LevelErr, Message: msg})
			}
			if res.Errno != 0 {
				done(res.Errno)
			} else {
				done(nil)
			}
			mountsOf(m).releaseRescans(m)
		})
		res = exec.ReadNSMountResult(result)
		result.Close()
	})
}

// HasPrivateTmpLoop says whether u holds PrivateTmp= directories now
// (252: its exec runtime has them), from its first command until it is
// dead.
func (u *Unit) HasPrivateTmpLoop() bool {
	s, ok := u.kind.(*service)
	return ok && s.rt != nil && (s.rt.tmpDir != "" || s.rt.varTmpDir != "")
}
