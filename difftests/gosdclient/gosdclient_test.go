package gosdclient

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	sddbus "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"

	"gosystemd/oracle"
	"gosystemd/oracle/oracletest"
)

const (
	helperEnv  = "GOSD_GOSDCLIENT_HELPER"
	helperPath = "/usr/local/bin/gosd-gosdclient-helper"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		if err := clientStep(os.Args[1]); err != nil {
			fmt.Println("error:", err)
		}
		os.Exit(0)
	}
	code := m.Run()
	oracletest.Cleanup()
	os.Exit(code)
}

func unitFile(name, text string) oracle.File {
	return oracle.File{Path: "/etc/systemd/system/" + name, Data: []byte(text)}
}

var files = []oracle.File{
	unitFile("gosd-gc.service", "[Unit]\nDescription=go-systemd client test\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n"),
	unitFile("gosd-gc-fail.service", "[Service]\nType=oneshot\nExecStart=/bin/false\n"),
	unitFile("gosd-gc-once.service", "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n"),
}

// steps are the client calls, in order, each by name.
var steps = []string{
	"list-by-names", "unit-props", "type-props", "prop-bad-name", "prop-missing",
	"start", "start-again", "active", "kill", "stop", "start-fail", "failed-result", "reset-failed",
	"start-once", "restart-once", "try-restart-missing", "reload-unsupported",
	"list-files", "file-state", "enable", "file-state", "disable",
	"set-props", "after-set-props", "transient", "transient-active", "reload", "list-filtered",
}

// clientStep makes one call through go-systemd's client on the system
// bus and prints its outcome.
func clientStep(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := sddbus.NewWithContext(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	job := func(f func(ch chan<- string) (int, error)) error {
		ch := make(chan string, 1)
		if _, err := f(ch); err != nil {
			return err
		}
		select {
		case r := <-ch:
			fmt.Println("job result:", r)
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	}
	prop := func(unit, name string) error {
		p, err := c.GetUnitPropertyContext(ctx, unit, name)
		if err != nil {
			return err
		}
		fmt.Printf("%s=%s\n", p.Name, p.Value)
		return nil
	}
	switch name {
	case "list-by-names":
		l, err := c.ListUnitsByNamesContext(ctx, []string{"dbus.service", "gosd-gc.service", "nonexistent-gosd.service"})
		if err != nil {
			return err
		}
		for _, u := range l {
			fmt.Printf("%s %q %s %s %s %q %s %d %q %s\n", u.Name, u.Description, u.LoadState, u.ActiveState, u.SubState, u.Followed, u.Path, u.JobId, u.JobType, u.JobPath)
		}
	case "unit-props":
		p, err := c.GetUnitPropertiesContext(ctx, "dbus.service")
		if err != nil {
			return err
		}
		for _, k := range []string{"Id", "Names", "Description", "LoadState", "ActiveState", "SubState", "FragmentPath", "UnitFileState",
			"Requires", "Wants", "After", "Before", "Triggers", "TriggeredBy", "CanStart", "CanReload", "Transient", "Perpetual"} {
			v := p[k]
			if l, ok := v.([]string); ok {
				l = append([]string(nil), l...)
				sort.Strings(l)
				v = l
			}
			fmt.Printf("%s=%v\n", k, v)
		}
		fmt.Printf("properties: %d\n", len(p))
	case "type-props":
		p, err := c.GetUnitTypePropertiesContext(ctx, "dbus.service", "Service")
		if err != nil {
			return err
		}
		keys := make([]string, 0, len(p))
		for k := range p {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Printf("properties: %d\n", len(keys))
		for _, k := range []string{"Type", "Restart", "BusName", "NotifyAccess", "RemainAfterExit", "TimeoutStopUSec", "KillMode", "Slice"} {
			fmt.Printf("%s=%v\n", k, p[k])
		}
	case "prop-bad-name":
		return prop("not a name", "ActiveState")
	case "prop-missing":
		return prop("nonexistent-gosd.service", "LoadState")
	case "start", "start-again":
		return job(func(ch chan<- string) (int, error) { return c.StartUnitContext(ctx, "gosd-gc.service", "replace", ch) })
	case "active":
		return prop("gosd-gc.service", "SubState")
	case "kill":
		c.KillUnitContext(ctx, "gosd-gc.service", 15)
		// Until the service has dealt with its main process's end.
		for i := 0; i < 100; i++ {
			p, err := c.GetUnitPropertyContext(ctx, "gosd-gc.service", "ActiveState")
			if err == nil && p.Value.Value() != "active" && p.Value.Value() != "deactivating" {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		return prop("gosd-gc.service", "ActiveState")
	case "stop":
		return job(func(ch chan<- string) (int, error) { return c.StopUnitContext(ctx, "gosd-gc.service", "replace", ch) })
	case "start-fail":
		return job(func(ch chan<- string) (int, error) {
			return c.StartUnitContext(ctx, "gosd-gc-fail.service", "replace", ch)
		})
	case "failed-result":
		if err := prop("gosd-gc-fail.service", "ActiveState"); err != nil {
			return err
		}
		p, err := c.GetServicePropertyContext(ctx, "gosd-gc-fail.service", "Result")
		if err != nil {
			return err
		}
		fmt.Printf("%s=%s\n", p.Name, p.Value)
	case "reset-failed":
		if err := c.ResetFailedUnitContext(ctx, "gosd-gc-fail.service"); err != nil {
			return err
		}
		return prop("gosd-gc-fail.service", "ActiveState")
	case "start-once":
		return job(func(ch chan<- string) (int, error) {
			return c.StartUnitContext(ctx, "gosd-gc-once.service", "replace", ch)
		})
	case "restart-once":
		return job(func(ch chan<- string) (int, error) {
			return c.RestartUnitContext(ctx, "gosd-gc-once.service", "replace", ch)
		})
	case "try-restart-missing":
		return job(func(ch chan<- string) (int, error) {
			return c.TryRestartUnitContext(ctx, "nonexistent-gosd.service", "replace", ch)
		})
	case "reload-unsupported":
		return job(func(ch chan<- string) (int, error) {
			return c.ReloadUnitContext(ctx, "gosd-gc-once.service", "replace", ch)
		})
	case "list-files":
		l, err := c.ListUnitFilesByPatternsContext(ctx, []string{"disabled", "static"}, []string{"gosd-gc*"})
		if err != nil {
			return err
		}
		sort.Slice(l, func(i, j int) bool { return l[i].Path < l[j].Path })
		for _, f := range l {
			fmt.Println(f.Path, f.Type)
		}
	case "file-state":
		p, err := c.GetUnitPropertyContext(ctx, "gosd-gc.service", "UnitFileState")
		if err != nil {
			return err
		}
		fmt.Println(p.Value)
	case "enable":
		carries, changes, err := c.EnableUnitFilesContext(ctx, []string{"gosd-gc.service"}, false, false)
		if err != nil {
			return err
		}
		fmt.Println("carries install info:", carries)
		for _, ch := range changes {
			fmt.Println(ch.Type, ch.Filename, ch.Destination)
		}
	case "disable":
		changes, err := c.DisableUnitFilesContext(ctx, []string{"gosd-gc.service"}, false)
		if err != nil {
			return err
		}
		for _, ch := range changes {
			fmt.Println(ch.Type, ch.Filename, ch.Destination)
		}
	case "set-props":
		return c.SetUnitPropertiesContext(ctx, "gosd-gc-once.service", true,
			sddbus.Property{Name: "CPUWeight", Value: godbus.MakeVariant(uint64(50))},
			sddbus.Property{Name: "Description", Value: godbus.MakeVariant("set by go-systemd")})
	case "after-set-props":
		if err := prop("gosd-gc-once.service", "Description"); err != nil {
			return err
		}
		p, err := c.GetServicePropertyContext(ctx, "gosd-gc-once.service", "CPUWeight")
		if err != nil {
			return err
		}
		fmt.Printf("%s=%s\n", p.Name, p.Value)
	case "transient":
		return job(func(ch chan<- string) (int, error) {
			return c.StartTransientUnitContext(ctx, "gosd-gc-transient.service", "replace",
				[]sddbus.Property{sddbus.PropType("oneshot"), sddbus.PropExecStart([]string{"/bin/true"}, false), sddbus.PropRemainAfterExit(true),
					sddbus.PropDescription("transient from go-systemd")}, ch)
		})
	case "transient-active":
		for _, k := range []string{"ActiveState", "SubState", "Transient", "Description", "FragmentPath"} {
			if err := prop("gosd-gc-transient.service", k); err != nil {
				return err
			}
		}
	case "reload":
		return c.ReloadContext(ctx)
	case "list-filtered":
		l, err := c.ListUnitsByPatternsContext(ctx, []string{"active", "failed"}, []string{"gosd-gc*"})
		if err != nil {
			return err
		}
		sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
		for _, u := range l {
			fmt.Println(u.Name, u.LoadState, u.ActiveState, u.SubState, u.Description)
		}
	default:
		return fmt.Errorf("no step %q", name)
	}
	return nil
}

// TestGoSystemdClientMatchesSystemd runs every step against real
// systemd 252 and against our PID 1 and compares their outputs.
func TestGoSystemdClientMatchesSystemd(t *testing.T) {
	h := oracletest.Harness(t, oracle.ModeContainer)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	helper, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	all := append(append([]oracle.File{}, files...), oracle.File{Path: helperPath, Data: helper, Mode: 0o755})
	type side struct {
		out []string
		err error
	}
	real, ours := &side{}, &side{}
	var wg sync.WaitGroup
	for _, x := range []struct {
		s    *side
		impl oracle.Impl
	}{{real, oracle.Real}, {ours, oracle.Go}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x.s.out, x.s.err = observe(h, x.impl, all)
		}()
	}
	wg.Wait()
	if real.err != nil {
		t.Fatalf("real systemd: %v", real.err)
	}
	if ours.err != nil {
		t.Fatalf("our PID 1: %v", ours.err)
	}
	same := 0
	for i := range steps {
		if real.out[i] == ours.out[i] {
			same++
			continue
		}
		t.Errorf("step %s differs:\n%s", steps[i], oracletest.LineDiff(real.out[i], ours.out[i]))
	}
	t.Logf("%d of %d go-systemd calls identical", same, len(steps))
}

func observe(h *oracle.Harness, impl oracle.Impl, files []oracle.File) ([]string, error) {
	cfg := oracle.Config{Name: "gosdclient-" + string(impl), Impl: impl, Images: h.Images,
		KernelArgs: oracle.BaseKernelArgs, BootTimeout: 2 * time.Minute, Files: files}
	if impl == oracle.Go {
		cfg.GoTree = h.GoTree
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sb, err := oracletest.BootContainer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer sb.Close()
	var out []string
	for _, s := range steps {
		cctx, ccancel := context.WithTimeout(ctx, time.Minute)
		r := sb.Exec(cctx, []string{"env", helperEnv + "=1", helperPath, s}, nil)
		ccancel()
		text := string(r.Stdout)
		if len(r.Stderr) > 0 {
			text += "[stderr]\n" + string(r.Stderr)
		}
		out = append(out, oracle.Normalize(fmt.Sprintf("%s[exit %d]\n", strings.TrimPrefix(text, "\n"), r.Exit)))
	}
	if _, err := sb.Poweroff(ctx); err != nil {
		return out, fmt.Errorf("poweroff: %v", err)
	}
	return out, nil
}
