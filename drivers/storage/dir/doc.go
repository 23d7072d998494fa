// Package dir is the "dir" storage driver: every volume is a plain directory
// of the pool directory, snapshots and copies are copies of it (reflinked
// where the filesystem allows), block volumes are sparse disk images.
//
// Quotas: LXD enforces "size" on dir pools only through ext4/XFS project
// quotas. This driver does not set project quotas: like LXD on a filesystem
// without them, it accepts a size on filesystem volumes, logs that it is not
// enforced, and answers Usage with storage.ErrNotSupported. Block volumes
// get exactly their size.
//
// It imports drivers/storage and its internal and rsync packages, shared/*
// and the standard library.
package dir
