package lxc

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	lxc "github.com/lxc/go-lxc"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// writeConfig renders s, checks liblxc accepts it (raw.lxc line by line, so
// the error names the bad line) and writes the config and seccomp policy.
func (d *Driver) writeConfig(s instance.Spec) (paths, error) {
	if err := validRef(s.Ref); err != nil {
		return paths{}, api.BadRequest("%w", err)
	}
	if st, err := os.Stat(s.RootfsPath); err != nil || !st.IsDir() {
		return paths{}, api.BadRequest("Instance root filesystem %q is missing", s.RootfsPath)
	}
	if err := s.Idmap.Validate(); err != nil {
		return paths{}, api.BadRequest("%w", err)
	}
	p := d.paths(s.Ref)
	for _, dir := range []string{p.dir, p.devices} {
		if err := os.MkdirAll(dir, 0o711); err != nil {
			return p, err
		}
	}
	cfg, err := d.renderConfig(s, p)
	if err != nil {
		return p, api.BadRequest("%w", err)
	}
	policy, err := seccompPolicy(s.Config, s.Architecture)
	if err != nil {
		return p, api.BadRequest("%w", err)
	}
	if err := writeFileAtomic(p.seccomp, []byte(policy)); err != nil {
		return p, err
	}
	cfg.set("lxc.seccomp.profile", p.seccomp)
	raw, err := parseRawLXC(s.Config["raw.lxc"])
	if err != nil {
		return p, api.BadRequest("%w", err)
	}
	if err := writeFileAtomic(p.config, []byte(cfg.String())); err != nil {
		return p, err
	}
	if err := checkConfig(s.Ref, d.opts.LxcPath, p.config, raw); err != nil {
		return p, err
	}
	for _, l := range raw {
		cfg.set(l.key, l.value)
	}
	return p, writeFileAtomic(p.config, []byte(cfg.String()))
}

// checkConfig loads the generated config into a scratch liblxc handle, then
// applies each raw.lxc line. Parsing forks nothing.
func checkConfig(r instance.Ref, lxcpath, path string, raw []rawLine) error {
	c, err := lxc.NewContainer(lxcName(r), lxcpath)
	if err != nil {
		return err
	}
	defer c.Release()
	if err := c.LoadConfigFile(path); err != nil {
		return fmt.Errorf("liblxc refused the generated config %s: %w", path, err)
	}
	for _, l := range raw {
		if err := c.SetConfigItem(l.key, l.value); err != nil {
			return api.BadRequest("Failed to load raw.lxc: invalid line %q: %w", l.key+" = "+l.value, err)
		}
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Start writes the config of s and starts the container through the
// forkstart helper, which returns once liblxc reports it RUNNING.
func (d *Driver) Start(ctx context.Context, s instance.Spec) error {
	log := logctx.From(ctx).WithField("instance", s.Ref.String())
	c, err := d.open(s.Ref)
	if err != nil {
		return err
	}
	defer c.Release()
	// Leftover cgroups are removed and new ones made under this lock (see
	// removeLeftovers).
	slot := d.serverSlot(s.Ref, true)
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if status(c) != api.Stopped {
		return api.BadRequest("The instance is already running")
	}
	if err := loadKernelModules(s.Config["linux.kernel_modules"]); err != nil {
		return err
	}
	p, err := d.writeConfig(s)
	if err != nil {
		return err
	}
	// The console log covers the last run only.
	_ = os.Remove(p.consoleLog)
	removeLeftoverCgroups(lxcName(s.Ref), leftoverWait)
	logOffset := fileSize(p.log)

	out, err := d.helper(ctx, "forkstart", lxcName(s.Ref), d.opts.LxcPath, p.config).CombinedOutput()
	if err != nil {
		// liblxc aborts a failed start; make sure nothing lingers.
		if status(c) != api.Stopped {
			_ = c.Stop()
		}
		return fmt.Errorf("Failed to start instance: %s%s", helperError(out, err), logErrors(p.log, logOffset))
	}
	log.Debug("Instance started")
	return nil
}

// helper prepares a run of this binary as a driver helper with a clean
// environment, so nothing of the daemon's leaks into containers or hooks.
func (d *Driver) helper(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, d.opts.Exe, args...)
	cmd.Env = []string{"PATH=" + defaultPath, "LANG=C.UTF-8"}
	// Own session: a signal to the daemon's process group (^C on a
	// terminal) must not reach helpers that outlive requests.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// A start must not be killed half-way by a cancelled request: liblxc
	// would leave a container it cannot clean. Start is short.
	if args[0] == "forkstart" {
		cmd.Cancel = func() error { return nil }
	}
	return cmd
}

// helperError formats a failed helper run from its output.
func helperError(out []byte, err error) string {
	msg := strings.TrimSpace(string(out))
	if msg == "" {
		return err.Error()
	}
	return msg
}

// logErrors returns the ERROR lines liblxc logged after offset, indented,
// for start failures.
func logErrors(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, 0); err != nil {
		return ""
	}
	var b bytes.Buffer
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); strings.Contains(l, " ERROR ") {
			b.WriteString("\n  ")
			b.WriteString(l)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "\nliblxc log (" + path + "):" + b.String()
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// loadKernelModules implements linux.kernel_modules: each module is loaded
// on the host with modprobe before the container starts.
func loadKernelModules(list string) error {
	for _, m := range strings.Split(list, ",") {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if _, err := os.Stat("/sys/module/" + m); err == nil {
			continue // loaded or built in
		}
		out, err := exec.Command("modprobe", "-b", m).CombinedOutput()
		if err != nil {
			return api.BadRequest("Failed to load kernel module %q (linux.kernel_modules): %s", m, helperError(out, err))
		}
	}
	return nil
}
