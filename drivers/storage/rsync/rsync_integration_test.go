//go:build integration

package rsync

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// makeTree builds a tree with what a container rootfs holds: owners from
// a shifted range, a hard link, a symlink, a sparse file, an xattr, a fifo
// and a device node.
func makeTree(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"rsync", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: apt-get install %s", tool, tool)
		}
	}
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	must(os.WriteFile(filepath.Join(root, "etc", "hostname"), []byte("c1\n"), 0o644))
	must(os.Chown(filepath.Join(root, "etc", "hostname"), 1000000, 1000001))
	must(os.Link(filepath.Join(root, "etc", "hostname"), filepath.Join(root, "etc", "hardlink")))
	must(os.Symlink("hostname", filepath.Join(root, "etc", "symlink")))
	f, err := os.Create(filepath.Join(root, "sparse"))
	must(err)
	must(f.Truncate(64 << 20))
	must(f.Close())
	must(unix.Setxattr(filepath.Join(root, "etc", "hostname"), "user.test", []byte("v"), 0))
	must(unix.Mkfifo(filepath.Join(root, "fifo"), 0o600))
	must(unix.Mknod(filepath.Join(root, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	return root
}

// checkTree verifies what makeTree made survived the trip.
func checkTree(t *testing.T, root string) {
	t.Helper()
	var st unix.Stat_t
	host := filepath.Join(root, "etc", "hostname")
	if err := unix.Lstat(host, &st); err != nil || st.Uid != 1000000 || st.Gid != 1000001 || st.Nlink != 2 {
		t.Fatalf("hostname: %+v %v (want uid 1000000, gid 1000001, 2 links)", st, err)
	}
	if target, err := os.Readlink(filepath.Join(root, "etc", "symlink")); err != nil || target != "hostname" {
		t.Fatalf("symlink: %q %v", target, err)
	}
	buf := make([]byte, 8)
	if n, err := unix.Getxattr(host, "user.test", buf); err != nil || string(buf[:n]) != "v" {
		t.Fatalf("xattr: %q %v", buf[:n], err)
	}
	if err := unix.Lstat(filepath.Join(root, "sparse"), &st); err != nil || st.Size != 64<<20 || st.Blocks*512 > 1<<20 {
		t.Fatalf("sparse file: size %d, %d blocks, %v", st.Size, st.Blocks, err)
	}
	if err := unix.Lstat(filepath.Join(root, "fifo"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Fatalf("fifo: %o %v", st.Mode, err)
	}
	if err := unix.Lstat(filepath.Join(root, "null"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		t.Fatalf("device: %o %v", st.Mode, err)
	}
}

func TestCopy(t *testing.T) {
	src := makeTree(t)
	dst := t.TempDir()
	if err := Copy(context.Background(), src, dst, Options{BwLimit: "1G", Compression: true}); err != nil {
		t.Fatal(err)
	}
	checkTree(t, dst)
	// Delete makes dst identical: an extra file goes away.
	if err := os.WriteFile(filepath.Join(dst, "extra"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Copy(context.Background(), src, dst, Options{Delete: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dst, "extra")); !os.IsNotExist(err) {
		t.Fatalf("extra file survived a Delete copy: %v", err)
	}
}

func TestSendReceive(t *testing.T) {
	src := makeTree(t)
	dst := t.TempDir()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := Send(context.Background(), src, pw)
		_ = pw.CloseWithError(err)
		errc <- err
	}()
	if err := Receive(context.Background(), dst, pr); err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Send: %v", err)
	}
	checkTree(t, dst)
}
