package daemon

import "github.com/lxdng/lxd/drivers/instance/lxc"

// RunHelper runs a helper sub-process entry point when the binary was
// re-executed as one (the container driver forks through /proc/self/exe for
// every liblxc call that forks). It returns when the binary is not a helper.
// main must call it before anything else.
func RunHelper() { lxc.HelperMain() }
