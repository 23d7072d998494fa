package storage

import (
	"errors"
	"net/http"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

func TestVolumePaths(t *testing.T) {
	p := Pool{Name: "default", Path: "/var/lib/lxd/storage-pools/default"}
	tests := []struct {
		typ      VolumeType
		name     string
		snap     string
		wantPath string
		wantSnap string
	}{
		{VolumeTypeContainer, "default_c1", "", "/var/lib/lxd/storage-pools/default/containers/default_c1",
			"/var/lib/lxd/storage-pools/default/containers-snapshots/default_c1"},
		{VolumeTypeContainer, "default_c1", "snap0", "/var/lib/lxd/storage-pools/default/containers-snapshots/default_c1/snap0",
			"/var/lib/lxd/storage-pools/default/containers-snapshots/default_c1"},
		{VolumeTypeVM, "p_vm", "", "/var/lib/lxd/storage-pools/default/virtual-machines/p_vm",
			"/var/lib/lxd/storage-pools/default/virtual-machines-snapshots/p_vm"},
		{VolumeTypeCustom, "default_vol1", "s", "/var/lib/lxd/storage-pools/default/custom-snapshots/default_vol1/s",
			"/var/lib/lxd/storage-pools/default/custom-snapshots/default_vol1"},
		{VolumeTypeImage, "abc123", "", "/var/lib/lxd/storage-pools/default/images/abc123", ""},
	}
	for _, tc := range tests {
		v := Volume{Pool: p, Type: tc.typ, ContentType: ContentTypeFS, Name: tc.name, Snapshot: tc.snap}
		if got := v.Path(); got != tc.wantPath {
			t.Errorf("%s Path = %q, want %q", v, got, tc.wantPath)
		}
		if got := v.SnapshotsDir(); got != tc.wantSnap {
			t.Errorf("%s SnapshotsDir = %q, want %q", v, got, tc.wantSnap)
		}
	}
}

func TestVolumeValidate(t *testing.T) {
	p := Pool{Name: "default", Path: "/pool"}
	ok := Volume{Pool: p, Type: VolumeTypeCustom, ContentType: ContentTypeFS, Name: "default_v"}
	tests := []struct {
		name       string
		v          Volume
		snapshotOK bool
		wantStatus int
		wantIs     error
	}{
		{"ok", ok, false, http.StatusOK, nil},
		{"snapshot ok", ok.WithSnapshot("s0"), true, http.StatusOK, nil},
		{"snapshot refused", ok.WithSnapshot("s0"), false, http.StatusBadRequest, nil},
		{"bad type", Volume{Pool: p, Type: "bucket", ContentType: ContentTypeFS, Name: "x"}, false, http.StatusBadRequest, nil},
		{"bad content", Volume{Pool: p, Type: VolumeTypeCustom, ContentType: "iso", Name: "x"}, false, http.StatusBadRequest, nil},
		{"empty name", ok.WithName(""), false, http.StatusBadRequest, nil},
		{"dotdot", ok.WithName(".."), false, http.StatusBadRequest, nil},
		{"slash", ok.WithName("a/b"), false, http.StatusBadRequest, nil},
		{"bad snapshot", ok.WithSnapshot("../x"), true, http.StatusBadRequest, nil},
		{"image snapshot", Volume{Pool: p, Type: VolumeTypeImage, ContentType: ContentTypeFS, Name: "fp", Snapshot: "s"}, true, http.StatusInternalServerError, ErrNotSupported},
		{"no pool path", Volume{Pool: Pool{Name: "x"}, Type: VolumeTypeCustom, ContentType: ContentTypeFS, Name: "v"}, false, http.StatusBadRequest, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.Validate(tc.snapshotOK)
			if got := api.StatusOf(err); got != tc.wantStatus {
				t.Fatalf("status %d (%v), want %d", got, err, tc.wantStatus)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Fatalf("%v is not %v", err, tc.wantIs)
			}
		})
	}
}

func TestBlockSize(t *testing.T) {
	tests := []struct {
		size    string
		want    int64
		wantErr bool
	}{
		{"", DefaultBlockSize, false},
		{"8MiB", 8 << 20, false},
		{"1GB", 1e9, false},
		{"lots", 0, true},
	}
	for _, tc := range tests {
		v := Volume{Config: map[string]string{"size": tc.size}}
		got, err := v.BlockSize()
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("BlockSize(%q) = %d, %v; want %d, err %v", tc.size, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestErrors(t *testing.T) {
	v := Volume{Type: VolumeTypeCustom, Name: "v"}
	if err := VolumeNotFound(v); !errors.Is(err, ErrVolumeNotFound) || api.StatusOf(err) != http.StatusNotFound {
		t.Fatalf("VolumeNotFound = %v", err)
	}
	if err := VolumeNotFound(v.WithSnapshot("s")); !errors.Is(err, ErrSnapshotNotFound) || api.StatusOf(err) != http.StatusNotFound {
		t.Fatalf("VolumeNotFound(snapshot) = %v", err)
	}
	if err := VolumeExists(v); !errors.Is(err, ErrVolumeExists) || api.StatusOf(err) != http.StatusConflict {
		t.Fatalf("VolumeExists = %v", err)
	}
	if ErrNotSupported.Error() != "Not supported" {
		t.Fatalf("ErrNotSupported text %q must be LXD's", ErrNotSupported)
	}
}

func TestUnavailable(t *testing.T) {
	got := Unavailable()
	want := []string{"lvm", "zfs", "ceph", "cephfs"}
	if len(got) != len(want) {
		t.Fatalf("Unavailable() = %+v", got)
	}
	for i, d := range got {
		if d.Name != want[i] || d.Reason == "" {
			t.Fatalf("Unavailable()[%d] = %+v, want %s with a reason", i, d, want[i])
		}
	}
}
