// Package daemon is the composition root: it opens the database, builds
// every service and driver registry explicitly, hands each service only what
// it needs, serves the REST API on the unix socket and HTTPS listeners, and
// runs start-up and shutdown in order.
//
// It also makes the services one cluster (cluster_*.go): the live member
// identity they key rows by (cluster.Self), owner resolvers that route
// instance and volume requests to their member, instance placement, and the
// peers each service uses to reach the others (pool and network parts,
// image files, instance states), answered by clusterLocal on
// /internal/cluster/... (peers only).
//
// It imports every daemon/* package, cluster/* and drivers/*.
package daemon
