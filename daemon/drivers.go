package daemon

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"

	netdriver "github.com/lxdng/lxd/drivers/network"
	"github.com/lxdng/lxd/drivers/network/bridge"
	"github.com/lxdng/lxd/drivers/network/macvlan"
	"github.com/lxdng/lxd/drivers/network/physical"

	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/drivers/storage/btrfs"
	"github.com/lxdng/lxd/drivers/storage/dir"
)

// networkDrivers is the explicit registry of network types. dnsmasq
// forwards unknown names to the host's resolvers, as LXD's does.
func networkDrivers() map[string]netdriver.Driver {
	return map[string]netdriver.Driver{
		netdriver.TypeBridge:   bridge.New(bridge.Options{UpstreamDNS: true}),
		netdriver.TypeMacvlan:  macvlan.New(),
		netdriver.TypePhysical: physical.New(),
	}
}

// firewallTable is this daemon's own nftables table: "lxdng_" and the first
// 8 hex digits of sha256(LXD_DIR), so two daemons on one host (tests, or a
// side-by-side install) never share or clobber each other's rules.
func firewallTable(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	sum := sha256.Sum256([]byte(filepath.Clean(dir)))
	return "lxdng_" + hex.EncodeToString(sum[:])[:8]
}

// storageDrivers is the registry of implemented storage drivers. The other
// LXD drivers are listed by drivers/storage.Unavailable with the reason.
func storageDrivers() map[string]func() drv.Driver {
	return map[string]func() drv.Driver{
		"dir":   func() drv.Driver { return dir.New() },
		"btrfs": func() drv.Driver { return btrfs.New() },
	}
}
