package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/lxdng/lxd/drivers/instance/proxy/proxyconf"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/lxdng/lxd/shared/logctx"
)

// stopGrace is how long a forwarder gets to close its listeners after
// SIGTERM before it is killed.
const stopGrace = 5 * time.Second

// Stop ends the device: NAT rules removed, or the forwarder terminated,
// its pid file and host-side unix socket removed.
func (h *Handle) Stop(ctx context.Context) error {
	if h.pid == 0 {
		return clearNAT(ctx, h.spec.Ref)
	}
	if err := h.kill(ctx); err != nil {
		return fmt.Errorf("Unable to kill forkproxy: %w", err)
	}
	return cleanupFiles(h.spec)
}

// kill sends SIGTERM, then SIGKILL after stopGrace, and waits until the
// process is gone (reaped by us when it is our child, else by init).
func (h *Handle) kill(ctx context.Context) error {
	if err := syscall.Kill(h.pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	if h.wait(ctx, stopGrace) {
		return nil
	}
	if err := syscall.Kill(h.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	if h.wait(ctx, stopGrace) {
		return nil
	}
	return fmt.Errorf("process %d did not exit", h.pid)
}

// wait reports whether the process ended within d.
func (h *Handle) wait(ctx context.Context, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if h.done != nil {
			select {
			case <-h.done:
				return true
			default:
			}
		} else if !alive(h.pid) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return false
		case <-tick.C:
		}
	}
}

// cleanupFiles removes the pid file and a host-side listening socket the
// forwarder could not remove itself (it may have dropped privileges).
func cleanupFiles(s Spec) error {
	if err := os.Remove(s.PidPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("Failed to remove pid file %q: %w", s.PidPath(), err)
	}
	listen, err := proxyconf.ParseAddress(s.Listen)
	if err != nil || listen.Protocol != proxyconf.Unix || listen.Abstract() {
		return nil
	}
	if bind, _ := proxyconf.NormalizeBind(s.Bind); bind != proxyconf.BindHost {
		return nil
	}
	if fi, err := os.Lstat(listen.Host); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if err := os.Remove(listen.Host); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("Failed to remove socket file: %w", err)
		}
	}
	return nil
}

// Stop ends the device named by ref whoever started it: its NAT chains (if
// any) and its forwarder (found through the pid file). Nothing running is
// not an error.
func Stop(ctx context.Context, ref Ref) error {
	if err := ref.check(); err != nil {
		return err
	}
	if err := clearNAT(ctx, ref); err != nil {
		return err
	}
	h, err := Find(ref)
	if err != nil || h == nil {
		return err
	}
	return h.Stop(ctx)
}

// Ensure makes the device run as s: a forwarder already running with the
// same spec (and so the same container pid) is adopted; a different one is
// stopped and replaced; NAT rules are (re)applied. The daemon calls it at
// start for every proxy device of a running container.
func Ensure(ctx context.Context, s Spec) (*Handle, error) {
	norm, _, _, err := s.normalize()
	if err != nil {
		return nil, err
	}
	h, err := Find(norm.Ref)
	if err != nil {
		return nil, err
	}
	if norm.NAT {
		// A forwarder left from before the device turned to NAT goes.
		if h != nil {
			if err := h.Stop(ctx); err != nil {
				return nil, err
			}
		}
		return startNAT(ctx, norm)
	}
	if h != nil {
		if sameSpec(h.spec, norm) {
			logctx.From(ctx).WithFields(map[string]any{"device": s.Device, "pid": h.pid}).Debug("Adopted proxy forwarder")
			return h, nil
		}
		if err := h.Stop(ctx); err != nil {
			return nil, err
		}
	}
	// A NAT device turned into a forwarder leaves no rules behind.
	if err := clearNAT(ctx, norm.Ref); err != nil {
		return nil, err
	}
	return Start(ctx, s)
}

func sameSpec(a, b Spec) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// Devices lists the device names that have a pid file in dir.
func Devices(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, "proxy.") && strings.HasSuffix(n, ".pid") && len(n) > len("proxy..pid") {
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(n, "proxy."), ".pid"))
		}
	}
	return names, nil
}

// StopAll stops every forwarder with a pid file under base.Dir except the
// devices in keep, and every NAT chain of base.Project/base.Instance in
// base.FirewallTable except those of keep. For a stopped instance (keep
// empty) it removes all leftovers.
func StopAll(ctx context.Context, base Ref, keep ...string) error {
	kept := map[string]bool{}
	for _, k := range keep {
		kept[k] = true
	}
	names, err := Devices(base.Dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		if kept[n] {
			continue
		}
		ref := base
		ref.Device = n
		if h, err := Find(ref); err != nil {
			errs = append(errs, err)
		} else if h != nil {
			errs = append(errs, h.Stop(ctx))
		}
	}
	errs = append(errs, clearInstanceNAT(ctx, base, kept))
	return errors.Join(errs...)
}
