//go:build integration

package main

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/testimage"
)

// defaultCache keeps the debootstrap tree between test runs when
// LXDNG_IMAGE_CACHE is unset: the first run bootstraps (a few minutes), the
// next ones copy the tree.
const defaultCache = "/var/cache/lxdng-images"

// TestDebianImage builds the Debian image and checks that both of its forms
// import into the real LXD 5.0.2 and launch there (the templates render the
// container's name into /etc/hostname and /etc/hosts, systemd boots, and
// systemd-networkd gets eth0 a DHCP lease on a NAT-less bridge), and that
// our daemon's image store accepts both forms. (Launching on ours belongs
// here too once the instance API is on main: call checkLaunch for it.)
func TestDebianImage(t *testing.T) {
	cache := os.Getenv(testimage.DebianCacheEnv)
	if cache == "" {
		cache = defaultCache
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	img, err := testimage.WriteDebianImage(ctx, out, testimage.DebianOptions{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}

	d := daemontest.StartReference(t)
	bridge := daemontest.Name(t, "dbr")
	subnet := fmt.Sprintf("10.204.%d", 1+rand.Intn(250))
	d.MustLXC(t, "storage", "create", "default", "dir")
	d.MustLXC(t, "profile", "device", "add", "default", "root", "disk", "path=/", "pool=default")
	d.MustLXC(t, "network", "create", bridge, "ipv4.address="+subnet+".1/24", "ipv4.nat=false", "ipv6.address=none")
	t.Cleanup(func() { d.LXC(t, "network", "delete", bridge) })

	importBoth(t, d, img)
	for _, alias := range []string{"deb-unified", "deb-split"} {
		name := daemontest.Name(t, "deb")
		t.Run(alias, func(t *testing.T) {
			checkLaunch(t, d, alias, name, bridge, subnet)
		})
	}
	t.Run("ours", func(t *testing.T) {
		importBoth(t, daemontest.Start(t), img)
	})
}

// importBoth imports the unified and the split form and checks the
// properties the metadata gives them.
func importBoth(t *testing.T, d *daemontest.Daemon, img testimage.Image) {
	d.MustLXC(t, "image", "import", img.Unified, "--alias", "deb-unified")
	d.MustLXC(t, "image", "import", img.Meta, img.Rootfs, "--alias", "deb-split")
	for _, alias := range []string{"deb-unified", "deb-split"} {
		for key, want := range map[string]string{"os": "Debian", "release": "bookworm"} {
			if got := strings.TrimSpace(d.MustLXC(t, "image", "get-property", alias, key)); got != want {
				t.Errorf("%s on %s: %s = %q, want %q", alias, d.Kind, key, got, want)
			}
		}
	}
}

func checkLaunch(t *testing.T, d *daemontest.Daemon, alias, name, bridge, subnet string) {
	t.Cleanup(func() { d.LXC(t, "delete", "--force", name) })
	d.MustLXC(t, "launch", alias, name, "--network", bridge)
	if got := strings.TrimSpace(d.MustLXC(t, "exec", name, "--", "cat", "/etc/hostname")); got != name {
		t.Errorf("/etc/hostname = %q, want %q", got, name)
	}
	if hosts := d.MustLXC(t, "exec", name, "--", "cat", "/etc/hosts"); !strings.Contains(hosts, "127.0.1.1\t"+name) {
		t.Errorf("/etc/hosts lacks 127.0.1.1 %s:\n%s", name, hosts)
	}
	state := ""
	daemontest.Eventually(t, 2*time.Minute, "systemd finished booting", func() bool {
		r := d.LXC(t, "exec", name, "--", "systemctl", "is-system-running")
		state = strings.TrimSpace(r.Stdout)
		return state == "running" || state == "degraded"
	})
	if state == "degraded" {
		failed := d.LXC(t, "exec", name, "--", "systemctl", "--failed", "--no-legend")
		t.Logf("systemd degraded in %s (failed units: %s)", name, strings.TrimSpace(failed.Stdout))
	}
	daemontest.Eventually(t, 90*time.Second, "eth0 got a DHCP lease from "+subnet+".0/24", func() bool {
		r := d.LXC(t, "exec", name, "--", "ip", "-4", "-o", "addr", "show", "dev", "eth0")
		return strings.Contains(r.Stdout, "inet "+subnet+".")
	})
}
