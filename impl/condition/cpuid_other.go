//go:build !amd64

package condition

// hostCPUID reports no CPUID outside x86.
func hostCPUID(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32, ok bool) {
	return 0, 0, 0, 0, false
}
