// Package daemontest is the integration test harness: it starts real
// daemons (ours from bin/lxd, or the reference LXD 5.0.2 from /usr/bin/lxd)
// in temporary LXD_DIRs, connects our client library to them, runs our `lxc`
// and the real `lxc` 5.0.2 client against them, hands out unique names and
// free ports, and tears everything down in t.Cleanup.
//
// Cluster(t, n) starts n of our daemons on 127.0.1.x addresses (with a 1s
// heartbeat), bootstraps m1 and joins the others through the real token
// flow; ReferenceCluster(t, n) does the same with LXD 5.0.2 (joining with
// its own `lxd init --preseed`). Members can be killed (Kill), restarted
// (Restart, RestartWithEnv, StartNoWait) or expected to fail (StartFails).
//
// It imports shared/client, shared/api and cluster/token; tests import it.
package daemontest
