package storage

import (
	"errors"
	"net/http"
	"testing"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

func TestValidateVolumeConfig(t *testing.T) {
	keys := CommonVolumeKeys()
	tests := []struct {
		name    string
		cfg     map[string]string
		wantErr bool
	}{
		{"empty", map[string]string{}, false},
		{"size", map[string]string{"size": "10GiB"}, false},
		{"bad size", map[string]string{"size": "ten"}, true},
		{"bools", map[string]string{"security.shifted": "true", "security.unmapped": "false"}, false},
		{"bad bool", map[string]string{"security.shifted": "maybe"}, true},
		{"shifted and unmapped", map[string]string{"security.shifted": "true", "security.unmapped": "true"}, true},
		{"expiry", map[string]string{"snapshots.expiry": "1M 2H 3d 4w 5m 6y"}, false},
		{"bad expiry", map[string]string{"snapshots.expiry": "3 days"}, true},
		{"cron", map[string]string{"snapshots.schedule": "0 6 * * 1-5"}, false},
		{"aliases", map[string]string{"snapshots.schedule": "@daily, @hourly"}, false},
		{"bad alias", map[string]string{"snapshots.schedule": "@sometimes"}, true},
		{"short cron", map[string]string{"snapshots.schedule": "0 6 *"}, true},
		{"pattern", map[string]string{"snapshots.pattern": "snap-{{ creation_date|date:'2006-01-02' }}"}, false},
		{"user key", map[string]string{"user.foo": "bar"}, false},
		{"volatile idmap", map[string]string{"volatile.idmap.last": "[]"}, false},
		{"unknown", map[string]string{"zfs.blocksize": "8KiB"}, true},
		{"block keys not on local drivers", map[string]string{"block.filesystem": "ext4"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateVolumeConfig(keys, tc.cfg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("got %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil && api.StatusOf(err) != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", api.StatusOf(err))
			}
		})
	}
}

func TestValidatePoolConfig(t *testing.T) {
	keys := CommonPoolKeys().Merge(VolumeDefaultKeys(CommonVolumeKeys()))
	tests := []struct {
		name    string
		cfg     map[string]string
		wantErr bool
	}{
		{"source", map[string]string{"source": "/srv/pool"}, false},
		{"bwlimit", map[string]string{"rsync.bwlimit": "10MiB"}, false},
		{"bwlimit plain", map[string]string{"rsync.bwlimit": "500"}, false},
		{"bad bwlimit", map[string]string{"rsync.bwlimit": "fast"}, true},
		{"compression", map[string]string{"rsync.compression": "false"}, false},
		{"volume default", map[string]string{"volume.size": "5GiB", "volume.snapshots.expiry": "1d"}, false},
		{"bad volume default", map[string]string{"volume.size": "huge"}, true},
		{"no volatile volume default", map[string]string{"volume.volatile.idmap.last": "x"}, true},
		{"unknown", map[string]string{"lvm.vg_name": "x"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePoolConfig(keys, tc.cfg)
			if (err != nil) != tc.wantErr {
				t.Fatalf("got %v, wantErr %v", err, tc.wantErr)
			}
			var ke *config.KeyError
			if err != nil && !errors.As(err, &ke) {
				t.Fatalf("%v does not wrap a *config.KeyError", err)
			}
		})
	}
}

func TestApplyVolumeDefaults(t *testing.T) {
	pool := map[string]string{"volume.size": "5GiB", "volume.snapshots.expiry": "1d", "volume.zfs.x": "1", "rsync.bwlimit": "1"}
	got := ApplyVolumeDefaults(pool, map[string]string{"snapshots.expiry": "2d"}, CommonVolumeKeys())
	want := map[string]string{"size": "5GiB", "snapshots.expiry": "2d"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
