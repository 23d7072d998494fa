package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/gorilla/websocket"
	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

func consoleCommand(a *app) *cobra.Command {
	var showLog bool
	var consoleType string
	cmd := &cobra.Command{
		Use:   "console [<remote>:]<instance>",
		Short: "Attach to instance consoles",
		Long: `Attach to instance consoles

This command allows you to interact with the boot console of an instance
as well as retrieve past log entries from it.`,
		RunE: withArgCount(1, 1, func(args []string) error {
			if consoleType != "console" && consoleType != "vga" {
				return fmt.Errorf("Unknown output type %q", consoleType)
			}
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			if showLog {
				if consoleType != "console" {
					return errors.New("The --show-log flag is only supported for by 'console' output type")
				}
				return a.consoleLog(c, name)
			}
			return a.console(c, name, consoleType)
		}),
	}
	cmd.Flags().BoolVar(&showLog, "show-log", false, "Retrieve the instance's console log")
	cmd.Flags().StringVarP(&consoleType, "type", "t", "console",
		"Type of connection to establish: 'console' for serial console, 'vga' for SPICE graphical output``")
	return cmd
}

// consoleLog prints GET /1.0/instances/<name>/console.
func (a *app) consoleLog(c *client.Client, name string) error {
	data, err := rawRequest(a, c, http.MethodGet, instanceURL(name)+"/console", nil, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\nConsole log:\n\n%s\n", data)
	return nil
}

// console attaches the terminal to the instance console until ctrl+a q.
func (a *app) console(c *client.Client, name, consoleType string) error {
	if consoleType == "vga" {
		return a.vgaConsole(c, name)
	}
	fd, _ := fdOf(a.stdin)
	state, err := makeRaw(fd)
	if err != nil {
		return err
	}
	defer restoreTerminal(fd, state)
	width, height := terminalSize(a.stdin)
	ctx := context.WithoutCancel(a.ctx)
	fmt.Fprintf(a.stdout, "To detach from the console, press: <ctrl>+a q\n\r")
	op, err := c.Do(ctx, http.MethodPost, instanceURL(name)+"/console",
		api.InstanceConsolePost{Width: width, Height: height, Type: "console"}, "")
	if err != nil {
		return err
	}
	s, err := connectStreams(ctx, op, []string{"0"})
	if err != nil {
		return err
	}
	defer s.close()
	done := make(chan struct{})
	go a.forwardSignals(s.control, done, func() (int, int) { return terminalSize(a.stdin) })
	detached := make(chan struct{})
	go func() {
		_, _ = io.Copy(&binaryWriter{conn: s.conns["0"], s: s}, &detachReader{r: a.stdin, detached: detached})
	}()
	go client.ReceiveStream(s.conns["0"], a.stdout)
	waited := make(chan error, 1)
	go func() { waited <- op.Wait(ctx) }()
	select {
	case <-detached:
		// Like LXD: a close frame on the control socket ends the console
		// operation.
		_ = s.control.End()
	case <-waited:
	}
	close(done)
	return nil
}

// vgaConsole asks for the SPICE console; the server decides whether the
// instance has one. This client has no SPICE viewer.
func (a *app) vgaConsole(c *client.Client, name string) error {
	op, err := c.Do(a.ctx, http.MethodPost, instanceURL(name)+"/console", api.InstanceConsolePost{Type: "vga"}, "")
	if err != nil {
		return err
	}
	if op != nil {
		_ = op.Cancel(a.ctx)
	}
	return errors.New("SPICE consoles aren't supported by this client")
}

// detachReader passes stdin through until ctrl+a q, which closes detached
// and ends the stream. ctrl+a ctrl+a sends one ctrl+a.
type detachReader struct {
	r        io.Reader
	escape   bool
	detached chan struct{}
}

func (d *detachReader) Read(p []byte) (int, error) {
	// One byte of room for a pending ctrl+a that turns out not to be an
	// escape.
	buf := make([]byte, max(1, len(p)-1))
	n, err := d.r.Read(buf)
	out := 0
	for _, b := range buf[:n] {
		if d.escape {
			d.escape = false
			if b == 'q' {
				close(d.detached)
				return out, io.EOF
			}
			if b != 1 {
				p[out] = 1
				out++
			}
			p[out] = b
			out++
			continue
		}
		if b == 1 {
			d.escape = true
			continue
		}
		p[out] = b
		out++
	}
	return out, err
}

// binaryWriter sends each write as one binary frame.
type binaryWriter struct {
	conn *websocket.Conn
	s    *streamSession
}

func (w *binaryWriter) Write(p []byte) (int, error) {
	mu := w.s.locks["0"]
	mu.Lock()
	defer mu.Unlock()
	if err := w.conn.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
