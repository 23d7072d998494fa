//go:build integration

package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

func scenarioEvents(t *testing.T, d *daemontest.Daemon) {
	enableHTTPS(t, d)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Our client library on the raw stream.
	ch, err := d.Client.GetEvents(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	// The real lxc monitor, as users run it.
	mon := exec.CommandContext(ctx, "lxc", "monitor", "--type=operation", "--format=json")
	mon.Env = append(os.Environ(), "LXD_DIR="+d.Dir, "LXD_CONF="+d.ConfDir)
	stdout, _ := mon.StdoutPipe()
	if err := mon.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = mon.Process.Kill(); _ = mon.Wait() }()
	monLines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			monLines <- sc.Text()
		}
		close(monLines)
	}()
	// Wait until the monitor is subscribed: the daemon then has 2 listeners;
	// trigger events until the monitor prints one.
	opIDs := map[string]bool{}
	deadline := time.After(20 * time.Second)
	trigger := time.NewTicker(300 * time.Millisecond)
	defer trigger.Stop()
	sawMonitor := false
	for !sawMonitor {
		select {
		case <-trigger.C:
			op, err := d.Client.CreateCertificate(ctx, api.CertificatesPost{CertificatePut: api.CertificatePut{Name: "ev", Type: "client"}, Token: true})
			if err != nil {
				t.Fatal(err)
			}
			opIDs[op.ID] = true
			_ = op.Cancel(ctx)
		case line, ok := <-monLines:
			if !ok {
				t.Fatal("lxc monitor exited")
			}
			for id := range opIDs {
				if strings.Contains(line, id) {
					sawMonitor = true
				}
			}
		case <-deadline:
			t.Fatal("lxc monitor printed no operation event")
		}
	}
	// The raw stream carries location and project on operation events.
	seen := []string{}
	for {
		select {
		case e := <-ch:
			if e.Type != "operation" {
				continue
			}
			var op api.Operation
			_ = json.Unmarshal(e.Metadata, &op)
			seen = append(seen, op.ID+"/"+op.Description)
			if !opIDs[op.ID] {
				continue
			}
			if e.Location != "none" || e.Project != "default" || e.Timestamp.IsZero() {
				t.Fatalf("event lacks location/project: %+v", e)
			}
			return
		case <-deadline:
			t.Fatalf("no operation event on the client stream: saw %v, want one of %v", seen, opIDs)
		}
	}
}

func TestEventsStream(t *testing.T) { scenarioEvents(t, daemontest.Start(t)) }

func TestReferenceEventsStream(t *testing.T) { scenarioEvents(t, daemontest.StartReference(t)) }

func TestEventsTypeFilterAndLifecycleRequestor(t *testing.T) {
	d := daemontest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	enableHTTPS(t, d)
	ch, err := d.Client.GetEvents(ctx, false, "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Client.GetEvents(ctx, false, "bogus"); err == nil || !strings.Contains(err.Error(), `"bogus" isn't a supported event type`) {
		t.Fatalf("bad type accepted: %v", err)
	}
	// Creating a token emits operation events, which this filter drops;
	// the config change emits a lifecycle event, which it keeps.
	if _, err := d.Client.CreateCertificate(ctx, api.CertificatesPost{CertificatePut: api.CertificatePut{Type: "client"}, Token: true}); err != nil {
		t.Fatal(err)
	}
	if err := d.Client.PatchServer(ctx, api.ServerPut{Config: map[string]any{"images.auto_update_interval": "1"}}, ""); err != nil {
		t.Fatal(err)
	}
	for e := range ch {
		if e.Type != "lifecycle" {
			t.Fatalf("type filter let %s through", e.Type)
		}
		var lc api.EventLifecycle
		_ = json.Unmarshal(e.Metadata, &lc)
		if lc.Action == "config-updated" {
			if lc.Requestor == nil || lc.Requestor.Protocol != "unix" || lc.Requestor.Address != "@" || lc.Requestor.Username != "root" {
				t.Fatalf("requestor: %+v", lc.Requestor)
			}
			return
		}
	}
	t.Fatal("stream ended without the lifecycle event")
}

func scenarioOperations(t *testing.T, d *daemontest.Daemon) {
	ctx := context.Background()
	enableHTTPS(t, d)
	op, err := d.Client.CreateCertificate(ctx, api.CertificatesPost{CertificatePut: api.CertificatePut{Name: "op", Type: "client"}, Token: true})
	if err != nil {
		t.Fatal(err)
	}
	if op.Class != "token" || op.Description != "Executing operation" || !op.MayCancel || op.Location != "none" {
		t.Fatalf("token operation: %+v", op.Operation)
	}
	list := d.MustLXC(t, "operation", "list", "--format", "csv")
	if !strings.Contains(list, op.ID+",TOKEN,Executing operation,RUNNING,YES") {
		t.Fatalf("operation list:\n%s", list)
	}
	if out := d.MustLXC(t, "operation", "show", op.ID); !strings.Contains(out, "class: token") {
		t.Fatalf("operation show:\n%s", out)
	}
	// /wait with a timeout returns the still-running operation, not an error.
	start := time.Now()
	var waited api.Operation
	if _, err := d.Client.Get(ctx, "/1.0/operations/"+op.ID+"/wait?timeout=1", &waited); err != nil || waited.StatusCode != api.Running {
		t.Fatalf("wait timeout: %+v %v", waited, err)
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Fatal("wait returned before its timeout")
	}
	grouped, err := d.Client.GetOperations(ctx, false)
	if err != nil || len(grouped["running"]) == 0 {
		t.Fatalf("grouped list: %v %v", grouped, err)
	}
	d.MustLXC(t, "operation", "delete", op.ID)
	if err := op.Refresh(ctx); err != nil || op.StatusCode != api.Cancelled {
		t.Fatalf("after delete: %+v %v", op.Operation, err)
	}
}

func TestOperationsAPI(t *testing.T) { scenarioOperations(t, daemontest.Start(t)) }

func TestReferenceOperationsAPI(t *testing.T) { scenarioOperations(t, daemontest.StartReference(t)) }

// Logging events reach listeners at debug level even when the daemon only
// prints warnings (the harness runs it with --debug, so check a quiet one).
func TestLoggingEventsWithoutDebug(t *testing.T) {
	d := daemontest.StartWith(t, daemontest.Options{Quiet: true})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	ch, err := d.Client.GetEvents(ctx, false, "logging")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for ctx.Err() == nil {
			_, _, _ = d.Client.GetServer(ctx)
			time.Sleep(200 * time.Millisecond)
		}
	}()
	for e := range ch {
		var lg api.EventLogging
		_ = json.Unmarshal(e.Metadata, &lg)
		if lg.Level == "debug" && e.Project == "" {
			return
		}
	}
	t.Fatal("no debug logging event from a daemon running without --debug")
}
