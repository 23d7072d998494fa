package lxc

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openPty creates a pseudo-terminal: the master (non-blocking, so Close
// interrupts readers) and the slave given to the command. The daemon
// creates it, through the container's own devpts instance when devpts is
// given (so ttyname works inside), else through the host's /dev/ptmx. The
// slave is owned by uid:gid (host ids).
func openPty(devpts *os.File, width, height, uid, gid int) (master, slave *os.File, err error) {
	flags := unix.O_RDWR | unix.O_NOCTTY | unix.O_CLOEXEC | unix.O_NONBLOCK
	var mfd int
	if devpts != nil {
		mfd, err = unix.Openat(int(devpts.Fd()), "ptmx", flags, 0)
	} else {
		mfd, err = unix.Open("/dev/ptmx", flags, 0)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("Failed to open ptmx: %w", err)
	}
	if err := unix.IoctlSetPointerInt(mfd, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(mfd)
		return nil, nil, fmt.Errorf("Failed to unlock the pty: %w", err)
	}
	// TIOCGPTPEER opens the slave through the master, whatever /dev/pts
	// is mounted in this namespace.
	sfd, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(mfd), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		unix.Close(mfd)
		return nil, nil, fmt.Errorf("Failed to open the pty slave: %w", errno)
	}
	if err := unix.Fchown(int(sfd), uid, gid); err != nil {
		unix.Close(mfd)
		unix.Close(int(sfd))
		return nil, nil, fmt.Errorf("Failed to chown the pty: %w", err)
	}
	master = os.NewFile(uintptr(mfd), "ptmx")
	slave = os.NewFile(sfd, "pts")
	if err := setWinsize(master, width, height); err != nil {
		master.Close()
		slave.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

func setWinsize(f *os.File, width, height int) error {
	if width <= 0 || height <= 0 {
		return nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ioctlErr error
	err = rc.Control(func(fd uintptr) {
		ioctlErr = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(height), Col: uint16(width)})
	})
	if err != nil {
		return err
	}
	return ioctlErr
}
