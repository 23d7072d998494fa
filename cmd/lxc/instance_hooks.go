package main

import (
	"errors"

	"github.com/lxdng/lxd/shared/client"
)

// Instance forms of server-level commands. `lxc info c1`, `lxc config
// get/set/unset/show/edit c1 ...` parse their arguments and connect in
// info.go/config.go, then call these hooks with a client already scoped to
// the remote, project and --target. The instance commands issue replaces
// these stubs (keep the signatures, or widen them in both places).

// errNoInstanceSupport is returned until the instance forms exist.
var errNoInstanceSupport = errors.New("Instance commands aren't supported by this client yet")

// infoInstance renders `lxc info [<remote>:]<instance> [--show-log]`.
func infoInstance(a *app, c *client.Client, name string, showLog bool) error {
	return errNoInstanceSupport
}

// instanceConfigGet prints one key of an instance (or its expanded config).
func instanceConfigGet(a *app, c *client.Client, name, key string, expanded bool) error {
	return errNoInstanceSupport
}

// instanceConfigSet sets keys on an instance ("" values unset them, as
// `lxc config unset` passes).
func instanceConfigSet(a *app, c *client.Client, name string, keys map[string]string) error {
	return errNoInstanceSupport
}

// instanceConfigUnset removes one key from an instance.
func instanceConfigUnset(a *app, c *client.Client, name, key string) error {
	return errNoInstanceSupport
}

// instanceConfigShow prints an instance (or snapshot "c1/snap") as YAML.
func instanceConfigShow(a *app, c *client.Client, name string, expanded bool) error {
	return errNoInstanceSupport
}

// instanceConfigEdit edits an instance as YAML ($EDITOR or stdin).
func instanceConfigEdit(a *app, c *client.Client, name string) error {
	return errNoInstanceSupport
}
