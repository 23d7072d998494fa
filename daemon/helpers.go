package daemon

import (
	"github.com/lxdng/lxd/daemon/migration"
	"github.com/lxdng/lxd/drivers/instance/lxc"
	"github.com/lxdng/lxd/drivers/instance/proxy"
)

// RunHelper runs a helper sub-process entry point when the binary was
// re-executed as one (the container driver forks through /proc/self/exe for
// every liblxc call that forks; proxy devices run as `forkproxy`
// forwarders; rsync runs it as `netcat` to reach a migration's
// websocket). It returns when the binary is not a helper. main must call
// it before anything else.
func RunHelper() {
	lxc.HelperMain()
	proxy.HelperMain()
	migration.HelperMain()
}
