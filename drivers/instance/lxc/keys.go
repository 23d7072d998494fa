package lxc

import (
	"fmt"
	"os"

	lxc "github.com/lxc/go-lxc"

	"github.com/lxdng/lxd/drivers/instance/idmap"
	"github.com/lxdng/lxd/shared/config"
)

// Keys declares the instance keys the driver implements, with LXD 5.0's
// defaults and help. The daemon turns security.privileged,
// security.idmap.* and raw.idmap into Spec.Idmap (see package idmap).
func (d *Driver) Keys() config.Schema {
	b := config.Optional(config.IsBool)
	prio := config.Optional(config.IsPriority)
	s := config.Schema{
		"limits.cpu":                  {Validate: config.Optional(validCPU), Help: "Number or range of CPUs to expose to the instance"},
		"limits.cpu.allowance":        {Default: "100%", Validate: config.Optional(validAllowance), Help: "How much of the CPU can be used: a percentage (50%) for a soft limit or a time chunk (25ms/100ms) for a hard one"},
		"limits.cpu.priority":         {Type: config.Int, Default: "10", Validate: prio, Help: "CPU scheduling priority compared to other instances sharing the same CPUs (0-10)"},
		"limits.memory":               {Validate: config.Optional(validMemory), Help: "Percentage of the host's memory or fixed value in bytes"},
		"limits.memory.enforce":       {Default: "hard", Validate: config.Optional(config.IsOneOf("hard", "soft")), Help: "hard: the instance can't exceed its memory limit; soft: it can when extra host memory is available"},
		"limits.memory.swap":          {Type: config.Bool, Default: "true", Validate: b, Help: "Whether to encourage/discourage swapping less used pages for this instance"},
		"limits.memory.swap.priority": {Type: config.Int, Default: "10", Validate: prio, Help: "The higher this is set, the least likely the instance is to be swapped to disk (0-10)"},
		"limits.processes":            {Type: config.Int, Validate: config.Optional(config.IsIntRange(1, 1<<62)), Help: "Maximum number of processes that can run in the instance"},
		"limits.kernel.*":             {Validate: config.Optional(validPrlimit), Help: "Kernel resource limits of the instance's init (e.g. limits.kernel.nofile); applied at start"},
		"linux.kernel_modules":        {Help: "Comma separated list of kernel modules to load before starting the instance"},
		"linux.sysctl.*":              {Help: "Value to override the corresponding sysctl setting in the container"},
		"raw.idmap":                   {Validate: validRawIdmap, Help: "Raw idmap configuration (e.g. \"both 1000 1000\")"},
		"raw.lxc":                     {Validate: validRawLXC, Help: "Raw LXC configuration to be appended to the generated one"},
		"raw.seccomp":                 {Help: "Raw seccomp policy, used instead of the generated one"},
		"security.idmap.base":         {Type: config.Int, Validate: config.Optional(config.IsUint32), Help: "The base host ID to use for the allocation (overrides auto-detection)"},
		"security.idmap.isolated":     {Type: config.Bool, Default: "false", Validate: b, Help: "Use an idmap for this instance that is unique among instances with isolated set"},
		"security.idmap.size":         {Type: config.Int, Validate: config.Optional(config.IsUint32), Help: "The size of the idmap to use"},
		"security.nesting":            {Type: config.Bool, Default: "false", Validate: b, Help: "Support running LXD (nested) inside the instance"},
		"security.privileged":         {Type: config.Bool, Default: "false", Validate: b, Help: "Runs the instance in privileged mode"},
		"security.syscalls.allow":     {Help: "A '\\n' separated list of syscalls to allow (mutually exclusive with security.syscalls.deny*)"},
		"security.syscalls.deny":      {Help: "A '\\n' separated list of syscalls to deny"},
		"security.syscalls.deny_compat": {Type: config.Bool, Default: "false", Validate: b,
			Help: "On x86_64 this enables blocking of compat_* syscalls, it is a no-op on other arches"},
		"security.syscalls.deny_default":      {Type: config.Bool, Default: "true", Validate: b, Help: "Enables the default syscall deny"},
		"security.syscalls.whitelist":         {Help: "Old name of security.syscalls.allow"},
		"security.syscalls.blacklist":         {Help: "Old name of security.syscalls.deny"},
		"security.syscalls.blacklist_compat":  {Type: config.Bool, Validate: b, Help: "Old name of security.syscalls.deny_compat"},
		"security.syscalls.blacklist_default": {Type: config.Bool, Validate: b, Help: "Old name of security.syscalls.deny_default"},
	}
	for _, size := range hugepageSizes {
		s["limits.hugepages."+size] = config.Key{Validate: config.Optional(config.IsSize),
			Help: "Fixed value in bytes to limit the number of " + size + " hugepages"}
	}
	return s
}

func validCPU(v string) error {
	_, err := parseCPUSet(v, 1<<16)
	return err
}

func validAllowance(v string) error {
	_, _, _, err := parseCPUAllowance(v, "")
	return err
}

func validMemory(v string) error {
	_, err := parseMemory(v, 1<<40)
	return err
}

// validRawLXC refuses the keys the driver owns and, as LXD does when the
// key is set, any line liblxc itself does not accept (unknown key, bad
// value): checked on a scratch in-memory container, nothing is written.
func validRawLXC(v string) error {
	lines, err := parseRawLXC(v)
	if err != nil || len(lines) == 0 {
		return err
	}
	dir, err := os.MkdirTemp("", "lxdng-rawlxc-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	c, err := lxc.NewContainer("check", dir)
	if err != nil {
		return err
	}
	defer c.Release()
	for _, l := range lines {
		if err := c.SetConfigItem(l.key, l.value); err != nil {
			return fmt.Errorf("Failed to load raw.lxc: invalid line %q: %w", l.key+" = "+l.value, err)
		}
	}
	return nil
}

func validRawIdmap(v string) error {
	_, err := idmap.ParseRaw(v)
	return err
}
