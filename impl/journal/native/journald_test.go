package native

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"gosystemd/impl/notify"
)

// The tests against real journald run the whole test binary in a private
// mount namespace with its own tmpfs on /run, so that journald 252 can
// own /run/systemd/journal there without touching the host.
const nsEnv = "GOSD_NATIVE_TEST_NAMESPACE"

const journaldBin = "/lib/systemd/systemd-journald"

func TestMain(m *testing.M) {
	if os.Geteuid() == 0 && os.Getenv(nsEnv) == "" {
		os.Exit(runInNamespace())
	}
	code := m.Run()
	stopJournald()
	os.Exit(code)
}

func runInNamespace() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	args := append([]string{"--mount", "--propagation", "private", "--", "/bin/sh", "-c",
		`mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p /run/systemd/journal && exec "$@"`, "sh", exe}, os.Args[1:]...)
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), nsEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "making a private mount namespace for journald:", err)
		return 1
	}
	return 0
}

func needNamespace(t *testing.T) {
	t.Helper()
	if os.Getenv(nsEnv) == "" {
		t.Skip("needs root: real journald runs in a private mount namespace")
	}
}

var jd struct {
	once   sync.Once
	cmd    *exec.Cmd
	output bytes.Buffer
	err    error
	notify *notify.Receiver
}

// startJournald starts real journald 252 once, and waits for its READY=1,
// received with our own notify package.
func startJournald(t *testing.T) {
	t.Helper()
	needNamespace(t)
	jd.once.Do(func() {
		if _, err := os.Stat(journaldBin); err != nil {
			jd.err = fmt.Errorf("real journald (systemd 252) is required: %w", err)
			return
		}
		r, err := notify.Listen("/run/systemd/notify", 16)
		if err != nil {
			jd.err = err
			return
		}
		jd.notify = r
		jd.cmd = exec.Command(journaldBin)
		jd.cmd.Env = []string{"NOTIFY_SOCKET=" + r.Path()}
		jd.cmd.Stdout, jd.cmd.Stderr = &jd.output, &jd.output
		if jd.err = jd.cmd.Start(); jd.err != nil {
			return
		}
		timeout := time.After(10 * time.Second)
		for ready := false; !ready; {
			select {
			case ev := <-r.Events():
				ready = ev.Kind == notify.KindMessage && notify.Interpret(ev.Tags).State == notify.StateReady
				ev.CloseFDs()
			case <-timeout:
				jd.err = fmt.Errorf("journald sent no READY=1 within 10s:\n%s", jd.output.String())
				return
			}
		}
		// journald goes on sending (FDSTORE=1 for each stream).
		go func() {
			for ev := range r.Events() {
				ev.CloseFDs()
			}
		}()
	})
	if jd.err != nil {
		t.Fatal(jd.err)
	}
}

func stopJournald() {
	if jd.cmd != nil && jd.cmd.Process != nil {
		jd.cmd.Process.Signal(unix.SIGTERM)
		jd.cmd.Wait()
	}
	if jd.notify != nil {
		jd.notify.Close()
	}
}

func testID(t *testing.T) string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// readBack waits until real journalctl shows n entries matching match
// (FIELD=value) and returns them, parsed from `-o export`.
func readBack(t *testing.T, match string, n int) [][]Field {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if out, err := exec.Command("journalctl", "--sync").CombinedOutput(); err != nil {
			t.Fatalf("journalctl --sync: %v\n%s", err, out)
		}
		out, err := exec.Command("journalctl", "-o", "export", "--no-pager", match).Output()
		if err != nil {
			t.Fatalf("journalctl: %v", err)
		}
		entries := parseExport(out)
		if len(entries) >= n || time.Now().After(deadline) {
			if len(entries) != n {
				t.Fatalf("journalctl shows %d entries for %s, want %d", len(entries), match, n)
			}
			return entries
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// userFields are an entry's fields without journald's own (leading '_'),
// sorted, with the named ones left out.
func userFields(entry []Field, drop ...string) []Field {
	var out []Field
	for _, f := range entry {
		if !strings.HasPrefix(f.Name, "_") && !slices.Contains(drop, f.Name) {
			out = append(out, f)
		}
	}
	sortFields(out)
	return out
}

func sortFields(fs []Field) {
	slices.SortFunc(fs, func(a, b Field) int {
		return strings.Compare(a.Name+"="+a.Value, b.Name+"="+b.Value)
	})
}

func field(entry []Field, name string) string {
	for _, f := range entry {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// fromProc are the fields journald reads from /proc/PID: present only
// when the sender still runs when journald looks.
var fromProc = []string{"_COMM", "_EXE", "_CMDLINE", "_CAP_EFFECTIVE", "_SELINUX_CONTEXT",
	"_AUDIT_SESSION", "_AUDIT_LOGINUID", "_SYSTEMD_CGROUP", "_SYSTEMD_SLICE", "_SYSTEMD_UNIT",
	"_SYSTEMD_USER_UNIT", "_SYSTEMD_USER_SLICE", "_SYSTEMD_SESSION", "_SYSTEMD_OWNER_UID", "_SYSTEMD_INVOCATION_ID"}

// trustedNames are the names of the fields journald added to an entry,
// those it reads from /proc aside.
func trustedNames(entry []Field) []string {
	var names []string
	for _, f := range entry {
		if strings.HasPrefix(f.Name, "_") && !strings.HasPrefix(f.Name, "__") && !slices.Contains(fromProc, f.Name) {
			names = append(names, f.Name)
		}
	}
	slices.Sort(names)
	return names
}

// TestJournaldNative sends entries with our Writer to real journald and
// reads them back with real journalctl: every field arrives as sent,
// binary values and the memfd path included.
func TestJournaldNative(t *testing.T) {
	startJournald(t)
	id := testID(t)
	w, err := Open(SocketPath)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	big, err := Open(SocketPath)
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	// Small enough that the last entry cannot go as a datagram.
	unix.SetsockoptInt(big.fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 64<<10)
	blob := make([]byte, 3<<20)
	for i := range blob {
		blob[i] = byte(i*7 + i>>9)
	}
	sent := [][]Field{
		{{"MESSAGE", "hello from gosystemd"}, {"PRIORITY", "5"}},
		{{"MESSAGE", "two\nlines\n"}, {"EQ", "a=b=c"}, {"EMPTY", ""}, {"CODE_FILE", "src/core/manager.c"}},
		{{"MESSAGE", "binary"}, {"BIN", "\x00\x01\xff\xfe\n\x00"}, {"NUL", "a\x00b"}, {"LATIN1", "caf\xe9"}},
		{{"MESSAGE", "repeated"}, {"TAG", "one"}, {"TAG", "two"}, {"TAG", "one"}},
		{{"MESSAGE", "big"}, {"BLOB", string(blob)}},
	}
	for i, fields := range sent {
		fields = append(fields, Field{"GOSD_TEST", id}, Field{"SEQ", strconv.Itoa(i)})
		sent[i] = append(fields, Field{"SYSLOG_IDENTIFIER", w.Identifier})
		via := w
		if i == len(sent)-1 {
			via = big
		}
		if err := via.Send(fields...); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	got := readBack(t, "GOSD_TEST="+id, len(sent))
	for _, e := range got {
		i, _ := strconv.Atoi(field(e, "SEQ"))
		// journald keeps one copy of a repeated NAME=value.
		want := slices.Clone(sent[i])
		sortFields(want)
		want = slices.Compact(want)
		if g := userFields(e); !reflect.DeepEqual(g, want) {
			t.Errorf("entry %d read back as\n%.300q\nwant\n%.300q", i, g, want)
		}
		if field(e, "_TRANSPORT") != "journal" || field(e, "_PID") != strconv.Itoa(os.Getpid()) {
			t.Errorf("entry %d: _TRANSPORT=%s _PID=%s", i, field(e, "_TRANSPORT"), field(e, "_PID"))
		}
	}
}

// TestJournaldAgainstLogger sends the same entries with our Writer and
// with real `logger --journald` (sd_journal_sendv): journald stores the
// same fields for both.
func TestJournaldAgainstLogger(t *testing.T) {
	startJournald(t)
	id := testID(t)
	w, err := Open(SocketPath)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Identifier = "logger"
	entries := [][]Field{
		{{"MESSAGE", "same content"}, {"PRIORITY", "4"}},
		{{"MESSAGE", "with = signs = inside"}, {"EMPTY", ""}, {"SYSLOG_IDENTIFIER", "explicit"}},
		{{"MESSAGE", "latin1 caf\xe9 \x01 control"}},
	}
	for i, fields := range entries {
		fields = append(fields, Field{"SEQ", strconv.Itoa(i)})
		ours := append(slices.Clone(fields), Field{"GOSD_TEST", id + "-ours"})
		if err := w.Send(ours...); err != nil {
			t.Fatal(err)
		}
		var in bytes.Buffer
		for _, f := range append(fields, Field{"GOSD_TEST", id + "-logger"}) {
			fmt.Fprintf(&in, "%s=%s\n", f.Name, f.Value)
		}
		cmd := exec.Command("logger", "--journald")
		cmd.Stdin = &in
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("logger --journald: %v\n%s", err, out)
		}
	}
	ours := readBack(t, "GOSD_TEST="+id+"-ours", len(entries))
	theirs := readBack(t, "GOSD_TEST="+id+"-logger", len(entries))
	bySeq := func(es [][]Field) map[string][]Field {
		m := map[string][]Field{}
		for _, e := range es {
			m[field(e, "SEQ")] = e
		}
		return m
	}
	o, l := bySeq(ours), bySeq(theirs)
	for i := range entries {
		seq := strconv.Itoa(i)
		if g, w := userFields(o[seq], "GOSD_TEST"), userFields(l[seq], "GOSD_TEST"); !reflect.DeepEqual(g, w) {
			t.Errorf("entry %d: ours %q, logger's %q", i, g, w)
		}
		if g, w := trustedNames(o[seq]), trustedNames(l[seq]); !reflect.DeepEqual(g, w) {
			t.Errorf("entry %d: journald added %q to ours, %q to logger's", i, g, w)
		}
	}
}

// TestJournaldFieldCount checks EntryFieldsMax against journald: an entry
// of that many fields is stored, one more field and it is dropped.
func TestJournaldFieldCount(t *testing.T) {
	startJournald(t)
	id := testID(t)
	fields := []Field{{"GOSD_TEST", id}}
	for len(fields) < EntryFieldsMax {
		fields = append(fields, Field{"F" + strconv.Itoa(len(fields)), "x"})
	}
	ok, err := AppendEntry(nil, fields)
	if err != nil {
		t.Fatal(err)
	}
	tooMany := append(slices.Clone(ok), "ONE_MORE=x\n"...)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	for _, b := range [][]byte{tooMany, ok} {
		if err := unix.Sendto(fd, b, 0, &unix.SockaddrUnix{Name: SocketPath}); err != nil {
			t.Fatal(err)
		}
	}
	e := readBack(t, "GOSD_TEST="+id, 1)
	if n := len(userFields(e[0])); n != EntryFieldsMax {
		t.Errorf("stored entry has %d fields, want %d", n, EntryFieldsMax)
	}
}

// TestJournaldStream writes lines through ConnectStream and through real
// systemd-cat with the same header: journald makes the same entries.
func TestJournaldStream(t *testing.T) {
	startJournald(t)
	id := testID(t)
	const text = "plain line\n<3>error line\n<7>debug line\n\nlast line without newline"
	h := StreamHeader{Identifier: "gosd-" + id, Priority: 5, LevelPrefix: true}
	f, err := ConnectStream(StdoutPath, h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cat := exec.Command("systemd-cat", "-t", "cat-"+id, "-p", "notice", "--level-prefix=true", "printf", "%s", text)
	if out, err := cat.CombinedOutput(); err != nil {
		t.Fatalf("systemd-cat: %v\n%s", err, out)
	}
	// journald makes no entry of the empty line.
	ours := readBack(t, "SYSLOG_IDENTIFIER=gosd-"+id, 4)
	theirs := readBack(t, "SYSLOG_IDENTIFIER=cat-"+id, 4)
	for i := range ours {
		o, c := userFields(ours[i], "SYSLOG_IDENTIFIER"), userFields(theirs[i], "SYSLOG_IDENTIFIER")
		if !reflect.DeepEqual(o, c) {
			t.Errorf("line %d: ours %q, systemd-cat's %q", i, o, c)
		}
		if o, c := field(ours[i], "_LINE_BREAK"), field(theirs[i], "_LINE_BREAK"); o != c {
			t.Errorf("line %d: _LINE_BREAK=%q, systemd-cat's %q", i, o, c)
		}
		if field(ours[i], "_TRANSPORT") != "stdout" {
			t.Errorf("line %d: _TRANSPORT=%q", i, field(ours[i], "_TRANSPORT"))
		}
	}
}

// TestJournaldStreamUnit sends the header fields only PID 1 sets: a
// facility in the priority, a unit name and forwarding flags. (journald
// uses the unit name only for senders it finds in no cgroup, so it is not
// checked here.)
func TestJournaldStreamUnit(t *testing.T) {
	startJournald(t)
	id := testID(t)
	h := StreamHeader{Identifier: "gosd-" + id, UnitID: "gosd-" + id + ".service", Priority: 3<<3 | 6, ForwardToSyslog: true}
	f, err := ConnectStream(StdoutPath, h)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("from a unit\n")
	f.Close()
	e := readBack(t, "SYSLOG_IDENTIFIER=gosd-"+id, 1)[0]
	for name, want := range map[string]string{"PRIORITY": "6", "SYSLOG_FACILITY": "3", "MESSAGE": "from a unit", "_TRANSPORT": "stdout"} {
		if got := field(e, name); got != want {
			t.Errorf("%s=%q, want %q", name, got, want)
		}
	}
}

// captureWith runs argv with /run/systemd/journal replaced by dir (in a
// nested mount namespace): real clients talk to our fake sockets there.
func captureWith(t *testing.T, dir string, stdin []byte, argv ...string) {
	t.Helper()
	needNamespace(t)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--mount", "--propagation", "private", "--", "/bin/sh", "-c",
		`mount --bind "$0" /run/systemd/journal && exec "$@"`, dir}, argv...)
	cmd := exec.Command("unshare", args...)
	cmd.Stdin = bytes.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
}

// TestSendvBytes compares our datagrams byte for byte with those real
// sd_journal_sendv (in `logger --journald`) sends for the same fields.
func TestSendvBytes(t *testing.T) {
	needNamespace(t)
	dir := t.TempDir()
	j := newFakeJournal(t, dir)
	w, err := Open(j.path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Identifier = "logger"
	for _, fields := range [][]Field{
		{{"MESSAGE", "hello"}},
		{{"MESSAGE", "a=b"}, {"EMPTY", ""}, {"PRIORITY", "3"}},
		{{"SYSLOG_IDENTIFIER", "mine"}, {"MESSAGE", "x"}},
		{{"MESSAGE", "high bytes"}, {"HIGH", "\xff\xfe"}, {"CTRL", "\x01\x1b[0m"}},
	} {
		var in bytes.Buffer
		for _, f := range fields {
			fmt.Fprintf(&in, "%s=%s\n", f.Name, f.Value)
		}
		captureWith(t, dir, in.Bytes(), "logger", "--journald")
		theirs := j.receive(t)
		if err := w.Send(fields...); err != nil {
			t.Fatal(err)
		}
		ours := j.receive(t)
		if !bytes.Equal(ours.data, theirs.data) || ours.viaFD != theirs.viaFD {
			t.Errorf("fields %q: we sent %q, sd_journal_sendv %q", fields, ours.data, theirs.data)
		}
	}
}

// TestSendvMemfd compares our memfd with real sd_journal_sendv's for an
// entry too big for a datagram: logger runs unprivileged, so its socket
// buffer stays at the kernel's limit.
func TestSendvMemfd(t *testing.T) {
	needNamespace(t)
	dir := t.TempDir()
	j := newFakeJournal(t, dir)
	wmem, err := os.ReadFile("/proc/sys/net/core/wmem_max")
	if err != nil {
		t.Fatal(err)
	}
	limit, _ := strconv.Atoi(strings.TrimSpace(string(wmem)))
	line := "MESSAGE=" + strings.Repeat("0123456789abcdef", (2*limit+4096)/16) + "\n"
	captureWith(t, dir, []byte(line), "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "logger", "--journald")
	theirs := j.receive(t)

	w, err := Open(j.path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Identifier = "logger"
	unix.SetsockoptInt(w.fd, unix.SOL_SOCKET, unix.SO_SNDBUF, limit)
	if err := w.Send(Field{"MESSAGE", line[len("MESSAGE=") : len(line)-1]}); err != nil {
		t.Fatal(err)
	}
	ours := j.receive(t)
	if !theirs.viaFD || !theirs.sealed {
		t.Fatalf("sd_journal_sendv did not pass a sealed memfd (via fd %v, sealed %v)", theirs.viaFD, theirs.sealed)
	}
	if !ours.viaFD || !ours.sealed || !bytes.Equal(ours.data, theirs.data) {
		t.Errorf("ours: via fd %v, sealed %v, %d bytes; sd_journal_sendv: %d bytes", ours.viaFD, ours.sealed, len(ours.data), len(theirs.data))
	}
}

// TestStreamHeaderBytes compares our stream header with the one real
// systemd-cat (sd_journal_stream_fd) sends.
func TestStreamHeaderBytes(t *testing.T) {
	needNamespace(t)
	for _, c := range []struct {
		args []string
		h    StreamHeader
	}{
		{[]string{"-t", "myid"}, StreamHeader{Identifier: "myid", Priority: 6, LevelPrefix: true}},
		{[]string{"-t", "x y", "-p", "err", "--level-prefix=false"}, StreamHeader{Identifier: "x y", Priority: 3}},
		{[]string{"-t", "", "-p", "debug"}, StreamHeader{Priority: 7, LevelPrefix: true}},
		{[]string{"-p", "0"}, StreamHeader{LevelPrefix: true}},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "stdout")
		lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(lfd)
		if err := unix.Bind(lfd, &unix.SockaddrUnix{Name: path}); err != nil {
			t.Fatal(err)
		}
		unix.Listen(lfd, 1)
		captureWith(t, dir, nil, append(append([]string{"systemd-cat"}, c.args...), "true")...)
		cfd, _, err := unix.Accept(lfd)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		buf := make([]byte, 4096)
		for {
			n, err := unix.Read(cfd, buf)
			if n <= 0 || err != nil {
				break
			}
			got = append(got, buf[:n]...)
		}
		unix.Close(cfd)
		if want := c.h.Append(nil); !bytes.Equal(got, want) {
			t.Errorf("systemd-cat %q sent %q, we send %q", c.args, got, want)
		}
	}
}
