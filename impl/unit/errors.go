package unit

import (
	"strconv"
	"syscall"
)

var (
	errInval = syscall.EINVAL
	errRange = syscall.ERANGE
	errIlseq = syscall.EILSEQ
	errPerm  = syscall.EPERM
)

func itoa(i int) string { return strconv.Itoa(i) }
