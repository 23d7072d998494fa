package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/lxdng/lxd/daemon/instances/session"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/shared/api"
)

// consoleAttach is POST /1.0/instances/<name>/console: a websocket
// operation mirroring the console on stream "0" until the client leaves.
func (x instanceIO) consoleAttach(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	post := api.InstanceConsolePost{Type: "console"}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &post); err != nil {
			return err
		}
	}
	switch post.Type {
	case "", "console":
	case "vga":
		return api.BadRequest("VGA console is only supported by virtual machines")
	default:
		return api.BadRequest("Unknown console type %q", post.Type)
	}
	if err := requireRunning(inst); err != nil {
		return err
	}
	sess, err := session.New(session.ConsoleStreams()...)
	if err != nil {
		return err
	}
	spec := operations.Spec{
		Project: inst.Ref.Project, Class: api.OperationClassWebsocket, Description: "Showing console",
		Resources: instanceResources(inst), Metadata: map[string]any{"fds": sess.Secrets()},
		Connect: func(op *operations.Op, w http.ResponseWriter, r *http.Request) error { return sess.Attach(w, r) },
	}
	op, err := x.ops.Start(r.Context(), spec, func(ctx context.Context, op *operations.Op) error {
		return sess.RunConsole(ctx, func(ctx context.Context) (io.ReadWriteCloser, error) {
			c, err := inst.Driver.Console(ctx, inst.Ref)
			if err == nil {
				x.lifecycle(inst, "instance-console", instanceURL(inst, ""), map[string]any{"type": "console"}, nil)
			}
			return c, err
		})
	})
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

// consoleLog is GET /1.0/instances/<name>/console: what the console
// printed since the instance last started. (LXD 5.0.2 often fails here
// with "open : no such file or directory"; we always return the log.)
func (x instanceIO) consoleLog(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	data, err := inst.Driver.ConsoleLog(r.Context(), inst.Ref)
	if err != nil {
		return err
	}
	x.lifecycle(inst, "instance-console-retrieved", instanceURL(inst, ""), nil, nil)
	serveBytes(w, r, "console.log", time.Now(), data)
	return nil
}

// consoleLogClear is DELETE /1.0/instances/<name>/console: it empties the
// console log (the runtime appends to it, so truncating is safe).
func (x instanceIO) consoleLogClear(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	err = os.Truncate(filepath.Join(inst.LogDir, "console.log"), 0)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("Failed to clear the console log: %w", err)
	}
	x.lifecycle(inst, "instance-console-reset", instanceURL(inst, ""), nil, nil)
	return renderEmpty(w)
}

// serveBytes answers a download as LXD does: octet-stream, inline
// Content-Disposition, ranges and Last-Modified.
func serveBytes(w http.ResponseWriter, r *http.Request, name string, modified time.Time, data []byte) {
	serveContent(w, r, name, modified, bytes.NewReader(data))
}

func serveContent(w http.ResponseWriter, r *http.Request, name string, modified time.Time, content io.ReadSeeker) {
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", "inline;filename="+name)
	http.ServeContent(w, r, name, modified, content)
}
