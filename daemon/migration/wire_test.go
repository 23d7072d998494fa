package migration

import (
	"bytes"
	"reflect"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	none := CRIUNone
	tests := []struct {
		name string
		in   Header
	}{
		{"minimal", Header{FS: FSRsync}},
		{"full", Header{
			FS: FSRsync, CRIU: &none,
			IDMap:         []IDMapEntry{{IsUID: true, HostID: 1000000, NSID: 0, Range: 1000000000}, {IsGID: true, HostID: -1, Range: 1}},
			SnapshotNames: []string{"s1", "s2"},
			Snapshots: []Snapshot{{Name: "s1", LocalConfig: []Config{{"k", "v"}}, Profiles: []string{"default"},
				LocalDevices: []Device{{Name: "root", Config: []Config{{"path", "/"}}}}, Architecture: 2,
				CreationDate: 1700000000000000000, ExpiryDate: -5}},
			Rsync:   &RsyncFeatures{Xattrs: true, Delete: true, Compress: true, Bidirectional: true},
			Refresh: true, VolumeSize: 1 << 40, IndexHeaderVersion: 1,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := UnmarshalHeader(tt.in.Marshal())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.in) {
				t.Fatalf("got %+v\nwant %+v", got, tt.in)
			}
		})
	}
}

// TestHeaderBytes pins the encoding of a small header to protobuf's.
func TestHeaderBytes(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		// fs=0 (required), snapshotNames "a", refresh=true
		{"header", Header{FS: FSRsync, SnapshotNames: []string{"a"}, Refresh: true}.Marshal(),
			[]byte{0x08, 0x00, 0x22, 0x01, 'a', 0x48, 0x01}},
		// success=false, message "x"
		{"control", Control{Message: "x"}.Marshal(), []byte{0x08, 0x00, 0x12, 0x01, 'x'}},
		// rsync features: four bools
		{"rsync", RsyncFeatures{Xattrs: true, Compress: true}.marshal(), []byte{0x08, 0x01, 0x10, 0x00, 0x18, 0x01, 0x20, 0x00}},
		// negative int32 is ten bytes
		{"negative", IDMapEntry{HostID: -1}.marshal(), []byte{0x08, 0, 0x10, 0, 0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x20, 0, 0x28, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Equal(tt.in, tt.want) {
				t.Fatalf("got % x, want % x", tt.in, tt.want)
			}
		})
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"truncated varint", []byte{0x08}},
		{"truncated bytes", []byte{0x22, 0x05, 'a'}},
		{"bad wire type", []byte{0x0b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := UnmarshalHeader(tt.in); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestUnknownFieldsSkipped(t *testing.T) {
	// field 14 (fsRefresh, varint), field 12 (btrfs features, bytes), fixed32/64
	in := []byte{0x08, 0x01, 0x70, 0x01, 0x62, 0x02, 0x08, 0x01, 0x7d, 1, 2, 3, 4, 0x79, 1, 2, 3, 4, 5, 6, 7, 8}
	h, err := UnmarshalHeader(in)
	if err != nil || h.FS != FSBtrfs || !h.HasBtrfs {
		t.Fatalf("%+v %v", h, err)
	}
}

func TestByteSize(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{{0, "0B"}, {999, "999B"}, {1000, "1.00kB"}, {12345678, "12.35MB"}, {5_600_000_000, "5.60GB"}}
	for _, tt := range tests {
		if got := byteSize(tt.in); got != tt.want {
			t.Errorf("byteSize(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRsyncArgs(t *testing.T) {
	f := RsyncFeatures{Xattrs: true, Delete: true, Compress: true}
	got := recvArgs("/dst", f)
	want := []string{"--server", "-vlogDtpre.iLsfx", "--numeric-ids", "--devices", "--partial", "--sparse", "--modify-window=-1",
		"--xattrs", "--filter=-x security.selinux", "--delete", "--compress", "--compress-level=2", ".", "/dst"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("recv: %q", got)
	}
	got = sendArgs("/src", "/bin/lxd", "@s", "", RsyncFeatures{})
	want = []string{"-ar", "--devices", "--numeric-ids", "--partial", "--sparse", "/src/", "localhost:/tmp/foo", "-e", "/bin/lxd netcat @s"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("send: %q", got)
	}
}

func TestWebsocketURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://10.0.0.1:8443/1.0/operations/abc", "wss://10.0.0.1:8443/1.0/operations/abc/websocket"},
		{"https://[::1]:8443/1.0/operations/abc?project=p", "wss://[::1]:8443/1.0/operations/abc/websocket"},
		{"ftp://x/1.0/operations/a", ""},
		{"/1.0/operations/a", ""},
	}
	for _, tt := range tests {
		got, err := websocketURL(tt.in)
		if (err != nil) != (tt.want == "") || got != tt.want {
			t.Errorf("websocketURL(%q) = %q, %v", tt.in, got, err)
		}
	}
}
