package condition

func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

// hostCPUID is __get_cpuid_count: the leaf's registers if the CPU has
// that leaf.
func hostCPUID(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32, ok bool) {
	if max, _, _, _ := cpuid(leaf&0x80000000, 0); max < leaf {
		// Hypervisor leaves (0x40000000...) are not covered by a maximum;
		// systemd reads them unconditionally.
		if leaf&0xf0000000 != 0x40000000 {
			return 0, 0, 0, 0, false
		}
	}
	eax, ebx, ecx, edx = cpuid(leaf, subleaf)
	return eax, ebx, ecx, edx, true
}
