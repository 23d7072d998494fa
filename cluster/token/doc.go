// Package token issues, encodes, decodes and verifies cluster join tokens:
// the base64 of LXD's snake_case JSON {server_name, fingerprint, addresses,
// secret, expires_at} that `lxc cluster add` prints. The issuing member keeps
// the secret in a token operation; a joiner proves it holds the token by
// presenting the secret, and checks the cluster by the fingerprint.
//
// It imports shared/api only.
package token
