package lxc

import (
	"fmt"
	"strings"

	"github.com/lxdng/lxd/shared/config"
)

// defaultDeny are the syscalls security.syscalls.deny_default refuses
// (ENOSYS): kexec, module loading and open_by_handle_at, as LXD does.
var defaultDeny = []string{"kexec_load", "open_by_handle_at", "init_module", "finit_module", "delete_module"}

// i386SyscallCount bounds the i386 syscall table; deny_compat refuses every
// number below it for 32-bit callers on x86_64.
const i386SyscallCount = 463

// seccompPolicy renders the liblxc seccomp policy (version 2) for an
// expanded config.
//
//   - security.syscalls.allow (or .whitelist): an allow list (liblxc
//     refuses every other syscall); it excludes the deny keys.
//   - otherwise a deny list: deny_default's syscalls, security.syscalls.deny
//     (or .blacklist) entries, and with deny_compat (.blacklist_compat) on
//     x86_64 every 32-bit syscall. umount -f is always refused.
//
// raw.seccomp, when set, is the policy as is.
func seccompPolicy(cfg map[string]string, arch string) (string, error) {
	if raw := cfg["raw.seccomp"]; raw != "" {
		if !strings.HasSuffix(raw, "\n") {
			raw += "\n"
		}
		return raw, nil
	}
	allow := firstSet(cfg, "security.syscalls.allow", "security.syscalls.whitelist")
	deny := firstSet(cfg, "security.syscalls.deny", "security.syscalls.blacklist")
	denyDefault := firstSet(cfg, "security.syscalls.deny_default", "security.syscalls.blacklist_default")
	denyCompat := config.ParseBool(firstSet(cfg, "security.syscalls.deny_compat", "security.syscalls.blacklist_compat"))

	if allow != "" {
		if deny != "" || denyDefault != "" || denyCompat {
			return "", fmt.Errorf("security.syscalls.allow is mutually exclusive with security.syscalls.deny*")
		}
		var b strings.Builder
		b.WriteString("2\nallowlist\n")
		for _, s := range syscallList(allow) {
			fmt.Fprintf(&b, "%s\n", s)
		}
		return b.String(), nil
	}

	var b strings.Builder
	b.WriteString("2\ndenylist\n[all]\nreject_force_umount\n")
	if denyDefault == "" || config.ParseBool(denyDefault) {
		for _, s := range defaultDeny {
			fmt.Fprintf(&b, "%s errno 38\n", s)
		}
	}
	for _, s := range syscallList(deny) {
		fmt.Fprintf(&b, "%s errno 1\n", s)
	}
	if denyCompat && arch == "x86_64" {
		b.WriteString("[x86]\n")
		for n := 0; n < i386SyscallCount; n++ {
			fmt.Fprintf(&b, "%d errno 38\n", n)
		}
	}
	return b.String(), nil
}

func firstSet(cfg map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := cfg[k]; v != "" {
			return v
		}
	}
	return ""
}

// syscallList splits a newline-separated syscall list, skipping blanks.
func syscallList(v string) []string {
	var out []string
	for _, l := range strings.Split(v, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
