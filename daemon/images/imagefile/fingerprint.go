package imagefile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
)

// Fingerprint computes an image fingerprint while bytes stream through it:
// sha256 of the tarball for a unified image, sha256 of the metadata
// tarball followed by the rootfs file for a split image. Feed the parts in
// that order, e.g. io.Copy(metaFile, fp.Reader(metaPart)) then
// io.Copy(rootfsFile, fp.Reader(rootfsPart)).
type Fingerprint struct {
	h    hash.Hash
	size int64
}

// NewFingerprint starts an empty fingerprint.
func NewFingerprint() *Fingerprint { return &Fingerprint{h: sha256.New()} }

// Write adds p to the fingerprint.
func (f *Fingerprint) Write(p []byte) (int, error) {
	n, err := f.h.Write(p)
	f.size += int64(n)
	return n, err
}

// Reader returns a reader of r that adds everything read to f.
func (f *Fingerprint) Reader(r io.Reader) io.Reader { return io.TeeReader(r, f) }

// Sum is the hex fingerprint of everything seen so far.
func (f *Fingerprint) Sum() string { return hex.EncodeToString(f.h.Sum(nil)) }

// Size is the number of bytes seen so far (the image size LXD reports).
func (f *Fingerprint) Size() int64 { return f.size }

// FingerprintFiles fingerprints files on disk in order (one file for a
// unified image; metadata then rootfs for a split one) and returns the
// fingerprint and total size.
func FingerprintFiles(paths ...string) (string, int64, error) {
	fp := NewFingerprint()
	for _, p := range paths {
		if err := fp.addFile(p); err != nil {
			return "", 0, err
		}
	}
	return fp.Sum(), fp.Size(), nil
}

func (f *Fingerprint) addFile(p string) error {
	file, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("Failed to open %q: %w", p, err)
	}
	defer file.Close()
	if _, err := io.Copy(f, file); err != nil {
		return fmt.Errorf("Failed to read %q: %w", p, err)
	}
	return nil
}
