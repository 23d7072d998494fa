package instance

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// Ref names an instance: its project and its name in that project.
type Ref struct {
	Project string
	Name    string
}

func (r Ref) String() string { return r.Project + "/" + r.Name }

// Info describes a driver.
type Info struct {
	Type         string // API instance type: "container" or "virtual-machine"
	Driver       string // "lxc", "qemu"
	Version      string // version of the runtime (liblxc, qemu)
	Capabilities Capabilities
}

// Capabilities says which optional features a driver has.
type Capabilities struct {
	Exec       bool // Exec works
	Console    bool // Console and ConsoleLog work
	Hotplug    bool // the driver implements Hotplugger
	LiveLimits bool // the driver implements LimitsUpdater
	Stateful   bool // stateful stop/snapshots (checkpoint/restore)
}

// StopOpts says how to stop an instance.
type StopOpts struct {
	// Force kills the instance at once.
	Force bool
	// Timeout bounds the clean shutdown (the instance's init is asked to
	// halt): when it expires the instance is killed. Zero or negative
	// waits until the instance stops or ctx ends; in the latter case Stop
	// returns ctx's error and the instance is left running.
	Timeout time.Duration
}

// Driver runs instances. Every method is safe for concurrent use on
// different instances; calls for one instance are serialised by the caller.
//
// Errors carry an HTTP status through shared/api where the cause is the
// request (400 for a bad raw.lxc, 404 for an unknown instance, 409 for a
// wrong state: ErrNotRunning, ErrRunning).
type Driver interface {
	// Info describes the driver. It is cheap and never fails.
	Info() Info

	// Keys declares the instance config keys the driver implements
	// (limits.*, security.*, raw.*, ...), with validators, merged by the
	// daemon into its instance key table.
	Keys() config.Schema

	// Create prepares a new stopped instance from s (storage already
	// mounted at s.RootfsPath) and checks that s would start: a config the
	// runtime refuses fails here.
	Create(ctx context.Context, s Spec) error

	// Start (re)generates the runtime config from s and starts the
	// instance; it returns once it runs. The instance outlives the daemon
	// process. On error the instance is left stopped and the error says
	// why (including the runtime's own log lines).
	Start(ctx context.Context, s Spec) error

	// Stop stops a running or frozen instance (see StopOpts). Stopping a
	// stopped instance is not an error.
	Stop(ctx context.Context, r Ref, o StopOpts) error

	// Freeze pauses every process of a running instance; Unfreeze resumes.
	Freeze(ctx context.Context, r Ref) error
	Unfreeze(ctx context.Context, r Ref) error

	// State reports status and usage. It is called for every instance of
	// a listing, so implementations read kernel files and never fork. A
	// stopped or unknown instance is StatusStopped with zero usage.
	State(ctx context.Context, r Ref) (State, error)

	// Exec starts a command in a running instance (ErrNotRunning
	// otherwise) and returns at once; see ExecReq and Process.
	Exec(ctx context.Context, r Ref, req ExecReq) (Process, error)

	// Console attaches to the instance's console. Reads return console
	// output, writes are typed on it; Close detaches (the instance goes on
	// running). Only one attachment at a time.
	Console(ctx context.Context, r Ref) (io.ReadWriteCloser, error)

	// ConsoleLog returns what the console printed since the instance last
	// started (empty when it never ran).
	ConsoleLog(ctx context.Context, r Ref) ([]byte, error)

	// Delete removes what Create and Start left (config, logs, device
	// nodes); the instance must be stopped (ErrRunning otherwise).
	// Deleting an unknown instance is not an error.
	Delete(ctx context.Context, r Ref) error

	// Recover finds the instances still running from before a daemon
	// restart. After it (and in fact at any time) State, Exec, Console,
	// Stop, Freeze and the capability methods work on them.
	Recover(ctx context.Context) ([]Ref, error)
}

// Hotplugger adds and removes devices of a running instance. AttachDevice
// applies all parts of d (mounts, device nodes, cgroup rules, NICs);
// DetachDevice removes them. Both fail with ErrNotRunning on a stopped
// instance: the caller puts the device in the Spec of the next Start.
type Hotplugger interface {
	AttachDevice(ctx context.Context, r Ref, d DeviceSpec) error
	DetachDevice(ctx context.Context, r Ref, d DeviceSpec) error
}

// NICReleaser moves NICs out of an instance's network namespace while it
// dies: the runtime's stop hook hands the namespace over (netns is a path
// to it, valid while the hook runs). Each NIC named Name inside goes back
// to the daemon's namespace as HostName; one already gone is skipped. The
// daemon uses it for hot-plugged physical NICs, which the kernel would
// otherwise destroy (virtual parents) or return under another name.
type NICReleaser interface {
	ReleaseNICs(ctx context.Context, netns string, nics []NIC) error
}

// StatusReader reports only an instance's status, without the usage State
// also reads (cgroup files, a netlink dump per instance): for requests
// that show the status and nothing else (GET of one instance, lists
// without recursion=2, checks before exec). A stopped or unknown instance
// is Stopped.
type StatusReader interface {
	Status(ctx context.Context, r Ref) (api.StatusCode, error)
}

// LimitsUpdater applies changed limits.* keys to a running instance (the
// keys LXD marks "live update: yes"). config is the new expanded config.
// Keys that cannot change live are reported in the error.
type LimitsUpdater interface {
	UpdateLimits(ctx context.Context, r Ref, config map[string]string) error
}

// Sentinel errors, usable with errors.Is. The drivers wrap them in an
// api.StatusError with the status noted.
var (
	ErrNotRunning           = errors.New("Instance is not running")     // 400 (LXD's status for exec)
	ErrRunning              = errors.New("Instance is running")         // 400
	ErrCommandNotFound      = errors.New("Command not found")           // exit 127
	ErrCommandNotExecutable = errors.New("Command not executable")      // exit 126
	ErrConsoleBusy          = errors.New("Console is already attached") // 409
)
