//go:build integration

package api_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// fileReq sends one raw file API request and returns status, headers and body.
func fileReq(t *testing.T, x *ioTarget, method, name, path string, body string, headers map[string]string) (int, http.Header, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	var rd io.Reader
	if method == http.MethodPost {
		rd = strings.NewReader(body)
	}
	resp, err := x.d.Client.Raw(ctx, method, "/1.0/instances/"+name+"/files?path="+path, rd, h)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data)
}

func ioWriteLocal(t *testing.T, path, body string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// scenarioFiles: lxc file push/pull/delete/edit with the real client and
// the raw file API (headers, symlinks, append, directories, errors).
func scenarioFiles(t *testing.T, x *ioTarget) {
	name := daemontest.Name(t, "fi")
	x.launch(t, name, nil)
	local := t.TempDir()
	ioWriteLocal(t, filepath.Join(local, "f.txt"), "file content\n", 0o640)
	x.d.MustLXC(t, "file", "push", "--uid", "1000", "--gid", "1001", "--mode", "0604", filepath.Join(local, "f.txt"), name+"/root/f.txt")
	if out := x.exec(t, name, "", "--", "stat", "-c", "%u %g %a", "/root/f.txt"); strings.TrimSpace(out.Stdout) != "1000 1001 604" {
		t.Fatalf("pushed file as seen inside: %+v", out)
	}
	x.d.MustLXC(t, "file", "pull", name+"/root/f.txt", filepath.Join(local, "back.txt"))
	if data, _ := os.ReadFile(filepath.Join(local, "back.txt")); string(data) != "file content\n" {
		t.Fatalf("pulled %q", data)
	}
	status, hdr, body := fileReq(t, x, http.MethodGet, name, "/root/f.txt", "", nil)
	if status != 200 || body != "file content\n" || hdr.Get("X-Lxd-Uid") != "1000" || hdr.Get("X-Lxd-Gid") != "1001" ||
		hdr.Get("X-Lxd-Mode") != "0604" || hdr.Get("X-Lxd-Type") != "file" || hdr.Get("Content-Disposition") != "inline;filename=f.txt" {
		t.Fatalf("GET file: %d %v %q", status, hdr, body)
	}
	if status, hdr, _ = fileReq(t, x, http.MethodHead, name, "/root", "", nil); status != 200 || hdr.Get("X-Lxd-Type") != "directory" || hdr.Get("X-Lxd-Mode") != "0700" {
		t.Fatalf("HEAD directory: %d %v", status, hdr)
	}
	// Appending, then overwriting without headers keeps owner and mode.
	fileReq(t, x, http.MethodPost, name, "/root/f.txt", "more\n", map[string]string{"X-LXD-write": "append", "Content-Type": "application/octet-stream"})
	fileReq(t, x, http.MethodPost, name, "/root/f.txt", "replaced", map[string]string{"Content-Type": "application/octet-stream"})
	status, hdr, body = fileReq(t, x, http.MethodGet, name, "root/f.txt", "", nil)
	if body != "replaced" || hdr.Get("X-Lxd-Uid") != "1000" || hdr.Get("X-Lxd-Mode") != "0604" {
		t.Fatalf("overwrite: %d %v %q", status, hdr, body)
	}
	scenarioFilesTrees(t, x, name, local)
	scenarioFilesErrors(t, x, name)
}

// scenarioFilesTrees: push -p, push -r / pull -r with symlinks, delete, edit.
func scenarioFilesTrees(t *testing.T, x *ioTarget, name, local string) {
	x.d.MustLXC(t, "file", "push", "-p", filepath.Join(local, "f.txt"), name+"/root/x/y/a.txt")
	if r := x.exec(t, name, "", "--", "cat", "/root/x/y/a.txt"); r.Stdout != "file content\n" {
		t.Fatalf("push -p: %+v", r)
	}
	tree := filepath.Join(local, "pushdir")
	ioWriteLocal(t, filepath.Join(tree, "a.txt"), "one\n", 0o644)
	ioWriteLocal(t, filepath.Join(tree, "sub", "b.txt"), "two\n", 0o600)
	if err := os.Symlink("a.txt", filepath.Join(tree, "link")); err != nil {
		t.Fatal(err)
	}
	x.d.MustLXC(t, "file", "push", "-r", tree, name+"/root/")
	r := x.exec(t, name, "", "--", "sh", "-c", "readlink /root/pushdir/link; stat -c '%a' /root/pushdir/sub/b.txt; cat /root/pushdir/link")
	if strings.Join(ioLines(r.Stdout), "|") != "a.txt|600|one" {
		t.Fatalf("push -r: %+v", r)
	}
	pulled := filepath.Join(local, "pulled")
	x.d.MustLXC(t, "file", "pull", "-r", name+"/root/pushdir", pulled)
	if data, _ := os.ReadFile(filepath.Join(pulled, "pushdir", "sub", "b.txt")); string(data) != "two\n" {
		t.Fatalf("pull -r content: %q", data)
	}
	if st, err := os.Stat(filepath.Join(pulled, "pushdir", "sub", "b.txt")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("pull -r mode: %v %v", st, err)
	}
	// The GET of a symlink answers its target as an absolute path inside.
	if target, err := os.Readlink(filepath.Join(pulled, "pushdir", "link")); err != nil || target != "/root/pushdir/a.txt" {
		t.Fatalf("pull -r symlink: %q %v", target, err)
	}
	x.d.MustLXC(t, "file", "delete", name+"/root/x/y/a.txt")
	if r := x.exec(t, name, "", "--", "test", "-e", "/root/x/y/a.txt"); r.ExitCode == 0 {
		t.Fatal("file delete left the file")
	}
	editor := filepath.Join(local, "editor.sh")
	ioWriteLocal(t, editor, "#!/bin/sh\necho edited >> \"$1\"\n", 0o755)
	// On a terminal lxc file edit runs $EDITOR (else it reads stdin).
	p := startPtyEnv(t, x.d, []string{"EDITOR=" + editor}, 24, 80, "file", "edit", name+"/root/pushdir/a.txt")
	if code := p.exitCode(); code != 0 {
		t.Fatalf("file edit: exit %d: %q", code, p.out.String())
	}
	if r := x.exec(t, name, "", "--", "cat", "/root/pushdir/a.txt"); r.Stdout != "one\nedited\n" {
		t.Fatalf("file edit result: %+v", r)
	}
}

// scenarioFilesErrors: LXD's statuses for missing paths and parents,
// directories, symlinks through the raw API.
func scenarioFilesErrors(t *testing.T, x *ioTarget, name string) {
	if status, _, body := fileReq(t, x, http.MethodGet, name, "/nonexistent", "", nil); status != 404 || !strings.Contains(body, `"Not Found"`) {
		t.Fatalf("GET missing: %d %s", status, body)
	}
	if status, _, _ := fileReq(t, x, http.MethodPost, name, "/no/such/dir/f", "x", map[string]string{"Content-Type": "application/octet-stream"}); status != 404 {
		t.Fatalf("POST into a missing parent: %d", status)
	}
	if status, _, _ := fileReq(t, x, http.MethodDelete, name, "/root/nonexistent", "", nil); status != 404 {
		t.Fatalf("DELETE missing: %d", status)
	}
	if status, _, _ := fileReq(t, x, http.MethodDelete, name, "/root/pushdir", "", nil); status < 400 {
		t.Fatalf("DELETE a non-empty directory: %d", status)
	}
	status, hdr, body := fileReq(t, x, http.MethodGet, name, "/sbin/init", "", nil)
	if status != 200 || body != "/bin/busybox" || hdr.Get("X-Lxd-Type") != "symlink" || hdr.Get("X-Lxd-Mode") != "0777" {
		t.Fatalf("GET symlink: %d %v %q", status, hdr, body)
	}
	fileReq(t, x, http.MethodPost, name, "/root/newdir", "", map[string]string{"X-LXD-type": "directory", "X-LXD-mode": "0750"})
	status, hdr, body = fileReq(t, x, http.MethodGet, name, "/root/newdir", "", nil)
	if status != 200 || hdr.Get("X-Lxd-Mode") != "0750" || !strings.Contains(body, `"metadata":[]`) {
		t.Fatalf("GET new directory: %d %v %s", status, hdr, body)
	}
	fileReq(t, x, http.MethodPost, name, "/root/lnk", "/root/f.txt", map[string]string{"X-LXD-type": "symlink", "Content-Type": "application/octet-stream"})
	if r := x.exec(t, name, "", "--", "readlink", "/root/lnk"); strings.TrimSpace(r.Stdout) != "/root/f.txt" {
		t.Fatalf("POST symlink: %+v", r)
	}
	if status, _, _ := fileReq(t, x, http.MethodDelete, name, "/root/lnk", "", nil); status != 200 {
		t.Fatalf("DELETE symlink: %d", status)
	}
	if x.d.Kind == daemontest.Reference {
		return // 5.0.2 parses a form-encoded body as a form and writes nothing
	}
	fileReq(t, x, http.MethodPost, name, "/root/form.txt", "abc", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if r := x.exec(t, name, "", "--", "cat", "/root/form.txt"); r.Stdout != "abc" {
		t.Fatalf("form-encoded POST body lost: %+v", r)
	}
}

func TestInstanceFiles(t *testing.T)          { scenarioFiles(t, adapterTarget(t)) }
func TestReferenceInstanceFiles(t *testing.T) { scenarioFiles(t, referenceTarget(t)) }

// scenarioFilesStopped: the file API works on a stopped instance.
func scenarioFilesStopped(t *testing.T, x *ioTarget) {
	name := daemontest.Name(t, "fs")
	x.create(t, name, nil)
	local := t.TempDir()
	ioWriteLocal(t, filepath.Join(local, "s.txt"), "stopped\n", 0o644)
	x.d.MustLXC(t, "file", "push", filepath.Join(local, "s.txt"), name+"/root/s.txt")
	x.d.MustLXC(t, "file", "pull", name+"/root/s.txt", filepath.Join(local, "back.txt"))
	if data, _ := os.ReadFile(filepath.Join(local, "back.txt")); string(data) != "stopped\n" {
		t.Fatalf("pulled %q", data)
	}
}

func TestInstanceFilesStopped(t *testing.T)          { scenarioFilesStopped(t, adapterTarget(t)) }
func TestReferenceInstanceFilesStopped(t *testing.T) { scenarioFilesStopped(t, referenceTarget(t)) }
