package bus

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"
)

// Standard interfaces every object has.
const (
	ifacePeer          = "org.freedesktop.DBus.Peer"
	ifaceIntrospect    = "org.freedesktop.DBus.Introspectable"
	ifaceProperties    = "org.freedesktop.DBus.Properties"
	ifaceObjectManager = "org.freedesktop.DBus.ObjectManager"
)

// Flags qualify an interface or one of its members, as sd-bus's vtable
// flags do, and show in introspection data as annotations.
type Flags uint32

const (
	// Deprecated marks an interface or member as deprecated.
	Deprecated Flags = 1 << iota
	// Hidden leaves an interface or member out of introspection (and a
	// property out of GetAll); it still answers calls.
	Hidden
	// Unprivileged lets any caller call a method or set a property;
	// without it the caller must pass Tree.Privileged.
	Unprivileged
	// NoReply marks a method whose callers should not expect a reply.
	NoReply
	// EmitsChange: PropertiesChanged carries the property's new value.
	EmitsChange
	// EmitsInvalidation: PropertiesChanged names the property as
	// invalidated, without its value.
	EmitsInvalidation
	// Const: the property never changes.
	Const
	// Explicit: the property is left out of GetAll and only returned by
	// Get.
	Explicit
)

// Interface describes one D-Bus interface: its name and its members in
// the order introspection lists them.
type Interface struct {
	Name    string
	Flags   Flags // Deprecated, Hidden
	Members []Member

	// index finds the members by name, built at the first lookup:
	// Members must not change once the interface is registered.
	indexOnce sync.Once
	methods   map[string]*Method
	props     map[string]*Property
}

func (i *Interface) buildIndex() {
	i.indexOnce.Do(func() {
		i.methods, i.props = map[string]*Method{}, map[string]*Property{}
		for _, m := range i.Members {
			switch m := m.(type) {
			case *Method:
				i.methods[m.Name] = m
			case *Property:
				i.props[m.Name] = m
			}
		}
	})
}

func (i *Interface) method(name string) *Method {
	i.buildIndex()
	return i.methods[name]
}

func (i *Interface) property(name string) *Property {
	i.buildIndex()
	return i.props[name]
}

// Member is a *Method, *Property or *Signal.
type Member interface{ memberName() string }

// MethodFunc implements a method. obj is what the object's registration
// resolved the path to. It returns the reply's values, which must match
// Out, or an error (an *Error chooses the D-Bus error name), or
// ErrReplyLater to answer through call later.
type MethodFunc func(call *Call, obj any) ([]any, error)

// GetFunc returns a property's current value; its D-Bus signature must be
// the property's Type (use Dict for an ordered a{sv}).
type GetFunc func(obj any) (any, error)

// SetFunc stores a new value, already checked against the property's Type.
type SetFunc func(call *Call, obj any, value any) error

// Method is a method of an interface.
type Method struct {
	Name     string
	In, Out  string   // signatures
	InNames  []string // argument names for introspection, optional
	OutNames []string
	Flags    Flags // Deprecated, Hidden, Unprivileged, NoReply
	// Call nil makes the method a no-op that replies with nothing.
	Call MethodFunc
}

// Property is a property of an interface. It is writable if Set is set.
type Property struct {
	Name  string
	Type  string
	Flags Flags // Deprecated, Hidden, Unprivileged, EmitsChange, EmitsInvalidation, Const, Explicit
	Get   GetFunc
	// GetByName, used when Get is nil, returns the value of the property
	// called name: one function can serve a whole interface.
	GetByName func(obj any, name string) (any, error)
	Set       SetFunc
}

// Signal is a signal an interface emits.
type Signal struct {
	Name  string
	Type  string
	Names []string
	Flags Flags // Deprecated, Hidden
}

func (m *Method) memberName() string   { return m.Name }
func (p *Property) memberName() string { return p.Name }
func (s *Signal) memberName() string   { return s.Name }

// FindFunc resolves a path under a fallback prefix to the object serving
// it, or reports that no object of this interface lives there. An error
// is the caller's answer to a method call or property access on path, as
// an sd-bus find callback that sets its error.
type FindFunc func(path dbus.ObjectPath) (obj any, ok bool, err error)

// EnumerateFunc lists object paths under a prefix, for introspection's
// child nodes (e.g. every loaded unit under /org/freedesktop/systemd1/unit).
type EnumerateFunc func(prefix dbus.ObjectPath) []dbus.ObjectPath

// Tree is the object tree a service exports, and the dispatcher that
// answers calls against it the way sd-bus does (same lookup order,
// error names and messages). It belongs to the owner goroutine: Handle
// and every other method must be called from it alone.
type Tree struct {
	// Trusted connections skip privilege checks, and introspection then
	// leaves out the org.freedesktop.systemd1.Privileged annotations.
	Trusted bool
	// Privileged decides whether the caller of a method or property
	// setter without the Unprivileged flag may proceed. The default
	// grants uid 0 and this process's own uid.
	Privileged func(call *Call) bool
	// SignalsNeedSubscriber makes EmitSignal skip bus connections unless
	// Subscribed (or the Track passed to it) is non-empty, as PID 1 does;
	// peer-to-peer connections always get signals.
	SignalsNeedSubscriber bool
	// Subscribed tracks callers of the service's Subscribe method.
	Subscribed *Track

	nodes map[dbus.ObjectPath]*node
	// signalBufs are EmitSignal's spare encoding buffers, and the
	// scratch lists EmitPropertiesChanged fills.
	signalBufs         [][]byte
	changedScratch     Dict
	invalidatedScratch []string
	// emitting caches each interface's properties that emit changes.
	emitting map[*Interface][]*Property
	conns    map[*Conn]struct{}
	tracks   map[*Track]struct{}
}

type node struct {
	path        dbus.ObjectPath
	children    map[*node]struct{}
	vtables     []*vtable
	enumerators []EnumerateFunc
}

type vtable struct {
	iface    *Interface
	fallback bool
	obj      any
	find     FindFunc
}

type vmember struct {
	parent *vtable
	method *Method
	prop   *Property
}

// findMember is the method (or property) member of interface iface
// registered at n, with its registration; nil if none.
func (n *node) findMember(iface, member string, property bool) *vmember {
	for _, vt := range n.vtables {
		if vt.iface.Name != iface {
			continue
		}
		if property {
			if p := vt.iface.property(member); p != nil {
				return &vmember{parent: vt, prop: p}
			}
		} else if m := vt.iface.method(member); m != nil {
			return &vmember{parent: vt, method: m}
		}
	}
	return nil
}

// NewTree returns an empty tree.
func NewTree() *Tree {
	t := &Tree{
		nodes:  map[dbus.ObjectPath]*node{},
		conns:  map[*Conn]struct{}{},
		tracks: map[*Track]struct{}{},
	}
	t.Subscribed = t.NewTrack()
	return t
}

// AddObject serves iface at exactly path, for obj.
func (t *Tree) AddObject(path dbus.ObjectPath, iface *Interface, obj any) error {
	return t.addVtable(path, &vtable{iface: iface, obj: obj})
}

// AddFallback serves iface at prefix and every path below it for which
// find reports an object.
func (t *Tree) AddFallback(prefix dbus.ObjectPath, iface *Interface, find FindFunc) error {
	if find == nil {
		return fmt.Errorf("fallback %s %s: no find function", prefix, iface.Name)
	}
	return t.addVtable(prefix, &vtable{iface: iface, fallback: true, find: find})
}

// AddEnumerator makes enum list child objects of path for introspection.
func (t *Tree) AddEnumerator(path dbus.ObjectPath, enum EnumerateFunc) error {
	if !path.IsValid() {
		return fmt.Errorf("invalid object path %q", path)
	}
	n := t.node(path)
	n.enumerators = append([]EnumerateFunc{enum}, n.enumerators...)
	return nil
}

func (t *Tree) addVtable(path dbus.ObjectPath, vt *vtable) error {
	if !path.IsValid() {
		return fmt.Errorf("invalid object path %q", path)
	}
	if err := checkInterface(vt.iface); err != nil {
		return err
	}
	n := t.node(path)
	at := 0
	for i, have := range n.vtables {
		if have.fallback != vt.fallback {
			return fmt.Errorf("%s: cannot mix fallback and plain objects at one path", path)
		}
		if have.iface.Name == vt.iface.Name {
			if have.iface == vt.iface {
				return fmt.Errorf("%s: interface %s registered twice", path, vt.iface.Name)
			}
			for _, m := range vt.iface.Members {
				switch m := m.(type) {
				case *Method:
					if have.iface.method(m.Name) != nil {
						return fmt.Errorf("%s: member %s.%s registered twice", path, vt.iface.Name, m.Name)
					}
				case *Property:
					if have.iface.property(m.Name) != nil {
						return fmt.Errorf("%s: member %s.%s registered twice", path, vt.iface.Name, m.Name)
					}
				}
			}
			at = i + 1
		}
	}
	n.vtables = append(n.vtables[:at:at], append([]*vtable{vt}, n.vtables[at:]...)...)
	return nil
}

// node returns the node for path, creating it and its ancestors.
func (t *Tree) node(path dbus.ObjectPath) *node {
	if n, ok := t.nodes[path]; ok {
		return n
	}
	n := &node{path: path, children: map[*node]struct{}{}}
	t.nodes[path] = n
	if path != "/" {
		parent := path[:strings.LastIndexByte(string(path), '/')]
		if parent == "" {
			parent = "/"
		}
		t.node(parent).children[n] = struct{}{}
	}
	return n
}

func checkInterface(iface *Interface) error {
	if !validInterfaceName(iface.Name) {
		return fmt.Errorf("invalid interface name %q", iface.Name)
	}
	for _, m := range iface.Members {
		if !validMemberName(m.memberName()) {
			return fmt.Errorf("%s: invalid member name %q", iface.Name, m.memberName())
		}
		var sigs []string
		switch m := m.(type) {
		case *Method:
			sigs = []string{m.In, m.Out}
		case *Property:
			if checkSignature(m.Type) != nil || countTypes(m.Type) != 1 {
				return fmt.Errorf("%s.%s: property type %q is not a single complete type", iface.Name, m.Name, m.Type)
			}
			if m.Get == nil && m.GetByName == nil {
				return fmt.Errorf("%s.%s: property without getter", iface.Name, m.Name)
			}
		case *Signal:
			sigs = []string{m.Type}
		}
		for _, s := range sigs {
			if err := checkSignature(s); err != nil {
				return fmt.Errorf("%s.%s: %w", iface.Name, m.memberName(), err)
			}
		}
	}
	return nil
}

// Handle acts on one event from a connection: it dispatches a Call and
// keeps the tree's view of connections and tracked peers current. The
// error is for the owner to log: a handler that panicked (the caller got
// an error reply) or a reply that could not be sent.
func (t *Tree) Handle(ev Event) error {
	switch e := ev.(type) {
	case *Connected:
		t.conns[e.Conn] = struct{}{}
	case *Disconnected:
		delete(t.conns, e.Conn)
		for tr := range t.tracks {
			tr.dropConn(e.Conn)
		}
	case *NameOwnerChanged:
		if e.NewOwner == "" && strings.HasPrefix(e.Name, ":") {
			for tr := range t.tracks {
				tr.dropName(e.Conn, e.Name)
			}
		}
	case *Call:
		err := t.dispatch(e)
		var limit *LimitError
		if errors.Is(err, ErrClosed) || errors.As(err, &limit) {
			// The peer's own doing; its Disconnected event says so.
			return nil
		}
		return err
	}
	return nil
}

func (t *Tree) dispatch(call *Call) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
			if !call.answered {
				call.ReplyError(Errorf(ErrNameFailed, "Internal error."))
			}
		}
	}()
	var found bool
	if handled, err := t.findAndRun(call, call.Path, false, &found); handled {
		return err
	}
	for _, prefix := range pathPrefixes(call.Path) {
		if handled, err := t.findAndRun(call, prefix, true, &found); handled {
			return err
		}
	}
	if !found {
		return call.ReplyError(Errorf(ErrNameUnknownObject, "Unknown object '%s'.", call.Path))
	}
	if call.Interface == ifaceProperties && (call.Member == "Get" || call.Member == "Set") {
		iface, prop := "(null)", "(null)"
		if len(call.Body) > 0 {
			if s, ok := call.Body[0].(string); ok {
				iface = s
				if len(call.Body) > 1 {
					if s, ok := call.Body[1].(string); ok {
						prop = s
					}
				}
			}
		}
		return call.ReplyError(Errorf(ErrNameUnknownProperty, "Unknown interface %s or property %s.", iface, prop))
	}
	return call.ReplyError(Errorf(ErrNameUnknownMethod, "Unknown method %s or interface %s.", call.Member, orNull(call.Interface)))
}

func orNull(s string) string {
	if s == "" {
		return "(null)"
	}
	return s
}

// pathPrefixes lists the proper prefixes of path, longest first, ending
// with "/"; none for "/" itself.
func pathPrefixes(path dbus.ObjectPath) []dbus.ObjectPath {
	var out []dbus.ObjectPath
	p := string(path)
	for p != "/" {
		i := strings.LastIndexByte(p, '/')
		if i == 0 {
			p = "/"
		} else {
			p = p[:i]
		}
		out = append(out, dbus.ObjectPath(p))
	}
	return out
}

// resolve finds the object a vtable serves at path; a find function's
// error counts as no object.
func (vt *vtable) resolve(path dbus.ObjectPath) (any, bool) {
	obj, ok, err := vt.resolveErr(path)
	return obj, ok && err == nil
}

// resolveErr is resolve with the find function's error.
func (vt *vtable) resolveErr(path dbus.ObjectPath) (any, bool, error) {
	if vt.find == nil {
		return vt.obj, true, nil
	}
	return vt.find(path)
}

// findAndRun tries the registrations at node p for call; handled reports
// that the call was answered.
func (t *Tree) findAndRun(call *Call, p dbus.ObjectPath, requireFallback bool, found *bool) (handled bool, err error) {
	n := t.nodes[p]
	if n == nil {
		return false, nil
	}
	if call.Interface == "" || call.Member == "" {
		return false, nil
	}
	if vm := n.findMember(call.Interface, call.Member, false); vm != nil {
		if handled, err := t.runMethod(call, vm, requireFallback, found); handled {
			return true, err
		}
	}
	switch {
	case call.Interface == ifaceProperties && (call.Member == "Get" || call.Member == "Set"):
		iface, okI := bodyString(call.Body, 0)
		name, okN := bodyString(call.Body, 1)
		if !okI || !okN {
			return true, call.ReplyError(Errorf(ErrNameInvalidArgs, "Expected interface and member parameters"))
		}
		if vm := n.findMember(iface, name, true); vm != nil {
			if handled, err := t.runProperty(call, vm, requireFallback, call.Member == "Get", found); handled {
				return true, err
			}
		}
	case call.Interface == ifaceProperties && call.Member == "GetAll":
		iface, ok := bodyString(call.Body, 0)
		if !ok {
			return true, call.ReplyError(Errorf(ErrNameInvalidArgs, "Expected interface parameter"))
		}
		if handled, err := t.getAll(call, n, requireFallback, iface, found); handled {
			return true, err
		}
	case call.Interface == ifaceIntrospect && call.Member == "Introspect":
		if call.Signature != "" {
			return true, call.ReplyError(Errorf(ErrNameInvalidArgs, "Expected no parameters"))
		}
		xml, ok := t.introspect(call.Path, n, requireFallback, found)
		if ok {
			return true, call.reply("s", []any{xml})
		}
	case call.Interface == ifaceObjectManager && call.Member == "GetManagedObjects":
		if call.Signature != "" {
			return true, call.ReplyError(Errorf(ErrNameInvalidArgs, "Expected no parameters"))
		}
	}
	if !*found && t.nodeExists(n, call.Path, requireFallback) {
		*found = true
	}
	return false, nil
}

// bodyString is the i-th argument if the body's signature has strings up
// to it, as sd_bus_message_read demands.
func bodyString(body []any, i int) (string, bool) {
	for j := 0; j <= i; j++ {
		if j >= len(body) {
			return "", false
		}
		if _, ok := body[j].(string); !ok {
			return "", false
		}
	}
	return body[i].(string), true
}

func (t *Tree) privileged(call *Call, flags Flags) bool {
	if t.Trusted || flags&Unprivileged != 0 {
		return true
	}
	if t.Privileged != nil {
		return t.Privileged(call)
	}
	return call.Cred.UID == 0 || call.Cred.UID == uint32(os.Geteuid())
}

func (t *Tree) runMethod(call *Call, vm *vmember, requireFallback bool, found *bool) (bool, error) {
	if requireFallback && !vm.parent.fallback {
		return false, nil
	}
	m := vm.method
	if !t.privileged(call, m.Flags) {
		return true, call.ReplyError(Errorf(ErrNameAccessDenied, "Access to %s.%s() not permitted.", call.Interface, call.Member))
	}
	obj, ok, err := vm.parent.resolveErr(call.Path)
	if err != nil {
		return true, call.ReplyError(err)
	}
	if !ok {
		return false, nil
	}
	*found = true
	if call.Signature != m.In {
		return true, call.ReplyError(Errorf(ErrNameInvalidArgs, "Invalid arguments '%s' to call %s.%s(), expecting '%s'.",
			call.Signature, call.Interface, call.Member, m.In))
	}
	if call.badBody {
		return true, call.ReplyError(errBadMessage)
	}
	call.replySig = m.Out
	if m.Call == nil {
		return true, call.reply("", nil)
	}
	values, err := m.Call(call, obj)
	switch {
	case err == ErrReplyLater:
		return true, nil
	case err != nil:
		return true, call.ReplyError(err)
	}
	return true, call.Reply(values...)
}

func (t *Tree) nodeExists(n *node, path dbus.ObjectPath, requireFallback bool) bool {
	if !requireFallback && len(n.enumerators) > 0 {
		return true
	}
	for _, vt := range n.vtables {
		if requireFallback && !vt.fallback {
			continue
		}
		if _, ok := vt.resolve(path); ok {
			return true
		}
	}
	return false
}

// Conns lists the connections the tree has seen connect and not yet
// disconnect.
func (t *Tree) Conns() []*Conn {
	out := make([]*Conn, 0, len(t.conns))
	for c := range t.conns {
		out = append(out, c)
	}
	return out
}

// EmitSignal sends a signal from path to every peer-to-peer connection
// and to every bus connection, the latter only if SignalsNeedSubscriber
// is off or Subscribed or also (which may be nil) tracks someone. values
// must match sig, the signal's signature. A connection whose queue is full
// is closed, never waited for.
func (t *Tree) EmitSignal(path dbus.ObjectPath, iface, member, sig string, values []any, also *Track) error {
	if got := signatureOf(values); got != sig {
		return fmt.Errorf("signal %s.%s: values have signature %q, want %q", iface, member, got, sig)
	}
	toBus := !t.SignalsNeedSubscriber || t.Subscribed.Len() > 0 || (also != nil && also.Len() > 0)
	// Encoded once per sender name (none on peer-to-peer connections),
	// into the tree's reused buffers.
	type encoding struct {
		sender string
		buf    []byte
	}
	var encoded [2]encoding
	n := 0
	defer func() {
		for _, e := range encoded[:n] {
			if cap(e.buf) <= 64<<10 { // a rare huge signal is not kept
				t.signalBufs = append(t.signalBufs, e.buf[:0])
			}
		}
	}()
	var firstErr error
	for c := range t.conns {
		if c.IsBus() && !toBus {
			continue
		}
		var data []byte
		for _, e := range encoded[:n] {
			if e.sender == c.sender {
				data = e.buf
			}
		}
		if data == nil {
			if n == len(encoded) {
				return fmt.Errorf("signal %s.%s: more than %d sender names", iface, member, len(encoded))
			}
			var buf []byte
			if k := len(t.signalBufs); k > 0 {
				buf, t.signalBufs = t.signalBufs[k-1], t.signalBufs[:k-1]
			}
			var err error
			if data, err = MarshalSignal(buf, path, iface, member, sig, c.sender, values); err != nil {
				return fmt.Errorf("signal %s.%s: %w", iface, member, err)
			}
			encoded[n] = encoding{c.sender, data}
			n++
		}
		if err := c.sendShared(data); err != nil && firstErr == nil && err != ErrClosed {
			firstErr = fmt.Errorf("signal %s.%s to %v: %w", iface, member, c, err)
		}
	}
	return firstErr
}

func validInterfaceName(s string) bool {
	if len(s) == 0 || len(s) > 255 || !strings.Contains(s, ".") {
		return false
	}
	for _, elem := range strings.Split(s, ".") {
		if !validElement(elem, false) {
			return false
		}
	}
	return true
}

func validMemberName(s string) bool { return len(s) <= 255 && validElement(s, false) }

func validElement(s string, digitFirst bool) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
		case c >= '0' && c <= '9' && (i > 0 || digitFirst):
		default:
			return false
		}
	}
	return true
}

func singleType(sig string) bool {
	_, err := dbus.ParseSignature(sig)
	return err == nil && countTypes(sig) == 1
}

// checkedSignatures holds ParseSignature's verdicts on the signatures of
// registered members: a daemon registers a few dozen distinct ones over
// thousands of members. (Signatures from the wire are not kept.)
var checkedSignatures sync.Map // string → error (nil: valid)

// checkSignature is dbus.ParseSignature's error for a member's sig.
func checkSignature(sig string) error {
	if v, ok := checkedSignatures.Load(sig); ok {
		err, _ := v.(error)
		return err
	}
	_, err := dbus.ParseSignature(sig)
	checkedSignatures.Store(sig, err)
	return err
}

// countTypes counts the complete types in a valid signature.
func countTypes(sig string) int {
	n, depth := 0, 0
	for i := 0; i < len(sig); i++ {
		switch sig[i] {
		case '(', '{':
			depth++
		case ')', '}':
			depth--
		case 'a':
			continue
		}
		if depth == 0 {
			n++
		}
	}
	return n
}
