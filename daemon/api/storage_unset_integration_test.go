//go:build integration

package api_test

import (
	"strings"
	"testing"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// scenarioStorageUnsetKeys: `lxc storage unset` and `lxc storage volume
// unset` send the key with an empty value; LXD stores no empty keys, so
// the key is gone from `show` (not left as `key: ""`). Empty values given
// at create are dropped the same way, and so are empty device keys and
// empty instance config values.
func scenarioStorageUnsetKeys(t *testing.T, d *daemontest.Daemon) {
	p := newPool(t, d, "dir", "user.empty=")
	if show := d.MustLXC(t, "storage", "show", p); strings.Contains(show, "user.empty") {
		t.Errorf("pool created with an empty key keeps it:\n%s", show)
	}
	d.MustLXC(t, "storage", "set", p, "rsync.bwlimit", "10MiB")
	d.MustLXC(t, "storage", "unset", p, "rsync.bwlimit")
	if show := d.MustLXC(t, "storage", "show", p); strings.Contains(show, "rsync.bwlimit") {
		t.Errorf("pool key left after unset:\n%s", show)
	}
	d.MustLXC(t, "storage", "volume", "create", p, "a34v", "user.empty=")
	d.MustLXC(t, "storage", "volume", "set", p, "a34v", "user.k", "v")
	d.MustLXC(t, "storage", "volume", "unset", p, "a34v", "user.k")
	if show := d.MustLXC(t, "storage", "volume", "show", p, "a34v"); strings.Contains(show, "user.") {
		t.Errorf("volume keys left after unset or create with an empty value:\n%s", show)
	}
	d.MustLXC(t, "query", "-X", "PATCH", "-d", `{"config":{"user.x":""}}`, "/1.0/storage-pools/"+p+"/volumes/custom/a34v")
	if show := d.MustLXC(t, "storage", "volume", "show", p, "a34v"); strings.Contains(show, "user.x") {
		t.Errorf("volume PATCH with an empty value stored it:\n%s", show)
	}

	prof := daemontest.Name(t, "a34prof")
	d.MustLXC(t, "profile", "create", prof)
	t.Cleanup(func() { d.LXC(t, "profile", "delete", prof) })
	d.MustLXC(t, "profile", "device", "add", prof, "d1", "disk", "source=/tmp", "path=/mnt/t", "readonly=true")
	d.MustLXC(t, "profile", "device", "unset", prof, "d1", "readonly")
	if show := d.MustLXC(t, "profile", "device", "show", prof); strings.Contains(show, "readonly") {
		t.Errorf("device key left after unset:\n%s", show)
	}

	// Instances: `lxc config set c1 k ""` unsets k; an empty value given
	// at create is not stored either.
	inst := daemontest.Name(t, "a34c")
	d.MustLXC(t, "init", inst, "--empty", "-s", p, "-c", "user.created=")
	t.Cleanup(func() { d.LXC(t, "delete", "-f", inst) })
	d.MustLXC(t, "config", "set", inst, "user.k", "v")
	d.MustLXC(t, "config", "set", inst, "user.k", "")
	d.MustLXC(t, "query", "-X", "PATCH", "-d", `{"config":{"user.patched":""}}`, "/1.0/instances/"+inst)
	if show := d.MustLXC(t, "config", "show", inst); strings.Contains(show, "user.") {
		t.Errorf("instance keeps empty keys:\n%s", show)
	}
}

func TestStorageUnsetKeys(t *testing.T) { scenarioStorageUnsetKeys(t, daemontest.Start(t)) }

func TestReferenceStorageUnsetKeys(t *testing.T) {
	scenarioStorageUnsetKeys(t, daemontest.StartReference(t))
}
