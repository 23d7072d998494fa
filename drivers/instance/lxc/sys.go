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
