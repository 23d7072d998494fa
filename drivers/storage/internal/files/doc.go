// Package files holds the file operations the local storage drivers share:
// the pool layout, reflink-or-copy of trees, sparse disk images and statfs
// usage. It imports drivers/storage, drivers/storage/internal/command,
// golang.org/x/sys/unix and the standard library.
package files
