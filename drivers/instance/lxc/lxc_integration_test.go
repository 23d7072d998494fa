//go:build integration

package lxc_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/instancetest"
	"github.com/lxdng/lxd/drivers/instance/lxc"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/testimage"
)

// childEnv makes the test binary act as a short-lived "daemon" that starts
// one container and waits to be killed (TestSurvivesDaemonKill).
const childEnv = "LXDNGCT_CHILD_SPEC"

func TestMain(m *testing.M) {
	lxc.HelperMain()
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(childDaemon(spec))
	}
	os.Exit(m.Run())
}

type childSpec struct {
	State string
	Spec  instance.Spec
}

func childDaemon(arg string) int {
	var cs childSpec
	if err := json.Unmarshal([]byte(arg), &cs); err != nil {
		return 2
	}
	d, err := lxc.New(options(cs.State))
	if err == nil {
		err = d.Create(context.Background(), cs.Spec)
	}
	if err == nil {
		err = d.Start(context.Background(), cs.Spec)
	}
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		return 1
	}
	os.Stdout.WriteString("started\n")
	select {} // until killed
}

func options(state string) lxc.Options {
	return lxc.Options{
		LxcPath:    filepath.Join(state, "lxc"),
		LogDir:     filepath.Join(state, "logs"),
		DevicesDir: filepath.Join(state, "devices"),
	}
}

func newDriver(t *testing.T, state string) instance.Driver {
	d, err := lxc.New(options(state))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConformance(t *testing.T) {
	instancetest.Run(t, newDriver)
}

// fixture builds a rootfs and a Spec in a traversable temp dir.
func fixture(t *testing.T, cfg map[string]string) (string, instance.Spec) {
	dir := t.TempDir()
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o711); err != nil {
			t.Fatal(err)
		}
	}
	rootfs := filepath.Join(dir, "rootfs")
	if err := testimage.BuildBusyboxRootfs(rootfs); err != nil {
		t.Fatal(err)
	}
	if cfg == nil {
		cfg = map[string]string{}
	}
	name := "lxdngct-" + strings.ReplaceAll(filepath.Base(dir), "0", "z") + time.Now().Format("150405.000")[7:]
	return filepath.Join(dir, "state"), instance.Spec{
		Ref:        instance.Ref{Project: "default", Name: name},
		RootfsPath: rootfs, Architecture: "x86_64", Config: cfg, Idmap: instancetest.UnprivilegedMap,
	}
}

func cleanup(t *testing.T, d instance.Driver, r instance.Ref) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := d.Stop(ctx, r, instance.StopOpts{Force: true}); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if err := d.Delete(ctx, r); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
}

func run(t *testing.T, d instance.Driver, r instance.Ref, cmd ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	p, err := d.Exec(context.Background(), r, instance.ExecReq{Command: cmd, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := p.Wait(context.Background())
	return code, out.String()
}

// TestSurvivesDaemonKill starts a container from a child process, kills
// that process with SIGKILL and operates the container from a new driver.
func TestSurvivesDaemonKill(t *testing.T) {
	state, spec := fixture(t, nil)
	arg, err := json.Marshal(childSpec{State: state, Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command("/proc/self/exe")
	child.Env = append(os.Environ(), childEnv+"="+string(arg))
	out, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, state)
	cleanup(t, d, spec.Ref)
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "started\n" {
		_ = child.Process.Kill()
		_ = child.Wait()
		t.Fatalf("child daemon: %q", line)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = child.Wait()

	refs, err := d.Recover(context.Background())
	if err != nil || len(refs) != 1 || refs[0] != spec.Ref {
		t.Fatalf("Recover: %v %v", refs, err)
	}
	st, err := d.State(context.Background(), spec.Ref)
	if err != nil || st.Status != api.Running {
		t.Fatalf("State after the daemon died: %+v %v", st, err)
	}
	if code, out := run(t, d, spec.Ref, "echo", "alive"); code != 0 || out != "alive\n" {
		t.Fatalf("exec after the daemon died: %d %q", code, out)
	}
	if err := d.Stop(context.Background(), spec.Ref, instance.StopOpts{Timeout: 30 * time.Second}); err != nil {
		t.Fatal(err)
	}
}

func TestSeccomp(t *testing.T) {
	tests := []struct {
		name string
		cfg  map[string]string
		cmd  []string
		ok   bool
	}{
		{"deny list", map[string]string{"security.syscalls.deny": "mkdir\nmkdirat"}, []string{"mkdir", "/tmp/x"}, false},
		{"deny compat", map[string]string{"security.syscalls.deny_compat": "true"}, []string{"mkdir", "/tmp/x"}, true},
		{"old names", map[string]string{"security.syscalls.blacklist_default": "false"}, []string{"true"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, spec := fixture(t, tt.cfg)
			d := newDriver(t, state)
			cleanup(t, d, spec.Ref)
			if err := d.Create(context.Background(), spec); err != nil {
				t.Fatal(err)
			}
			if err := d.Start(context.Background(), spec); err != nil {
				t.Fatal(err)
			}
			if code, out := run(t, d, spec.Ref, tt.cmd...); (code == 0) != tt.ok {
				t.Fatalf("%q: exit %d %q", tt.cmd, code, out)
			}
		})
	}
}

func TestStartFailures(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]string
		wantErr string
	}{
		{"missing kernel module", map[string]string{"linux.kernel_modules": "lxdngct_no_such_module"}, `Failed to load kernel module "lxdngct_no_such_module"`},
		{"unknown raw key", map[string]string{"raw.lxc": "lxc.no.such.key = 1"}, "Failed to load raw.lxc"},
		{"forbidden raw key", map[string]string{"raw.lxc": "lxc.rootfs.path = dir:/"}, "not allowed"},
		{"bad limit", map[string]string{"limits.memory": "much"}, "Invalid limits.memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, spec := fixture(t, tt.cfg)
			d := newDriver(t, state)
			cleanup(t, d, spec.Ref)
			err := d.Start(context.Background(), spec)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Start: %v, want %q", err, tt.wantErr)
			}
			if !api.IsStatus(err, 400) {
				t.Errorf("status of %v: %d, want 400", err, api.StatusOf(err))
			}
			if st, _ := d.State(context.Background(), spec.Ref); st.Status != api.Stopped {
				t.Fatalf("state after a failed start: %v", st.Status)
			}
		})
	}
}

func TestRawLXCApplied(t *testing.T) {
	state, spec := fixture(t, map[string]string{"raw.lxc": "lxc.environment = LXDNGCT_RAW=yes"})
	d := newDriver(t, state)
	cleanup(t, d, spec.Ref)
	if err := d.Start(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if code, out := run(t, d, spec.Ref, "sh", "-c", "tr '\\0' '\\n' < /proc/1/environ"); code != 0 || !strings.Contains(out, "LXDNGCT_RAW=yes") {
		t.Fatalf("raw.lxc not applied: %d %q", code, out)
	}
}
