package command

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/lxdng/lxd/shared/logctx"
)

// Error is a failed command with what it printed on stderr.
type Error struct {
	Cmd    string
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		return fmt.Sprintf("Failed to run: %s: %v", e.Cmd, e.Err)
	}
	return fmt.Sprintf("Failed to run: %s: %v (%s)", e.Cmd, e.Err, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Run runs name with args and returns its stdout. The process is killed when
// ctx ends.
func Run(ctx context.Context, name string, args ...string) (string, error) {
	c := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	c.Stdout = &stdout
	c.Stderr = &stderr
	logctx.From(ctx).WithField("cmd", name).Debugf("Running %s %s", name, strings.Join(args, " "))
	if err := c.Run(); err != nil {
		return stdout.String(), &Error{Cmd: name + " " + strings.Join(args, " "), Stderr: stderr.String(), Err: err}
	}
	return stdout.String(), nil
}
