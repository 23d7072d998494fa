// Package tlsutil generates and loads the X.509 key pairs used by the daemon
// (server.crt) and by clients (client.crt), computes LXD-style certificate
// fingerprints, and builds the TLS configs both sides use.
//
// It imports only the standard library.
package tlsutil
