package daemon

import (
	"os"
	"syscall"

	"github.com/sirupsen/logrus"
)

// reexec replaces the process with a fresh start of the same binary and
// arguments (same PID, so supervisors and tests keep tracking it).
func reexec(log *logrus.Entry) {
	exe, err := os.Executable()
	if err != nil {
		exe = "/proc/self/exe"
	}
	err = syscall.Exec(exe, os.Args, os.Environ())
	log.WithError(err).Error("Failed to restart the daemon")
	os.Exit(1)
}
