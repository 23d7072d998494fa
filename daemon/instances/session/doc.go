// Package session carries the websockets of exec and console operations.
//
// An operation of class "websocket" publishes one random 64-hex secret per
// stream ("fds": "0", "1", "2", "control"); the client connects to
// /1.0/operations/<id>/websocket?secret=<secret> once per stream, in any
// order, and the session starts when all are there. The wire format is
// LXD's: data travels in binary frames, an empty TEXT frame means end of
// stream (in both directions), no close frames are needed, and the control
// stream carries JSON api.InstanceExecControl messages (window-resize,
// signal). Losing the control stream of a running command kills it, so an
// abandoned session never leaves processes behind.
//
// Imports: gorilla/websocket, drivers/instance, shared/api, shared/logctx.
package session
