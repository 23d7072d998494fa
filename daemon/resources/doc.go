// Package resources probes this member's hardware for GET /1.0/resources,
// the way LXD 5.0.2 reports it: CPU topology and caches, memory and NUMA
// nodes, GPUs, network cards and their ports, disks and partitions, USB and
// PCI devices, and the DMI system description.
//
// It only reads files under /proc, /sys, /dev, /run and /usr/share, all
// relative to an injectable root so unit tests run on fixture trees recorded
// from a real machine (testdata/). The few facts that are not files (the
// uname, the virtualization type, ethtool and block-size ioctls) come through
// Options so tests can supply them.
//
// It imports shared/api and golang.org/x/sys/unix only.
package resources
