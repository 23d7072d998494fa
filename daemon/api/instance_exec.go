package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/lxdng/lxd/daemon/instances/session"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/api"
)

// defaultExecPath is LXD's PATH for commands whose environment has none.
const defaultExecPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// execEnv is the command's environment as LXD builds it: environment.*
// config keys, overridden by the request's, then defaults for what is
// still missing (HOME and USER only for root).
func execEnv(config, request map[string]string, user uint32) map[string]string {
	env := map[string]string{}
	for k, v := range config {
		if name, ok := strings.CutPrefix(k, "environment."); ok {
			env[name] = v
		}
	}
	for k, v := range request {
		env[k] = v
	}
	defaults := map[string]string{"PATH": defaultExecPath, "LANG": "C.UTF-8"}
	if user == 0 {
		defaults["HOME"] = "/root"
		defaults["USER"] = "root"
	}
	for k, v := range defaults {
		if _, ok := env[k]; !ok {
			env[k] = v
		}
	}
	return env
}

// exec is POST /1.0/instances/<name>/exec.
func (x instanceIO) exec(w http.ResponseWriter, r *http.Request) error {
	inst, err := x.load(r)
	if err != nil {
		return err
	}
	var post api.InstanceExecPost
	if err := decodeJSON(r, &post); err != nil {
		return err
	}
	if len(post.Command) == 0 {
		return api.BadRequest("Command cannot be empty")
	}
	if err := requireRunning(inst); err != nil {
		return err
	}
	env := execEnv(inst.Config, post.Environment, post.User)
	req := instance.ExecReq{
		Command: post.Command, Env: env, Cwd: post.Cwd, User: post.User, Group: post.Group,
		Interactive: post.Interactive && post.WaitForWS, Width: post.Width, Height: post.Height,
	}
	spec := operations.Spec{
		Project: inst.Ref.Project, Class: api.OperationClassTask,
		Description: "Executing command", Resources: instanceResources(inst),
	}
	var run func(ctx context.Context, op *operations.Op) error
	if post.WaitForWS {
		sess, err := session.New(session.ExecStreams(req.Interactive)...)
		if err != nil {
			return err
		}
		if p, ok := inst.Driver.(instance.ExecPreparer); ok {
			// The command starts once the client connected: the driver
			// gets ready meanwhile.
			p.PrepareExec(r.Context(), inst.Ref)
		}
		spec.Class = api.OperationClassWebsocket
		spec.Metadata = map[string]any{"command": post.Command, "environment": env, "fds": sess.Secrets(), "interactive": post.Interactive}
		spec.Connect = func(op *operations.Op, w http.ResponseWriter, r *http.Request) error { return sess.Attach(w, r) }
		run = func(ctx context.Context, op *operations.Op) error {
			code, err := sess.RunExec(ctx, req, x.execStarter(inst), func() { x.execStarted(inst, post.Command) })
			return execOutcome(op, code, err, nil)
		}
	} else {
		run = func(ctx context.Context, op *operations.Op) error {
			return x.execTask(ctx, op, inst, req, post.RecordOutput)
		}
	}
	op, err := x.ops.Start(r.Context(), spec, run)
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

func (x instanceIO) execStarter(inst *InstanceHandle) session.StartFunc {
	return func(ctx context.Context, req instance.ExecReq) (instance.Process, error) {
		return inst.Driver.Exec(ctx, inst.Ref, req)
	}
}

func (x instanceIO) execStarted(inst *InstanceHandle, command []string) {
	x.lifecycle(inst, "instance-exec", instanceURL(inst, ""), map[string]any{"command": command}, nil)
}

// execOutcome records the exit code ("return", plus "output" for recorded
// runs) and turns LXD's failing codes into the operation's error: 127 is
// "Command not found", 126 "Command not executable"; other codes are a
// successful operation.
func execOutcome(op *operations.Op, code int, err error, output map[string]string) error {
	if code >= 0 {
		md := map[string]any{"return": code}
		if output != nil {
			md["output"] = output
		}
		op.SetMetadata(md)
	}
	switch {
	case errors.Is(err, instance.ErrCommandNotFound):
		return instance.ErrCommandNotFound
	case errors.Is(err, instance.ErrCommandNotExecutable):
		return instance.ErrCommandNotExecutable
	}
	return err
}

// execTask runs a command without websockets: no stdin, output discarded
// or recorded as exec_<operation>.stdout/.stderr in the instance's logs.
func (x instanceIO) execTask(ctx context.Context, op *operations.Op, inst *InstanceHandle, req instance.ExecReq, record bool) error {
	var output map[string]string
	if record {
		files, urls, err := openExecRecords(inst, op.ID())
		if err != nil {
			return err
		}
		defer func() {
			for _, f := range files {
				f.Close()
			}
		}()
		req.Stdout, req.Stderr, output = files[0], files[1], urls
	}
	p, err := inst.Driver.Exec(ctx, inst.Ref, req)
	if err != nil {
		return err
	}
	x.execStarted(inst, req.Command)
	code, err := p.Wait(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return execOutcome(op, code, err, output)
}

// openExecRecords creates the record files of one exec and returns them
// with their API paths keyed by stream ("1", "2").
func openExecRecords(inst *InstanceHandle, id string) ([]io.WriteCloser, map[string]string, error) {
	if err := os.MkdirAll(inst.LogDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("Failed to create %s: %w", inst.LogDir, err)
	}
	var files []io.WriteCloser
	urls := map[string]string{}
	for i, ext := range []string{"stdout", "stderr"} {
		name := "exec_" + id + "." + ext
		f, err := os.OpenFile(filepath.Join(inst.LogDir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY|syscall.O_CLOEXEC, 0o600)
		if err != nil {
			for _, f := range files {
				f.Close()
			}
			return nil, nil, fmt.Errorf("Failed to create %s: %w", name, err)
		}
		files = append(files, f)
		urls[fmt.Sprint(i+1)] = instanceURL(inst, "/logs/"+name)
	}
	return files, urls, nil
}
