package unit

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"gosystemd/impl/unitfile"
	"gosystemd/impl/unitname"
	"gosystemd/impl/unitpath"
)

// LoadQueue loads units from the unit search path the way the manager's
// load queue does (manager_load_unit and manager_dispatch_load_queue in
// systemd 252): a unit asked for is loaded with every unit its loading
// refers to, and those with theirs, until none is left. The queue is a
// stack: the units a unit refers to are loaded after it, the last one it
// named first, each with everything it pulls in before the next.
//
// A unit is found through the name map of the search path: its fragment,
// aliases, drop-ins and .wants/.requires directories. Aliases of a unit
// not loaded yet become its names; a unit that is not found stays in the
// set as such. The order in which messages reach Log is the order in
// which systemd logs them. The manager and the offline tools
// (systemd-analyze verify) use it; like the Loader it is not safe for
// concurrent use.
type LoadQueue struct {
	Loader *Loader
	Paths  *unitpath.LookupPaths
	// ReadFile reads unit files and drop-ins; nil reads them as
	// os.ReadFile does.
	ReadFile func(path string) ([]byte, error)
	// Log receives the messages of loading, in order: u is the unit
	// being loaded, nil for messages about the search path itself.
	Log func(u *Unit, d Diagnostic)

	names    *unitpath.NameMap
	slots    map[string]*slot
	stack    []*slot
	finished int // units loaded at the last Finish
}

// slot is a unit of the queue by any of its names: waiting to be loaded
// (unit nil) or loaded.
type slot struct {
	name string
	unit *Unit
}

func (q *LoadQueue) log(u *Unit, d Diagnostic) {
	if q.Log != nil {
		q.Log(u, d)
	}
}

// NameError is why a name cannot be a unit's (the manager's D-Bus
// error text for it).
type NameError struct{ Msg string }

func (e *NameError) Error() string { return e.Msg }
func (e *NameError) Unwrap() error { return syscall.EINVAL }

// checkName is manager_load_unit_prepare's check of a unit name.
func checkName(name string) error {
	if unitname.TypeOf(name) == unitname.TypeInvalid || !unitname.IsValid(name, unitname.Plain|unitname.Instance) {
		if unitname.IsValid(name, unitname.Template) {
			return &NameError{fmt.Sprintf("Unit name %s is missing the instance name.", name)}
		}
		return &NameError{fmt.Sprintf("Unit name %s is not valid.", name)}
	}
	return nil
}

// Load is manager_load_unit: the unit of that name, loaded now with all
// it pulls in unless it was loaded before. The error is a *NameError.
func (q *LoadQueue) Load(name string) (*Unit, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if q.slots == nil {
		q.slots = map[string]*slot{}
	}
	s := q.slots[name]
	if s == nil {
		s = q.prepare(name)
	}
	q.dispatch()
	return s.unit, nil
}

// Unit is the unit known by name (any of its names), nil if none.
func (q *LoadQueue) Unit(name string) *Unit {
	if s := q.slots[name]; s != nil {
		return s.unit
	}
	return nil
}

// Generation changes whenever units load (it counts the loads).
func (q *LoadQueue) Generation() int { return len(q.Loader.order) }

// Units lists the units loaded, each once, in the order they loaded.
func (q *LoadQueue) Units() []*Unit {
	var out []*Unit
	seen := map[*Unit]bool{}
	for _, u := range q.Loader.order {
		if s := q.slots[u.ID]; s != nil && s.unit == u && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

// prepare is manager_load_unit_prepare for a name the queue does not
// know: it waits at the head of the queue.
func (q *LoadQueue) prepare(name string) *slot {
	s := &slot{name: name}
	q.slots[name] = s
	q.stack = append(q.stack, s)
	return s
}

// dispatch loads the units waiting, head first, until none is left.
func (q *LoadQueue) dispatch() {
	for len(q.stack) > 0 {
		s := q.stack[len(q.stack)-1]
		q.stack = q.stack[:len(q.stack)-1]
		q.loadOne(s)
	}
}

func (q *LoadQueue) readFile(path string) ([]byte, error) {
	if q.ReadFile != nil {
		return q.ReadFile(path)
	}
	return readFile(path)
}

// readFile is os.ReadFile without the runtime's poller, which unit
// files never need: a third of the system calls of loading otherwise.
func readFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &os.PathError{Op: "stat", Path: path, Err: err}
	}
	size := int(st.Size) + 1
	if size < 512 {
		size = 512
	}
	data := make([]byte, 0, size)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := unix.Read(fd, data[len(data):cap(data)])
		if n > 0 {
			data = data[:len(data)+n]
		}
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return data, nil
		}
	}
}

// nameMap builds the name map the first time a unit loads, as the
// manager does, passing on what building it logged.
func (q *LoadQueue) nameMap() *unitpath.NameMap {
	if q.names != nil {
		return q.names
	}
	m, err := unitpath.BuildNameMap(q.Paths)
	if err != nil {
		m = &unitpath.NameMap{IDs: map[string]string{}, Names: map[string][]string{}, Paths: map[string]bool{}}
	}
	for _, msg := range m.Log {
		q.log(nil, Diagnostic{Level: unitfile.Level(msg.Level), Text: msg.Text})
	}
	q.names = m
	return m
}

// loadOne is unit_load for the unit waiting in s.
func (q *LoadQueue) loadOne(s *slot) {
	name := s.name
	res, err := q.nameMap().Resolve(q.Paths, name)
	if err != nil {
		q.finish(s, q.Loader.notFound(name, err))
		return
	}
	var frag *File
	if res.Fragment != "" {
		data := []byte{}
		if !res.Masked {
			if data, err = q.readFile(res.Fragment); err != nil {
				u := q.Loader.notFound(name, errnoOf(err))
				u.unitLog(LevelNotice, "Failed to open %s: %s", res.Fragment, strerror(errnoOf(err)))
				q.finish(s, u)
				return
			}
			if data == nil {
				data = []byte{}
			}
		}
		frag = &File{Path: res.Fragment, Data: data}
	}
	// merge_by_names: the unit's other names become its own, taking over
	// units of those names still waiting or not found.
	for _, n := range res.Names {
		o := q.slots[n]
		switch {
		case o == nil:
			q.slots[n] = s
		case o == s:
		case o.unit == nil || o.unit.LoadState == LoadNotFound:
			q.dropWaiting(o)
			q.slots[n] = s
		}
	}
	src := Source{Fragment: frag, Wants: res.Wants, Requires: res.Requires}
	for _, p := range res.Dropins {
		data, err := q.readFile(p)
		if err != nil {
			// config_parse fails quietly on drop-ins it cannot open.
			continue
		}
		src.Dropins = append(src.Dropins, File{Path: p, Data: data})
	}
	for _, m := range res.Log {
		src.Log = append(src.Log, Diagnostic{Location: unitfile.Location{File: name}, Level: unitfile.Level(m.Level), Text: m.Text})
	}
	id := res.ID
	u := q.Loader.LoadSource(id, src)
	for _, n := range res.Names {
		u.Names.Add(n)
	}
	q.finish(s, u)
}

// dropWaiting takes a slot out of the queue.
func (q *LoadQueue) dropWaiting(o *slot) {
	for i, w := range q.stack {
		if w == o {
			q.stack = append(q.stack[:i], q.stack[i+1:]...)
			return
		}
	}
}

// finish passes on what loading u logged and queues the units it named.
func (q *LoadQueue) finish(s *slot, u *Unit) {
	s.unit = u
	if q.slots[u.ID] == nil {
		q.slots[u.ID] = s
	}
	for _, d := range u.Diagnostics {
		q.log(u, d)
	}
	for _, n := range u.loads {
		if q.slots[n] == nil && checkName(n) == nil {
			q.prepare(n)
		}
	}
	u.loads = nil
}

// notFound adds a unit that could not be found or read.
func (l *Loader) notFound(name string, err error) *Unit {
	u := newUnit(name, l.Defaults)
	l.units[name] = u
	l.order = append(l.order, u)
	u.LoadState, u.LoadErr = LoadNotFound, err
	return u
}

// Finish completes the dependencies of the units loaded, as the manager
// has them once its load queue is empty: every dependency names the
// unit's primary name, has its inverse on the other unit, targets are
// ordered after the units they pull in and units after the mount units
// of the paths they need (Loader.Finish).
func (q *LoadQueue) Finish() {
	if len(q.Loader.order) == q.finished {
		return // nothing loaded since
	}
	q.finished = len(q.Loader.order)
	for _, u := range q.Units() {
		u.renameDepMasks(func(n string) string {
			if o := q.Unit(n); o != nil {
				return o.ID
			}
			return ""
		})
		for d := range u.Deps {
			changed := false
			for _, n := range u.Deps[d].names() {
				if o := q.Unit(n); o != nil && o.ID != n {
					changed = true
					break
				}
			}
			if changed {
				old := u.Deps[d].names()
				u.Deps[d] = Names{}
				for _, n := range old {
					if o := q.Unit(n); o != nil {
						n = o.ID
					}
					u.Deps[d].Add(n)
				}
			}
		}
		if o := q.Unit(u.Slice); o != nil {
			u.Slice = o.ID
		}
	}
	resolve := q.Loader.Resolve
	q.Loader.Resolve = nil
	q.Loader.Finish()
	q.Loader.Resolve = resolve
}

// errnoOf is the errno an error carries, EIO if none.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return syscall.EIO
}

// SocketService is the service a socket unit activates, as
// socket_load_service_unit names it before any connection: Service= or
// the socket's own name for a socket that does not accept connections,
// prefix@internal.service for one that does.
func (u *Unit) SocketService() (string, error) {
	s := u.Socket
	if s == nil {
		return "", syscall.EINVAL
	}
	if s.Service != "" {
		return s.Service, nil
	}
	nonAccept := !s.Accept
	for _, p := range s.Ports {
		if p.Type != "Stream" && p.Type != "SequentialPacket" {
			nonAccept = true
		}
	}
	if nonAccept {
		if n := relatedUnit(u, ".service"); n != "" {
			return n, nil
		}
		return "", syscall.EINVAL
	}
	prefix, err := unitname.Prefix(u.ID)
	if err != nil {
		return "", err
	}
	return unitname.Build(prefix, "internal", ".service")
}
