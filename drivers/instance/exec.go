package instance

import (
	"context"
	"io"
	"syscall"
)

// ExecReq is a command to run in an instance.
type ExecReq struct {
	// Command is the program and its arguments; the program is looked up
	// in PATH of Env.
	Command []string
	// Env is the complete environment of the command. The caller merges
	// LXD's defaults (PATH, HOME, LANG, USER, TERM) and environment.*;
	// the driver adds PATH only when it is missing.
	Env   map[string]string
	Cwd   string // working directory inside ("" = the user's home or "/")
	User  uint32 // uid inside the instance
	Group uint32 // gid inside the instance

	// Interactive runs the command on a pseudo-terminal created on the
	// host (the instance side gets the slave): Stdin feeds the terminal,
	// Stdout gets its output, Stderr is unused.
	Interactive   bool
	Width, Height int // initial terminal size (Interactive only)

	// Stdin, Stdout and Stderr connect the command; nil means /dev/null.
	// End of Stdin closes the command's stdin (or sends the terminal's
	// EOF character in interactive mode). The driver keeps reading Stdin
	// until EOF even after the command exited, so the caller should close
	// it once Wait returned.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Process is a command started by Exec.
type Process interface {
	// Pid is the command's pid on the host.
	Pid() int
	// Resize changes the terminal size (Interactive only; a no-op else).
	Resize(width, height int) error
	// Signal sends sig to the command.
	Signal(sig syscall.Signal) error
	// Wait waits for the command to end and its output to be copied, and
	// returns its exit code: the code it exited with, or 128+N when killed
	// by signal N. 127 comes with ErrCommandNotFound and 126 with
	// ErrCommandNotExecutable (LXD's mapping). If ctx ends first, Wait
	// returns ctx's error and the command goes on; Wait may be called
	// again.
	Wait(ctx context.Context) (int, error)
}

// ExecPreparer is implemented by drivers that can get ready for an Exec
// announced in advance: the API calls PrepareExec when it creates an exec
// operation, before the client connects the websockets the command waits
// for. It returns at once, starts no command and cannot fail the exec.
type ExecPreparer interface {
	PrepareExec(ctx context.Context, r Ref)
}
