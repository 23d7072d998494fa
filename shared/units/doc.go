// Package units parses and formats the byte and bit sizes used in config
// values ("10GiB", "500MB", "100Mbit").
//
// It imports only the standard library.
package units
