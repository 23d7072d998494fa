package proxy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lxdng/lxd/shared/logctx"
)

// startTimeout bounds how long Start waits for the forwarder's report.
const startTimeout = 10 * time.Second

// Handle is a running proxy device: a forwarder process, or NAT rules.
type Handle struct {
	spec Spec
	pid  int           // 0 for NAT
	done chan struct{} // closed when our child exited; nil when adopted
}

// Pid is the forwarder's pid (0 in NAT mode).
func (h *Handle) Pid() int { return h.pid }

// Spec is what the device runs with (normalized).
func (h *Handle) Spec() Spec { return h.spec }

// Start runs one proxy device of a running container: the NAT rules when
// s.NAT, else a forwarder process whose pid is then recorded in
// s.PidPath(). It fails if a forwarder for the same device is running.
func Start(ctx context.Context, s Spec) (*Handle, error) {
	s, _, _, err := s.normalize()
	if err != nil {
		return nil, err
	}
	if s.NAT {
		return startNAT(ctx, s)
	}
	if h, err := Find(s.Ref); err != nil {
		return nil, err
	} else if h != nil {
		return nil, fmt.Errorf("Proxy device %q is already running (pid %d)", s.Device, h.pid)
	}
	for _, dir := range []string{s.Dir, s.LogDir} {
		if dir != "" {
			if err := os.MkdirAll(dir, 0o711); err != nil {
				return nil, err
			}
		}
	}
	return spawn(ctx, s)
}

// spawn starts the forwarder and waits for its "Status: Started" report.
func spawn(ctx context.Context, s Spec) (*Handle, error) {
	specJSON, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(s.LogPath(), os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("Failed to open proxy log: %w", err)
	}
	defer logFile.Close()
	reportR, reportW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer reportR.Close()
	exe := s.Exe
	if exe == "" {
		exe = "/proc/self/exe"
	}
	cmd := exec.Command(exe, helperName, s.PidPath(), string(specJSON))
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.ExtraFiles = []*os.File{reportW}
	// Its own session: the forwarder outlives the daemon (no signal from
	// the daemon's terminal or process group reaches it).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	reportW.Close()
	if err != nil {
		return nil, fmt.Errorf("Failed to start device %q: %w", s.Device, err)
	}
	h := &Handle{spec: s, pid: cmd.Process.Pid, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(h.done) }()

	if err := waitStarted(ctx, reportR, s); err != nil {
		_ = h.kill(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := writePidFile(s.PidPath(), h.pid); err != nil {
		_ = h.kill(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("Failed to start device %q: Failed saving subprocess details: %w", s.Device, err)
	}
	logctx.From(ctx).WithFields(map[string]any{"device": s.Device, "pid": h.pid}).Debug("Started proxy forwarder")
	return h, nil
}

// waitStarted reads the forwarder's report pipe: "Status: Started" or an
// "Error: ..." line (LXD's wording for start failures).
func waitStarted(ctx context.Context, r *os.File, s Spec) error {
	_ = r.SetReadDeadline(time.Now().Add(startTimeout))
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case line := <-lines:
		switch {
		case line == "Status: Started":
			return nil
		case line == "":
			// Timed out, or died before reporting: the log says why.
			return fmt.Errorf("Failed to start device %q: Please look in %s", s.Device, s.LogPath())
		}
		return fmt.Errorf("Error occurred when starting proxy device: %s", line)
	}
}

func writePidFile(path string, pid int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Find returns the running forwarder of ref from its pid file, or nil when
// none runs (a stale pid file is removed). It only trusts a pid whose
// command line is a forwarder for this very pid file.
func Find(ref Ref) (*Handle, error) {
	if err := ref.check(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(ref.PidPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err == nil && pid > 0 {
		if s, ok := forwarderSpec(pid, ref.PidPath()); ok {
			return &Handle{spec: s, pid: pid}, nil
		}
	}
	if err := os.Remove(ref.PidPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return nil, nil
}

// forwarderSpec reads the spec of a live forwarder serving pidPath.
func forwarderSpec(pid int, pidPath string) (Spec, bool) {
	if !alive(pid) {
		return Spec{}, false
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return Spec{}, false
	}
	args := strings.Split(strings.TrimSuffix(string(raw), "\x00"), "\x00")
	if len(args) != 4 || args[1] != helperName || args[2] != pidPath {
		return Spec{}, false
	}
	var s Spec
	if err := json.Unmarshal([]byte(args[3]), &s); err != nil {
		return Spec{}, false
	}
	return s, true
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
}
