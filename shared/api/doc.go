// Package api holds the LXD REST API types (X, XPut, XsPost, XPost, XState),
// the response envelope, StatusError and the list of API extensions.
//
// Field names and JSON tags follow LXD 5.0.2 exactly: the real `lxc` client
// decodes these. Documentation of the API lives on these types.
//
// It imports only the standard library.
package api
