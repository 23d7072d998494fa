package daemon

import "github.com/lxdng/lxd/daemon/migration"

// startMigration builds the migration service over the storage and
// instance services.
func (d *Daemon) startMigration() *migration.Service {
	d.migration = migration.New(migration.Options{Ops: d.ops, Volumes: d.storage, Instances: d.instances})
	return d.migration
}
