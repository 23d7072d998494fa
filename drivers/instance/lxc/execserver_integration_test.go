//go:build integration

package lxc_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/instancetest"
	"github.com/lxdng/lxd/drivers/instance/lxc"
	"github.com/lxdng/lxd/shared/api"
)

// TestConformanceOneShotExec runs the suite's exec cases with the exec
// server off: every command through the one-shot helper.
func TestConformanceOneShotExec(t *testing.T) {
	instancetest.RunExec(t, func(t *testing.T, state string) instance.Driver {
		o := options(state)
		o.NoExecServer = true
		d, err := lxc.New(o)
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

// execResult is what a command left.
type execResult struct {
	code           int
	err            string
	stdout, stderr string
}

func execWith(t *testing.T, d instance.Driver, r instance.Ref, req instance.ExecReq) execResult {
	t.Helper()
	var out, errs bytes.Buffer
	req.Stdout, req.Stderr = &out, &errs
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := d.Exec(ctx, r, req)
	if err != nil {
		t.Fatalf("Exec %q: %v", req.Command, err)
	}
	code, err := p.Wait(ctx)
	res := execResult{code: code, stdout: out.String(), stderr: errs.String()}
	if err != nil {
		res.err = err.Error()
	}
	return res
}

// serverPids lists the host's exec server processes of container name: the
// helper that attached a server, and the server (its child, same command
// line).
func serverPids(name string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) > 2 && args[1] == "forkexecd" && args[2] == name {
			var pid int
			fmt.Sscanf(f, "/proc/%d/cmdline", &pid)
			pids = append(pids, pid)
		}
	}
	return pids
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestExecServer checks commands run through a container's exec server
// exactly as through liblxc's attach (the one-shot helper), that the
// server is invisible inside, serves commands in parallel, and goes away
// with its container whichever way it stops.
func TestExecServer(t *testing.T) {
	state, spec := fixture(t, nil)
	withServer := newDriver(t, state)
	o := options(state)
	o.NoExecServer = true
	oneShot, err := lxc.New(o)
	if err != nil {
		t.Fatal(err)
	}
	cleanup(t, withServer, spec.Ref)
	ctx := context.Background()
	if err := withServer.Create(ctx, spec); err != nil {
		t.Fatal(err)
	}
	if err := withServer.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
	name := "default_" + spec.Ref.Name

	t.Run("same as attach", func(t *testing.T) {
		status := "grep -E '^(Cap|Seccomp|NoNewPrivs|Sig(Blk|Ign))' /proc/self/status"
		cases := []instance.ExecReq{
			{Command: []string{"sh", "-c", "echo out; echo err >&2; exit 7"}},
			{Command: []string{"id"}, User: 1000, Group: 1000},
			{Command: []string{"id"}},
			{Command: []string{"pwd"}, Cwd: "/tmp"},
			{Command: []string{"pwd"}, Cwd: "/no/such/dir"},
			{Command: []string{"env"}, Env: map[string]string{"A": "1", "PATH": "/bin"}},
			{Command: []string{"sh", "-c", status}},
			{Command: []string{"sh", "-c", status}, User: 1000, Group: 1000},
			{Command: []string{"ls", "/proc/self/fd"}},
			{Command: []string{"sh", "-c", "cat /proc/self/cgroup; readlink /proc/self/ns/user /proc/self/ns/mnt /proc/self/ns/net"}},
			{Command: []string{"/no/such/command"}},
			{Command: []string{"/etc/passwd"}},
			{Command: []string{"cat"}, Env: map[string]string{"STDIN": "piped\n"}},
		}
		for _, req := range cases {
			oneReq := req
			if in, ok := req.Env["STDIN"]; ok {
				req.Stdin, oneReq.Stdin = strings.NewReader(in), strings.NewReader(in)
			}
			got := execWith(t, withServer, spec.Ref, req)
			want := execWith(t, oneShot, spec.Ref, oneReq)
			if got != want {
				t.Errorf("%q as %d:%d in %q:\nserver:   %+v\none-shot: %+v", req.Command, req.User, req.Group, req.Cwd, got, want)
			}
		}
	})

	t.Run("one invisible server", func(t *testing.T) {
		if pids := serverPids(name); len(pids) != 2 {
			t.Fatalf("exec server processes of %s: %v, want one server and its helper", name, pids)
		}
		res := execWith(t, withServer, spec.Ref, instance.ExecReq{Command: []string{"sh", "-c", "cat /proc/[0-9]*/cmdline | tr '\\0' ' '"}})
		if strings.Contains(res.stdout, "forkexecd") || res.code != 0 {
			t.Fatalf("the exec server is visible in the container: %+v", res)
		}
		// The one-shot driver knows no server: it counts it.
		waitFor(t, "the process count to leave the server out", func() bool {
			with, err1 := withServer.State(ctx, spec.Ref)
			without, err2 := oneShot.State(ctx, spec.Ref)
			return err1 == nil && err2 == nil && with.Processes == without.Processes-1
		})
	})

	t.Run("parallel", func(t *testing.T) {
		var wg sync.WaitGroup
		results := make([]execResult, 12)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = execWith(t, withServer, spec.Ref, instance.ExecReq{Command: []string{"sh", "-c", "sleep 0.2; echo $0", fmt.Sprint(i)}})
			}()
		}
		wg.Wait()
		for i, res := range results {
			if res.code != 0 || res.stdout != fmt.Sprintf("%d\n", i) {
				t.Errorf("command %d: %+v", i, res)
			}
		}
	})

	t.Run("too large for the server", func(t *testing.T) {
		// Each string below the kernel's 128 KiB, the whole above it.
		big := strings.Repeat("x", 100*1024)
		env := map[string]string{"BIG": big, "BIG2": big}
		res := execWith(t, withServer, spec.Ref, instance.ExecReq{Command: []string{"sh", "-c", "echo ${#BIG} ${#BIG2}"}, Env: env})
		if res.code != 0 || res.stdout != fmt.Sprintf("%d %d\n", len(big), len(big)) {
			t.Fatalf("large environment: %+v", res)
		}
	})

	// Each way the container can stop must take the server with it, leave
	// no cgroup behind and let the next start serve commands again.
	stops := []struct {
		name string
		code int // of a command running at the stop
		stop func(t *testing.T)
	}{
		{"clean stop", 143, func(t *testing.T) {
			if err := withServer.Stop(ctx, spec.Ref, instance.StopOpts{Timeout: 30 * time.Second}); err != nil {
				t.Fatal(err)
			}
		}},
		{"force stop", 137, func(t *testing.T) {
			if err := withServer.Stop(ctx, spec.Ref, instance.StopOpts{Force: true}); err != nil {
				t.Fatal(err)
			}
		}},
		{"poweroff inside", 137, func(t *testing.T) {
			p, err := withServer.Exec(ctx, spec.Ref, instance.ExecReq{Command: []string{"poweroff", "-f"}})
			if err != nil {
				t.Fatal(err)
			}
			_, _ = p.Wait(ctx)
			waitFor(t, "the container to stop", func() bool {
				st, err := withServer.State(ctx, spec.Ref)
				return err == nil && st.Status == api.Stopped
			})
		}},
	}
	for _, s := range stops {
		t.Run(s.name, func(t *testing.T) {
			// A command is running through the server while it stops.
			p, err := withServer.Exec(ctx, spec.Ref, instance.ExecReq{Command: []string{"sleep", "600"}})
			if err != nil {
				t.Fatal(err)
			}
			s.stop(t)
			wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			if code, err := p.Wait(wctx); err != nil || code != s.code {
				t.Fatalf("command running at stop: %d %v, want %d", code, err, s.code)
			}
			waitFor(t, "the exec server to end", func() bool { return len(serverPids(name)) == 0 })
			waitFor(t, "the container's cgroups to go", func() bool {
				cgs, _ := filepath.Glob("/sys/fs/cgroup/*/lxc.payload." + name + "*")
				return len(cgs) == 0
			})
			if err := withServer.Start(ctx, spec); err != nil {
				t.Fatal(err)
			}
			if res := execWith(t, withServer, spec.Ref, instance.ExecReq{Command: []string{"echo", "again"}}); res.stdout != "again\n" {
				t.Fatalf("exec after restart: %+v", res)
			}
		})
	}
}
