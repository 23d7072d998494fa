// Command lxd-benchmark measures a daemon speaking the LXD API (ours or
// LXD 5.0.2) through shared/client over its unix socket:
//
//	lxd-benchmark init|launch --count N --parallel P --image busybox [--privileged] [--freeze]
//	lxd-benchmark start|stop|delete --parallel P
//	lxd-benchmark exec [instance] --count N
//	lxd-benchmark list --count N [--lxc]
//	lxd-benchmark suite --report docs/benchmarks.md [--repeats R] [--quick]
//
// init/launch/start/stop/delete act on the containers the tool made
// (config user.lxd-benchmark). --report-file appends a CSV row per command.
// `suite` (what `make bench` runs) starts our daemon and LXD 5.0.2 side by
// side, measures every figure on both in the same run and writes the
// Markdown report.
//
// It imports shared/client, shared/api, shared/testimage and its internal
// packages; never the daemon.
package main
