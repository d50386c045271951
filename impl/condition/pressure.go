package condition

import (
	"strings"
	"syscall"

	"gosystemd/impl/unit/value"
	"gosystemd/impl/unitfile"
)

// loadavg is the kernel's fixed-point average: 11 bits of fraction.
type loadavg uint64

const loadavgPrecisionBits = 11

// storeLoadavg is store_loadavg_fixed_point: i + f/100.
func storeLoadavg(i, f uint64) (loadavg, error) {
	if i >= ^uint64(0)&^(1<<loadavgPrecisionBits-1) {
		return 0, syscall.ERANGE
	}
	frac := (f<<loadavgPrecisionBits + 99) / 100
	if frac >= 1<<loadavgPrecisionBits {
		return 0, syscall.ERANGE
	}
	return loadavg(i<<loadavgPrecisionBits | frac), nil
}

// parseLoadavg is parse_loadavg_fixed_point: "I.F" in decimal.
func parseLoadavg(s string) (loadavg, error) {
	is, fs, ok := strings.Cut(s, ".")
	if !ok {
		return 0, syscall.EINVAL
	}
	i, err := value.SafeAtou64Full(is, 10, 0)
	if err != nil {
		return 0, err
	}
	f, err := value.SafeAtou64Full(fs, 10, 0)
	if err != nil {
		return 0, err
	}
	return storeLoadavg(i, f)
}

// pressure is one line of a PSI file.
type pressure struct {
	avg10, avg60, avg300 loadavg
}

// readPressure is read_resource_pressure: the "some" or "full" line of a
// pressure file, which must have each field once.
func (e *Evaluator) readPressure(p, kind string) (pressure, error) {
	data, err := e.readVirtualFile(p)
	if err != nil {
		return pressure{}, err
	}
	var line string
	found := false
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, kind); ok && (rest == "" || strings.IndexByte(unitfile.Whitespace, rest[0]) >= 0) {
			line, found = strings.TrimLeft(rest, unitfile.Whitespace), true
			break
		}
	}
	if !found {
		return pressure{}, syscall.ENODATA
	}
	var pr pressure
	filled := 0
	for _, w := range strings.Fields(line) {
		var dst *loadavg
		var bit int
		switch {
		case strings.HasPrefix(w, "avg10="):
			dst, bit, w = &pr.avg10, 1, w[len("avg10="):]
		case strings.HasPrefix(w, "avg60="):
			dst, bit, w = &pr.avg60, 2, w[len("avg60="):]
		case strings.HasPrefix(w, "avg300="):
			dst, bit, w = &pr.avg300, 4, w[len("avg300="):]
		case strings.HasPrefix(w, "total="):
			if filled&8 != 0 {
				return pressure{}, syscall.EINVAL
			}
			filled |= 8
			if _, err := value.SafeAtou64(w[len("total="):]); err != nil {
				return pressure{}, err
			}
			continue
		default:
			continue
		}
		if filled&bit != 0 {
			return pressure{}, syscall.EINVAL
		}
		filled |= bit
		v, err := parseLoadavg(w)
		if err != nil {
			return pressure{}, err
		}
		*dst = v
	}
	if filled != 15 {
		return pressure{}, syscall.EINVAL
	}
	return pr, nil
}

// pressureSupported is is_pressure_supported: the PSI files exist and
// can be read.
func (e *Evaluator) pressureSupported() (bool, error) {
	for _, r := range []string{"cpu", "io", "memory"} {
		if _, err := e.readVirtualFile("/proc/pressure/" + r); err != nil {
			if isErrno(err, syscall.ENOENT) || isErrno(err, syscall.EOPNOTSUPP) || isErrno(err, syscall.ENOSYS) {
				return false, nil
			}
			return false, err
		}
	}
	return true, nil
}

// extractWords is extract_many_words for up to n words.
func extractWords(s, separators string, n int) ([]string, error) {
	x := unitfile.NewExtractor(s)
	var words []string
	for len(words) < n {
		w, ok, err := x.Next(separators, 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		words = append(words, w)
	}
	return words, nil
}

// testPressure is condition_test_psi: "[SLICE:]PERCENT[/TIMESPAN]", the
// average pressure of the resource (system-wide or of a slice) over 10
// seconds, 1 minute or 5 minutes (the default) at most PERCENT. Without
// PSI, or when the slice cannot be looked at, it holds.
func (e *Evaluator) testPressure(c *Condition, notes *[]Note) (bool, error) {
	supported, err := e.pressureSupported()
	if err != nil {
		return false, err
	}
	if !supported {
		e.debugf(notes, "Pressure Stall Information (PSI) is not supported, skipping.")
		return true, nil
	}
	t, _, _ := ParseName(c.Type)
	resource, mask := "io", uint32(maskIO)
	switch t {
	case TypeMemoryPressure:
		resource, mask = "memory", maskMemory
	case TypeCPUPressure:
		resource, mask = "cpu", maskCPU
	}
	invalid := func() (bool, error) {
		e.debugf(notes, "Failed to parse condition parameter %s: Invalid argument", c.Parameter)
		return false, syscall.EINVAL
	}
	words, err := extractWords(c.Parameter, ":", 2)
	if err != nil {
		e.debugf(notes, "Failed to parse condition parameter %s: %s", c.Parameter, Strerror(err))
		return false, err
	}
	if len(words) == 0 {
		return invalid()
	}
	kind := "full"
	var path, spec string
	if len(words) == 1 {
		// "full" is undefined for the whole system's CPU.
		if t == TypeCPUPressure {
			kind = "some"
		}
		path, spec = "/proc/pressure/"+resource, words[0]
	} else {
		var skip bool
		if path, skip, err = e.slicePressurePath(strings.Trim(words[0], unitfile.Whitespace), resource, mask, notes); err != nil || skip {
			return skip, err
		}
		spec = words[1]
	}
	parts, err := extractWords(spec, "/", 2)
	if err != nil {
		e.debugf(notes, "Failed to parse condition parameter %s: %s", c.Parameter, Strerror(err))
		return false, err
	}
	if len(parts) == 0 {
		return invalid()
	}
	pick := func(p pressure) loadavg { return p.avg300 }
	if len(parts) == 2 {
		switch span := strings.TrimLeft(parts[1], unitfile.Whitespace); {
		case strings.HasPrefix(span, "10sec"):
			pick = func(p pressure) loadavg { return p.avg10 }
		case strings.HasPrefix(span, "1min"):
			pick = func(p pressure) loadavg { return p.avg60 }
		case strings.HasPrefix(span, "5min"):
		default:
			return invalid()
		}
	}
	permyriad, err := value.ParsePermyriad(strings.Trim(parts[0], unitfile.Whitespace))
	if err != nil {
		e.debugf(notes, "Failed to parse permyriad: %s", c.Parameter)
		return false, err
	}
	limit, err := storeLoadavg(uint64(permyriad/100), uint64(permyriad%100))
	if err != nil {
		e.debugf(notes, "Failed to parse loadavg: %s", c.Parameter)
		return false, err
	}
	pr, err := e.readPressure(path, kind)
	if isErrno(err, syscall.ENODATA) && kind == "full" {
		// Cgroups got "full" CPU pressure only recently.
		pr, err = e.readPressure(path, "some")
	}
	if isErrno(err, syscall.ENOENT) {
		e.debugf(notes, "\"%s\" not found, skipping PSI check.", path)
		return true, nil
	}
	if err != nil {
		e.debugf(notes, "Error parsing pressure from %s: %s", path, Strerror(err))
		return false, err
	}
	return pick(pr) <= limit, nil
}

// slicePressurePath is the pressure file of a slice's cgroup, below the
// cgroup the evaluator's process is in (a user manager's). skip is true
// when the check cannot be made and the condition holds.
func (e *Evaluator) slicePressurePath(slice, resource string, mask uint32, notes *[]Note) (path string, skip bool, err error) {
	all, err := e.cgroupAllUnified()
	if err != nil {
		e.debugf(notes, "Failed to determine whether the unified cgroups hierarchy is used: %s", Strerror(err))
		return "", false, err
	}
	if !all {
		e.debugf(notes, "PSI condition check requires the unified cgroups hierarchy, skipping.")
		return "", true, nil
	}
	supported, err := e.cgroupMaskSupported()
	if err != nil {
		e.debugf(notes, "Failed to get supported cgroup controllers: %s", Strerror(err))
		return "", false, err
	}
	if supported&mask != mask {
		e.debugf(notes, "Cgroup %s controller not available, skipping PSI condition check.", resource)
		return "", true, nil
	}
	slicePath, err := cgroupSliceToPath(slice)
	if err != nil {
		e.debugf(notes, "Cannot determine slice \"%s\" cgroup path: %s", slice, Strerror(err))
		return "", false, err
	}
	own, err := e.cgroupPIDPath("self")
	if err != nil {
		e.debugf(notes, "Failed to get root cgroup path: %s", Strerror(err))
		return "", false, err
	}
	own = strings.TrimSuffix(own, "/init.scope")
	if own != "" && own != "/" {
		slicePath = own + "/" + slicePath
	}
	p, err := e.cgroupAttributePath("systemd", slicePath, resource+".pressure")
	return p, false, err
}
