// Package db owns the cluster database: a go-dqlite `app` node, the schema
// migrations (package migrations), and typed queries on *Tx, one file per
// table. Every caller goes through Store.Tx (one read-write connection) or
// Store.ReadTx (a pool of read-only ones, for functions that only read),
// which retry on busy and on leadership changes. Queries return api
// 404/409 errors at the source.
//
// It imports migrations, shared/* and go-dqlite; never daemon or drivers.
package db
