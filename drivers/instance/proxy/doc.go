// Package proxy runs LXD's `proxy` device for containers: it forwards
// connections between the host and a container (bind=host: listen on the
// host, connect inside the container; bind=instance: the reverse), over tcp,
// udp and unix stream sockets (path and abstract), with port ranges, the
// HAProxy PROXY header, privilege drop (security.uid/gid), ownership and
// mode of a listening unix socket (uid/gid/mode), or, with nat=true, as
// DNAT rules in the daemon's own nftables table instead of a process.
//
// It also owns the address syntax (ParseAddress) and the cross-key rules of
// the device (ValidateConfig), with LXD 5.0.2's error texts; the daemon's
// device validation (daemon/instconfig) calls them.
//
// # Forwarder process
//
// Like LXD's forkproxy, each non-NAT device is served by a separate process
// so it survives a daemon restart: the daemon binary re-executed as
// `<exe> forkproxy <pid file> <spec json>` (HelperMain dispatches it; the
// daemon's RunHelper calls HelperMain). The process listens (in the
// container's network namespace for bind=instance), keeps one OS thread
// locked inside the container's network namespace to create sockets there,
// reaches unix socket paths inside the container through /proc/<pid>/root
// (openat2 RESOLVE_IN_ROOT, so symlinks stay inside), drops privileges, and
// exits on SIGTERM or when the container's init dies. Its pid is written to
// <Dir>/proxy.<device>.pid once it reported "Status: Started"; its output
// goes to <LogDir>/proxy.<device>.log. Find, Stop and Ensure work from the
// pid file alone and check /proc/<pid>/cmdline before trusting it, so a new
// daemon can adopt or stop forwarders started by an earlier one.
//
// # What the instance service calls
//
// dirs := proxy.Dirs{DevicesDir: $LXD_DIR/devices, LogDir: $LXD_DIR/logs,
// FirewallTable: the daemon's table}; ref := dirs.Ref(project, instance,
// device); spec, err := proxy.SpecFromConfig(ref, initPid, deviceConfig),
// plus spec.NICs (the instance's NICs with their static addresses and
// volatile host_name) when nat=true. Then:
//
//   - Container start, once the driver reports it RUNNING (the forwarder
//     needs the init pid): Start(ctx, spec) for each proxy device; on error
//     revert by Stop(ctx, ref) of the ones started, and stop the container
//     as LXD does when a device fails to start.
//   - Hotplug add of a proxy device to a running container: Start likewise.
//     Hotplug remove: Stop(ctx, oldRef). Update of a proxy device (LXD
//     restarts it): Stop with the old Ref, then Start with the new spec.
//   - Container stop (also on a stop the daemon did not ask for, from the
//     stop hook): StopAll(ctx, dirs.Ref(project, instance, "")). A forwarder
//     whose container died exits by itself; StopAll removes its pid file,
//     the NAT chains and forwarders of devices renamed or removed meanwhile.
//   - Instance rename or delete: StopAll first (pid files live under the old
//     name).
//   - Daemon start: for each RUNNING container, Ensure(ctx, spec) per proxy
//     device (adopts a forwarder with the same spec and container pid,
//     replaces it otherwise, re-applies NAT rules), then StopAll(ctx, base,
//     names of its proxy devices...) to drop leftovers; for each stopped
//     container, StopAll(ctx, base).
//
// It imports drivers/internal/{iproute,nft}, shared/logctx and the standard
// library plus golang.org/x/sys/unix. It never imports another driver.
package proxy
