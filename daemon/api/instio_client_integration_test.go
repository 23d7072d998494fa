//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// scenarioGoClient drives exec (codes, streams, signals, a terminal with
// resize), files and the console log through our Go client.
func scenarioGoClient(t *testing.T, x *ioTarget) {
	name := daemontest.Name(t, "gc")
	x.launch(t, name, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := x.d.Client
	events, err := c.GetEvents(ctx, false, "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	var out, errb ioBuffer
	code, err := c.ExecInstance(ctx, name, api.InstanceExecPost{Command: []string{"sh", "-c", "cat; echo err >&2; exit 7"}},
		client.ExecArgs{Stdin: strings.NewReader("in\n"), Stdout: &out, Stderr: &errb})
	if code != 7 || err != nil || out.String() != "in\n" || errb.String() != "err\n" {
		t.Fatalf("exec: %d %v %q %q", code, err, out.String(), errb.String())
	}
	waitLifecycle(t, events, "instance-exec", func(lc api.EventLifecycle) bool {
		cmd, _ := lc.Context["command"].([]any)
		return lc.Source == "/1.0/instances/"+name && len(cmd) == 3
	})
	// A signal through the control channel.
	var ctl *client.ExecControl
	out = ioBuffer{}
	done := make(chan int, 1)
	go func() {
		code, _ := c.ExecInstance(ctx, name, api.InstanceExecPost{Command: []string{"sh", "-c",
			`trap 'exit 5' USR1; echo ready; while :; do sleep 0.1; done`}},
			client.ExecArgs{Stdout: &out, Control: func(e *client.ExecControl) { ctl = e }})
		done <- code
	}()
	daemontest.Eventually(t, 30*time.Second, "ready", func() bool { return strings.Contains(out.String(), "ready") })
	if err := ctl.Signal(10); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 5 {
		t.Fatalf("signal: exit %d", code)
	}
	scenarioGoClientTerminal(t, x, name)
	scenarioGoClientFiles(t, x, name)
}

// scenarioGoClientTerminal: an interactive exec sized and resized through
// the control channel.
func scenarioGoClientTerminal(t *testing.T, x *ioTarget, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stdinR, stdinW := io.Pipe()
	var out ioBuffer
	var ctl *client.ExecControl
	ready := make(chan struct{})
	done := make(chan int, 1)
	go func() {
		code, _ := x.d.Client.ExecInstance(ctx, name, api.InstanceExecPost{Command: []string{"sh"}, Interactive: true, Width: 80, Height: 24},
			client.ExecArgs{Stdin: stdinR, Stdout: &out, Control: func(e *client.ExecControl) { ctl = e; close(ready) }})
		done <- code
	}()
	<-ready
	_, _ = stdinW.Write([]byte("stty size\n"))
	daemontest.Eventually(t, 30*time.Second, "24 80", func() bool { return strings.Contains(out.String(), "24 80") })
	if err := ctl.Resize(100, 30); err != nil {
		t.Fatal(err)
	}
	daemontest.Eventually(t, 30*time.Second, "30 100", func() bool {
		_, _ = stdinW.Write([]byte("stty size\n"))
		time.Sleep(100 * time.Millisecond)
		return strings.Contains(out.String(), "30 100")
	})
	_, _ = stdinW.Write([]byte("exit 3\n"))
	if code := <-done; code != 3 {
		t.Fatalf("interactive exit: %d; output %q", code, out.String())
	}
	stdinW.Close()
}

func scenarioGoClientFiles(t *testing.T, x *ioTarget, name string) {
	ctx := context.Background()
	c := x.d.Client
	if err := c.CreateInstanceFile(ctx, name, "/root/go.txt", client.InstanceFileArgs{
		Content: strings.NewReader("from go"), UID: 7, GID: 8, Mode: 0o600}); err != nil {
		t.Fatal(err)
	}
	rc, info, err := c.GetInstanceFile(ctx, name, "/root/go.txt")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "from go" || info.UID != 7 || info.GID != 8 || info.Mode != 0o600 || info.Type != "file" {
		t.Fatalf("GetInstanceFile: %q %+v", data, info)
	}
	if _, info, err = c.GetInstanceFile(ctx, name, "/root"); err != nil || !ioContains(info.Entries, "go.txt") {
		t.Fatalf("directory: %+v %v", info, err)
	}
	if err := c.DeleteInstanceFile(ctx, name, "/root/go.txt"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.GetInstanceFile(ctx, name, "/root/go.txt"); api.StatusOf(err) != 404 {
		t.Fatalf("deleted file: %v", err)
	}
}

// waitLifecycle waits for a lifecycle event with action matching ok.
func waitLifecycle(t *testing.T, events <-chan api.Event, action string, ok func(api.EventLifecycle) bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e := <-events:
			var lc api.EventLifecycle
			if json.Unmarshal(e.Metadata, &lc) == nil && lc.Action == action && ok(lc) {
				return
			}
		case <-deadline:
			t.Fatalf("no %s event", action)
		}
	}
}

func TestInstanceExecGoClient(t *testing.T)          { scenarioGoClient(t, adapterTarget(t)) }
func TestReferenceInstanceExecGoClient(t *testing.T) { scenarioGoClient(t, referenceTarget(t)) }
