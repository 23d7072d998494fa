package lxc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	lxc "github.com/lxc/go-lxc"
	"github.com/sirupsen/logrus"
	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// Options configure a Driver.
type Options struct {
	// LxcPath namespaces liblxc's command sockets ($LXD_DIR/containers).
	// Keep it short: liblxc's socket names are bounded.
	LxcPath string
	// LogDir holds one directory per instance with its generated config,
	// liblxc log and console log ($LXD_DIR/logs).
	LogDir string
	// DevicesDir holds one directory per instance with device nodes and
	// the hotplug staging mount ($LXD_DIR/devices).
	DevicesDir string
	// Debug makes liblxc log at debug level instead of warn.
	Debug bool
	// Exe is the binary run for helpers ("/proc/self/exe" if empty): it
	// must call HelperMain first thing in main.
	Exe string
	// NoExecServer runs every exec with the one-shot helper, never through
	// a container's exec server (execserver.go).
	NoExecServer bool
}

// Driver runs containers with liblxc. Create one with New.
type Driver struct {
	opts Options
	host host
	warmState
	execServers
}

var (
	_ instance.Driver        = (*Driver)(nil)
	_ instance.Hotplugger    = (*Driver)(nil)
	_ instance.LimitsUpdater = (*Driver)(nil)
	_ instance.NICReleaser   = (*Driver)(nil)
	_ instance.StatusReader  = (*Driver)(nil)
)

// New checks the directories and learns the host's cgroup layout.
func New(o Options) (*Driver, error) {
	for _, dir := range []string{o.LxcPath, o.LogDir, o.DevicesDir} {
		if dir == "" || !strings.HasPrefix(dir, "/") {
			return nil, fmt.Errorf("lxc driver: LxcPath, LogDir and DevicesDir must be absolute paths")
		}
		if err := os.MkdirAll(dir, 0o711); err != nil {
			return nil, fmt.Errorf("lxc driver: %w", err)
		}
	}
	if o.Exe == "" {
		o.Exe = "/proc/self/exe"
	}
	return &Driver{opts: o, host: detectHost()}, nil
}

// Info describes the driver.
func (d *Driver) Info() instance.Info {
	return instance.Info{
		Type:    "container",
		Driver:  "lxc",
		Version: lxc.Version(),
		Capabilities: instance.Capabilities{
			Exec: true, Console: true, Hotplug: true, LiveLimits: true,
		},
	}
}

func (d *Driver) logLevel() string {
	if d.opts.Debug {
		return "debug"
	}
	return "warn"
}

// open returns the liblxc handle of r; callers Release it.
func (d *Driver) open(r instance.Ref) (*lxc.Container, error) {
	if err := validRef(r); err != nil {
		return nil, api.BadRequest("%w", err)
	}
	c, err := lxc.NewContainer(lxcName(r), d.opts.LxcPath)
	if err != nil {
		return nil, fmt.Errorf("Failed to load liblxc container %q: %w", lxcName(r), err)
	}
	return c, nil
}

// status maps liblxc's state of r to an API status.
func status(c *lxc.Container) api.StatusCode {
	switch c.State() {
	case lxc.STOPPED:
		return api.Stopped
	case lxc.RUNNING:
		return api.Running
	case lxc.FROZEN, lxc.FREEZING, lxc.THAWED:
		return api.Frozen
	case lxc.STARTING:
		return api.Starting
	case lxc.STOPPING, lxc.ABORTING:
		return api.Stopping
	}
	return api.Error
}

// withContainer opens r, runs f and releases the handle.
func (d *Driver) withContainer(r instance.Ref, f func(c *lxc.Container) error) error {
	c, err := d.open(r)
	if err != nil {
		return err
	}
	defer c.Release()
	return f(c)
}

// withConfig is withContainer with the generated config loaded: liblxc
// needs it for cgroup operations on legacy (v1) hierarchies (freeze, cgroup
// items) and for attach.
func (d *Driver) withConfig(r instance.Ref, f func(c *lxc.Container) error) error {
	return d.withContainer(r, func(c *lxc.Container) error {
		p := d.paths(r).config
		if _, err := os.Stat(p); err == nil {
			if err := c.LoadConfigFile(p); err != nil {
				return fmt.Errorf("Failed to load %s: %w", p, err)
			}
		}
		return f(c)
	})
}

// Create writes the config of a new instance and checks liblxc accepts it.
func (d *Driver) Create(ctx context.Context, s instance.Spec) error {
	return d.withContainer(s.Ref, func(c *lxc.Container) error {
		if c.Running() {
			return api.BadRequest("%w", instance.ErrRunning)
		}
		_, err := d.writeConfig(s)
		return err
	})
}

// Delete removes the config, logs and device nodes of a stopped instance.
func (d *Driver) Delete(ctx context.Context, r instance.Ref) error {
	return d.withContainer(r, func(c *lxc.Container) error {
		if status(c) != api.Stopped {
			return api.BadRequest("%w", instance.ErrRunning)
		}
		d.forgetServer(r)
		p := d.paths(r)
		for _, dir := range []string{p.devices, p.dir} {
			if err := os.RemoveAll(dir); err != nil {
				return fmt.Errorf("Failed to remove %s: %w", dir, err)
			}
		}
		logctx.From(ctx).WithField("instance", r.String()).Debug("Deleted liblxc container files")
		return nil
	})
}

// Freeze pauses a running instance.
func (d *Driver) Freeze(ctx context.Context, r instance.Ref) error {
	return d.withConfig(r, func(c *lxc.Container) error {
		switch status(c) {
		case api.Frozen:
			return nil
		case api.Running:
		default:
			return api.BadRequest("%w", instance.ErrNotRunning)
		}
		if err := c.Freeze(); err != nil {
			return fmt.Errorf("Failed to freeze instance: %w", err)
		}
		return nil
	})
}

// Unfreeze resumes a frozen instance.
func (d *Driver) Unfreeze(ctx context.Context, r instance.Ref) error {
	return d.withConfig(r, func(c *lxc.Container) error {
		switch status(c) {
		case api.Running:
			return nil
		case api.Frozen:
		default:
			return api.BadRequest("%w", instance.ErrNotRunning)
		}
		if err := c.Unfreeze(); err != nil {
			return fmt.Errorf("Failed to unfreeze instance: %w", err)
		}
		return nil
	})
}

// Stop stops the instance (see instance.StopOpts). Whether init has died
// is read from a pidfd (the kernel's word, not a socket query); liblxc's
// state is then awaited so its monitor has cleaned up.
func (d *Driver) Stop(ctx context.Context, r instance.Ref, o instance.StopOpts) error {
	log := logctx.From(ctx).WithFields(logrus.Fields{"instance": r.String(), "force": o.Force, "timeout": o.Timeout})
	err := d.withConfig(r, func(c *lxc.Container) error {
		st := status(c)
		if st == api.Stopped {
			d.removeLeftovers(r, 0)
			return nil
		}
		pidfd, err := c.InitPidFd()
		if err != nil {
			if status(c) == api.Stopped {
				return nil
			}
			return fmt.Errorf("Failed to get the instance's init: %w", err)
		}
		defer pidfd.Close()
		// A frozen init cannot act on the halt signal, and a frozen
		// cgroup delays SIGKILL.
		if st == api.Frozen {
			if err := c.Unfreeze(); err != nil {
				return fmt.Errorf("Failed to unfreeze instance before stopping it: %w", err)
			}
		}
		if err := d.halt(ctx, pidfd, o); err != nil {
			return err
		}
		if err := waitStopped(ctx, c, 30*time.Second); err != nil {
			return err
		}
		d.removeLeftovers(r, leftoverWait)
		return nil
	})
	if err == nil {
		log.Debug("Instance stopped")
	}
	return err
}

// halt makes init exit: SIGPWR (liblxc's halt signal) and a wait of
// o.Timeout unless o.Force, then SIGKILL (which takes the whole PID
// namespace with it).
func (d *Driver) halt(ctx context.Context, pidfd *os.File, o instance.StopOpts) error {
	if !o.Force {
		if err := pidfdSignal(pidfd, sigPWR); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("Failed to signal the instance's init: %w", err)
		}
		exited, err := waitExit(ctx, pidfd, o.Timeout)
		if exited || err != nil || o.Timeout <= 0 {
			return err
		}
		logctx.From(ctx).WithField("timeout", o.Timeout).Info("Clean shutdown timed out, killing the instance")
	}
	if err := pidfdSignal(pidfd, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("Failed to kill the instance's init: %w", err)
	}
	_, err := waitExit(ctx, pidfd, 0)
	return err
}

// waitExit waits until the process behind pidfd exits (true), timeout
// passes (<=0: no timeout) or ctx ends (its error).
func waitExit(ctx context.Context, pidfd *os.File, timeout time.Duration) (bool, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		// Short polls keep ctx and the deadline responsive.
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(pidfd.Fd()), Events: unix.POLLIN}}, 50)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return false, err
		}
		if n > 0 {
			return true, nil
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return false, nil
		}
	}
}

// waitStopped polls liblxc's state until it says stopped, timeout passes
// (<=0: no timeout) or ctx ends. liblxc's own wait cannot be cancelled, and
// the state query is one command-socket round trip.
func waitStopped(ctx context.Context, c *lxc.Container, timeout time.Duration) error {
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for status(c) != api.Stopped {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline:
			return errors.New("Instance did not stop in time")
		case <-tick.C:
		}
	}
	return nil
}

// Recover lists the instances under LogDir that are still running (or
// frozen). The driver keeps no per-instance memory, so nothing else is
// needed to operate them.
func (d *Driver) Recover(ctx context.Context) ([]instance.Ref, error) {
	entries, err := os.ReadDir(d.opts.LogDir)
	if err != nil {
		return nil, fmt.Errorf("Failed to list %s: %w", d.opts.LogDir, err)
	}
	var refs []instance.Ref
	for _, e := range entries {
		r, ok := refFromName(e.Name())
		if !ok || !e.IsDir() || validRef(r) != nil {
			continue
		}
		var st api.StatusCode
		if err := d.withContainer(r, func(c *lxc.Container) error { st = status(c); return nil }); err != nil {
			return nil, err
		}
		if st != api.Stopped {
			refs = append(refs, r)
		}
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].String() < refs[j].String() })
	logctx.From(ctx).WithField("count", len(refs)).Info("Recovered running containers")
	return refs, nil
}

// ConsoleLog returns the console output since the last start.
func (d *Driver) ConsoleLog(ctx context.Context, r instance.Ref) ([]byte, error) {
	if err := validRef(r); err != nil {
		return nil, api.BadRequest("%w", err)
	}
	b, err := os.ReadFile(d.paths(r).consoleLog)
	if errors.Is(err, os.ErrNotExist) {
		return []byte{}, nil
	}
	return b, err
}
