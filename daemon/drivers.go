package daemon

import (
	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/btrfs"
	"github.com/lxdng/lxd/drivers/storage/dir"
)

// storageDrivers is the registry of implemented storage drivers. The other
// LXD drivers are listed by drivers/storage.Unavailable with the reason.
func storageDrivers() map[string]func() drv.Driver {
	return map[string]func() drv.Driver{
		"dir":   func() drv.Driver { return dir.New() },
		"btrfs": func() drv.Driver { return btrfs.New() },
	}
}
