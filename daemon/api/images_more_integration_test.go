//go:build integration

package api_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// createProject makes a project through the API when the daemon has
// projects CRUD, else with a raw SQL insert (our daemon before the projects
// service lands).
func createProject(t *testing.T, d *daemontest.Daemon, name string, config map[string]string) {
	t.Helper()
	cfg := "{"
	body := `{"name":"` + name + `","config":{`
	first := true
	for k, v := range config {
		if !first {
			cfg += ","
			body += ","
		}
		first = false
		cfg += `"` + k + `":"` + v + `"`
		body += `"` + k + `":"` + v + `"`
	}
	cfg += "}"
	body += "}}"
	if status, _ := rawQuery(t, d, "POST", "/1.0/projects", body, nil); status == 201 {
		return
	}
	if d.Kind != daemontest.Ours {
		t.Fatalf("cannot create project %s on %s", name, d)
	}
	cmd := exec.Command(daemontest.Binary(t, "lxd"), "sql", "global",
		"INSERT INTO projects (name, description, config) VALUES ('"+name+"', '', '"+cfg+"')")
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lxd sql: %v: %s", err, out)
	}
}

// scenarioImageProjects: a project with features.images=true has its own
// images; one without uses the default project's; files are stored once.
func scenarioImageProjects(t *testing.T, d *daemontest.Daemon) {
	files := buildTestImages(t)
	ctx := context.Background()
	createProject(t, d, "imgs", map[string]string{"features.images": "true"})
	createProject(t, d, "shared", map[string]string{"features.images": "false"})
	own, shared := d.Client.WithProject("imgs"), d.Client.WithProject("shared")
	if _, err := uploadFile(t, own, files.Unified, client.ImageUpload{}); err != nil {
		t.Fatal(err)
	}
	fp := sha256Files(t, files.Unified)
	if list, _ := d.Client.GetImageFingerprints(ctx); len(list) != 0 {
		t.Fatalf("default project sees %v", list)
	}
	if list, _ := shared.GetImageFingerprints(ctx); len(list) != 0 {
		t.Fatalf("project without features.images sees %v", list)
	}
	if list, _ := own.GetImageFingerprints(ctx); len(list) != 1 || list[0] != fp {
		t.Fatalf("project imgs sees %v", list)
	}
	if _, _, err := d.Client.GetImage(ctx, fp); api.StatusOf(err) != 404 {
		t.Fatalf("image of another project: %v", err)
	}
	// The same image in the default project (seen by "shared" too).
	if _, err := uploadFile(t, shared, files.Unified, client.ImageUpload{}); err != nil {
		t.Fatal(err)
	}
	if list, _ := d.Client.GetImageFingerprints(ctx); len(list) != 1 {
		t.Fatalf("default project after import through shared: %v", list)
	}
	if err := own.CreateImageAlias(ctx, api.ImageAliasesPost{ImageAliasesEntry: api.ImageAliasesEntry{Name: "mine", ImageAliasesEntryPut: api.ImageAliasesEntryPut{Target: fp}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Client.GetImageAlias(ctx, "mine"); api.StatusOf(err) != 404 {
		t.Fatalf("alias leaked into the default project: %v", err)
	}
	if files := imageFilesIn(t, d); len(files) != 1 || files[0] != fp {
		t.Fatalf("image files %v, want one %s", files, fp)
	}
	op, err := own.DeleteImage(ctx, fp)
	if err != nil || op.Wait(ctx) != nil {
		t.Fatalf("delete from imgs: %v", err)
	}
	if files := imageFilesIn(t, d); len(files) != 1 {
		t.Fatalf("files of the default project's image went with the other project's row: %v", files)
	}
}

func TestImageProjectsIsolation(t *testing.T) { scenarioImageProjects(t, daemontest.Start(t)) }

func TestReferenceImageProjectsIsolation(t *testing.T) {
	scenarioImageProjects(t, daemontest.StartReference(t))
}

// serverCert returns a daemon's certificate as GET /1.0 shows it.
func serverCert(t *testing.T, d *daemontest.Daemon) string {
	t.Helper()
	s, _, err := d.Client.GetServer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s.Environment.Certificate
}

// TestImageProjects copies out of a source project (image_source_project)
// and pushes into a target project (images_target_project), creating
// aliases with the image (image_create_aliases).
func TestImageProjects(t *testing.T) {
	src, dst := daemontest.Start(t), daemontest.Start(t)
	srcURL, dstURL := enableHTTPS(t, src), enableHTTPS(t, dst)
	files := buildTestImages(t)
	ctx := context.Background()
	createProject(t, src, "src", map[string]string{"features.images": "true"})
	createProject(t, dst, "dst", map[string]string{"features.images": "true"})
	srcC := src.Client.WithProject("src")
	if _, err := uploadFile(t, srcC, files.Unified, client.ImageUpload{}); err != nil {
		t.Fatal(err)
	}
	fp := sha256Files(t, files.Unified)
	secretOp, err := srcC.CreateImageSecret(ctx, fp)
	if err != nil {
		t.Fatal(err)
	}
	op, err := dst.Client.CreateImage(ctx, api.ImagesPost{Source: &api.ImagesPostSource{
		ImageSource: api.ImageSource{Server: srcURL, Protocol: "lxd", Certificate: serverCert(t, src)},
		Type:        "image", Mode: "pull", Fingerprint: fp, Secret: secretOp.Metadata["secret"].(string), Project: "src",
	}, Aliases: []api.ImageAlias{{Name: "pulled", Description: "from src"}}})
	if err != nil || op.Wait(ctx) != nil {
		t.Fatalf("pull from project src: %v %v", err, op.Err)
	}
	if al, _, err := dst.Client.GetImageAlias(ctx, "pulled"); err != nil || al.Target != fp || al.Description != "from src" {
		t.Fatalf("alias created with the image: %+v %v", al, err)
	}
	// Push into dst's project "dst".
	dstC := dst.Client.WithProject("dst")
	tokenOp, err := dstC.CreateImage(ctx, api.ImagesPost{Source: &api.ImagesPostSource{Mode: "push", Fingerprint: fp},
		Aliases: []api.ImageAlias{{Name: "pushed"}}})
	if err != nil {
		t.Fatal(err)
	}
	pushOp, err := srcC.PushImage(ctx, fp, api.ImageExportPost{Target: dstURL, Secret: tokenOp.Metadata["secret"].(string),
		Certificate: serverCert(t, dst), Project: "dst"})
	if err != nil || pushOp.Wait(ctx) != nil {
		t.Fatalf("push into project dst: %v %v", err, pushOp.Err)
	}
	if list, _ := dstC.GetImageFingerprints(ctx); len(list) != 1 || list[0] != fp {
		t.Fatalf("project dst images %v", list)
	}
	// The real lxc: --target-project names the target's project.
	split := lxcImport(t, src, files.Meta, files.Rootfs, "--alias", "sp")
	env := addRemotes(t, map[string]*daemontest.Daemon{"a": src, "b": dst})
	if r := src.LXCEnv(t, env, "image", "copy", "a:sp", "b:", "--target-project", "dst", "--alias", "sp2"); r.ExitCode != 0 {
		t.Fatalf("lxc image copy between projects: %+v", r)
	}
	if al, _, err := dstC.GetImageAlias(ctx, "sp2"); err != nil || al.Target != split {
		t.Fatalf("copied split image in project dst: %+v %v", al, err)
	}
	if al, _, err := dstC.GetImageAlias(ctx, "pushed"); err != nil || al.Target != fp {
		t.Fatalf("alias from the push token: %+v %v", al, err)
	}
	// The token was used up.
	if err := tokenOp.Refresh(ctx); err != nil || tokenOp.StatusCode != api.Success {
		t.Fatalf("push token after use: %v %v", tokenOp.Status, err)
	}
}

// TestImageCreateAliases: aliases given in POST /1.0/images are created
// with the image, and a duplicate makes the import fail without leaving the
// image behind.
func TestImageCreateAliases(t *testing.T) {
	src, dst := daemontest.Start(t), daemontest.Start(t)
	srcURL := enableHTTPS(t, src)
	files := buildTestImages(t)
	ctx := context.Background()
	if _, err := uploadFile(t, src.Client, files.Unified, client.ImageUpload{Public: true}); err != nil {
		t.Fatal(err)
	}
	fp := sha256Files(t, files.Unified)
	req := api.ImagesPost{Source: &api.ImagesPostSource{ImageSource: api.ImageSource{Server: srcURL, Protocol: "lxd",
		Certificate: serverCert(t, src)}, Type: "image", Fingerprint: fp},
		Aliases: []api.ImageAlias{{Name: "one"}, {Name: "two", Description: "second"}}}
	op, err := dst.Client.CreateImage(ctx, req)
	if err != nil || op.Wait(ctx) != nil {
		t.Fatalf("copy with aliases: %v %v", err, op.Err)
	}
	img := imageByFP(t, dst.Client, fp)
	if len(img.Aliases) != 2 || img.Aliases[0].Name != "one" || img.Aliases[1].Description != "second" {
		t.Fatalf("aliases %+v", img.Aliases)
	}
	// Same aliases onto a second copy in another project clash: nothing is left.
	op, err = dst.Client.DeleteImage(ctx, fp)
	if err != nil || op.Wait(ctx) != nil {
		t.Fatal(err)
	}
	other := buildTestImages(t)
	if _, err := uploadFile(t, dst.Client, other.Unified, client.ImageUpload{}); err != nil {
		t.Fatal(err)
	}
	if err := dst.Client.CreateImageAlias(ctx, api.ImageAliasesPost{ImageAliasesEntry: api.ImageAliasesEntry{Name: "two",
		ImageAliasesEntryPut: api.ImageAliasesEntryPut{Target: sha256Files(t, other.Unified)}}}); err != nil {
		t.Fatal(err)
	}
	op, err = dst.Client.CreateImage(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Wait(ctx); err == nil || !strings.Contains(err.Error(), `Alias "two" already exists`) {
		t.Fatalf("copy with a taken alias: %v", err)
	}
	if _, _, err := dst.Client.GetImage(ctx, fp); api.StatusOf(err) != 404 {
		t.Fatalf("failed copy left the image: %v", err)
	}
	if files := imageFilesIn(t, dst); len(files) != 1 {
		t.Fatalf("failed copy left files: %v", files)
	}
}

// TestImageExpiryAndProfiles: expires_at is editable (images_expiry);
// profiles come from X-LXD-profiles and PUT, unknown ones are refused
// (image_profiles).
func TestImageExpiryAndProfiles(t *testing.T) {
	d := daemontest.Start(t)
	files := buildTestImages(t)
	ctx := context.Background()
	if _, err := uploadFile(t, d.Client, files.Unified, client.ImageUpload{Profiles: []string{"nosuch"}}); err == nil ||
		!strings.Contains(err.Error(), `Profile "nosuch" doesn't exist`) {
		t.Fatalf("upload with an unknown profile: %v", err)
	}
	if left := imageFilesIn(t, d); len(left) != 0 {
		t.Fatalf("failed upload left %v", left)
	}
	if _, err := uploadFile(t, d.Client, files.Unified, client.ImageUpload{Profiles: []string{"default"}}); err != nil {
		t.Fatal(err)
	}
	fp := sha256Files(t, files.Unified)
	img, etag, err := d.Client.GetImage(ctx, fp)
	if err != nil || len(img.Profiles) != 1 {
		t.Fatalf("%+v %v", img, err)
	}
	expiry := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	put := img.Writable()
	put.ExpiresAt = expiry
	put.Profiles = []string{}
	if err := d.Client.UpdateImage(ctx, fp, put, etag); err != nil {
		t.Fatal(err)
	}
	img = imageByFP(t, d.Client, fp)
	if !img.ExpiresAt.Equal(expiry) || len(img.Profiles) != 0 {
		t.Fatalf("after PUT: expires %v profiles %v", img.ExpiresAt, img.Profiles)
	}
	put.Profiles = []string{"nosuch"}
	if err := d.Client.UpdateImage(ctx, fp, put, ""); api.StatusOf(err) != 400 {
		t.Fatalf("PUT with an unknown profile: %v", err)
	}
	if info := d.MustLXC(t, "image", "info", fp); !strings.Contains(info, "Expires: 2030/01/02") {
		t.Fatalf("lxc image info:\n%s", info)
	}
}

// TestImageRefresh: POST /refresh and the auto-update task pick up a new
// image behind the source alias; aliases move to it and the old image goes.
func TestImageRefresh(t *testing.T) {
	src := daemontest.Start(t)
	srcURL := enableHTTPS(t, src)
	t.Setenv("LXD_TEST_IMAGES_AUTO_UPDATE_INTERVAL", "1s")
	dst := daemontest.Start(t)
	ctx := context.Background()
	files := buildTestImages(t)
	v1 := lxcImport(t, src, files.Unified, "--alias", "bb", "--public")
	op, err := dst.Client.CreateImage(ctx, api.ImagesPost{
		Source: &api.ImagesPostSource{ImageSource: api.ImageSource{Server: srcURL, Protocol: "lxd", Alias: "bb",
			Certificate: serverCert(t, src)}, Type: "image"},
		Aliases: []api.ImageAlias{{Name: "local-bb"}}})
	if err != nil || op.Wait(ctx) != nil {
		t.Fatalf("copy by alias: %v %v", err, op.Err)
	}
	// Nothing new yet.
	refresh, err := dst.Client.RefreshImage(ctx, v1)
	if err != nil || refresh.Wait(ctx) != nil || refresh.Metadata["refreshed"] != false {
		t.Fatalf("refresh without change: %v %+v", err, refresh.Operation)
	}
	// A new version behind the source alias.
	v2path := filepath.Join(t.TempDir(), "v2.tar.gz")
	variantImage(t, files.Unified, v2path, "Version two")
	v2 := lxcImport(t, src, v2path, "--public")
	src.MustLXC(t, "image", "alias", "delete", "bb")
	src.MustLXC(t, "image", "alias", "create", "bb", v2)
	refresh, err = dst.Client.RefreshImage(ctx, v1)
	if err != nil || refresh.Wait(ctx) != nil || refresh.Metadata["refreshed"] != true {
		t.Fatalf("refresh: %v %+v", err, refresh.Operation)
	}
	img := imageByFP(t, dst.Client, v2)
	if img.Properties["description"] != "Version two" || len(img.Aliases) != 1 || img.Aliases[0].Name != "local-bb" {
		t.Fatalf("refreshed image: %+v", img)
	}
	if _, _, err := dst.Client.GetImage(ctx, v1); api.StatusOf(err) != 404 {
		t.Fatalf("old image kept: %v", err)
	}
	// The background task (interval forced to 1s) refreshes auto_update images.
	put := img.Writable()
	put.AutoUpdate = true
	if err := dst.Client.UpdateImage(ctx, v2, put, ""); err != nil {
		t.Fatal(err)
	}
	if img := imageByFP(t, dst.Client, v2); img.UpdateSource == nil || img.UpdateSource.Alias != "bb" || img.UpdateSource.Server != srcURL {
		t.Fatalf("update_source %+v", img.UpdateSource)
	}
	v3path := filepath.Join(t.TempDir(), "v3.tar.gz")
	variantImage(t, files.Unified, v3path, "Version three")
	v3 := lxcImport(t, src, v3path, "--public")
	if err := src.Client.UpdateImageAlias(ctx, "bb", api.ImageAliasesEntryPut{Target: v3}, ""); err != nil {
		t.Fatal(err)
	}
	daemontest.Eventually(t, 30*time.Second, "auto-update to v3 with the alias moved", func() bool {
		img, _, err := dst.Client.GetImage(ctx, v3)
		return err == nil && len(img.Aliases) == 1
	})
	if img := imageByFP(t, dst.Client, v3); !img.AutoUpdate || len(img.Aliases) != 1 {
		t.Fatalf("auto-updated image %+v", img)
	}
	daemontest.Eventually(t, 10*time.Second, "old image removed", func() bool {
		files := imageFilesIn(t, dst)
		return len(files) == 1 && files[0] == v3
	})
}

// scenarioImageCopyAutoUpdate: `lxc image copy --auto-update` records the
// source (shown as update_source) and the copy refreshes from it.
func scenarioImageCopyAutoUpdate(t *testing.T, src, dst *daemontest.Daemon) {
	srcURL := enableHTTPS(t, src)
	enableHTTPS(t, dst)
	files := buildTestImages(t)
	fp := lxcImport(t, src, files.Unified, "--alias", "bb", "--public")
	env := addRemotes(t, map[string]*daemontest.Daemon{"a": src, "b": dst})
	if r := src.LXCEnv(t, env, "image", "copy", "a:bb", "b:", "--auto-update", "--alias", "copy"); r.ExitCode != 0 {
		t.Fatalf("lxc image copy --auto-update: %+v", r)
	}
	img := imageByFP(t, dst.Client, fp)
	if !img.AutoUpdate || img.UpdateSource == nil || img.UpdateSource.Server != srcURL || img.UpdateSource.Protocol != "lxd" ||
		img.UpdateSource.Alias != "bb" || img.UpdateSource.Certificate == "" {
		t.Fatalf("copied image: auto_update %v source %+v", img.AutoUpdate, img.UpdateSource)
	}
	v2path := filepath.Join(t.TempDir(), "v2.tar.gz")
	variantImage(t, files.Unified, v2path, "Version two")
	v2 := lxcImport(t, src, v2path, "--public")
	if err := src.Client.UpdateImageAlias(context.Background(), "bb", api.ImageAliasesEntryPut{Target: v2}, ""); err != nil {
		t.Fatal(err)
	}
	// The real lxc reads "refreshed" from the operation metadata.
	if out := dst.MustLXC(t, "image", "refresh", "copy"); !strings.Contains(out, "Image refreshed successfully!") {
		t.Fatalf("lxc image refresh: %q", out)
	}
	if img := imageByFP(t, dst.Client, v2); len(img.Aliases) != 1 || img.Aliases[0].Name != "copy" || !img.AutoUpdate {
		t.Fatalf("refreshed image %+v", img)
	}
}

func TestImageCopyAutoUpdate(t *testing.T) {
	scenarioImageCopyAutoUpdate(t, daemontest.Start(t), daemontest.Start(t))
}

func TestReferenceImageCopyAutoUpdate(t *testing.T) {
	scenarioImageCopyAutoUpdate(t, daemontest.Start(t), daemontest.StartReference(t))
}

// scenarioImageVM: a split image whose rootfs is a qcow2 disk is a
// virtual-machine image (image_types); it exports as it was imported.
func scenarioImageVM(t *testing.T, d *daemontest.Daemon) {
	dir := t.TempDir()
	files := buildTestImages(t)
	disk := filepath.Join(dir, "disk.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-f", "qcow2", disk, "16M").CombinedOutput(); err != nil {
		t.Fatalf("qemu-img (install qemu-utils): %v: %s", err, out)
	}
	fp := lxcImport(t, d, files.Meta, disk, "--alias", "vm")
	img := imageByFP(t, d.Client, fp)
	if img.Type != "virtual-machine" || fp != sha256Files(t, files.Meta, disk) {
		t.Fatalf("VM image: %+v", img)
	}
	if al, _, err := d.Client.GetImageAlias(context.Background(), "vm"); err != nil || al.Type != "virtual-machine" {
		t.Fatalf("VM alias: %+v %v", al, err)
	}
	if list := d.MustLXC(t, "image", "list", "--format", "csv", "-c", "lt"); !strings.Contains(list, "vm,VIRTUAL-MACHINE") {
		t.Fatalf("image list:\n%s", list)
	}
	d.MustLXC(t, "image", "export", "vm", filepath.Join(dir, "out"))
	if sha256Files(t, filepath.Join(dir, "out"), filepath.Join(dir, "out.root")) != fp {
		t.Fatal("exported VM image differs")
	}
}

func TestImageVM(t *testing.T) { scenarioImageVM(t, daemontest.Start(t)) }

func TestReferenceImageVM(t *testing.T) { scenarioImageVM(t, daemontest.StartReference(t)) }
