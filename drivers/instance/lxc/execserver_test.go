package lxc

import (
	"net"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestEncodeRequest(t *testing.T) {
	tests := []struct {
		name string
		id   uint64
		spec execSpec
		tty  bool
		want string
	}{
		{"plain", 1, execSpec{Command: []string{"true"}, Cwd: "/root"}, false, "1|0|0|0|/root|0|true|"},
		{"user, env, args", 42, execSpec{Command: []string{"sh", "-c", "echo $A"}, Env: []string{"A=1", "PATH=/bin"}, Cwd: "/tmp", UID: 1000, GID: 100},
			false, "42|1000|100|0|/tmp|2|A=1|PATH=/bin|sh|-c|echo $A|"},
		{"terminal", 7, execSpec{Command: []string{"bash"}, Cwd: "/"}, true, "7|0|0|1|/|0|bash|"},
		{"empty strings kept", 3, execSpec{Command: []string{"printf", ""}, Env: []string{"E="}, Cwd: "/"}, false, "3|0|0|0|/|1|E=|printf||"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.ReplaceAll(string(encodeRequest(tt.id, tt.spec, tt.tty)), "\x00", "|")
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadReady(t *testing.T) {
	tests := []struct {
		msg     string
		pid     int
		wantErr string
	}{
		{"ready 1234", 1234, ""},
		{"error The instance is not running", 0, "The instance is not running"},
		{"ready x", 0, "Unexpected exec server greeting"},
		{"ready -5", 0, "Unexpected exec server greeting"},
		{"hello", 0, "Unexpected exec server greeting"},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			ours, theirs := seqpacketPair(t)
			if _, err := theirs.Write([]byte(tt.msg)); err != nil {
				t.Fatal(err)
			}
			pid, err := readReady(ours)
			if pid != tt.pid || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("got %d %v, want %d %q", pid, err, tt.pid, tt.wantErr)
			}
		})
	}
	t.Run("hang-up", func(t *testing.T) {
		ours, theirs := seqpacketPair(t)
		theirs.Close()
		if _, err := readReady(ours); err == nil || !strings.Contains(err.Error(), "did not start") {
			t.Fatalf("got %v", err)
		}
	})
}

// TestTakePidfd checks the daemon keeps a received fd only when it is a
// pidfd of the announced pid.
func TestTakePidfd(t *testing.T) {
	self := os.Getpid()
	pidfd := func() int {
		fd, err := unix.PidfdOpen(self, 0)
		if err != nil {
			t.Fatal(err)
		}
		return fd
	}
	devnull := func() int {
		fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		return fd
	}
	tests := []struct {
		name string
		fds  []int
		pid  int
		keep bool
	}{
		{"pidfd of the pid", []int{pidfd()}, self, true},
		{"pidfd of another pid", []int{pidfd()}, self + 1, false},
		{"not a pidfd", []int{devnull()}, self, false},
		{"none", nil, self, false},
		{"extra fds closed", []int{devnull(), pidfd(), devnull()}, self, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := takePidfd(tt.fds, tt.pid)
			if (got >= 0) != tt.keep {
				t.Fatalf("kept %d", got)
			}
			for _, fd := range tt.fds {
				_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
				if open := err == nil; open != (fd == got) {
					t.Errorf("fd %d open=%v (kept %d)", fd, open, got)
				}
			}
			if got >= 0 {
				unix.Close(got)
			}
		})
	}
}

func seqpacketPair(t *testing.T) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]*net.UnixConn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "seqpacket")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c.(*net.UnixConn)
		t.Cleanup(func() { c.Close() })
	}
	return conns[0], conns[1]
}
