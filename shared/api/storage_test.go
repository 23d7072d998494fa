package api

import (
	"encoding/json"
	"testing"
	"time"
)

// The want strings are LXD 5.0.2 wire JSON (reference transcripts and
// `lxc --debug` captures), keys in the order LXD sends them.
func TestStorageJSON(t *testing.T) {
	expiry := time.Date(2026, 11, 27, 9, 13, 15, 0, time.UTC)
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"pool", StoragePool{
			StoragePoolPut: StoragePoolPut{Config: map[string]string{"source": "/var/lib/lxd/storage-pools/default"}},
			Name:           "default", Driver: "dir", UsedBy: []string{"/1.0/instances/c1"},
			Status: StoragePoolStatusCreated, Locations: []string{"none"},
		}, `{"config":{"source":"/var/lib/lxd/storage-pools/default"},"description":"","name":"default","driver":"dir","used_by":["/1.0/instances/c1"],"status":"Created","locations":["none"]}`},
		{"pools post", StoragePoolsPost{StoragePoolPut: StoragePoolPut{Config: map[string]string{}}, Name: "d2", Driver: "dir"},
			`{"config":{},"description":"","name":"d2","driver":"dir"}`},
		{"pool resources", ResourcesStoragePool{
			Space:  ResourcesStoragePoolSpace{Used: 14320222208, Total: 270553174016},
			Inodes: ResourcesStoragePoolInodes{Used: 420850, Total: 16777216},
		}, `{"space":{"used":14320222208,"total":270553174016},"inodes":{"used":420850,"total":16777216}}`},
		{"btrfs pool resources", ResourcesStoragePool{Space: ResourcesStoragePoolSpace{Total: 32212254720}},
			`{"space":{"total":32212254720},"inodes":{"used":0,"total":0}}`},
		{"volumes post", StorageVolumesPost{
			StorageVolumePut: StorageVolumePut{Config: map[string]string{"size": "1GiB"}},
			Name:             "vol1", Type: "custom", ContentType: "filesystem",
		}, `{"config":{"size":"1GiB"},"description":"","name":"vol1","type":"custom","source":{"name":"","type":"","pool":"","certificate":"","volume_only":false,"refresh":false},"content_type":"filesystem"}`},
		{"volume copy post", StorageVolumesPost{
			StorageVolumePut: StorageVolumePut{Config: map[string]string{"size": "1GiB"}},
			Name:             "v3", Type: "custom", ContentType: "filesystem",
			Source: StorageVolumeSource{Name: "v2", Type: "copy", Pool: "d1"},
		}, `{"config":{"size":"1GiB"},"description":"","name":"v3","type":"custom","source":{"name":"v2","type":"copy","pool":"d1","certificate":"","volume_only":false,"refresh":false},"content_type":"filesystem"}`},
		{"volume", StorageVolume{
			StorageVolumePut: StorageVolumePut{Config: map[string]string{"size": "1GiB"}},
			Name:             "vol1", Type: "custom", UsedBy: []string{}, Location: "none",
			ContentType: "filesystem", Project: "default",
		}, `{"config":{"size":"1GiB"},"description":"","name":"vol1","type":"custom","used_by":[],"location":"none","content_type":"filesystem","project":"default","created_at":"0001-01-01T00:00:00Z"}`},
		{"volume rename", StorageVolumePost{Name: "v2"},
			`{"name":"v2","migration":false,"target":null,"volume_only":false}`},
		{"volume state", StorageVolumeState{Usage: &StorageVolumeStateUsage{Used: 16384, Total: 1073741824}},
			`{"usage":{"used":16384,"total":1073741824}}`},
		{"snapshot", StorageVolumeSnapshot{Name: "vol1/vs0", Config: map[string]string{"size": "1GiB"}},
			`{"description":"","expires_at":null,"name":"vol1/vs0","config":{"size":"1GiB"},"content_type":"","created_at":"0001-01-01T00:00:00Z"}`},
		{"snapshots post", StorageVolumeSnapshotsPost{Name: "vs0"}, `{"name":"vs0","expires_at":null}`},
		{"snapshots post expiry", StorageVolumeSnapshotsPost{Name: "vs0", ExpiresAt: &expiry},
			`{"name":"vs0","expires_at":"2026-11-27T09:13:15Z"}`},
		{"snapshot rename", StorageVolumeSnapshotPost{Name: "s1"}, `{"name":"s1"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// The client's create request decodes into StorageVolumesPost.
func TestStorageVolumesPostDecode(t *testing.T) {
	body := `{"config":{"size":"1GiB"},"description":"","name":"vol1","type":"custom","source":{"name":"","type":"","pool":"","certificate":"","volume_only":false,"refresh":false},"content_type":"block"}`
	var req StorageVolumesPost
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	if req.Name != "vol1" || req.Config["size"] != "1GiB" || req.ContentType != "block" || req.Source.Type != "" {
		t.Fatalf("decoded %+v", req)
	}
}
