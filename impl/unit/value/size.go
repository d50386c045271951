package value

import (
	"fmt"
	"math"
	"strings"
	"syscall"
)

type sizeSuffix struct {
	suffix string
	factor uint64
}

var iecSuffixes = []sizeSuffix{
	{"E", 1 << 60}, {"P", 1 << 50}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}, {"", 1},
}

var siSuffixes = []sizeSuffix{
	{"E", 1e18}, {"P", 1e15}, {"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"K", 1e3}, {"B", 1}, {"", 1},
}

// ParseSize is systemd's parse_size: a sum of numbers with K, M, G, T, P,
// E suffixes (in decreasing order), base 1024 or 1000, fractions allowed.
func ParseSize(t string, base uint64) (uint64, error) {
	table := iecSuffixes
	if base == 1000 {
		table = siSuffixes
	}
	var r uint64
	start := 0
	p := t
	for {
		p = strings.TrimLeft(p, whitespace)
		l, n, neg, of := strtoull(p, 10)
		if of {
			return 0, syscall.ERANGE
		}
		if n == 0 {
			return 0, syscall.EINVAL
		}
		if neg || p[0] == '-' {
			return 0, syscall.ERANGE
		}
		e := p[n:]
		var frac float64
		if strings.HasPrefix(e, ".") {
			e = e[1:]
			if e != "" && e[0] >= '0' && e[0] <= '9' {
				l2, n2, _, of2 := strtoull(e, 10)
				if of2 {
					return 0, syscall.ERANGE
				}
				frac = float64(l2)
				for i := 0; i < n2; i++ {
					frac /= 10
				}
				e = e[n2:]
			}
		}
		e = strings.TrimLeft(e, whitespace)
		i := start
		for ; i < len(table); i++ {
			if strings.HasPrefix(e, table[i].suffix) {
				break
			}
		}
		if i >= len(table) {
			return 0, syscall.EINVAL
		}
		f := table[i].factor
		add := uint64(0)
		if frac > 0 {
			add = 1
		}
		if l+add > ^uint64(0)/f {
			return 0, syscall.ERANGE
		}
		tmp := l*f + uint64(frac*float64(f))
		if tmp > ^uint64(0)-r {
			return 0, syscall.ERANGE
		}
		r += tmp
		p = e[len(table[i].suffix):]
		start = i + 1
		if p == "" {
			return r, nil
		}
	}
}

func partsWhole(p, symbol string) (int, error) {
	n, ok := strings.CutSuffix(p, symbol)
	if !ok {
		return 0, syscall.EINVAL
	}
	v, err := SafeAtoi(n)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, syscall.ERANGE
	}
	return int(v), nil
}

// partsFraction parses "N.D<symbol>" with up to places digits after the
// dot, scaled by 10^places.
func partsFraction(p, symbol string, places int) (int, error) {
	n, ok := strings.CutSuffix(p, symbol)
	if !ok {
		return 0, syscall.EINVAL
	}
	q := 0
	scale := 1
	for i := 0; i < places; i++ {
		scale *= 10
	}
	if dot := strings.IndexByte(n, '.'); dot >= 0 {
		digits := n[dot+1:]
		if len(digits) == 0 || len(digits) > places {
			return 0, syscall.EINVAL
		}
		f := scale
		for _, c := range []byte(digits) {
			if c < '0' || c > '9' {
				return 0, syscall.EINVAL
			}
			f /= 10
			q += int(c-'0') * f
		}
		n = n[:dot]
	}
	v, err := SafeAtoi(n)
	if err != nil {
		return 0, err
	}
	if v < 0 {
		return 0, syscall.ERANGE
	}
	if int(v) > (1<<31-1-q)/scale {
		return 0, syscall.ERANGE
	}
	return int(v)*scale + q, nil
}

// ParsePercent is systemd's parse_percent: "N%", 0..100.
func ParsePercent(p string) (int, error) {
	v, err := partsWhole(p, "%")
	if err == nil && v > 100 {
		err = syscall.ERANGE
	}
	return v, err
}

// ParsePermilleUnbounded is systemd's parse_permille_unbounded.
func ParsePermilleUnbounded(p string) (int, error) {
	if strings.HasSuffix(p, "‰") {
		return partsWhole(p, "‰")
	}
	return partsFraction(p, "%", 1)
}

// ParsePermille is systemd's parse_permille: 0..1000.
func ParsePermille(p string) (int, error) {
	v, err := ParsePermilleUnbounded(p)
	if err == nil && v > 1000 {
		err = syscall.ERANGE
	}
	return v, err
}

// ParsePermyriadUnbounded is systemd's parse_permyriad_unbounded: "N‱",
// "N.N‰" or "N.NN%".
func ParsePermyriadUnbounded(p string) (int, error) {
	if strings.HasSuffix(p, "‱") {
		return partsWhole(p, "‱")
	}
	if strings.HasSuffix(p, "‰") {
		return partsFraction(p, "‰", 1)
	}
	return partsFraction(p, "%", 2)
}

// ParsePermyriad is systemd's parse_permyriad: 0..10000.
func ParsePermyriad(p string) (int, error) {
	v, err := ParsePermyriadUnbounded(p)
	if err == nil && v > 10000 {
		err = syscall.ERANGE
	}
	return v, err
}

// FormatBytes is FORMAT_BYTES: IEC units with one decimal ("976.5K"),
// bytes below 1024 with a B ("512B"); "(null)" for the infinity that
// 252 has no text for.
func FormatBytes(v uint64) string {
	if v == math.MaxUint64 {
		return "(null)"
	}
	suffixes := []string{"E", "P", "T", "G", "M", "K"}
	for i, s := range suffixes {
		f := uint64(1) << (10 * (6 - i))
		if v < f {
			continue
		}
		var tenth uint64
		if i != len(suffixes)-1 {
			tenth = (v / (f >> 10) * 10 / 1024) % 10
		} else {
			tenth = (v * 10 / f) % 10
		}
		return fmt.Sprintf("%d.%d%s", v/f, tenth, s)
	}
	return fmt.Sprintf("%dB", v)
}
