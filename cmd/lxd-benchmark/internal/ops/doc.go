// Package ops holds the REST calls the benchmark makes, written against the
// LXD API as LXD 5.0.2 serves it (so they drive the reference daemon and
// ours alike): instance create/start/stop/freeze/delete, non-interactive exec
// over the operation websockets, instance lists, config updates, image
// upload and aliases, and the pool/profile setup of a fresh daemon.
//
// It imports shared/client and shared/api.
package ops
