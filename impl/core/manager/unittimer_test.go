package manager

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"golang.org/x/sys/unix"
)

func TestTPSipHash24ReferenceVector(t *testing.T) {
	// The reference vector of the SipHash paper: key 00..0f, message
	// 00..0e.
	var key [16]byte
	for i := range key {
		key[i] = byte(i)
	}
	msg := make([]byte, 15)
	for i := range msg {
		msg[i] = byte(i)
	}
	if got := tpSipHash24(key, msg); got != 0xa129ca6149be45e5 {
		t.Errorf("SipHash-2-4 = %#x, want 0xa129ca6149be45e5", got)
	}
}

func TestTPUsecArithmetic(t *testing.T) {
	if tpUsecAdd(usecInfinity-1, 5) != usecInfinity || tpUsecAdd(1, 2) != 3 || tpUsecAdd(usecInfinity, 0) != usecInfinity {
		t.Error("tpUsecAdd does not saturate at infinity")
	}
	if tpShiftClock(usecInfinity, unix.CLOCK_MONOTONIC, unix.CLOCK_REALTIME) != usecInfinity {
		t.Error("infinity shifted")
	}
	if tpShiftClock(1234, unix.CLOCK_BOOTTIME_ALARM, unix.CLOCK_BOOTTIME) != 1234 {
		t.Error("an alarm clock is shifted against its own base clock")
	}
	mono := tpClockUsec(unix.CLOCK_MONOTONIC)
	real := tpShiftClock(mono, unix.CLOCK_MONOTONIC, unix.CLOCK_REALTIME)
	if d := int64(real) - int64(tpClockUsec(unix.CLOCK_REALTIME)); d > 1e6 || d < -1e6 {
		t.Errorf("now on the monotonic clock maps %dµs away from now on the realtime clock", d)
	}
}

func TestPathRateLimit(t *testing.T) {
	r := pathRateLimit{interval: 60e6, burst: 3}
	var got []bool
	for i := 0; i < 5; i++ {
		got = append(got, r.below())
	}
	if want := []bool{true, true, true, false, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("burst 3: %v, want %v", got, want)
	}
	unset := pathRateLimit{}
	for i := 0; i < 10; i++ {
		if !unset.below() {
			t.Fatal("an unconfigured limit refused")
		}
	}
}

func TestPathHiddenOrBackup(t *testing.T) {
	for name, want := range map[string]bool{".hidden": true, "lost+found": true, "x~": true, "a.dpkg-new": true,
		"a.rpmsave": true, "a.swp": true, "a.bak": true, "a.conf": false, "plain": false, "aquota.user": true,
		"a.ucf-dist": true, "a.new": true, "new": false} {
		if got := pathHiddenOrBackup(name); got != want {
			t.Errorf("%q: %v, want %v", name, got, want)
		}
	}
}

func TestPathDirIsEmpty(t *testing.T) {
	dir := t.TempDir()
	if empty, err := pathDirIsEmpty(dir); err != nil || !empty {
		t.Errorf("fresh directory: %v %v", empty, err)
	}
	os.WriteFile(filepath.Join(dir, ".hidden"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "x.dpkg-old"), nil, 0o644)
	if empty, err := pathDirIsEmpty(dir); err != nil || !empty {
		t.Errorf("only hidden and backup files: %v %v", empty, err)
	}
	os.WriteFile(filepath.Join(dir, "job"), nil, 0o644)
	if empty, err := pathDirIsEmpty(dir); err != nil || empty {
		t.Errorf("with a file: %v %v", empty, err)
	}
	if _, err := pathDirIsEmpty(filepath.Join(dir, "missing")); err != unix.ENOENT {
		t.Errorf("missing: %v", err)
	}
	if _, err := pathDirIsEmpty(filepath.Join(dir, "job")); err != unix.ENOTDIR {
		t.Errorf("a file: %v", err)
	}
}

func TestPathGlobFirst(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a/x.req", "b/y.txt", "c/.z.req"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	for pattern, want := range map[string]string{
		dir + "/*/x.req":     dir + "/a/x.req",
		dir + "/{c,b}/*.txt": dir + "/b/y.txt",
		dir + "/c/*.req":     "", // "*" does not match a leading dot
		dir + "/c/.*.req":    dir + "/c/.z.req",
		dir + "/a/x.req":     dir + "/a/x.req",
		dir + "/a/missing":   "",
		dir + "/?/y.t[xy]t":  dir + "/b/y.txt",
	} {
		got, ok := pathGlobFirst(pattern)
		if got != want || ok != (want != "") {
			t.Errorf("%s: %q %v, want %q", pattern, got, ok, want)
		}
	}
	// Either match may come first.
	for _, pattern := range []string{dir + "/{a,b}/{x,y}.*", dir + "/{a/x,b/y}.{req,txt}"} {
		if got, ok := pathGlobFirst(pattern); !ok || (got != dir+"/a/x.req" && got != dir+"/b/y.txt") {
			t.Errorf("%s: %q %v", pattern, got, ok)
		}
	}
}

func TestPathBraceExpand(t *testing.T) {
	got := pathBraceExpand("/a/{b,c{d,e}}/f{,g}")
	sort.Strings(got)
	want := []string{"/a/b/f", "/a/b/fg", "/a/cd/f", "/a/cd/fg", "/a/ce/f", "/a/ce/fg"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := pathBraceExpand("/a/{b"); !reflect.DeepEqual(got, []string{"/a/{b"}) {
		t.Errorf("unbalanced: %v", got)
	}
}

func TestPathEventsHaveWD(t *testing.T) {
	event := func(wd int32, name string) []byte {
		n := len(name)
		if n > 0 {
			n = (n + 16) &^ 15
		}
		b := make([]byte, unix.SizeofInotifyEvent+n)
		binary.NativeEndian.PutUint32(b[0:], uint32(wd))
		binary.NativeEndian.PutUint32(b[4:], unix.IN_CREATE)
		binary.NativeEndian.PutUint32(b[12:], uint32(n))
		copy(b[unix.SizeofInotifyEvent:], name)
		return b
	}
	buf := append(event(1, "something-long-enough"), event(3, "")...)
	if !pathEventsHaveWD(buf, 3) || !pathEventsHaveWD(buf, 1) || pathEventsHaveWD(buf, 2) {
		t.Error("events misread")
	}
	if pathEventsHaveWD(buf[:10], 1) {
		t.Error("a truncated event was read")
	}
}

func TestPathSpecWatchComponents(t *testing.T) {
	// The deepest existing component is watched for what could complete
	// the path; once the path exists, it is the primary watch.
	dir := t.TempDir()
	m := &Manager{obs: NopObserver{}}
	s := &pathSpec{typ: pathTypeExists, path: dir + "/a/b"}
	if err := s.watch(m, 1); err != nil {
		t.Fatal(err)
	}
	defer s.unwatch()
	if s.primaryWD != 0 {
		t.Errorf("primary watch %d for a path that does not exist", s.primaryWD)
	}
	os.MkdirAll(dir+"/a/b", 0o755)
	s2 := &pathSpec{typ: pathTypeChanged, path: dir + "/a/b"}
	if err := s2.watch(m, 2); err != nil {
		t.Fatal(err)
	}
	defer s2.unwatch()
	if s2.primaryWD <= 0 {
		t.Errorf("no primary watch for an existing path")
	}
}
