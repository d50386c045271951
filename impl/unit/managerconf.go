package unit

// SeccompArchIsValid reports whether name is a system call architecture
// 252 knows (seccomp_arch_from_string), as SystemCallArchitectures= of
// units and of system.conf take them.
func SeccompArchIsValid(name string) bool { return indexOf(seccompArchs, name) >= 0 }
