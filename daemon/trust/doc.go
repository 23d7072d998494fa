// Package trust owns the trust store as the daemon uses it on every HTTPS
// request: a cache of the certificates table, PKI mode (server.ca and
// server.crl in $LXD_DIR) and the identification of cluster peers by the
// cluster certificate.
//
// It imports cluster/db, daemon/request and shared/*.
package trust
