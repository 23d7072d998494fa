package templates

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lxdng/lxd/daemon/images/imagefile"
	"github.com/lxdng/lxd/daemon/instances/rootfs"
)

// TestUnpackThenApply follows the daemon's create path: unpack a unified
// image into a volume, parse its metadata.yaml, apply the create templates.
func TestUnpackThenApply(t *testing.T) {
	metadata := "architecture: x86_64\ncreation_date: 1\ntemplates:\n" +
		"  /etc/hostname:\n    when: [create, copy]\n    template: hostname.tpl\n" +
		"  /var/lib/cloud/seed/nocloud-net/meta-data:\n    when: [create, copy]\n    template: cloud-init-meta.tpl\n"
	files := []struct{ name, body string }{
		{"metadata.yaml", metadata},
		{"templates/hostname.tpl", tplHostname},
		{"templates/cloud-init-meta.tpl", tplMeta},
		{"rootfs/etc/hostname", "distrobuilder\n"},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		must(t, tw.WriteHeader(&tar.Header{Name: f.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(f.body))}))
		_, _ = tw.Write([]byte(f.body))
	}
	must(t, tw.Close())
	vol := t.TempDir()
	must(t, imagefile.Unpack(context.Background(), &buf, vol, imagefile.UnpackOpts{}))
	raw, err := os.ReadFile(filepath.Join(vol, "metadata.yaml"))
	must(t, err)
	m, err := imagefile.ParseMetadata(raw)
	must(t, err)
	r, err := rootfs.Open(filepath.Join(vol, "rootfs"), rootfs.IDMap{UIDBase: int64(os.Geteuid()), GIDBase: int64(os.Getegid()), Count: 65536})
	must(t, err)
	defer r.Close()
	c := Context{Instance: Instance{Name: "web1", Architecture: m.Architecture}, Trigger: imagefile.TriggerCreate}
	must(t, Apply(context.Background(), r, m, filepath.Join(vol, "templates"), c))
	if got := read(t, filepath.Join(vol, "rootfs/etc/hostname")); got != "web1\n" {
		t.Fatalf("hostname %q", got)
	}
	if got := read(t, filepath.Join(vol, "rootfs/var/lib/cloud/seed/nocloud-net/meta-data")); got != "instance-id: web1\nlocal-hostname: web1\n\n" {
		t.Fatalf("meta-data %q", got)
	}
}
