package imagefile

import (
	"archive/tar"
	"bytes"
	"context"
	"strings"
	"testing"
)

// fuzzTypes are the entry types the fuzzer picks from.
var fuzzTypes = []byte{tar.TypeReg, tar.TypeDir, tar.TypeSymlink, tar.TypeLink, tar.TypeFifo, tar.TypeChar}

// FuzzUnpack extracts three fuzzed entries (name, link target, type) and
// checks the one invariant that matters: nothing outside the target
// changes, whatever the archive. "@OUT@" in a name or link stands for the
// sentinel directory's absolute path.
//
//	go test -run XXX -fuzz FuzzUnpack -fuzztime 60s -fuzzminimizetime 2s ./daemon/images/imagefile/
func FuzzUnpack(f *testing.F) {
	seeds := [][9]string{
		{"rootfs/x", "@OUT@", "2", "rootfs/x/passwd", "", "0", "metadata.yaml", "", "0"},
		{"x", "../outside", "2", "x/etc/passwd", "", "0", "y", "x/etc/passwd", "3"},
		{"../outside/etc/passwd", "", "0", "/@OUT@/f", "", "0", "d/", "", "1"},
		{"d/", "", "1", "d", "@OUT@/etc", "2", "d/passwd", "", "0"},
		{"templates/t", "@OUT@/etc/passwd", "2", "rootfs/h", "@OUT@/etc/passwd", "3", "rootfs/dev/x", "", "5"},
		{"a", "a", "3", "b", "../../..", "2", "b/outside/etc/passwd", "", "0"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2][0], s[3], s[4], s[5][0], s[6], s[7], s[8][0])
	}
	f.Fuzz(func(t *testing.T, n1, l1 string, t1 byte, n2, l2 string, t2 byte, n3, l3 string, t3 byte) {
		s := newSandbox(t)
		expand := func(v string) string { return strings.ReplaceAll(v, "@OUT@", s.outside) }
		var entries []ent
		for _, e := range []struct {
			name, link string
			typ        byte
		}{{n1, l1, t1}, {n2, l2, t2}, {n3, l3, t3}} {
			typ := fuzzTypes[int(e.typ)%len(fuzzTypes)]
			entries = append(entries, ent{name: expand(e.name), link: expand(e.link), typ: typ, body: "fuzz", mode: 0o644, major: 1, minor: 3})
		}
		data, ok := tryBuildTar(entries)
		if !ok {
			return
		}
		layout := LayoutImage
		if t1%2 == 1 {
			layout = LayoutRootfs
		}
		_ = Unpack(context.Background(), bytes.NewReader(data), s.target, UnpackOpts{Layout: layout, AllowDevices: t2%2 == 1})
		s.checkOutside(t)
	})
}

// tryBuildTar is buildTar for fuzzed input that tar may refuse to encode.
func tryBuildTar(entries []ent) ([]byte, bool) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: e.mode, Devmajor: e.major, Devminor: e.minor, ModTime: testTime}
		if e.typ == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if tw.WriteHeader(hdr) != nil {
			return nil, false
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				return nil, false
			}
		}
	}
	if tw.Close() != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

func TestCleanEntryName(t *testing.T) {
	tests := []struct {
		in, want string
		status   int
	}{
		{"rootfs/etc/passwd", "rootfs/etc/passwd", 200},
		{"./rootfs//etc/./passwd", "rootfs/etc/passwd", 200},
		{"rootfs/", "rootfs", 200},
		{"./", "", 200},
		{".", "", 200},
		{"/etc/passwd", "", 400},
		{"rootfs/../../x", "", 400},
		{"..", "", 400},
		{"a/..", "", 400},
		{"a\x00b", "", 400},
		{"..foo/bar..", "..foo/bar..", 200},
	}
	for _, tt := range tests {
		got, err := cleanEntryName(tt.in)
		wantErrStatus(t, err, tt.status)
		if got != tt.want {
			t.Fatalf("cleanEntryName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
