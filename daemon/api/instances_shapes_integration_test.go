//go:build integration

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// topKeys returns the keys of a JSON object in wire order.
func topKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func rawGet(t *testing.T, d *daemontest.Daemon, path string) json.RawMessage {
	t.Helper()
	r, _, err := d.Client.Query(context.Background(), http.MethodGet, path, nil, "")
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return r.Metadata
}

var (
	instanceKeys = []string{"architecture", "config", "devices", "ephemeral", "profiles", "stateful", "description",
		"created_at", "expanded_config", "expanded_devices", "name", "status", "status_code", "last_used_at",
		"location", "type", "project"}
	instanceFullKeys = append(append([]string{}, instanceKeys...), "backups", "state", "snapshots")
	stateKeys        = []string{"status", "status_code", "disk", "memory", "network", "pid", "processes", "cpu"}
	snapshotKeys     = []string{"expires_at", "architecture", "config", "created_at", "devices", "ephemeral",
		"expanded_config", "expanded_devices", "last_used_at", "name", "profiles", "stateful", "size"}
)

// lifecycleRecorder collects lifecycle events of one instance.
func lifecycleRecorder(t *testing.T, d *daemontest.Daemon, name string) func() []api.EventLifecycle {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := d.Client.GetEvents(ctx, false, "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	var got []api.EventLifecycle
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range ch {
			var m api.EventLifecycle
			if json.Unmarshal(ev.Metadata, &m) == nil && strings.HasPrefix(m.Source, "/1.0/instances/"+name) {
				if ev.Location != "none" || ev.Project != "default" {
					t.Errorf("event location/project %q/%q", ev.Location, ev.Project)
				}
				got = append(got, m)
			}
		}
	}()
	time.Sleep(200 * time.Millisecond) // the subscription is in place
	return func() []api.EventLifecycle {
		time.Sleep(300 * time.Millisecond)
		cancel()
		<-done
		return got
	}
}

// scenarioShapes checks the JSON shapes (keys and their order), the
// operation resources and the lifecycle events of an instance's life.
func scenarioShapes(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "c")
	events := lifecycleRecorder(t, d, name)
	ctx := context.Background()
	op, err := d.Client.CreateInstance(ctx, api.InstancesPost{Name: name, Source: api.InstanceSource{Type: "none"},
		InstancePut: api.InstancePut{Devices: map[string]map[string]string{"root": {"type": "disk", "path": "/", "pool": e.pool}}}})
	if err != nil {
		t.Fatal(err)
	}
	e.cleanupInstance(t, name)
	wantRes := map[string][]string{"containers": {"/1.0/containers/" + name}, "instances": {"/1.0/instances/" + name}}
	if op.Description != "Creating instance" || op.Class != "task" || op.MayCancel || op.Location != "none" || !reflect.DeepEqual(op.Resources, wantRes) {
		t.Fatalf("create operation %+v", op.Operation)
	}
	if err := op.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	e.newBusyboxContent(t, name)

	if keys := topKeys(t, rawGet(t, d, "/1.0/instances/"+name)); !reflect.DeepEqual(keys, instanceKeys) {
		t.Fatalf("instance keys %v", keys)
	}
	if keys := topKeys(t, rawGet(t, d, "/1.0/instances/"+name+"?recursion=1")); !reflect.DeepEqual(keys, instanceFullKeys) {
		t.Fatalf("instance recursion=1 keys %v", keys)
	}
	var urls []string
	if err := json.Unmarshal(rawGet(t, d, "/1.0/containers"), &urls); err != nil || !contains(urls, "/1.0/containers/"+name) {
		t.Fatalf("/1.0/containers: %v %v", urls, err)
	}
	var full []json.RawMessage
	if err := json.Unmarshal(rawGet(t, d, "/1.0/instances?recursion=2"), &full); err != nil || len(full) != 1 {
		t.Fatalf("recursion=2: %v", err)
	}
	if keys := topKeys(t, full[0]); !reflect.DeepEqual(keys, instanceFullKeys) {
		t.Fatalf("recursion=2 keys %v", keys)
	}
	if err := json.Unmarshal(rawGet(t, d, "/1.0/instances?all-projects=true"), &urls); err != nil || !contains(urls, "/1.0/instances/"+name) {
		t.Fatalf("all-projects: %v %v", urls, err)
	}
	var filtered []string
	if err := json.Unmarshal(rawGet(t, d, "/1.0/instances?filter=name+eq+nosuch"), &filtered); err != nil || len(filtered) != 0 {
		t.Fatalf("filter: %v %v", filtered, err)
	}

	sop, err := d.Client.UpdateInstanceState(ctx, name, api.InstanceStatePut{Action: "start", Timeout: -1})
	if err != nil {
		t.Fatal(err)
	}
	if sop.Description != "Starting instance" || !reflect.DeepEqual(sop.Resources, map[string][]string{"instances": {"/1.0/instances/" + name}}) {
		t.Fatalf("start operation %+v", sop.Operation)
	}
	if err := sop.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if keys := topKeys(t, rawGet(t, d, "/1.0/instances/"+name+"/state")); !reflect.DeepEqual(keys, stateKeys) {
		t.Fatalf("state keys %v", keys)
	}
	if err := d.Client.CreateInstanceSnapshot(ctx, name, api.InstanceSnapshotsPost{Name: "snap0"}); err != nil {
		t.Fatal(err)
	}
	if keys := topKeys(t, rawGet(t, d, "/1.0/instances/"+name+"/snapshots/snap0")); !reflect.DeepEqual(keys, snapshotKeys) {
		t.Fatalf("snapshot keys %v", keys)
	}
	dop, err := d.Client.Do(ctx, http.MethodDelete, "/1.0/instances/"+name+"/snapshots/snap0", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	wantSnapRes := map[string][]string{"containers": {"/1.0/containers/" + name + "/snap0"}, "instances": {"/1.0/instances/" + name + "/snap0"}}
	if dop.Description != "Deleting snapshot" || !reflect.DeepEqual(dop.Resources, wantSnapRes) {
		t.Fatalf("snapshot delete operation %+v", dop.Operation)
	}
	if err := dop.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	d.MustLXC(t, "stop", name)
	d.MustLXC(t, "start", name)
	d.MustLXC(t, "stop", "-f", name)
	d.MustLXC(t, "delete", name)
	checkLifecycle(t, events(), name)
}

// checkLifecycle compares the actions, contexts and requestors with LXD's.
func checkLifecycle(t *testing.T, got []api.EventLifecycle, name string) {
	t.Helper()
	want := []string{"instance-created", "instance-updated", "instance-started", "instance-snapshot-created", "instance-paused",
		"instance-resumed", "instance-snapshot-deleted", "instance-shutdown", "instance-started", "instance-stopped", "instance-deleted"}
	var actions []string
	for _, ev := range got {
		actions = append(actions, ev.Action)
		withRequestor := ev.Requestor != nil && ev.Requestor.Protocol == "unix" && ev.Requestor.Address == "@"
		switch ev.Action {
		case "instance-created":
			if ev.Requestor != nil || ev.Context["type"] != "container" || ev.Context["storage-pool"] == "" {
				t.Errorf("instance-created %+v", ev)
			}
		case "instance-deleted", "instance-snapshot-created", "instance-snapshot-deleted", "instance-updated":
			if ev.Requestor != nil || ev.Context != nil {
				t.Errorf("%s %+v", ev.Action, ev)
			}
		default:
			if !withRequestor {
				t.Errorf("%s without requestor: %+v", ev.Action, ev)
			}
		}
	}
	if strings.Join(actions, ",") != strings.Join(want, ",") {
		t.Fatalf("lifecycle events\n got %v\nwant %v", actions, want)
	}
	if got[3].Source != "/1.0/instances/"+name+"/snapshots/snap0" {
		t.Fatalf("snapshot event source %q", got[3].Source)
	}
}

func TestInstanceShapes(t *testing.T)          { scenarioShapes(t, daemontest.Start(t)) }
func TestReferenceInstanceShapes(t *testing.T) { scenarioShapes(t, daemontest.StartReference(t)) }
