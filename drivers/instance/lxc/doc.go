// Package lxc is the container driver: it turns an instance.Spec into a
// liblxc container (through go-lxc) and operates it.
//
// Layout on disk, per instance "<project>_<name>" (LXD's liblxc name):
//
//	<LogDir>/<project>_<name>/lxc.conf     generated liblxc config (Create, Start)
//	<LogDir>/<project>_<name>/seccomp      generated seccomp policy
//	<LogDir>/<project>_<name>/lxc.log      liblxc log
//	<LogDir>/<project>_<name>/console.log  console output
//	<DevicesDir>/<project>_<name>/         device nodes made for unix devices
//
// LxcPath only namespaces liblxc's command sockets; nothing is written there.
//
// Operations that make liblxc fork (start with daemonize, attach, console,
// hotplug mounts) run in a short-lived helper: the daemon's own binary
// re-executed through /proc/self/exe with a "fork*" first argument, handled
// by HelperMain. Forking a multi-threaded Go process from C is what LXD also
// avoids this way (and a fork of the daemon copies its page tables: ms per
// hundred MiB resident). The exec helper, the most frequent, is C run from
// a constructor before the Go runtime starts (forkexec.go). Everything else (state, stop, freeze, cgroup items) talks
// to the container's liblxc monitor over its command socket, in-process.
//
// Containers run daemonized under liblxc's monitor, so they survive the
// daemon; a new Driver value finds them again (Recover) from the configs
// under LogDir.
//
// NICs are hot-plugged without liblxc (hotplug_nic.go): the prepared host
// interface is moved into the container's network namespace under its
// name and configured there with `nsenter --net=... ip`; detaching moves
// it back. The same moves serve ReleaseNICs, run from the stop hook while
// a dying container's namespace still exists.
//
// It imports drivers/instance, drivers/instance/idmap,
// drivers/internal/iproute, shared/* and go-lxc.
package lxc
