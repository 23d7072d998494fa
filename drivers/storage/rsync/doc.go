// Package rsync copies a volume's tree between two mounted paths with
// rsync (cross-pool copies and moves, dir snapshot restores), and streams a
// volume's tree as a tar archive to an io.Writer and back (migration).
//
// Tools run with argument lists, never through a shell. It imports
// shared/config, drivers/storage/internal/command and the standard library.
package rsync
