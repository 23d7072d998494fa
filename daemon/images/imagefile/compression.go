package imagefile

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/lxdng/lxd/shared/api"
)

// Compression names a compression algorithm of an image file.
type Compression string

// Supported compressions. The names are LXD's
// images.compression_algorithm values.
const (
	CompressionNone  Compression = "none"
	CompressionGzip  Compression = "gzip"
	CompressionBzip2 Compression = "bzip2"
	CompressionXZ    Compression = "xz"
	CompressionLZMA  Compression = "lzma"
	CompressionZstd  Compression = "zstd"
)

// Decoder limits against hostile headers asking for huge windows.
const (
	zstdMaxWindow = 1 << 28
	lzmaMaxDict   = 1 << 30
)

var (
	magicGzip     = []byte{0x1f, 0x8b}
	magicBzip2    = []byte("BZh")
	magicXZ       = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicZstd     = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicLZMA     = []byte{0x5d, 0x00, 0x00}
	magicSquashfs = []byte("hsqs")
)

// sniffLen is how many leading bytes detection looks at.
const sniffLen = 6

// DetectCompression identifies the compression of a stream from its first
// bytes (at least 6 for xz). Anything unknown is CompressionNone.
func DetectCompression(header []byte) Compression {
	switch {
	case bytes.HasPrefix(header, magicXZ):
		return CompressionXZ
	case bytes.HasPrefix(header, magicGzip):
		return CompressionGzip
	case bytes.HasPrefix(header, magicBzip2):
		return CompressionBzip2
	case bytes.HasPrefix(header, magicZstd):
		return CompressionZstd
	case bytes.HasPrefix(header, magicLZMA):
		return CompressionLZMA
	}
	return CompressionNone
}

// IsSquashfs reports whether header starts a squashfs filesystem.
func IsSquashfs(header []byte) bool {
	return bytes.HasPrefix(header, magicSquashfs)
}

// ParseCompression checks a user-given algorithm name against the
// allow-list used for publishing. "" means gzip (LXD's default).
func ParseCompression(name string) (Compression, error) {
	switch c := Compression(name); c {
	case "":
		return CompressionGzip, nil
	case CompressionNone, CompressionGzip, CompressionBzip2, CompressionXZ, CompressionLZMA, CompressionZstd:
		return c, nil
	}
	return "", api.BadRequest("Unsupported compression algorithm %q", name)
}

// Decompress detects the compression of r and returns a reader of the
// decompressed bytes. Close releases decoder resources; it does not close r.
func Decompress(r io.Reader) (io.ReadCloser, Compression, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	header, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", fmt.Errorf("Failed reading image: %w", err)
	}
	c := DetectCompression(header)
	rc, err := newDecoder(br, c)
	if err != nil {
		return nil, c, api.BadRequest("Invalid %s stream: %w", c, err)
	}
	return rc, c, nil
}

func newDecoder(r io.Reader, c Compression) (io.ReadCloser, error) {
	switch c {
	case CompressionGzip:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		return zr, nil
	case CompressionBzip2:
		return io.NopCloser(bzip2.NewReader(r)), nil
	case CompressionXZ:
		xr, err := xz.NewReader(r)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(xr), nil
	case CompressionLZMA:
		lr, err := lzma.ReaderConfig{DictCap: lzmaMaxDict}.NewReader(r)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(lr), nil
	case CompressionZstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderMaxWindow(zstdMaxWindow), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	}
	return io.NopCloser(r), nil
}

// NewCompressor returns a writer compressing into w. Close flushes it (and
// waits for an external compressor); it does not close w. gzip and zstd
// run in-process; xz, lzma and bzip2 run the system tool with a fixed
// argument list (no shell), which is much faster than pure-Go encoders.
func NewCompressor(ctx context.Context, w io.Writer, c Compression) (io.WriteCloser, error) {
	switch c {
	case CompressionNone:
		return nopWriteCloser{w}, nil
	case CompressionGzip:
		return gzip.NewWriter(w), nil
	case CompressionZstd:
		return zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
	case CompressionXZ:
		return startCompressor(ctx, w, "xz", "--compress", "--stdout", "--format=xz")
	case CompressionLZMA:
		return startCompressor(ctx, w, "xz", "--compress", "--stdout", "--format=lzma")
	case CompressionBzip2:
		return startCompressor(ctx, w, "bzip2", "--compress", "--stdout")
	}
	return nil, api.BadRequest("Unsupported compression algorithm %q", c)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// toolCompressor feeds an external compressor through a pipe.
type toolCompressor struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *bytes.Buffer
	once   sync.Once
	err    error
}

func startCompressor(ctx context.Context, w io.Writer, tool string, args ...string) (io.WriteCloser, error) {
	path, err := exec.LookPath(tool)
	if err != nil {
		return nil, fmt.Errorf("Failed to find %q (install the %s package): %w", tool, tool, err)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout = w
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("Failed to start %s: %w", tool, err)
	}
	return &toolCompressor{cmd: cmd, stdin: stdin, stderr: stderr}, nil
}

func (t *toolCompressor) Write(p []byte) (int, error) { return t.stdin.Write(p) }

func (t *toolCompressor) Close() error {
	t.once.Do(func() {
		cerr := t.stdin.Close()
		if err := t.cmd.Wait(); err != nil {
			t.err = fmt.Errorf("Failed to compress with %s: %w (%s)", t.cmd.Path, err, bytes.TrimSpace(t.stderr.Bytes()))
			return
		}
		t.err = cerr
	})
	return t.err
}
