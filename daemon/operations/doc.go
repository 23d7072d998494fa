// Package operations owns the registry of background operations (tasks,
// websocket sessions and tokens): their lifecycle, cancellation, metadata,
// waiting, websocket attachment and the operation events they emit.
//
// Operations run on a context derived from the daemon's lifetime, never the
// request's: the 202 ends the request. It imports daemon/events and shared/*.
package operations
