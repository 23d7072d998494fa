// Package dnsmasq runs one supervised dnsmasq per managed bridge: it builds
// the command line from a Config, writes the static-lease hosts file that a
// SIGHUP reloads, parses the lease file, and keeps the process alive
// (restarting it with a back-off when it dies, re-adopting a dnsmasq left
// running by a previous daemon when its command line is unchanged).
//
// dnsmasq runs in the foreground as our child (or is watched through a
// pidfd when adopted), in its own process group so it survives a daemon
// restart like LXD's does. It never reads /etc/dnsmasq.conf: --conf-file
// always names our own file.
//
// It imports shared/logctx, golang.org/x/sys/unix and the standard library.
// Only packages under drivers/ may import it.
package dnsmasq
