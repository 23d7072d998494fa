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
//   - Container start, once the container is RUNNING (the forwarder needs
//     its init pid): for each proxy device, Start(ctx, spec) where spec is
//     SpecFromConfig(ref, initPid, deviceConfig) (+ NICs for nat=true).
//   - Hotplug add of a proxy device to a running container: Start likewise.
//     Hotplug remove, and update of a proxy device (remove + add): Stop(ctx,
//     ref) with the old device's Ref.
//   - Container stop (before or after the container is gone): Stop(ctx, ref)
//     for each proxy device; StopAll(ctx, dir, ...) also catches devices
//     that were renamed or removed while the daemon was down.
//   - Daemon start: for each RUNNING container, Ensure(ctx, spec) per proxy
//     device (adopts a forwarder with the same spec and container pid,
//     restarts it otherwise; re-applies NAT rules); for each stopped
//     container, StopAll to clean up leftovers.
//
// It imports drivers/internal/{iproute,nft}, shared/logctx and the standard
// library plus golang.org/x/sys/unix. It never imports another driver.
package proxy
