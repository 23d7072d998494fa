// Package stats summarises repeated measurements: median and spread
// (min-max) of a sample, the way the benchmark reports every figure.
//
// It imports only the standard library.
package stats
