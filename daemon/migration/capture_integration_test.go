//go:build integration

package migration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/testimage"
)

// Scratch: what LXD 5.0.2 offers for an instance, and what lxc sends.
func TestCaptureInstance(t *testing.T) {
	if os.Getenv("MIGRATE_CAPTURE") == "" {
		t.Skip("capture only")
	}
	a, b := daemontest.StartReference(t), daemontest.StartReference(t)
	url, cert := referenceEndpoint(t, a)
	referenceEndpoint(t, b)
	img, err := testimage.WriteBusyboxImage(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*daemontest.Daemon{a, b} {
		d.MustLXC(t, "storage", "create", "p1", "dir")
		d.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "path=/", "pool=p1")
	}
	a.MustLXC(t, "image", "import", img.Unified, "--alias", "bb")
	a.MustLXC(t, "init", "bb", "c1", "-c", "user.x=y")
	a.MustLXC(t, "config", "device", "add", "c1", "eth0", "nic", "nictype=p2p")
	a.MustLXC(t, "snapshot", "c1", "s1")
	a.MustLXC(t, "start", "c1")
	a.MustLXC(t, "stop", "c1", "-f")
	t.Log(a.MustLXC(t, "config", "show", "c1"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	op, err := a.Client.Do(ctx, http.MethodPost, "/1.0/instances/c1", map[string]any{"migration": true, "live": false}, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("source op: %+v", op.Operation)
	secrets := map[string]string{}
	for k, v := range op.Metadata {
		secrets[k], _ = v.(string)
	}
	ch, err := Dial(ctx, Peer{Operation: url + "/1.0/operations/" + op.ID, Certificate: cert, Secrets: secrets})
	if err != nil {
		t.Fatal(err)
	}
	ctl := &control{conn: ch.Control}
	h, err := ctl.recvHeader()
	t.Logf("offer: %+v err=%v", h, err)
	for _, s := range h.Snapshots {
		t.Logf("snapshot: %+v", s)
	}
	ch.Close()
	_ = op.Wait(ctx)

	env := []string{"LXD_CONF=" + t.TempDir()}
	for name, d := range map[string]*daemontest.Daemon{"a": a, "b": b} {
		out := d.MustLXC(t, "config", "trust", "add", "--name", "x"+name)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if r := d.LXCEnv(t, env, "remote", "add", name, lines[len(lines)-1]); r.ExitCode != 0 {
			t.Fatal(r)
		}
	}
	for _, args := range [][]string{
		{"copy", "a:c1", "b:c2"},
		{"copy", "a:c1", "b:c3", "--mode", "push", "--instance-only"},
		{"copy", "a:c1", "b:c2", "--refresh"},
		{"move", "a:c1", "b:c1"},
	} {
		r := a.LXCEnv(t, env, append([]string{"--debug"}, args...)...)
		var keep []string
		for _, l := range strings.Split(r.Stderr, "\n") {
			if strings.Contains(l, "Sending request") || strings.Contains(l, `msg="\n\t{`) {
				keep = append(keep, l)
			}
		}
		t.Logf("=== %v exit %d\n%s\n%s", args, r.ExitCode, r.Stdout, strings.Join(keep, "\n"))
	}
	t.Log(b.MustLXC(t, "config", "show", "c2"))
	t.Log(b.MustLXC(t, "config", "show", "c1"))
	for _, n := range []string{"c1", "c2", "c3"} {
		b.LXC(t, "delete", "-f", n)
	}
	_ = fmt.Sprint()
	_ = api.Operation{}
}

func TestCaptureCluster(t *testing.T) {
	if os.Getenv("MIGRATE_CAPTURE") == "" {
		t.Skip("capture only")
	}
	c := daemontest.ReferenceCluster(t, 3)
	m1 := c.Members[0]
	img, err := testimage.WriteBusyboxImage(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Members {
		m1.MustLXC(t, "storage", "create", "p1", "dir", "--target", m.Name)
	}
	m1.MustLXC(t, "storage", "create", "p1", "dir")
	m1.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "path=/", "pool=p1")
	m1.MustLXC(t, "image", "import", img.Unified, "--alias", "bb")
	m1.MustLXC(t, "init", "bb", "c1", "--target", "m1")
	m1.MustLXC(t, "snapshot", "c1", "s1")
	for _, args := range [][]string{
		{"move", "c1", "--target", "m2"},
		{"copy", "c1", "c2", "--target", "m3"},
	} {
		r := m1.LXC(t, append([]string{"--debug"}, args...)...)
		var keep []string
		for _, l := range strings.Split(r.Stderr, "\n") {
			if strings.Contains(l, "Sending request") || (strings.Contains(l, `msg="\n\t{`) && !strings.Contains(l, "api_extensions")) {
				if len(l) > 1500 {
					l = l[:1500]
				}
				keep = append(keep, l)
			}
		}
		t.Logf("=== %v exit %d\n%s\n%s", args, r.ExitCode, r.Stdout+r.Stderr[:0], strings.Join(keep, "\n"))
	}
	t.Log(m1.MustLXC(t, "list", "-c", "nsL", "--format", "csv"))
	t.Log(m1.MustLXC(t, "query", "/1.0/instances/c1/snapshots"))
	t.Log(m1.MustLXC(t, "query", "/1.0/instances/c2/snapshots"))
	m1.LXC(t, "delete", "c1")
	m1.LXC(t, "delete", "c2")
	m1.LXC(t, "image", "delete", "bb")
	m1.LXC(t, "profile", "device", "remove", "default", "root")
	m1.LXC(t, "storage", "delete", "p1")
}
