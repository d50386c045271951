package oracle

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"gosystemd/oracle/agent"
)

// agentPair connects an agentConn to peer over an in-memory pipe.
func agentPair(t *testing.T, peer func(net.Conn)) *agentConn {
	host, guest := net.Pipe()
	go peer(guest)
	a := &agentConn{conn: host, pending: map[uint64]chan agent.Response{}, dead: make(chan struct{})}
	go a.read()
	t.Cleanup(func() { a.close(); guest.Close() })
	return a
}

func TestAgentConnWithAgent(t *testing.T) {
	a := agentPair(t, func(c net.Conn) { agent.Serve(c, c) })
	ctx := context.Background()
	// Overlapping requests are matched to their answers.
	done := make(chan ExecResult)
	go func() { done <- a.exec(ctx, []string{"sh", "-c", "sleep 0.3; echo slow"}, nil) }()
	if r := a.exec(ctx, []string{"sh", "-c", "cat; exit 4"}, []byte("fast\n")); string(r.Stdout) != "fast\n" || r.Exit != 4 {
		t.Errorf("fast: %+v", r)
	}
	if r := <-done; string(r.Stdout) != "slow\n" || r.Exit != 0 {
		t.Errorf("slow: %+v", r)
	}

	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := a.exec(tctx, []string{"sh", "-c", "echo partial; sleep 30"}, nil)
	if !r.TimedOut || r.Exit != -1 || time.Since(start) > 3*time.Second {
		t.Errorf("timeout: %+v after %v", r, time.Since(start))
	}
	// Canceled without a deadline: the agent is told to stop the command.
	cctx, ccancel := context.WithCancel(ctx)
	time.AfterFunc(300*time.Millisecond, ccancel)
	start = time.Now()
	r = a.exec(cctx, []string{"sleep", "30"}, nil)
	if !r.TimedOut || r.Exit != -1 || time.Since(start) > 3*time.Second {
		t.Errorf("cancel: %+v after %v", r, time.Since(start))
	}
	if r := a.call(ctx, agent.Request{WaitPaths: []string{"/gosd-missing", "/"}}); r.Exit != 0 || string(r.Stdout) != "/" {
		t.Errorf("wait paths: %+v", r)
	}
}

func TestAgentConnGuestNotReading(t *testing.T) {
	a := agentPair(t, func(c net.Conn) {})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := a.exec(ctx, []string{"true"}, make([]byte, 1<<20))
	if !r.TimedOut || r.Exit != -1 || time.Since(start) > 3*time.Second {
		t.Errorf("got %+v after %v", r, time.Since(start))
	}
}

func TestAgentConnGuestGone(t *testing.T) {
	a := agentPair(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		c.Read(buf)
		c.Close()
	})
	r := a.exec(context.Background(), []string{"true"}, nil)
	if r.Exit != -1 || !strings.Contains(string(r.Stderr), "agent connection lost") {
		t.Errorf("got %+v", r)
	}
	r = a.exec(context.Background(), []string{"true"}, nil)
	if r.Exit != -1 || r.TimedOut {
		t.Errorf("after the loss: %+v", r)
	}
}
