// Package btrfs is the "btrfs" storage driver: one subvolume per volume,
// read-only snapshot subvolumes, instant copies through subvolume
// snapshots, quotas through qgroups, block volumes as NOCOW sparse images.
//
// A pool's "source" is one of:
//   - a loop file (the default, $LXD_DIR/disks/<pool>.img of "size"),
//     attached with auto-clear so unmounting detaches it;
//   - a block device, formatted at creation and mounted;
//   - a directory on an existing btrfs filesystem (created as a subvolume
//     when missing), bind-mounted on the pool path.
//
// Tools run through exec with argument lists; loop devices are set up with
// ioctls. It imports drivers/storage and its internal packages, shared/*,
// golang.org/x/sys/unix and the standard library.
package btrfs
