package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// exitError ends the run with a specific exit code (exec's command
// status); err, when set, is printed first as "Error: ...".
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

type execFlags struct {
	mode          string
	env           []string
	cwd           string
	user, group   uint32
	forceInter    bool
	forceNonInter bool
	disableStdin  bool
}

func execCommand(a *app) *cobra.Command {
	f := &execFlags{}
	cmd := &cobra.Command{
		Use:   "exec [<remote>:]<instance> [flags] [--] <command line>",
		Short: "Execute commands in instances",
		Long: `Execute commands in instances

The command is executed directly using exec, so there is no shell and
shell patterns (variables, file redirects, ...) won't be understood.
If you need a shell environment you need to execute the shell
executable, passing the shell commands as arguments, for example:

  lxc exec <instance> -- sh -c "cd /tmp && pwd"

Mode defaults to non-interactive, interactive mode is selected if both stdin AND stdout are terminals (stderr is ignored).`,
		RunE: withArgCount(2, -1, func(args []string) error {
			return a.exec(args, f)
		}),
	}
	fl := cmd.Flags()
	fl.StringVar(&f.mode, "mode", "auto", "Override the terminal mode (auto, interactive or non-interactive)``")
	fl.StringArrayVar(&f.env, "env", nil, "Environment variable to set (e.g. HOME=/home/foo)``")
	fl.StringVar(&f.cwd, "cwd", "", "Directory to run the command in (default /root)``")
	fl.Uint32Var(&f.user, "user", 0, "User ID to run the command as (default 0)``")
	fl.Uint32Var(&f.group, "group", 0, "Group ID to run the command as (default 0)``")
	fl.BoolVarP(&f.forceInter, "force-interactive", "t", false, "Force pseudo-terminal allocation")
	fl.BoolVarP(&f.forceNonInter, "force-noninteractive", "T", false, "Disable pseudo-terminal allocation")
	fl.BoolVarP(&f.disableStdin, "disable-stdin", "n", false, "Disable stdin (reads from /dev/null)")
	return cmd
}

// execRequest builds the exec POST body from the flags and terminals.
func (a *app) execRequest(command []string, f *execFlags) (api.InstanceExecPost, error) {
	req := api.InstanceExecPost{Command: command, WaitForWS: true, User: f.user, Group: f.group, Cwd: f.cwd}
	if f.forceInter && f.forceNonInter {
		return req, errors.New("You can't pass -t and -T at the same time")
	}
	if f.mode != "auto" && (f.forceInter || f.forceNonInter) {
		return req, errors.New("You can't pass -t or -T at the same time as --mode")
	}
	req.Environment = map[string]string{}
	if term, ok := os.LookupEnv("TERM"); ok {
		req.Environment["TERM"] = term
	}
	for _, kv := range f.env {
		k, v, _ := strings.Cut(kv, "=")
		req.Environment[k] = v
	}
	switch {
	case f.disableStdin:
		req.Interactive = false
	case f.mode == "interactive" || f.forceInter:
		req.Interactive = true
	case f.mode == "non-interactive" || f.forceNonInter:
		req.Interactive = false
	default:
		req.Interactive = isTerminal(a.stdin) && isTerminal(a.stdout)
	}
	req.Width, req.Height = terminalSize(a.stdout)
	return req, nil
}

func (a *app) exec(args []string, f *execFlags) error {
	req, err := a.execRequest(args[1:], f)
	if err != nil {
		return err
	}
	remote, name, err := a.parseRemote(args[0])
	if err != nil {
		return err
	}
	c, err := a.connect(remote)
	if err != nil {
		return err
	}
	stdin := a.stdin
	if f.disableStdin {
		stdin = bytes.NewReader(nil)
	}
	if fd, ok := fdOf(a.stdin); ok && req.Interactive && isTerminal(a.stdin) {
		state, err := makeRaw(fd)
		if err != nil {
			return err
		}
		defer restoreTerminal(fd, state)
	}
	code, err := a.runExec(c, name, req, stdin)
	if err != nil {
		if code <= 0 {
			code = 1
		}
		return &exitError{code: code, err: err}
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

// runExec starts the command, wires the streams and returns the exit code
// once the operation ended and all output was written. Signals do not
// cancel it: they are forwarded to the command.
func (a *app) runExec(c *client.Client, name string, req api.InstanceExecPost, stdin io.Reader) (int, error) {
	ctx := context.WithoutCancel(a.ctx)
	op, err := c.Do(ctx, http.MethodPost, instanceURL(name)+"/exec", req, "")
	if err != nil {
		return -1, err
	}
	if op == nil {
		return -1, errors.New("The server didn't start an operation")
	}
	fds := []string{"0", "1", "2"}
	if req.Interactive {
		fds = []string{"0"}
	}
	s, err := connectStreams(ctx, op, fds)
	if err != nil {
		return -1, err
	}
	defer s.close()
	done := make(chan struct{})
	defer close(done)
	go a.forwardSignals(s.control, done, func() (int, int) { return terminalSize(a.stdout) })
	go client.SendStream(s.conns["0"], s.locks["0"], stdin)
	var output sync.WaitGroup
	outputs := map[string]io.Writer{"1": a.stdout, "2": a.stderr}
	if req.Interactive {
		outputs = map[string]io.Writer{"0": a.stdout}
	}
	for fd, w := range outputs {
		output.Add(1)
		go func() {
			defer output.Done()
			client.ReceiveStream(s.conns[fd], w)
			if req.Interactive {
				// The server ends the command's operation once the
				// terminal's websocket is gone: hang up after its end
				// marker, as LXD's client does.
				s.conns[fd].Close()
			}
		}()
	}
	err = op.Wait(ctx)
	output.Wait()
	code, ok := operationReturn(op)
	if !ok && err == nil {
		return -1, errors.New("The server didn't send the exit code")
	}
	return code, err
}
