package imagefile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetectCompression(t *testing.T) {
	tests := []struct {
		name   string
		header []byte
		want   Compression
		squash bool
	}{
		{"gzip", []byte{0x1f, 0x8b, 0x08, 0, 0, 0}, CompressionGzip, false},
		{"bzip2", []byte("BZh91AY"), CompressionBzip2, false},
		{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0, 0}, CompressionXZ, false},
		{"zstd", []byte{0x28, 0xb5, 0x2f, 0xfd, 0x04}, CompressionZstd, false},
		{"lzma", []byte{0x5d, 0, 0, 0x80, 0, 0xff}, CompressionLZMA, false},
		{"tar", []byte("metadata.yaml\x00"), CompressionNone, false},
		{"squashfs", []byte("hsqs\x00\x00"), CompressionNone, true},
		{"short", []byte{0x1f}, CompressionNone, false},
		{"empty", nil, CompressionNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectCompression(tt.header); got != tt.want {
				t.Fatalf("DetectCompression = %q, want %q", got, tt.want)
			}
			if got := IsSquashfs(tt.header); got != tt.squash {
				t.Fatalf("IsSquashfs = %v", got)
			}
		})
	}
}

func TestParseCompression(t *testing.T) {
	tests := []struct {
		in     string
		want   Compression
		status int
	}{
		{"", CompressionGzip, 200},
		{"gzip", CompressionGzip, 200},
		{"xz", CompressionXZ, 200},
		{"zstd", CompressionZstd, 200},
		{"bzip2", CompressionBzip2, 200},
		{"lzma", CompressionLZMA, 200},
		{"none", CompressionNone, 200},
		{"gzip; rm -rf /", "", 400},
		{"--help", "", 400},
		{"xz -9", "", 400},
		{"GZIP", "", 400},
		{"squashfs", "", 400},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCompression(tt.in)
			wantErrStatus(t, err, tt.status)
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCompressDecompressRoundTrip(t *testing.T) {
	requireTool(t, "xz", "xz-utils")
	requireTool(t, "bzip2", "bzip2")
	payload := []byte(strings.Repeat("image bytes ", 5000))
	for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionBzip2, CompressionXZ, CompressionLZMA, CompressionZstd} {
		t.Run(string(c), func(t *testing.T) {
			packed := compress(t, payload, c)
			if c != CompressionNone && DetectCompression(packed) != c {
				t.Fatalf("compressed stream detected as %q", DetectCompression(packed))
			}
			r, got, err := Decompress(bytes.NewReader(packed))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got != c {
				t.Fatalf("Decompress detected %q", got)
			}
			out, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(out, payload) {
				t.Fatalf("round trip failed: %v (%d bytes)", err, len(out))
			}
		})
	}
}

func TestDecompressCorrupt(t *testing.T) {
	for _, data := range [][]byte{
		{0x1f, 0x8b, 0xff, 0xff},
		{0xfd, '7', 'z', 'X', 'Z', 0, 1, 2, 3},
		{0x28, 0xb5, 0x2f, 0xfd, 0xff, 0xff, 0xff},
	} {
		r, _, err := Decompress(bytes.NewReader(data))
		if err == nil {
			_, err = io.ReadAll(r)
			r.Close()
		}
		if err == nil {
			t.Fatalf("corrupt stream %x decoded without error", data)
		}
	}
}

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	meta, rootfs := []byte("metadata tarball"), []byte("rootfs squashfs")
	mp, rp := filepath.Join(dir, "meta"), filepath.Join(dir, "rootfs")
	if err := os.WriteFile(mp, meta, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rp, rootfs, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	tests := []struct {
		name  string
		files []string
		want  string
		size  int64
	}{
		{"unified", []string{mp}, sum(meta), int64(len(meta))},
		{"split", []string{mp, rp}, sum(append(append([]byte{}, meta...), rootfs...)), int64(len(meta) + len(rootfs))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, size, err := FingerprintFiles(tt.files...)
			if err != nil || got != tt.want || size != tt.size {
				t.Fatalf("FingerprintFiles = %s %d %v, want %s %d", got, size, err, tt.want, tt.size)
			}
		})
	}
	// Streaming: hashing while copying the upload to disk gives the same.
	fp := NewFingerprint()
	var sink bytes.Buffer
	if _, err := io.Copy(&sink, fp.Reader(bytes.NewReader(meta))); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(&sink, fp.Reader(bytes.NewReader(rootfs))); err != nil {
		t.Fatal(err)
	}
	if fp.Sum() != tests[1].want || fp.Size() != tests[1].size || sink.Len() != int(tests[1].size) {
		t.Fatalf("streaming fingerprint %s %d", fp.Sum(), fp.Size())
	}
	if _, _, err := FingerprintFiles(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file fingerprinted")
	}
}
