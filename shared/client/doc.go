// Package client is the Go client of the LXD REST API, used by our `lxc`,
// the tests, the benchmark tool and member-to-member calls: unix socket and
// HTTPS transports, project and target scoping as cheap copies, operations
// (wait, cancel, websockets) and the event stream.
//
// It imports shared/api, shared/tlsutil and the websocket library only.
package client
