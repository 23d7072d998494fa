// Package testimage builds the busybox test image: a root filesystem tree
// made from the host's busybox-static binary, and the LXD image files made
// from it (unified tarball, split metadata tarball + squashfs). Driver
// conformance suites start containers from the tree; daemon tests and
// `scripts/mkimage busybox` import the image files.
//
// It imports only the standard library; it runs busybox and mksquashfs
// (packages busybox-static and squashfs-tools).
package testimage
