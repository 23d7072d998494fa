// Package devlxd serves /dev/lxd/sock, the API processes inside an
// instance use to learn about it (LXD's devlxd): GET /1.0, /1.0/config
// (user.* keys only), /1.0/config/<key>, /1.0/meta-data (cloud-init),
// /1.0/devices, /1.0/events (websocket of config and device changes) and
// /1.0/images/<fp>/export (security.devlxd.images=true).
//
// One unix socket per daemon, $LXD_DIR/devlxd/sock, is bind-mounted into
// every container whose security.devlxd is not false: the instance service
// adds Device(dir) to the container's Spec. The caller is identified only
// by kernel facts about the connecting process: SO_PEERCRED/SO_PEERPIDFD
// give its pid, and its pid namespace (or, for nested containers, an
// ancestor's) is matched against the init process of each running
// instance. Nothing the caller sends is used to identify it, so one
// instance can never read another's data.
//
// Imports: daemon/events, drivers/instance, shared/api, shared/logctx,
// gorilla/websocket, chi, golang.org/x/sys/unix.
package devlxd
