// Package imagefile reads and writes LXD image files: compression
// detection and (de)compression, metadata.yaml parsing, fingerprints,
// hostile-input-safe extraction of image tarballs and squashfs rootfs
// files, and creation of unified image tarballs for publishing.
//
// Images are untrusted. Extraction never writes outside the target
// directory: entry names with ".." or a leading "/" are refused, parent
// directories are opened with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)
// so an entry under a symlink (rootfs/x -> /etc, then rootfs/x/passwd) is
// refused, hardlinks must point at an earlier entry inside the rootfs, and
// the last component is always created with O_EXCL/O_NOFOLLOW or the *at
// syscall equivalents. Such images fail with a 400 (api.BadRequest).
//
// Error contract of Unpack/UnpackSquashfs/UnpackFile: the target directory
// belongs to the caller. On error it may hold a partial tree; the caller
// must delete it (or the volume holding it). Nothing outside target is ever
// created, modified or removed, error or not.
//
// External tools are run with exec.CommandContext and argument lists,
// never through a shell: unsquashfs for squashfs rootfs, and xz/bzip2 to
// compress when publishing (decompression is done in Go).
//
// Imports: standard library, golang.org/x/sys/unix, github.com/ulikunitz/xz,
// github.com/klauspost/compress/zstd, go.yaml.in/yaml/v3, shared/api.
package imagefile
