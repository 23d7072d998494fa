// Package config declares the server's config key table and keeps the live
// snapshot of server config: cluster-wide keys in the database, member-local
// keys (core.https_address, ...) in $LXD_DIR/daemon.yaml. Changes are
// validated against the table and announced to registered watchers.
//
// It imports cluster/db and shared/*.
package config
