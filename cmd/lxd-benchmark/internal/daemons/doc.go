// Package daemons runs the daemons the benchmark suite compares: our lxd
// (bin/lxd) and the reference LXD 5.0.2 (/usr/bin/lxd), each in its own
// temporary LXD_DIR, and tears them down (unmounting what they left mounted
// under that directory) when the suite ends.
//
// It imports shared/client.
package daemons
