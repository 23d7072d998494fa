// Package daemon is the composition root: it opens the database, builds
// every service and driver registry explicitly, hands each service only what
// it needs, serves the REST API on the unix socket and HTTPS listeners, and
// runs start-up and shutdown in order.
//
// It imports every daemon/* package, cluster/* and drivers/*.
package daemon
