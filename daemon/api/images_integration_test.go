//go:build integration

package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// scenarioImageImportExport: unified and split imports through the real
// lxc, fingerprints as LXD computes them, list/info/show, byte-identical
// exports and the export headers.
func scenarioImageImportExport(t *testing.T, d *daemontest.Daemon) {
	files := buildTestImages(t)
	fpUnified := lxcImport(t, d, files.Unified, "--alias", "busybox")
	if want := sha256Files(t, files.Unified); fpUnified != want {
		t.Fatalf("unified fingerprint %s, want sha256 %s", fpUnified, want)
	}
	fpSplit := lxcImport(t, d, files.Meta, files.Rootfs, "--alias", "bb-squashfs")
	if want := sha256Files(t, files.Meta, files.Rootfs); fpSplit != want {
		t.Fatalf("split fingerprint %s, want %s", fpSplit, want)
	}
	fpTar := lxcImport(t, d, files.Meta, files.RootfsTar, "--alias", "bb-tar")
	if want := sha256Files(t, files.Meta, files.RootfsTar); fpTar != want {
		t.Fatalf("split (tar rootfs) fingerprint %s, want %s", fpTar, want)
	}
	list := d.MustLXC(t, "image", "list", "--format", "csv", "-c", "lfpt")
	for _, want := range []string{"busybox," + fpUnified[:12] + ",no,CONTAINER", "bb-squashfs," + fpSplit[:12], "bb-tar," + fpTar[:12]} {
		if !strings.Contains(list, want) {
			t.Errorf("image list lacks %q:\n%s", want, list)
		}
	}
	info := d.MustLXC(t, "image", "info", "busybox")
	for _, want := range []string{"Fingerprint: " + fpUnified, "Architecture: x86_64", "Type: container", "os: Busybox", "- busybox"} {
		if !strings.Contains(info, want) {
			t.Errorf("image info lacks %q:\n%s", want, info)
		}
	}
	img, etag, err := d.Client.GetImage(context.Background(), fpUnified[:12])
	if err != nil {
		t.Fatal(err)
	}
	if img.Fingerprint != fpUnified || img.Filename != filepath.Base(files.Unified) || img.Type != "container" ||
		img.ExpiresAt.Unix() != 0 || !img.LastUsedAt.IsZero() || img.Cached || len(img.Profiles) != 1 || img.Profiles[0] != "default" {
		t.Errorf("image object: %+v", img)
	}
	if want := daemontest.ETag(t, []any{img.Public, img.AutoUpdate, img.Properties}); etag != want {
		t.Errorf("image ETag %s, want %s", etag, want)
	}
	status, r := rawQuery(t, d, "GET", "/1.0/images?filter=fingerprint+eq+"+fpSplit, "", nil)
	var filtered []string
	_ = r.MetadataAsStruct(&filtered)
	if status != 200 || len(filtered) != 1 || filtered[0] != "/1.0/images/"+fpSplit {
		t.Errorf("filtered list: %d %v", status, filtered)
	}
	checkExports(t, d, files, fpUnified, fpSplit)
}

func checkExports(t *testing.T, d *daemontest.Daemon, files testImageFiles, fpUnified, fpSplit string) {
	out := t.TempDir()
	d.MustLXC(t, "image", "export", "busybox", filepath.Join(out, "u"))
	d.MustLXC(t, "image", "export", "bb-squashfs", filepath.Join(out, "s"))
	for got, want := range map[string]string{"u.tar.gz": files.Unified, "s": files.Meta, "s.root": files.Rootfs} {
		if sha256Files(t, filepath.Join(out, got)) != sha256Files(t, want) {
			t.Errorf("exported %s differs from the imported %s", got, want)
		}
	}
	resp, err := d.Client.Raw(context.Background(), http.MethodGet, "/1.0/images/"+fpUnified+"/export", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	st, _ := os.Stat(files.Unified)
	wantHeaders := map[string]string{
		"Content-Type": "application/octet-stream", "Content-Disposition": "inline;filename=" + fpUnified + ".tar.gz",
		"Accept-Ranges": "bytes", "Content-Length": strconv.FormatInt(st.Size(), 10),
	}
	for k, v := range wantHeaders {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("export header %s = %q, want %q", k, got, v)
		}
	}
	if resp.Header.Get("Last-Modified") == "" {
		t.Error("export has no Last-Modified")
	}
	resp, err = d.Client.Raw(context.Background(), http.MethodGet, "/1.0/images/"+fpSplit+"/export", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "multipart/form-data; boundary=") {
		t.Errorf("split export Content-Type %q", resp.Header.Get("Content-Type"))
	}
}

func TestImageImportExport(t *testing.T) { scenarioImageImportExport(t, daemontest.Start(t)) }

func TestReferenceImageImportExport(t *testing.T) {
	scenarioImageImportExport(t, daemontest.StartReference(t))
}

// scenarioImageUploadErrors: properties header, duplicate and wrong
// fingerprint failures in LXD's words, 404 texts, edit with ETags.
func scenarioImageUploadErrors(t *testing.T, d *daemontest.Daemon) {
	files := buildTestImages(t)
	fp := lxcImport(t, d, files.Unified, "--alias", "bb3", "os=Busybox3", "custom.key=a b&c")
	img := imageByFP(t, d.Client, fp)
	if img.Properties["os"] != "Busybox3" || img.Properties["custom.key"] != "a b&c" || img.Properties["description"] == "" {
		t.Fatalf("properties %v", img.Properties)
	}
	ctx := context.Background()
	if _, err := uploadFile(t, d.Client, files.Unified, client.ImageUpload{}); err == nil || err.Error() != "Image with same fingerprint already exists" {
		t.Fatalf("duplicate upload: %v", err)
	}
	zero := strings.Repeat("0", 64)
	_, err := uploadFile(t, d.Client, files.Meta, client.ImageUpload{Fingerprint: zero})
	want := "fingerprints don't match, got " + sha256Files(t, files.Meta) + " expected " + zero
	if err == nil || err.Error() != want {
		t.Fatalf("wrong fingerprint: %v, want %q", err, want)
	}
	if _, _, err := d.Client.GetImage(ctx, zero); err == nil || err.Error() != "Image not found" || api.StatusOf(err) != 404 {
		t.Fatalf("unknown image: %v", err)
	}
	if _, _, err := d.Client.GetImageAlias(ctx, "nosuch"); err == nil || err.Error() != "Image alias not found" || api.StatusOf(err) != 404 {
		t.Fatalf("unknown alias: %v", err)
	}
	// lxc image edit reads YAML on stdin.
	yaml := "auto_update: false\nproperties:\n  os: Edited\npublic: true\nexpires_at: 1970-01-01T00:00:00Z\nprofiles:\n- default\n"
	editWithStdin(t, d, yaml, "image", "edit", fp)
	img, etag, err := d.Client.GetImage(ctx, fp)
	if err != nil || img.Properties["os"] != "Edited" || len(img.Properties) != 1 || !img.Public {
		t.Fatalf("after edit: %+v %v", img, err)
	}
	if err := d.Client.UpdateImage(ctx, fp, img.Writable(), "bogus"); api.StatusOf(err) != http.StatusPreconditionFailed {
		t.Fatalf("PUT with a stale ETag: %v", err)
	}
	if err := d.Client.PatchImage(ctx, fp, map[string]any{"properties": map[string]string{"k": "v"}}, etag); err != nil {
		t.Fatal(err)
	}
	if img = imageByFP(t, d.Client, fp); img.Properties["k"] != "v" || img.Properties["os"] != "Edited" {
		t.Fatalf("PATCH did not merge properties: %v", img.Properties)
	}
	d.MustLXC(t, "image", "delete", fp)
	if left := imageFilesIn(t, d); len(left) != 0 {
		t.Fatalf("files left after delete: %v", left)
	}
	if _, _, err := d.Client.GetImageAlias(ctx, "bb3"); api.StatusOf(err) != 404 {
		t.Fatalf("alias survived its image: %v", err)
	}
}

func editWithStdin(t *testing.T, d *daemontest.Daemon, stdin string, args ...string) {
	t.Helper()
	out, err := runLXCStdin(d, stdin, args...)
	if err != nil {
		t.Fatalf("lxc %v: %v\n%s", args, err, out)
	}
}

func TestImageUploadErrors(t *testing.T) { scenarioImageUploadErrors(t, daemontest.Start(t)) }

func TestReferenceImageUploadErrors(t *testing.T) {
	scenarioImageUploadErrors(t, daemontest.StartReference(t))
}

// scenarioImageAliases: create (201 + Location), duplicate 409, list,
// ETag of the whole alias, rename, delete, with the real lxc.
func scenarioImageAliases(t *testing.T, d *daemontest.Daemon) {
	files := buildTestImages(t)
	fp := lxcImport(t, d, files.Unified)
	status, r := rawQuery(t, d, "POST", "/1.0/images/aliases", `{"name":"a1","target":"`+fp+`","description":"first"}`, nil)
	if status != 201 || r.StatusCode != 200 {
		t.Fatalf("alias create: %d %+v", status, r)
	}
	resp, err := d.Client.Raw(context.Background(), "POST", "/1.0/images/aliases", strings.NewReader(`{"name":"a2","target":"`+fp[:10]+`"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Header.Get("Location") != "/1.0/images/aliases/a2" {
		t.Fatalf("alias create: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	status, r = rawQuery(t, d, "POST", "/1.0/images/aliases", `{"name":"a1","target":"`+fp+`"}`, nil)
	if status != 409 || r.Error != `Alias "a1" already exists` {
		t.Fatalf("duplicate alias: %d %q", status, r.Error)
	}
	d.MustLXC(t, "image", "alias", "create", "a3", fp)
	list := d.MustLXC(t, "image", "alias", "list", "--format", "csv")
	for _, n := range []string{"a1,", "a2,", "a3,"} {
		if !strings.Contains(list, n+fp[:12]) {
			t.Errorf("alias list lacks %s:\n%s", n, list)
		}
	}
	al, etag, err := d.Client.GetImageAlias(context.Background(), "a1")
	if err != nil || al.Type != "container" || al.Description != "first" || al.Target != fp {
		t.Fatalf("alias: %+v %v", al, err)
	}
	if want := daemontest.ETag(t, al); etag != want {
		t.Errorf("alias ETag %s, want %s", etag, want)
	}
	if err := d.Client.UpdateImageAlias(context.Background(), "a1", api.ImageAliasesEntryPut{Target: fp, Description: "x"}, "bad"); api.StatusOf(err) != 412 {
		t.Fatalf("alias PUT with a stale ETag: %v", err)
	}
	d.MustLXC(t, "image", "alias", "rename", "a3", "a4")
	d.MustLXC(t, "image", "alias", "delete", "a2")
	list = d.MustLXC(t, "image", "alias", "list", "--format", "csv")
	if strings.Contains(list, "a2,") || strings.Contains(list, "a3,") || !strings.Contains(list, "a4,") {
		t.Fatalf("after rename/delete:\n%s", list)
	}
	if img := imageByFP(t, d.Client, fp); len(img.Aliases) != 2 {
		t.Fatalf("image aliases %v", img.Aliases)
	}
}

func TestImageAliases(t *testing.T) { scenarioImageAliases(t, daemontest.Start(t)) }

func TestReferenceImageAliases(t *testing.T) { scenarioImageAliases(t, daemontest.StartReference(t)) }

// scenarioImageEvents: the lifecycle events of an import, an alias and a
// deletion, with LXD's contexts and requestor.
func scenarioImageEvents(t *testing.T, d *daemontest.Daemon) {
	files := buildTestImages(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ch, err := d.Client.GetEvents(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	fp := lxcImport(t, d, files.Unified, "--alias", "ev")
	d.MustLXC(t, "image", "alias", "rename", "ev", "ev2")
	d.MustLXC(t, "image", "delete", fp)
	want := []struct{ action, source, ctxKey, ctxVal string }{
		{"image-created", "/1.0/images/" + fp, "type", "container"},
		{"image-alias-created", "/1.0/images/aliases/ev", "target", fp},
		{"image-alias-renamed", "/1.0/images/aliases/ev2", "old_name", "ev"},
		{"image-deleted", "/1.0/images/" + fp, "", ""},
	}
	for _, w := range want {
		found := false
		for !found {
			select {
			case e := <-ch:
				if e.Type != "lifecycle" {
					continue
				}
				var lc api.EventLifecycle
				_ = json.Unmarshal(e.Metadata, &lc)
				if lc.Action != w.action {
					continue
				}
				found = true
				if lc.Source != w.source || (w.ctxKey != "" && lc.Context[w.ctxKey] != w.ctxVal) {
					t.Errorf("%s event: %+v", w.action, lc)
				}
				if lc.Requestor == nil || lc.Requestor.Protocol != "unix" || e.Project != "default" {
					t.Errorf("%s event requestor/project: %+v %q", w.action, lc.Requestor, e.Project)
				}
			case <-ctx.Done():
				t.Fatalf("no %s event", w.action)
			}
		}
	}
}

func TestImageEvents(t *testing.T) { scenarioImageEvents(t, daemontest.Start(t)) }

func TestReferenceImageEvents(t *testing.T) { scenarioImageEvents(t, daemontest.StartReference(t)) }

// runLXCStdin runs the real lxc with stdin (lxc edit commands read YAML
// from a pipe).
func runLXCStdin(d *daemontest.Daemon, stdin string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "lxc", args...)
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir, "LXD_CONF="+d.ConfDir)
	cmd.Stdin = strings.NewReader(stdin)
	return cmd.CombinedOutput()
}
