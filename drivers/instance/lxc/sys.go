package lxc

import (
	"os"

	"golang.org/x/sys/unix"
)

const sigPWR = unix.SIGPWR

// pidfdSignal sends sig through a pidfd, immune to pid reuse.
func pidfdSignal(pidfd *os.File, sig unix.Signal) error {
	return unix.PidfdSendSignal(int(pidfd.Fd()), sig, nil, 0)
}

// unmountAll lazily unmounts every mount stacked on path (liblxc mounts the
// hotplug staging directory at each start).
func unmountAll(path string) {
	for i := 0; i < 16; i++ {
		if err := unix.Unmount(path, unix.MNT_DETACH); err != nil {
			return
		}
	}
}
