package lxc

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	lxc "github.com/lxc/go-lxc"
	"golang.org/x/sys/unix"
)

// Helper sub-commands: the driver runs its own binary (Options.Exe) with one
// of these as first argument.
const (
	helperStart   = "forkstart"   // <name> <lxcpath> <config>
	helperExec    = "forkexec"    // <json execSpec>; fd 3 reports "pid N" then "exit N"
	helperConsole = "forkconsole" // <name> <lxcpath> <config>; stdio is the console
	helperMount   = "forkmount"   // <json mountSpec>
	helperUmount  = "forkumount"  // <name> <lxcpath> <config> <target>
)

// HelperMain runs a driver helper and exits when the process was started as
// one (os.Args[1] is "forkstart", "forkexec", "forkconsole", "forkmount" or
// "forkumount"); otherwise it returns at once. Every binary that creates a
// Driver must call it first thing in main (and test binaries in TestMain),
// before flags parsing or any goroutine: the helpers call liblxc functions
// that fork.
func HelperMain() {
	if len(os.Args) < 2 {
		return
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case helperStart:
		err = runForkStart(args)
	case helperExec:
		err = runForkExec(args)
	case helperConsole:
		err = runForkConsole(args)
	case helperMount:
		err = runForkMount(args)
	case helperUmount:
		err = runForkUmount(args)
	default:
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// loadContainer opens name with the config the driver generated.
func loadContainer(name, lxcpath, config string) (*lxc.Container, error) {
	c, err := lxc.NewContainer(name, lxcpath)
	if err != nil {
		return nil, err
	}
	if err := c.LoadConfigFile(config); err != nil {
		c.Release()
		return nil, fmt.Errorf("Failed to load %s: %w", config, err)
	}
	c.SetVerbosity(lxc.Quiet)
	return c, nil
}

func runForkStart(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: %s <name> <lxcpath> <config>", helperStart)
	}
	c, err := loadContainer(args[0], args[1], args[2])
	if err != nil {
		return err
	}
	defer c.Release()
	if err := c.WantDaemonize(true); err != nil {
		return err
	}
	if err := c.WantCloseAllFds(true); err != nil {
		return err
	}
	return c.Start()
}

// execSpec is what the daemon passes to forkexec.
type execSpec struct {
	Name, LxcPath, Config string
	Command               []string
	Env                   []string
	Cwd                   string
	UID, GID              int
}

// runForkExec attaches the command with liblxc. The attached process is
// this helper's child (liblxc clones it with CLONE_PARENT), so the helper
// reaps it and reports its status on fd 3.
func runForkExec(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: %s <json>", helperExec)
	}
	var s execSpec
	if err := json.Unmarshal([]byte(args[0]), &s); err != nil {
		return err
	}
	// The command must not inherit the report channel.
	unix.CloseOnExec(3)
	report := os.NewFile(3, "report")
	pid, err := attachCommand(s)
	if err != nil {
		fmt.Fprintf(report, "error %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return err
	}
	fmt.Fprintf(report, "pid %d\n", pid)
	var ws unix.WaitStatus
	for {
		_, err = unix.Wait4(pid, &ws, 0, nil)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("Failed to wait for %d: %w", pid, err)
	}
	code := ws.ExitStatus()
	if ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	_, err = fmt.Fprintf(report, "exit %d\n", code)
	return err
}

// attachCommand starts the command of s in the container and returns its
// pid.
func attachCommand(s execSpec) (int, error) {
	c, err := loadContainer(s.Name, s.LxcPath, s.Config)
	if err != nil {
		return 0, err
	}
	opts := lxc.DefaultAttachOptions
	opts.ClearEnv = true
	opts.Env = s.Env
	opts.Cwd = s.Cwd
	opts.UID, opts.GID = s.UID, s.GID
	opts.StdinFd, opts.StdoutFd, opts.StderrFd = 0, 1, 2
	pid, err := c.RunCommandNoWait(s.Command, opts)
	c.Release()
	if err != nil {
		return 0, fmt.Errorf("Failed to attach to the instance: %w", err)
	}
	return pid, nil
}

// runForkConsole proxies the container console to the helper's stdio until
// stdin ends or the helper is killed.
func runForkConsole(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: %s <name> <lxcpath> <config>", helperConsole)
	}
	c, err := loadContainer(args[0], args[1], args[2])
	if err != nil {
		return err
	}
	defer c.Release()
	// No escape sequence: the console is closed by the daemon, never by
	// bytes typed into it.
	return c.Console(lxc.ConsoleOptions{Tty: 0, StdinFd: 0, StdoutFd: 1, StderrFd: 2, EscapeCharacter: -1})
}
