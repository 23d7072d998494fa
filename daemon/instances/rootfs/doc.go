// Package rootfs gives safe file access inside an instance's root
// filesystem as seen from the host.
//
// It owns path resolution for the instance file API (GET/POST/DELETE
// /1.0/instances/<name>/files) and for image template rendering. A container
// is untrusted: its rootfs may hold symlinks to /etc/shadow, "../../" links,
// absolute links, and links that are swapped while a call runs. Every lookup
// therefore goes through openat2(2) with RESOLVE_IN_ROOT relative to a file
// descriptor of the root, so symlinks are followed only as the container
// itself would see them: an absolute link or ".." can never climb above the
// root. The last component of a path is then acted on with *at syscalls
// relative to its parent directory's descriptor (O_NOFOLLOW where the call
// must not follow a link), and files are only opened for I/O after fstat
// says they are regular (never a device node or FIFO of the container).
//
// Owner ids are those seen inside the container. Rootfs trees are normally
// stored unshifted (idmapped mounts), so on-disk ids equal container ids;
// IDMap supports the shifted layout (host id = container id + base) too.
//
// Errors carry HTTP statuses through shared/api with LXD's wording
// ("Not Found" for a missing path or parent).
//
// Imports: standard library, golang.org/x/sys/unix, shared/api.
package rootfs
