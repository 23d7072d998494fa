// Package migration carries LXD's migration protocol: the transfer of a
// custom volume or an instance (with its snapshots) from one server to
// another, as `lxc copy|move` and `lxc storage volume copy|move` drive it
// between two servers or two cluster members.
//
// # Wire protocol (LXD 5.0.2)
//
// A migration uses websockets on an operation: "control" and "fs" (and
// "criu" for live migrations, which we refuse). In pull mode the source's
// operation publishes one secret per websocket and the target connects to
// wss://source/1.0/operations/<id>/websocket?secret=<s>, pinning the
// source's certificate; in push mode the target publishes the secrets and
// the source connects; in relay mode the client connects to both and
// copies frames.
//
// The control websocket carries protobuf (proto2) messages in binary
// frames: the source sends its offer MigrationHeader (filesystem type,
// rsync features, snapshot names and details, idmap), the target answers
// with its own header (chosen type and features; on refresh the snapshots
// it lacks), the source sends the filesystem, and the target ends with a
// MigrationControl {success, message}. Either side may send a failed
// MigrationControl at any time. Messages are encoded by hand (wire.go).
//
// The fs websocket carries one rsync session per snapshot (oldest first)
// and then one for the volume: binary frames are data, an empty text frame
// ends one direction of one session (streamio.go). The source runs the
// rsync client with `-e "<daemon> netcat <socket>"`: the re-executed
// daemon (HelperMain) bridges rsync's stdio to an abstract unix socket the
// source accepts and forwards over the websocket; the target runs
// `rsync --server` with its stdio on the websocket (rsync.go). Both ends
// pass LXD's exact rsync arguments, so a real LXD 5.0.2 can be either end.
// Progress goes to the operation's metadata as "fs_progress":
// "<name>: 12.34MB (5.60MB/s)".
//
// # Layout
//
// wire.go (messages), streamio.go (websocket as a byte stream), conns.go
// (accepting and dialling the websockets), rsync.go and netcat.go (the
// transport), control.go, source.go and sink.go (the two state machines),
// volumes.go (custom volumes, on daemon/storage), instances.go and
// snapshots.go (containers, on daemon/instances), cluster.go (moves and
// copies between cluster members through the members' own APIs).
//
// # Instances
//
// The target creates the instance from the request (the client sends the
// source's config, devices and profiles), then its snapshots as they
// arrive (with the source's config, devices, profiles and dates). Our root
// volumes are unshifted on disk, so the offer's id map is empty; a LXD
// source sends its (shifted) map and the target unshifts what it
// receives. A running container is sent stateless in two passes (CRIU type
// NONE, echoed by the target); live migration is refused (no CRIU).
// Refresh follows LXD: the target drops snapshots the source lacks or
// has with another creation date and receives the missing ones.
//
// Imports: gorilla/websocket, google/uuid, daemon/operations,
// daemon/request, daemon/storage, daemon/instances, shared/*, and the
// standard library.
package migration
