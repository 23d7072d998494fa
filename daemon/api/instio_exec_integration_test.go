//go:build integration

package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// lxcCommand prepares the real lxc client against d.
func ioLXCCommand(ctx context.Context, d *daemontest.Daemon, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "lxc", args...)
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir, "LXD_CONF="+d.ConfDir)
	return cmd
}

// ioLXCStdin runs the real lxc with stdin fed from a string.
func ioLXCStdin(t *testing.T, d *daemontest.Daemon, stdin string, args ...string) daemontest.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := ioLXCCommand(ctx, d, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := daemontest.Result{Stdout: out.String(), Stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		res.ExitCode = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("lxc %v: %v", args, err)
	}
	return res
}

// scenarioExec covers non-interactive exec with the real client: exit
// codes, separated stdout/stderr, stdin, --env/--cwd/--user/--group,
// environment.* config, a missing command and a stopped instance.
func scenarioExec(t *testing.T, x *ioTarget) {
	name := daemontest.Name(t, "ex")
	x.launch(t, name, map[string]string{"environment.FROMCFG": "cfg"})
	if r := x.exec(t, name, "", "--", "sh", "-c", "exit 7"); r.ExitCode != 7 {
		t.Fatalf("exit 7: got %d (%s)", r.ExitCode, r.Stderr)
	}
	r := x.exec(t, name, "", "--", "sh", "-c", "echo out; echo err >&2")
	if r.ExitCode != 0 || r.Stdout != "out\n" || r.Stderr != "err\n" {
		t.Fatalf("stdio: %+v", r)
	}
	r = x.exec(t, name, "hi\nthere\n", "--", "cat")
	if r.ExitCode != 0 || r.Stdout != "hi\nthere\n" {
		t.Fatalf("stdin piping: %+v", r)
	}
	r = x.exec(t, name, "", "-T", "--env", "FOO=bar", "--cwd", "/tmp", "--user", "1000", "--group", "1001", "--",
		"sh", "-c", `id -u; id -g; pwd; echo "$FOO $FROMCFG $HOME $LANG"`)
	want := []string{"1000", "1001", "/tmp", "bar cfg  C.UTF-8"}
	if got := ioLines(r.Stdout); r.ExitCode != 0 || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("--env/--cwd/--user/--group: got %q (%+v), want %q", got, r, want)
	}
	r = x.exec(t, name, "", "--", "sh", "-c", `echo "$HOME $USER $PATH"`)
	if strings.TrimSpace(r.Stdout) != "/root root /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" {
		t.Fatalf("default environment: %q", r.Stdout)
	}
	r = x.exec(t, name, "", "--", "/nonexistent")
	if r.ExitCode != 127 || !strings.Contains(r.Stderr, "Command not found") {
		t.Fatalf("missing command: %+v", r)
	}
	if r := x.exec(t, name, "", "--", "sh", "-c", "kill -9 $$"); r.ExitCode != 137 {
		t.Fatalf("killed by signal 9: exit %d, want 137", r.ExitCode)
	}
	stopped := daemontest.Name(t, "exs")
	x.create(t, stopped, nil)
	resp, _, err := x.d.Client.Query(context.Background(), http.MethodPost, "/1.0/instances/"+stopped+"/exec",
		api.InstanceExecPost{Command: []string{"true"}}, "")
	if api.StatusOf(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "Instance is not running") {
		t.Fatalf("exec on a stopped instance: %v, %v", resp, err)
	}
}

func TestInstanceExec(t *testing.T)          { scenarioExec(t, adapterTarget(t)) }
func TestReferenceInstanceExec(t *testing.T) { scenarioExec(t, referenceTarget(t)) }

// scenarioExecRecord runs a command without websockets with recorded
// output and reads the records through the logs API.
func scenarioExecRecord(t *testing.T, x *ioTarget) {
	name := daemontest.Name(t, "er")
	x.launch(t, name, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := x.d.Client
	op, err := c.Do(ctx, http.MethodPost, "/1.0/instances/"+name+"/exec", api.InstanceExecPost{
		Command: []string{"sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 2"}, RecordOutput: true,
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	if op.Class != api.OperationClassTask || op.Description != "Executing command" {
		t.Fatalf("operation: %+v", op.Operation)
	}
	if err := op.Wait(ctx); err != nil {
		t.Fatalf("exit 2 must be a successful operation: %v", err)
	}
	if code, _ := op.Metadata["return"].(float64); code != 2 {
		t.Fatalf("return: %v", op.Metadata)
	}
	output, _ := op.Metadata["output"].(map[string]any)
	stdoutURL, _ := output["1"].(string)
	stderrURL, _ := output["2"].(string)
	prefix := "/1.0/instances/" + name + "/logs/exec_" + op.ID
	if stdoutURL != prefix+".stdout" || stderrURL != prefix+".stderr" {
		t.Fatalf("output: %v", output)
	}
	var list []string
	if _, err := c.Get(ctx, "/1.0/instances/"+name+"/logs", &list); err != nil {
		t.Fatal(err)
	}
	if !ioContains(list, stdoutURL) || !ioContains(list, stderrURL) || !ioContains(list, "/1.0/instances/"+name+"/logs/lxc.log") {
		t.Fatalf("log list %v lacks the records", list)
	}
	for url, want := range map[string]string{stdoutURL: "to-stdout\n", stderrURL: "to-stderr\n"} {
		resp, err := c.Raw(ctx, http.MethodGet, url, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != want || resp.Header.Get("Content-Type") != "application/octet-stream" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline;filename=exec_") {
			t.Fatalf("GET %s: %d %q %v", url, resp.StatusCode, body, resp.Header)
		}
	}
	if _, _, err := c.Query(ctx, http.MethodDelete, stdoutURL, nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "/1.0/instances/"+name+"/logs", &list); err != nil || ioContains(list, stdoutURL) {
		t.Fatalf("deleted record still listed: %v %v", list, err)
	}
	// A command that does not exist fails the operation with 127.
	op, err = c.Do(ctx, http.MethodPost, "/1.0/instances/"+name+"/exec", api.InstanceExecPost{Command: []string{"/nonexistent"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	err = op.Wait(ctx)
	if err == nil || err.Error() != "Command not found" || op.Metadata["return"] != float64(127) {
		t.Fatalf("missing command: %v, %+v", err, op.Operation)
	}
}

func TestInstanceExecRecord(t *testing.T)          { scenarioExecRecord(t, adapterTarget(t)) }
func TestReferenceInstanceExecRecord(t *testing.T) { scenarioExecRecord(t, referenceTarget(t)) }

func ioContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// scenarioExecSignal forwards SIGTERM from the client to the command and
// checks that an unconnected websocket operation stays running and cannot
// be cancelled.
func scenarioExecSignal(t *testing.T, x *ioTarget) {
	name := daemontest.Name(t, "es")
	x.launch(t, name, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := ioLXCCommand(ctx, x.d, "exec", name, "--", "sh", "-c",
		`trap 'echo got-TERM; exit 42' TERM; echo ready; while true; do sleep 0.1; done`)
	var out ioBuffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	daemontest.Eventually(t, 30*time.Second, "the command prints ready", func() bool { return strings.Contains(out.String(), "ready") })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != 42 || !strings.Contains(out.String(), "got-TERM") {
		t.Fatalf("SIGTERM forwarding: %v, output %q", err, out.String())
	}
	op, err := x.d.Client.Do(ctx, http.MethodPost, "/1.0/instances/"+name+"/exec",
		api.InstanceExecPost{Command: []string{"true"}, WaitForWS: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	secrets := op.Secrets()
	for _, fd := range []string{"0", "1", "2", "control"} {
		if len(secrets[fd]) != 64 {
			t.Fatalf("fds: %v", op.Metadata["fds"])
		}
	}
	env, _ := op.Metadata["environment"].(map[string]any)
	if op.Class != api.OperationClassWebsocket || env["HOME"] != "/root" || op.Metadata["interactive"] != false {
		t.Fatalf("websocket operation: %+v", op.Operation)
	}
	if err := op.Cancel(ctx); api.StatusOf(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "can't be cancelled") {
		t.Fatalf("cancel: %v", err)
	}
	if err := op.Refresh(ctx); err != nil || op.StatusCode != api.Running {
		t.Fatalf("unconnected operation: %v %+v", err, op.Operation)
	}
}

func TestInstanceExecSignal(t *testing.T)          { scenarioExecSignal(t, adapterTarget(t)) }
func TestReferenceInstanceExecSignal(t *testing.T) { scenarioExecSignal(t, referenceTarget(t)) }
