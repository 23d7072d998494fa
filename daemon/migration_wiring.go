package daemon

import "github.com/lxdng/lxd/daemon/migration"

// startMigration builds the migration service over the storage service.
func (d *Daemon) startMigration() *migration.Service {
	d.migration = migration.New(migration.Options{Ops: d.ops, Volumes: d.storage})
	return d.migration
}
