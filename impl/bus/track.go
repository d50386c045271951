package bus

import "sort"

// Track is a set of callers, as sd-bus's sd_bus_track: a caller is added
// by one of its calls, and leaves when it asks to (Remove), when its
// connection closes, or, on a bus, when its unique name goes away. PID 1
// tracks Subscribe() callers on the bus with one (Tree.Subscribed).
type Track struct {
	tree  *Tree
	peers map[trackKey]int
	// Recursive counts a caller's additions; it leaves when removed as
	// often (sd_bus_track_set_recursive).
	Recursive bool
	// OnEmpty, if set, runs (on the owner goroutine) when the last
	// caller leaves.
	OnEmpty func()
}

type trackKey struct {
	conn *Conn
	name string
}

// NewTrack returns an empty Track the tree keeps current.
func (t *Tree) NewTrack() *Track {
	tr := &Track{tree: t, peers: map[trackKey]int{}}
	t.tracks[tr] = struct{}{}
	return tr
}

// Close stops tracking; the Track is empty afterwards.
func (tr *Track) Close() {
	delete(tr.tree.tracks, tr)
	clear(tr.peers)
}

// Add adds call's caller, reporting false if it was there already.
func (tr *Track) Add(call *Call) bool {
	k := trackKey{call.Conn, call.Sender}
	if n, ok := tr.peers[k]; ok {
		if tr.Recursive {
			tr.peers[k] = n + 1
		}
		return false
	}
	tr.peers[k] = 1
	return true
}

// AddName adds a caller by its unique name on bus connection c, as
// sd_bus_track_add_name: a reference taken back after re-execution.
func (tr *Track) AddName(c *Conn, name string) {
	k := trackKey{c, name}
	if n := tr.peers[k]; n == 0 || tr.Recursive {
		tr.peers[k] = n + 1
	}
}

// RemoveName drops the caller of that name on c, however often it was
// added.
func (tr *Track) RemoveName(c *Conn, name string) { tr.dropName(c, name) }

// Remove removes call's caller, reporting false if it was not there.
func (tr *Track) Remove(call *Call) bool {
	k := trackKey{call.Conn, call.Sender}
	n, ok := tr.peers[k]
	if !ok {
		return false
	}
	if n > 1 {
		tr.peers[k] = n - 1
		return true
	}
	tr.drop(func(have trackKey) bool { return have == k })
	return true
}

// Contains reports whether call's caller is tracked.
func (tr *Track) Contains(call *Call) bool {
	_, ok := tr.peers[trackKey{call.Conn, call.Sender}]
	return ok
}

// Names lists the tracked callers' names, each as often as it was
// added, sorted.
func (tr *Track) Names() []string {
	out := []string{}
	for k, n := range tr.peers {
		for i := 0; i < n; i++ {
			out = append(out, k.name)
		}
	}
	sort.Strings(out)
	return out
}

// Len is the number of tracked callers.
func (tr *Track) Len() int { return len(tr.peers) }

func (tr *Track) dropConn(c *Conn) { tr.drop(func(k trackKey) bool { return k.conn == c }) }

func (tr *Track) dropName(c *Conn, name string) {
	tr.drop(func(k trackKey) bool { return k.conn == c && k.name == name })
}

func (tr *Track) drop(match func(trackKey) bool) {
	before := len(tr.peers)
	for k := range tr.peers {
		if match(k) {
			delete(tr.peers, k)
		}
	}
	if before > 0 && len(tr.peers) == 0 && tr.OnEmpty != nil {
		tr.OnEmpty()
	}
}
