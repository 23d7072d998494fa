// Package daemontest is the integration test harness: it starts real
// daemons (ours from bin/lxd, or the reference LXD 5.0.2 from /usr/bin/lxd)
// in temporary LXD_DIRs, connects our client library to them, runs our `lxc`
// and the real `lxc` 5.0.2 client against them, hands out unique names and
// free ports, and tears everything down in t.Cleanup.
//
// It imports shared/client and shared/api; tests import it.
package daemontest
