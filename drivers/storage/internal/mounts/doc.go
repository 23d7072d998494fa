// Package mounts finds, makes and removes mounts for the storage drivers.
// It imports drivers/storage/internal/command, golang.org/x/sys/unix and
// the standard library.
package mounts
