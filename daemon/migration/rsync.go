package migration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// The rsync transport, with LXD 5.0.2's arguments on both ends: the
// sender runs the rsync client and the receiver `rsync --server`; the
// flags the client derives for its server must be the ones the receiver
// runs with, so neither end may add options that change the protocol
// (no -H, no -A).

// featureArgs are the rsync options of the negotiated features.
func featureArgs(f RsyncFeatures) []string {
	var args []string
	if f.Xattrs {
		args = append(args, "--xattrs", "--filter=-x security.selinux")
	}
	if f.Delete {
		args = append(args, "--delete")
	}
	if f.Compress {
		args = append(args, "--compress", "--compress-level=2")
	}
	return args
}

// sendArgs are the rsync client's arguments sending path.
func sendArgs(path, exe, socket, bwlimit string, f RsyncFeatures) []string {
	args := []string{"-ar", "--devices", "--numeric-ids", "--partial", "--sparse"}
	if bwlimit != "" && bwlimit != "0" {
		args = append(args, "--bwlimit", bwlimit)
	}
	args = append(args, featureArgs(f)...)
	return append(args, strings.TrimSuffix(path, "/")+"/", "localhost:/tmp/foo", "-e", exe+" "+helperName+" "+socket)
}

// recvArgs are the rsync server's arguments receiving into path. Unlike
// LXD 5.0.2 (later versions do the same), the receiver compares
// modification times to the nanosecond: a snapshot and the volume sent
// after it may hold a file of the same size written within one second.
func recvArgs(path string, f RsyncFeatures) []string {
	args := []string{"--server", "-vlogDtpre.iLsfx", "--numeric-ids", "--devices", "--partial", "--sparse", "--modify-window=-1"}
	args = append(args, featureArgs(f)...)
	return append(args, ".", path)
}

// rsyncSend sends the tree at path over conn (one session).
func rsyncSend(ctx context.Context, path string, conn *streamIO, f RsyncFeatures, bwlimit string, count func(int)) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	socket := "@lxdng/migration/" + hex.EncodeToString(b)
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return err
	}
	defer ln.Close()
	cmd := exec.Command("rsync", sendArgs(path, exe, socket, bwlimit, f)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("Failed to run rsync: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Kill(); _ = conn.conn.Close() })
	defer stop()
	nc, err := acceptWithin(ln, 10*time.Second)
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fmt.Errorf("rsync failed to spawn: %w (%s)", err, strings.TrimSpace(stderr.String()))
	}
	uc := nc.(*net.UnixConn)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // rsync client -> websocket, then the barrier
		defer wg.Done()
		_, _ = io.Copy(conn, &countingReader{r: uc, count: count})
		_ = conn.Close()
	}()
	go func() { // websocket -> rsync client, until the receiver's barrier
		defer wg.Done()
		_, _ = io.Copy(uc, conn)
		_ = uc.CloseWrite()
	}()
	waitErr := cmd.Wait()
	_ = uc.Close()
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if waitErr != nil {
		return fmt.Errorf("Rsync send failed: %s: %w (%s)", path, waitErr, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func acceptWithin(ln net.Listener, d time.Duration) (net.Conn, error) {
	if ul, ok := ln.(*net.UnixListener); ok {
		_ = ul.SetDeadline(time.Now().Add(d))
	}
	return ln.Accept()
}

// rsyncRecv receives one session over conn into the directory path.
func rsyncRecv(ctx context.Context, path string, conn *streamIO, f RsyncFeatures, count func(int)) error {
	cmd := exec.Command("rsync", recvArgs(path, f)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("Failed to run rsync: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Kill(); _ = conn.conn.Close() })
	defer stop()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // rsync server -> websocket, then the barrier
		defer wg.Done()
		_, _ = io.Copy(conn, stdout)
		_ = conn.Close()
	}()
	var inErr error
	go func() { // websocket -> rsync server, until the sender's barrier
		defer wg.Done()
		_, inErr = io.Copy(stdin, &countingReader{r: conn, count: count})
		_ = stdin.Close()
	}()
	wg.Wait()
	waitErr := cmd.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if waitErr != nil {
		return fmt.Errorf("Rsync receive failed: %s: %w (%s)", path, waitErr, strings.TrimSpace(stderr.String()))
	}
	if inErr != nil && !errors.Is(inErr, io.EOF) {
		return fmt.Errorf("Rsync receive failed: %s: %w", path, inErr)
	}
	return nil
}

// countingReader reports the bytes read through it.
type countingReader struct {
	r     io.Reader
	count func(int)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 && c.count != nil {
		c.count(n)
	}
	return n, err
}

// progress renders LXD's "fs_progress" value for one transfer: at the
// first bytes, then at most once a second.
type progress struct {
	name   string
	report func(string)

	mu    sync.Mutex
	start time.Time
	last  time.Time
	total int64
}

func newProgress(name string, report func(string)) *progress {
	return &progress{name: name, report: report, start: time.Now()}
}

func (p *progress) add(n int) {
	if p == nil || p.report == nil {
		return
	}
	p.mu.Lock()
	p.total += int64(n)
	now := time.Now()
	if !p.last.IsZero() && now.Sub(p.last) < time.Second {
		p.mu.Unlock()
		return
	}
	p.last = now
	elapsed := now.Sub(p.start).Seconds()
	speed := int64(0)
	if elapsed > 0 {
		speed = int64(float64(p.total) / elapsed)
	}
	msg := fmt.Sprintf("%s: %s (%s/s)", p.name, byteSize(p.total), byteSize(speed))
	p.mu.Unlock()
	p.report(msg)
}

// byteSize renders a size with decimal units and two decimals, as LXD's
// progress does ("12.34MB").
func byteSize(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%dB", n)
	}
	v := float64(n)
	for _, unit := range []string{"kB", "MB", "GB", "TB", "PB"} {
		v /= 1000
		if v < 1000 {
			return fmt.Sprintf("%.2f%s", v, unit)
		}
	}
	return fmt.Sprintf("%.2fEB", v/1000)
}
