// Package iproute drives the host's network stack for the network and NIC
// drivers: links (bridge, veth, macvlan, vxlan), addresses, routes, neighbour
// proxies, sysctls, interface statistics and tc qdiscs.
//
// It runs iproute2's `ip` and `tc` with argument lists (never a shell) and
// reads their JSON output, plus /sys and /proc/sys directly. Commands are
// short-lived, so the cost is a fork per call; in exchange the behaviour is
// exactly what an operator gets from the same commands.
//
// It imports only shared/api, shared/logctx and the standard library. Only
// packages under drivers/ may import it.
package iproute
