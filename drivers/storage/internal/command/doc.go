// Package command runs host tools (btrfs, mkfs.btrfs, mount, cp, rsync) for
// the storage drivers: argument lists only, never a shell, with the tool's
// stderr in the error. It imports shared/logctx and the standard library.
package command
