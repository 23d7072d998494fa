package iproute

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/lxdng/lxd/shared/logctx"
)

// ErrNotFound is returned (wrapped) when a link, address or route the caller
// named does not exist.
var ErrNotFound = errors.New("not found")

// CommandError is a failed command with what it printed on stderr.
type CommandError struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *CommandError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("%s: %s", strings.Join(e.Args, " "), msg)
}

func (e *CommandError) Unwrap() error { return e.Err }

// Run executes name with args and returns its stdout. A non-zero exit gives
// a *CommandError carrying stderr. A missing binary is reported with install
// advice because the drivers cannot work without it.
func Run(ctx context.Context, name string, args ...string) (string, error) {
	return RunInput(ctx, nil, name, args...)
}

// RunInput is Run with stdin fed from input.
func RunInput(ctx context.Context, input []byte, name string, args ...string) (string, error) {
	if _, err := exec.LookPath(name); err != nil {
		return "", fmt.Errorf("Required tool %q is missing (install iproute2, nftables or dnsmasq-base): %w", name, err)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if input != nil {
		cmd.Stdin = bytes.NewReader(input)
	}
	logctx.From(ctx).WithField("cmd", name+" "+strings.Join(args, " ")).Debug("Running network command")
	if err := cmd.Run(); err != nil {
		return stdout.String(), &CommandError{Args: append([]string{name}, args...), Stderr: stderr.String(), Err: err}
	}
	return stdout.String(), nil
}

// IP runs `ip args...`.
func IP(ctx context.Context, args ...string) (string, error) {
	return Run(ctx, "ip", args...)
}

// isMissing reports whether a failed ip/tc command complained about a
// missing object, so callers can treat deletes as idempotent.
func isMissing(err error) bool {
	var ce *CommandError
	if !errors.As(err, &ce) {
		return false
	}
	s := ce.Stderr
	for _, marker := range []string{"Cannot find device", "does not exist", "No such", "Cannot delete qdisc with handle of zero", "Cannot find specified qdisc"} {
		if strings.Contains(s, marker) {
			return true
		}
	}
	return false
}

// isExists reports whether a failed add complained the object already exists.
func isExists(err error) bool {
	var ce *CommandError
	return errors.As(err, &ce) && strings.Contains(ce.Stderr, "File exists")
}
