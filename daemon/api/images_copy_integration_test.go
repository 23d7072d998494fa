//go:build integration

package api_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// copyScenario copies a private unified image and a split image from src
// to dst with the real `lxc image copy` (the client drives both daemons
// over their unix sockets; the daemons talk HTTPS to each other), then
// checks the copies are the same images, byte for byte.
func copyScenario(t *testing.T, src, dst *daemontest.Daemon, mode string) {
	files := buildTestImages(t)
	enableHTTPS(t, src)
	enableHTTPS(t, dst)
	fp := lxcImport(t, src, files.Unified, "--alias", "busybox", "custom.k=v")
	fpSplit := lxcImport(t, src, files.Meta, files.Rootfs, "--alias", "bb-split")
	env := addRemotes(t, map[string]*daemontest.Daemon{"a": src, "b": dst})
	for alias, target := range map[string]string{"busybox": "bb", "bb-split": "bbs"} {
		args := []string{"image", "copy", "a:" + alias, "b:", "--alias", target}
		if mode != "" {
			args = append(args, "--mode", mode)
		}
		if r := src.LXCEnv(t, env, args...); r.ExitCode != 0 {
			t.Fatalf("lxc %s: %+v", strings.Join(args, " "), r)
		}
	}
	got := imageByFP(t, dst.Client, fp)
	// In relay mode the client re-uploads the files without the source's
	// properties (LXD 5.0.2 does the same).
	if (mode != "relay" && got.Properties["custom.k"] != "v") || got.Public || len(got.Aliases) != 1 || got.Aliases[0].Name != "bb" {
		t.Fatalf("copied image: %+v", got)
	}
	if split := imageByFP(t, dst.Client, fpSplit); split.Size != imageByFP(t, src.Client, fpSplit).Size {
		t.Fatalf("copied split image: %+v", split)
	}
	out := t.TempDir()
	dst.MustLXC(t, "image", "export", "bb", filepath.Join(out, "u"))
	dst.MustLXC(t, "image", "export", "bbs", filepath.Join(out, "s"))
	for got, want := range map[string]string{"u.tar.gz": files.Unified, "s": files.Meta, "s.root": files.Rootfs} {
		if sha256Files(t, filepath.Join(out, got)) != sha256Files(t, want) {
			t.Errorf("copied %s differs from the original %s", got, want)
		}
	}
}

// addRemotes adds each daemon as an HTTPS remote of a fresh client
// configuration (trusted through a token, as users do) and returns the
// environment selecting that configuration.
func addRemotes(t *testing.T, remotes map[string]*daemontest.Daemon) []string {
	env := []string{"LXD_CONF=" + t.TempDir()}
	for name, d := range remotes {
		out := d.MustLXC(t, "config", "trust", "add", "--name", "copier-"+name)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if r := d.LXCEnv(t, env, "remote", "add", name, lines[len(lines)-1]); r.ExitCode != 0 {
			t.Fatalf("remote add %s: %+v", name, r)
		}
	}
	return env
}

func TestImageCopyPull(t *testing.T) {
	copyScenario(t, daemontest.Start(t), daemontest.Start(t), "")
}

func TestImageCopyPush(t *testing.T) {
	copyScenario(t, daemontest.Start(t), daemontest.Start(t), "push")
}

func TestImageCopyFromReference(t *testing.T) {
	ref, ours := daemontest.StartReference(t), daemontest.Start(t)
	t.Run("pull", func(t *testing.T) { copyScenario(t, ref, ours, "") })
}

func TestImageCopyFromReferencePush(t *testing.T) {
	copyScenario(t, daemontest.StartReference(t), daemontest.Start(t), "push")
}

func TestImageCopyToReference(t *testing.T) {
	copyScenario(t, daemontest.Start(t), daemontest.StartReference(t), "")
}

func TestImageCopyToReferencePush(t *testing.T) {
	copyScenario(t, daemontest.Start(t), daemontest.StartReference(t), "push")
}

func TestReferenceImageCopy(t *testing.T) {
	copyScenario(t, daemontest.StartReference(t), daemontest.StartReference(t), "")
}

// anonymous does an HTTPS request without a client certificate.
func anonymous(t *testing.T, method, url string) (*http.Response, []byte) {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, Timeout: 30 * time.Second}
	req, _ := http.NewRequest(method, url, nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

// scenarioImageUntrusted: untrusted HTTPS clients see public images and
// their aliases only; a private image is `Image "<fp>" not found` unless
// the caller holds its download secret.
func scenarioImageUntrusted(t *testing.T, d *daemontest.Daemon) {
	files := buildTestImages(t)
	url := enableHTTPS(t, d)
	private := lxcImport(t, d, files.Unified, "--alias", "priv")
	public := lxcImport(t, d, files.Meta, files.Rootfs, "--alias", "pub", "--public")
	status, r := anonymousGet(t, url, "/1.0/images")
	var list []string
	_ = r.MetadataAsStruct(&list)
	if status != 200 || len(list) != 1 || list[0] != "/1.0/images/"+public {
		t.Fatalf("untrusted list: %d %v", status, list)
	}
	status, r = anonymousGet(t, url, "/1.0/images/"+private)
	if status != 404 || r.Error != `Image "`+private+`" not found` {
		t.Fatalf("untrusted private image: %d %q", status, r.Error)
	}
	if status, _ = anonymousGet(t, url, "/1.0/images/"+public); status != 200 {
		t.Fatalf("untrusted public image: %d", status)
	}
	// The alias list needs trust; a public image's alias does not.
	if status, r = anonymousGet(t, url, "/1.0/images/aliases?recursion=1"); status != 403 || r.Error != "not authorized" {
		t.Fatalf("untrusted alias list: %d %q", status, r.Error)
	}
	status, r = anonymousGet(t, url, "/1.0/images/aliases/pub")
	var alias api.ImageAliasesEntry
	_ = r.MetadataAsStruct(&alias)
	if status != 200 || alias.Target != public {
		t.Fatalf("untrusted public alias: %d %+v", status, alias)
	}
	if status, r = anonymousGet(t, url, "/1.0/images/aliases/priv"); status != 404 || r.Error != "Image alias not found" {
		t.Fatalf("untrusted private alias: %d %q", status, r.Error)
	}
	if resp, _ := anonymous(t, "GET", url+"/1.0/images/"+public+"/export"); resp.StatusCode != 200 {
		t.Fatalf("untrusted export of a public image: %d", resp.StatusCode)
	}
	if resp, _ := anonymous(t, "GET", url+"/1.0/images/"+private+"/export"); resp.StatusCode != 404 {
		t.Fatalf("untrusted export of a private image: %d", resp.StatusCode)
	}
	// A download secret opens the private image, once.
	op, err := d.Client.CreateImageSecret(context.Background(), private)
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := op.Metadata["secret"].(string)
	if op.Class != "token" || op.Description != "Image download token" || len(secret) != 64 || !op.MayCancel ||
		len(op.Resources["images"]) != 1 || op.Resources["images"][0] != "/1.0/images/"+private {
		t.Fatalf("secret operation: %+v", op.Operation)
	}
	if status, _ = anonymousGet(t, url, "/1.0/images/"+private+"?secret="+secret); status != 200 {
		t.Fatalf("private image with secret: %d", status)
	}
	resp, body := anonymous(t, "GET", url+"/1.0/images/"+private+"/export?secret="+secret)
	if resp.StatusCode != 200 || sha256Bytes(body) != private {
		t.Fatalf("export with secret: %d, %d bytes", resp.StatusCode, len(body))
	}
	// The export used the token up.
	if err := op.Refresh(context.Background()); err != nil || op.Status != "Cancelled" {
		t.Fatalf("token after export: %s %v", op.Status, err)
	}
	if d.Kind == daemontest.Ours {
		// Stricter than LXD, which accepts a used secret while it keeps
		// the finished operation.
		if resp, _ := anonymous(t, "GET", url+"/1.0/images/"+private+"/export?secret="+secret); resp.StatusCode != 404 {
			t.Fatalf("second export with a used secret: %d", resp.StatusCode)
		}
	}
	if status, _ = anonymousGet(t, url, "/1.0/images/"+private+"?secret=nope"); status != 404 {
		t.Fatalf("private image with a wrong secret: %d", status)
	}
}

func sha256Bytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestImageUntrusted(t *testing.T) { scenarioImageUntrusted(t, daemontest.Start(t)) }

func TestReferenceImageUntrusted(t *testing.T) {
	scenarioImageUntrusted(t, daemontest.StartReference(t))
}

func TestReferenceImageCopyPush(t *testing.T) {
	copyScenario(t, daemontest.StartReference(t), daemontest.StartReference(t), "push")
}

func TestImageCopyRelay(t *testing.T) {
	copyScenario(t, daemontest.Start(t), daemontest.Start(t), "relay")
}

func TestReferenceImageCopyRelay(t *testing.T) {
	copyScenario(t, daemontest.StartReference(t), daemontest.StartReference(t), "relay")
}
