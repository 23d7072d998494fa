//go:build integration

package imagefile

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("imagefile integration tests need root (ownership, security.* xattrs, device nodes): run them with sudo")
	}
}

// capNetRaw is a vfs_cap_data v2 blob granting cap_net_raw=ep, as ping has.
func capNetRaw() string {
	b := make([]byte, 20)
	binary.LittleEndian.PutUint32(b[0:], 0x02000000|0x1) // VFS_CAP_REVISION_2 | EFFECTIVE
	binary.LittleEndian.PutUint32(b[4:], 1<<13)          // permitted: CAP_NET_RAW
	return string(b)
}

// TestUnpackPreservesPrivilegedMetadata checks what only root can set:
// owners, setuid kept after chown, security.capability, device nodes.
func TestUnpackPreservesPrivilegedMetadata(t *testing.T) {
	requireRoot(t)
	s := newSandbox(t)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	entries := []*tar.Header{
		{Name: "rootfs/", Typeflag: tar.TypeDir, Mode: 0o755, Uid: 0, Gid: 0, ModTime: testTime},
		{Name: "rootfs/home/user/", Typeflag: tar.TypeDir, Mode: 0o750, Uid: 1000, Gid: 1001, ModTime: testTime},
		{Name: "rootfs/bin/ping", Typeflag: tar.TypeReg, Mode: 0o4755, Uid: 0, Gid: 0, ModTime: testTime, Size: 3,
			Format: tar.FormatPAX, PAXRecords: map[string]string{xattrPrefix + "security.capability": capNetRaw()}},
		{Name: "rootfs/home/user/f", Typeflag: tar.TypeReg, Mode: 0o2640, Uid: 1000, Gid: 1001, ModTime: testTime, Size: 3},
		{Name: "rootfs/dev/null", Typeflag: tar.TypeChar, Mode: 0o666, Devmajor: 1, Devminor: 3, ModTime: testTime},
		{Name: "rootfs/link", Typeflag: tar.TypeSymlink, Linkname: "/etc/shadow", Uid: 1000, Gid: 1001, ModTime: testTime},
	}
	for _, h := range entries {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			_, _ = tw.Write([]byte("bin"))
		}
	}
	_ = tw.Close()
	if err := Unpack(context.Background(), &buf, s.target, UnpackOpts{AllowDevices: true}); err != nil {
		t.Fatal(err)
	}
	s.checkOutside(t)
	checkOwner(t, filepath.Join(s.target, "rootfs/home/user"), 1000, 1001, 0o750|syscall.S_IFDIR)
	checkOwner(t, filepath.Join(s.target, "rootfs/home/user/f"), 1000, 1001, 0o2640|syscall.S_IFREG)
	checkOwner(t, filepath.Join(s.target, "rootfs/bin/ping"), 0, 0, 0o4755|syscall.S_IFREG)
	checkOwner(t, filepath.Join(s.target, "rootfs/link"), 1000, 1001, 0o777|syscall.S_IFLNK)
	val := make([]byte, 64)
	n, err := unix.Lgetxattr(filepath.Join(s.target, "rootfs/bin/ping"), "security.capability", val)
	if err != nil || string(val[:n]) != capNetRaw() {
		t.Fatalf("security.capability not restored: %v %x", err, val[:n])
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(s.target, "rootfs/dev/null"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		t.Fatalf("device node: %+v %v", st, err)
	}

	// Pack the result and unpack it again: everything survives the trip.
	var img bytes.Buffer
	if err := Pack(context.Background(), &img, PackOpts{Rootfs: filepath.Join(s.target, "rootfs"), Metadata: []byte(testMetadata), Compression: CompressionXZ}); err != nil {
		t.Fatal(err)
	}
	s2 := newSandbox(t)
	if err := Unpack(context.Background(), &img, s2.target, UnpackOpts{AllowDevices: true}); err != nil {
		t.Fatal(err)
	}
	checkOwner(t, filepath.Join(s2.target, "rootfs/home/user/f"), 1000, 1001, 0o2640|syscall.S_IFREG)
	n, err = unix.Lgetxattr(filepath.Join(s2.target, "rootfs/bin/ping"), "security.capability", val)
	if err != nil || string(val[:n]) != capNetRaw() {
		t.Fatalf("security.capability lost by Pack: %v", err)
	}
}

func checkOwner(t *testing.T, p string, uid, gid uint32, mode uint32) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	if st.Uid != uid || st.Gid != gid || st.Mode != mode {
		t.Fatalf("%s: %d:%d %o, want %d:%d %o", p, st.Uid, st.Gid, st.Mode, uid, gid, mode)
	}
}

// TestUnpackSquashfsDevices: with AllowDevices a squashfs rootfs keeps its
// device nodes and owners.
func TestUnpackSquashfsDevices(t *testing.T) {
	requireRoot(t)
	src := makeTree(t)
	file := mksquashfs(t, src, "dev d 755 0 0", "dev/null c 666 0 0 1 3", "home d 750 1000 1000")
	s := newSandbox(t)
	if err := UnpackSquashfs(context.Background(), file, s.target, UnpackOpts{Layout: LayoutRootfs, AllowDevices: true}); err != nil {
		t.Fatal(err)
	}
	checkOwner(t, filepath.Join(s.target, "home"), 1000, 1000, 0o750|syscall.S_IFDIR)
	checkOwner(t, filepath.Join(s.target, "dev/null"), 0, 0, 0o666|syscall.S_IFCHR)
	s.checkOutside(t)
}

// TestGNUTarCompatibility: archives made by GNU tar (as image builders do)
// unpack with owners and xattrs, and GNU tar extracts what Pack writes.
func TestGNUTarCompatibility(t *testing.T) {
	requireRoot(t)
	requireTool(t, "tar", "tar")
	src := makeTree(t)
	ping := filepath.Join(src, "bin/busybox")
	if err := unix.Setxattr(ping, "security.capability", []byte(capNetRaw()), 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(filepath.Join(src, "etc/hostname"), 1000, 1001); err != nil {
		t.Fatal(err)
	}
	// GNU tar -> Unpack.
	archive := filepath.Join(t.TempDir(), "rootfs.tar.xz")
	run(t, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-cJf", archive, "-C", src, ".")
	s := newSandbox(t)
	if err := UnpackFile(context.Background(), archive, s.target, UnpackOpts{Layout: LayoutRootfs}); err != nil {
		t.Fatal(err)
	}
	checkOwner(t, filepath.Join(s.target, "etc/hostname"), 1000, 1001, 0o644|syscall.S_IFREG)
	checkCap(t, filepath.Join(s.target, "bin/busybox"))
	// Pack -> GNU tar.
	var img bytes.Buffer
	if err := Pack(context.Background(), &img, PackOpts{Rootfs: src, Metadata: []byte(testMetadata), Compression: CompressionGzip}); err != nil {
		t.Fatal(err)
	}
	packed := filepath.Join(t.TempDir(), "image.tar.gz")
	if err := os.WriteFile(packed, img.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	run(t, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpzf", packed, "-C", out)
	checkOwner(t, filepath.Join(out, "rootfs/etc/hostname"), 1000, 1001, 0o644|syscall.S_IFREG)
	checkCap(t, filepath.Join(out, "rootfs/bin/busybox"))
	if b, _ := os.ReadFile(filepath.Join(out, "metadata.yaml")); string(b) != testMetadata {
		t.Fatalf("metadata.yaml %q", b)
	}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if b, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, b)
	}
}

func checkCap(t *testing.T, p string) {
	t.Helper()
	val := make([]byte, 64)
	n, err := unix.Lgetxattr(p, "security.capability", val)
	if err != nil || string(val[:n]) != capNetRaw() {
		t.Fatalf("%s: security.capability %x, %v", p, val[:n], err)
	}
}
