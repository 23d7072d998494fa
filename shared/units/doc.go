// Package units parses and formats the byte and bit sizes used in config
// values ("10GiB", "500MB", "100Mbit") and the snapshot expiry notation
// ("1M 2H 3d 4w 5m 6y").
//
// It imports only the standard library.
package units
