// Package config declares the Key and Schema types that every config table
// (server, project, instance, profile, pool, volume, network) is written in,
// plus the validators those tables use. Validation, defaults and `lxc config`
// help all come from these tables, so a key is declared exactly once.
//
// It imports only shared/units and the standard library.
package config
