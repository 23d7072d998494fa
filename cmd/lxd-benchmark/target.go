package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"time"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/daemons"
	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/ops"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/testimage"
)

// Labels of the daemons in the report.
const (
	labelOurs      = "ours"
	labelReference = "LXD 5.0.2"
)

// target is one daemon under measurement.
type target struct {
	label     string
	prefix    string // instance name prefix, distinct per daemon
	d         *daemons.Daemon
	c         *client.Client
	pid       int
	debugAddr string // pprof listener ("" when it could not be set)
	seq       int    // names handed out so far
}

// names returns n fresh instance names for phase.
func (t *target) names(phase string, n int) []string {
	out := make([]string, n)
	for i := range out {
		t.seq++
		out[i] = fmt.Sprintf("%s-%s-%d", t.prefix, phase, t.seq)
	}
	return out
}

// setupTarget gives a fresh daemon what every figure needs: a dir pool
// "default" as the default profile's root disk, no network device, the
// busybox image as alias "busybox", and a pprof listener.
func setupTarget(ctx context.Context, t *target, img testimage.Image) error {
	if err := ops.CreateDirPool(ctx, t.c, "default", ""); err != nil {
		return fmt.Errorf("Failed to create the storage pool: %w", err)
	}
	if err := ops.SetRootDisk(ctx, t.c, "default", "default"); err != nil {
		return fmt.Errorf("Failed to set the root disk: %w", err)
	}
	if _, err := ops.ImportImage(ctx, t.c, img.Unified, "", "busybox"); err != nil {
		return err
	}
	pid, err := ops.ServerPID(ctx, t.c)
	if err != nil {
		return err
	}
	t.pid = pid
	addr, err := freeLocalAddr()
	if err == nil {
		err = ops.SetServerConfig(ctx, t.c, map[string]string{"core.debug_address": addr})
	}
	if err != nil {
		fmt.Printf("  %s: no pprof listener: %v\n", t.label, err)
	} else {
		t.debugAddr = addr
	}
	return nil
}

func freeLocalAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

var benchImage = ops.CreateOpts{Image: "busybox"}

// launch creates and starts one container.
func (t *target) launch(ctx context.Context, name string) error {
	return createInstance(ctx, t.c, name, benchImage, true, false)
}

// create makes one stopped container.
func (t *target) create(ctx context.Context, name string) error {
	return createInstance(ctx, t.c, name, benchImage, false, false)
}

// lxc runs the real lxc client against the daemon.
func (t *target) lxc(ctx context.Context, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "lxc", args...)
	cmd.Env = t.d.Env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("lxc %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// timeLXC runs lxc n times after one untimed warm-up run and returns the
// wall time of each run in seconds.
func (t *target) timeLXC(ctx context.Context, n int, args ...string) ([]float64, error) {
	if err := t.lxc(ctx, args...); err != nil {
		return nil, err
	}
	var out []float64
	for i := 0; i < n; i++ {
		t0 := time.Now()
		if err := t.lxc(ctx, args...); err != nil {
			return nil, err
		}
		out = append(out, time.Since(t0).Seconds())
	}
	return out, nil
}

// cleanup force-deletes every instance of the daemon. It runs on its own
// context so an interrupted phase still leaves a clean daemon.
func (t *target) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	all, err := ops.Instances(ctx, t.c)
	if err != nil {
		fmt.Printf("  %s: cleanup: %v\n", t.label, err)
		return
	}
	status := map[string]string{}
	var names []string
	for _, in := range all {
		names = append(names, in.Name)
		status[in.Name] = in.Status
	}
	res := runBatch(ctx, names, 10, func(ctx context.Context, name string) error {
		if status[name] != "Stopped" {
			if err := ops.SetState(ctx, t.c, name, ops.Stop, true); err != nil {
				return err
			}
		}
		return ops.Delete(ctx, t.c, name)
	})
	if err := res.FirstError(); err != nil {
		fmt.Printf("  %s: cleanup: %d failed, first: %v\n", t.label, len(res.Errors), err)
	}
}
