package lxc

import (
	"fmt"
	"os"
	"strconv"

	lxc "github.com/lxc/go-lxc"
)

// Helper sub-commands: the driver runs its own binary (Options.Exe) with one
// of these as first argument.
const (
	helperStart   = "forkstart"   // <name> <lxcpath> <config>
	helperExec    = "forkexec"    // execSpec.helperArgs; fd 3 reports "pid N" then "exit N" (in C, forkexec.go)
	helperConsole = "forkconsole" // <name> <lxcpath> <config>; stdio is the console
	helperMount   = "forkmount"   // <json mountSpec>
	helperUmount  = "forkumount"  // <name> <lxcpath> <config> <target>
)

// HelperMain runs a driver helper and exits when the process was started as
// one (os.Args[1] is "forkstart", "forkconsole", "forkmount" or
// "forkumount"; "forkexec" never gets here: it runs before the Go runtime
// starts); otherwise it returns at once. Every binary that creates a
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

// helperArgs are the arguments of the forkexec helper for s: name,
// lxcpath, config, cwd, uid, gid, the number of environment entries, the
// entries, then the command.
func (s execSpec) helperArgs() []string {
	args := []string{helperExec, s.Name, s.LxcPath, s.Config, s.Cwd, strconv.Itoa(s.UID), strconv.Itoa(s.GID),
		strconv.Itoa(len(s.Env))}
	args = append(args, s.Env...)
	return append(args, s.Command...)
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
