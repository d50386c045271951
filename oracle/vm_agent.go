package oracle

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"gosystemd/oracle/agent"
)

// agentReplyGrace is how long Exec waits, after asking the agent to cancel a
// command, for the agent's answer with the output so far.
const agentReplyGrace = 2 * time.Second

// agentConn is the runner's end of the guest agent's virtio-serial port.
// Requests may overlap; answers are matched by ID.
type agentConn struct {
	conn    net.Conn
	wmu     sync.Mutex
	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan agent.Response
	dead    chan struct{}
	deadErr error
}

// dialAgent connects to QEMU's socket for the agent's port, retrying until
// QEMU has made it. The path goes through /proc/self/fd so that long work
// directories stay within a socket address's 108 bytes.
func dialAgent(ctx context.Context, dir, name string, exited <-chan struct{}, deadline time.Time) (*agentConn, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	path := fmt.Sprintf("/proc/self/fd/%d/%s", d.Fd(), name)
	for {
		conn, err := net.Dial("unix", path)
		if err == nil {
			a := &agentConn{conn: conn, pending: map[uint64]chan agent.Response{}, dead: make(chan struct{})}
			go a.read()
			return a, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("connecting to the agent socket: %w", err)
		}
		select {
		case <-exited:
			return nil, errors.New("qemu exited before opening the agent socket")
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (a *agentConn) read() {
	br := bufio.NewReader(a.conn)
	var err error
	for {
		var line []byte
		line, err = br.ReadBytes('\n')
		if err != nil {
			break
		}
		var r agent.Response
		if json.Unmarshal(line, &r) != nil || r.ID == 0 {
			continue // the greeting, or noise
		}
		a.mu.Lock()
		ch := a.pending[r.ID]
		delete(a.pending, r.ID)
		a.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
	a.mu.Lock()
	a.deadErr = fmt.Errorf("agent connection lost: %w", err)
	a.mu.Unlock()
	close(a.dead)
}

// send writes req, giving up when ctx ends: a guest that does not read must
// not hang the runner. A request cut short leaves the stream out of step, so
// that ends the connection.
func (a *agentConn) send(ctx context.Context, req agent.Request) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	a.wmu.Lock()
	defer a.wmu.Unlock()
	dl, _ := ctx.Deadline()
	a.conn.SetWriteDeadline(dl)
	var mu sync.Mutex
	writing := true
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if writing {
			a.conn.SetWriteDeadline(time.Unix(1, 0))
		}
	})
	_, err = a.conn.Write(append(b, '\n'))
	mu.Lock()
	writing = false
	mu.Unlock()
	stop()
	if err != nil {
		a.conn.Close()
	}
	return err
}

func (a *agentConn) exec(ctx context.Context, argv []string, stdin []byte) ExecResult {
	return a.call(ctx, agent.Request{Argv: argv, Stdin: stdin})
}

// call sends req, bounded by ctx, and waits for its answer.
func (a *agentConn) call(ctx context.Context, req agent.Request) ExecResult {
	ch := make(chan agent.Response, 1)
	a.mu.Lock()
	a.nextID++
	id := a.nextID
	a.pending[id] = ch
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		delete(a.pending, id)
		a.mu.Unlock()
	}()

	req.ID = id
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl).Milliseconds()
		if left <= 0 {
			return ExecResult{Exit: -1, TimedOut: true}
		}
		req.TimeoutMS = left
	}
	if err := a.send(ctx, req); err != nil {
		if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			return ExecResult{Exit: -1, TimedOut: true}
		}
		return ExecResult{Exit: -1, Stderr: []byte("sending to the agent: " + err.Error() + "\n")}
	}
	select {
	case r := <-ch:
		return fromAgent(r)
	case <-a.dead:
		return ExecResult{Exit: -1, Stderr: []byte(a.deadErr.Error() + "\n")}
	case <-ctx.Done():
	}
	// The agent kills the command; its answer carries the output so far.
	cctx, cancel := context.WithTimeout(context.Background(), agentReplyGrace)
	defer cancel()
	a.send(cctx, agent.Request{ID: id, Cancel: true})
	select {
	case r := <-ch:
		res := fromAgent(r)
		res.Exit, res.TimedOut = -1, true
		return res
	case <-a.dead:
	case <-cctx.Done():
	}
	return ExecResult{Exit: -1, TimedOut: true}
}

func fromAgent(r agent.Response) ExecResult {
	return ExecResult{Stdout: r.Stdout, Stderr: r.Stderr, Exit: r.Exit, TimedOut: r.TimedOut}
}

func (a *agentConn) close() { a.conn.Close() }
