package agent

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxOutput bounds what one command's stdout or stderr may hand back.
const maxOutput = 64 << 20

// Main is the in-guest program: it finds the virtio-serial port, confines
// itself to the guest root, tells the initramfs it is ready, and serves.
//
//	oracle-agent [-root DIR] [-ready FIFO] [-port NAME]
func Main(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("oracle-agent", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "", "chroot here before serving (the root systemd will switch to)")
	ready := fs.String("ready", "", "FIFO to write a line to once confined and listening")
	port := fs.String("port", PortName, "virtio-serial port name")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	syscall.Setsid()
	signal.Ignore(syscall.SIGHUP)
	dev, err := openPort(*port, 10*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "oracle-agent: %v\n", err)
		return 1
	}
	var readyF *os.File
	if *ready != "" {
		// Opened before the chroot hides it; blocks until the initramfs
		// reads.
		if readyF, err = os.OpenFile(*ready, os.O_WRONLY, 0); err != nil {
			fmt.Fprintf(stderr, "oracle-agent: %v\n", err)
			return 1
		}
	}
	if *root != "" {
		if err := syscall.Chroot(*root); err != nil {
			fmt.Fprintf(stderr, "oracle-agent: chroot %s: %v\n", *root, err)
			return 1
		}
	}
	if err := os.Chdir("/"); err != nil {
		fmt.Fprintf(stderr, "oracle-agent: %v\n", err)
		return 1
	}
	if readyF != nil {
		readyF.WriteString("ready\n")
		readyF.Close()
	}
	if err := Serve(portReader{dev}, dev); err != nil {
		fmt.Fprintf(stderr, "oracle-agent: %v\n", err)
		return 1
	}
	return 0
}

// openPort waits for the named virtio-serial port to appear and opens it.
func openPort(name string, wait time.Duration) (*os.File, error) {
	deadline := time.Now().Add(wait)
	for {
		ents, _ := filepath.Glob("/sys/class/virtio-ports/*/name")
		for _, e := range ents {
			b, err := os.ReadFile(e)
			if err == nil && strings.TrimSpace(string(b)) == name {
				return os.OpenFile("/dev/"+filepath.Base(filepath.Dir(e)), os.O_RDWR, 0)
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no virtio-serial port named %q after %v", name, wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// portReader reads a virtio-serial port, which reports end of file while
// the host side is not connected: it waits for the host instead.
type portReader struct{ f *os.File }

func (p portReader) Read(b []byte) (int, error) {
	for {
		n, err := p.f.Read(b)
		if n > 0 || !errors.Is(err, io.EOF) {
			return n, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Serve greets, then answers requests read from r on w until r ends.
func Serve(r io.Reader, w io.Writer) error {
	s := &server{w: w, running: map[uint64]context.CancelFunc{}}
	if err := s.send(Response{Ready: true}); err != nil {
		return err
	}
	br := bufio.NewReader(r)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			s.handle(line, &wg)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

type server struct {
	wmu     sync.Mutex
	w       io.Writer
	mu      sync.Mutex
	running map[uint64]context.CancelFunc
}

func (s *server) send(r Response) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err = s.w.Write(append(b, '\n'))
	return err
}

func (s *server) handle(line []byte, wg *sync.WaitGroup) {
	var req Request
	if err := json.Unmarshal(line, &req); err != nil {
		s.send(Response{Exit: -1, Stderr: []byte("oracle-agent: bad request: " + err.Error() + "\n")})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Cancel {
		if cancel := s.running[req.ID]; cancel != nil {
			cancel()
		}
		return
	}
	ctx, cancel := context.Background(), context.CancelFunc(func() {})
	if req.TimeoutMS > 0 {
		ctx, cancel = context.WithTimeout(ctx, time.Duration(req.TimeoutMS)*time.Millisecond)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	s.running[req.ID] = cancel
	wg.Add(1)
	go func() {
		defer wg.Done()
		var resp Response
		if len(req.WaitPaths) > 0 {
			resp = waitPaths(ctx, req.WaitPaths)
		} else {
			resp = Run(ctx, req.Argv, req.Stdin)
		}
		resp.ID = req.ID
		s.mu.Lock()
		delete(s.running, req.ID)
		s.mu.Unlock()
		cancel()
		s.send(resp)
	}()
}

// Run runs argv through env(1) with the clean environment Env in its own
// session, as the container sandbox does with nsenter; when ctx ends it kills
// the whole session.
func Run(ctx context.Context, argv []string, stdin []byte) Response {
	if len(argv) == 0 {
		return Response{Exit: -1, Stderr: []byte("oracle-agent: empty command\n")}
	}
	args := append(append([]string{"-i"}, Env...), argv...)
	cmd := exec.CommandContext(ctx, "/usr/bin/env", args...)
	cmd.Env = Env
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	// Daemons the command leaves behind must not keep Run waiting on
	// their copy of stdout.
	cmd.WaitDelay = time.Second
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	stdout, stderr := &capBuffer{max: maxOutput}, &capBuffer{max: maxOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	r := Response{Stdout: stdout.bytes(), Stderr: stderr.bytes(), Exit: -1}
	switch {
	case ctx.Err() != nil:
		r.TimedOut = true
	case cmd.ProcessState == nil:
		r.Stderr = append(r.Stderr, "oracle-agent: "+err.Error()+"\n"...)
	default:
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			r.Exit = 128 + int(ws.Signal())
		} else {
			r.Exit = ws.ExitStatus()
		}
	}
	return r
}

// waitPaths polls until one of paths exists or ctx ends.
func waitPaths(ctx context.Context, paths []string) Response {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, p := range paths {
			if _, err := os.Lstat(p); err == nil {
				return Response{Stdout: []byte(p)}
			}
		}
		select {
		case <-ctx.Done():
			return Response{Exit: -1, TimedOut: true}
		case <-tick.C:
		}
	}
}

// capBuffer keeps the first max bytes written and counts the rest.
type capBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int
}

func (c *capBuffer) Write(p []byte) (int, error) {
	room := min(c.max-c.buf.Len(), len(p))
	c.buf.Write(p[:room])
	c.dropped += len(p) - room
	return len(p), nil
}

func (c *capBuffer) bytes() []byte {
	if c.dropped > 0 {
		fmt.Fprintf(&c.buf, "\n[%d more bytes not kept]\n", c.dropped)
	}
	return c.buf.Bytes()
}
