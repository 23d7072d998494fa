package btrfs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// loopDevice is an attached loop device; Close releases our handle, after
// which the device lives as long as something (the mount) holds it.
type loopDevice struct {
	Path string
	file *os.File
}

// Close drops our reference to the loop device.
func (l *loopDevice) Close() error { return l.file.Close() }

// attachLoop attaches file to a free loop device with auto-clear, so that
// the device detaches itself when its last user (the mount) goes away. A
// device already backed by file is reused and given auto-clear.
func attachLoop(file string) (*loopDevice, error) {
	if devs, err := loopsOf(file); err == nil && len(devs) > 0 {
		return reuseLoop(devs[0])
	}
	backing, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("Failed to open loop file %q: %w", file, err)
	}
	defer backing.Close()
	ctl, err := os.OpenFile("/dev/loop-control", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("Failed to open /dev/loop-control: %w", err)
	}
	defer ctl.Close()
	// Another process may take the free device between GET_FREE and
	// CONFIGURE (EBUSY): ask again.
	for attempt := 0; attempt < 10; attempt++ {
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			return nil, fmt.Errorf("Failed to find a free loop device: %w", err)
		}
		dev := fmt.Sprintf("/dev/loop%d", n)
		f, err := os.OpenFile(dev, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("Failed to open %s: %w", dev, err)
		}
		cfg := unix.LoopConfig{Fd: uint32(backing.Fd())}
		cfg.Info.Flags = unix.LO_FLAGS_AUTOCLEAR
		copy(cfg.Info.File_name[:], file)
		err = unix.IoctlLoopConfigure(int(f.Fd()), &cfg)
		if err == nil {
			return &loopDevice{Path: dev, file: f}, nil
		}
		_ = f.Close()
		if !errors.Is(err, unix.EBUSY) {
			return nil, fmt.Errorf("Failed to attach %q to %s: %w", file, dev, err)
		}
	}
	return nil, fmt.Errorf("Failed to attach %q: no free loop device", file)
}

// reuseLoop opens an attached device and turns auto-clear on.
func reuseLoop(dev string) (*loopDevice, error) {
	f, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("Failed to open %s: %w", dev, err)
	}
	info, err := unix.IoctlLoopGetStatus64(int(f.Fd()))
	if err == nil && info.Flags&unix.LO_FLAGS_AUTOCLEAR == 0 {
		info.Flags |= unix.LO_FLAGS_AUTOCLEAR
		err = unix.IoctlLoopSetStatus64(int(f.Fd()), info)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("Failed to set auto-clear on %s: %w", dev, err)
	}
	return &loopDevice{Path: dev, file: f}, nil
}

// loopsOf lists the loop devices whose backing file is file.
func loopsOf(file string) ([]string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	entries, err := filepath.Glob("/sys/block/loop*/loop/backing_file")
	if err != nil {
		return nil, err
	}
	var devs []string
	for _, e := range entries {
		b, err := os.ReadFile(e)
		if err != nil {
			continue // detached meanwhile
		}
		backing := strings.TrimSuffix(strings.TrimSpace(string(b)), " (deleted)")
		if backing == abs {
			name := filepath.Base(filepath.Dir(filepath.Dir(e)))
			devs = append(devs, "/dev/"+name)
		}
	}
	return devs, nil
}

// detachLoops detaches every loop device backed by file and waits (until
// ctx ends, at most 10s) for the kernel to let go of them: auto-clear runs
// asynchronously after the last close.
func detachLoops(ctx context.Context, file string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		devs, err := loopsOf(file)
		if err != nil {
			return fmt.Errorf("Failed to list loop devices: %w", err)
		}
		if len(devs) == 0 {
			return nil
		}
		for _, dev := range devs {
			clearLoop(dev)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("Loop devices %v still hold %q: %w", devs, file, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// clearLoop asks the kernel to detach dev. Errors are expected while the
// device is still in use or already being cleared; the caller polls.
func clearLoop(dev string) {
	f, err := os.OpenFile(dev, os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer f.Close()
	_ = unix.IoctlSetInt(int(f.Fd()), unix.LOOP_CLR_FD, 0)
}
