package dbusapi

import (
	"fmt"
	"math"
	"path"
	"strings"

	"gosystemd/impl/unit"
	"gosystemd/impl/unitname"
)

// The deprecated BlockIO* device lists and BPFProgram= of
// bus_cgroup_set_property.

// cgroupLegacy handles BlockIODeviceWeight=, BlockIOReadBandwidth=,
// BlockIOWriteBandwidth= and, while a transient unit is created,
// BPFProgram=.
func (w *propWriter) cgroupLegacy() (bool, error) {
	switch w.name {
	case "BlockIODeviceWeight":
		return true, w.blockIOWeight()
	case "BlockIOReadBandwidth", "BlockIOWriteBandwidth":
		return true, w.blockIOBandwidth(w.name == "BlockIOReadBandwidth")
	case "BPFProgram":
		if !w.tg.creating {
			return false, nil
		}
		return true, w.bpfProgram()
	}
	return false, nil
}

// blockIOWeight sets the weight of each device named, and writes the
// whole list.
func (w *propWriter) blockIOWeight() error {
	if w.out.blkWeights == nil {
		w.out.blkWeights = append([]unit.DeviceWeight{}, w.tg.blkWeights...)
	}
	return w.deviceWeights(&w.out.blkWeights, 10, 1000, "BlockIODeviceWeight= out of range")
}

// deviceWeights is IODeviceWeight= and BlockIODeviceWeight=: each row's
// weight (within min..max) replaces the device's or is added, no rows
// empty the list, and the whole list is written.
func (w *propWriter) deviceWeights(list *[]unit.DeviceWeight, min, max uint64, rangeMsg string) error {
	rows, ok := pairRows[string, uint64](w.v)
	if !ok {
		return errUnexpected
	}
	for _, r := range rows {
		p, n := r.first, r.second
		if !unitname.PathIsNormalized(p) {
			// 252 names the property where the path goes, and the
			// other way round.
			return invalidArgs("Path '%s' specified in %s= is not normalized.", w.name, p)
		}
		if n < min || n > max {
			return invalidArgs("%s", rangeMsg)
		}
		found := false
		for i := range *list {
			if unitname.PathEqual((*list)[i].Path, p) {
				(*list)[i].Value = n
				found = true
				break
			}
		}
		if !found {
			*list = append(*list, unit.DeviceWeight{Path: p, Value: n})
		}
	}
	if len(rows) == 0 {
		*list = []unit.DeviceWeight{}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s=\n", w.name)
	for _, d := range *list {
		fmt.Fprintf(&b, "%s=%s %d\n", w.name, d.Path, d.Value)
	}
	w.write(true, w.name, b.String())
	return nil
}

// blockIOBandwidth sets the read or write limit of each device named and
// writes the devices that have that limit. Read back, an empty
// BlockIO*Bandwidth= clears both limits, so the text alone would lose the
// other one: it takes effect as the whole list.
func (w *propWriter) blockIOBandwidth(read bool) error {
	rows, ok := pairRows[string, uint64](w.v)
	if !ok {
		return errUnexpected
	}
	if w.out.blkLimits == nil {
		w.out.blkLimits = append([]unit.BlockIOBandwidth{}, w.tg.blkLimits...)
	}
	const none = math.MaxUint64
	set := func(d *unit.BlockIOBandwidth, n uint64) {
		if read {
			d.Read = n
		} else {
			d.Write = n
		}
	}
	for _, r := range rows {
		p, n := r.first, r.second
		if !unitname.PathIsNormalized(p) {
			return invalidArgs("Path '%s' specified in %s= is not normalized.", w.name, p)
		}
		found := false
		for i := range w.out.blkLimits {
			if unitname.PathEqual(w.out.blkLimits[i].Path, p) {
				set(&w.out.blkLimits[i], n)
				found = true
				break
			}
		}
		if !found {
			d := unit.BlockIOBandwidth{Path: p, Read: none, Write: none}
			set(&d, n)
			w.out.blkLimits = append(w.out.blkLimits, d)
		}
	}
	if len(rows) == 0 {
		for i := range w.out.blkLimits {
			set(&w.out.blkLimits[i], none)
		}
	}
	var b, live strings.Builder
	b.WriteString(w.name + "=\n")
	live.WriteString(w.name + "=\n")
	for _, d := range w.out.blkLimits {
		n := d.Write
		if read {
			n = d.Read
		}
		if n != none {
			fmt.Fprintf(&b, "%s=%s %d\n", w.name, d.Path, n)
		}
		if d.Read != none {
			fmt.Fprintf(&live, "BlockIOReadBandwidth=%s %d\n", d.Path, d.Read)
		}
		if d.Write != none {
			fmt.Fprintf(&live, "BlockIOWriteBandwidth=%s %d\n", d.Path, d.Write)
		}
	}
	w.write(true, w.name, b.String())
	w.setLive(live.String())
	return nil
}

// bpfAttachTypes are bpf_cgroup_attach_type_table's names.
var bpfAttachTypes = map[string]bool{"ingress": true, "egress": true, "sock_create": true, "sock_ops": true,
	"device": true, "bind4": true, "bind6": true, "connect4": true, "connect6": true, "post_bind4": true,
	"post_bind6": true, "sendmsg4": true, "sendmsg6": true, "sysctl": true, "recvmsg4": true, "recvmsg6": true,
	"getsockopt": true, "setsockopt": true}

// bpfProgram adds programs, each put first, and writes the whole list.
func (w *propWriter) bpfProgram() error {
	rows, ok := pairRows[string, string](w.v)
	if !ok {
		return errUnexpected
	}
	if w.out.bpf == nil {
		w.out.bpf = append([]unit.BPFProgram{}, w.tg.bpf...)
	}
	for _, r := range rows {
		a, p := r.first, r.second
		if !bpfAttachTypes[a] {
			return invalidArgs("%s expects a valid BPF attach type, got '%s'.", w.name, a)
		}
		if !unitname.PathIsNormalized(p) || !path.IsAbs(p) {
			return invalidArgs("%s= expects a normalized absolute path.", w.name)
		}
		w.out.bpf = append([]unit.BPFProgram{{AttachType: a, Path: p}}, w.out.bpf...)
	}
	if len(rows) == 0 {
		w.out.bpf = []unit.BPFProgram{}
	}
	// Read back, each entry is put first too: the text that keeps the
	// order lists them the other way round.
	var b, live strings.Builder
	b.WriteString("BPFProgram=\n")
	live.WriteString("BPFProgram=\n")
	for i, p := range w.out.bpf {
		fmt.Fprintf(&b, "BPFProgram=%s:%s\n", p.AttachType, p.Path)
		r := w.out.bpf[len(w.out.bpf)-1-i]
		fmt.Fprintf(&live, "BPFProgram=%s:%s\n", r.AttachType, specifierEscape(r.Path))
	}
	w.write(true, w.name, b.String())
	w.setLive(live.String())
	return nil
}
