// Package report writes the benchmark's outputs: the CSV report of the
// single-shot subcommands (init, launch, start, stop, delete, exec, list)
// and the Markdown page of the suite (docs/benchmarks.md): a table of every
// figure for our daemon and LXD 5.0.2 side by side with their ratio, the
// machine it ran on, and what dominates each figure.
//
// It imports internal/stats and the standard library.
package report
