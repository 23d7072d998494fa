package proxy

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// nsThread is one OS thread locked inside the container's network
// namespace for the forwarder's whole life. Sockets created on it belong to
// that namespace, wherever they are used afterwards. Entering the namespace
// once, while still root, is what lets the forwarder keep creating sockets
// there after it dropped its privileges (setns would need CAP_SYS_ADMIN).
type nsThread struct {
	reqs chan func()
}

// startNSThread enters the network namespace open at netnsFd.
func startNSThread(netnsFd int) (*nsThread, error) {
	t := &nsThread{reqs: make(chan func())}
	ready := make(chan error)
	go func() {
		// Never unlocked: the thread must not run other goroutines, and it
		// is discarded if this goroutine ever returns.
		runtime.LockOSThread()
		if err := unix.Setns(netnsFd, unix.CLONE_NEWNET); err != nil {
			ready <- fmt.Errorf("Failed setns to the instance network namespace: %w", err)
			return
		}
		ready <- nil
		for f := range t.reqs {
			f()
		}
	}()
	return t, <-ready
}

// do runs f on the namespace thread. f must not block for long: every
// socket of the forwarder on the container side is created through it.
func (t *nsThread) do(f func() error) error {
	done := make(chan error, 1)
	t.reqs <- func() { done <- f() }
	return <-done
}

// container is what the forwarder holds of the container: its network
// namespace thread, its root (for unix socket paths), its init's pidfd (to
// exit with it) and its id maps.
type container struct {
	pid    int
	ns     *nsThread
	root   int // O_PATH fd of /proc/<pid>/root
	pidfd  int
	uidMap idMap
	gidMap idMap
}

func openContainer(pid int) (*container, error) {
	c := &container{pid: pid, root: -1, pidfd: -1}
	var err error
	if c.pidfd, err = unix.PidfdOpen(pid, 0); err != nil {
		return nil, fmt.Errorf("Failed to open the instance's init process %d: %w", pid, err)
	}
	if c.root, err = unix.Open(fmt.Sprintf("/proc/%d/root", pid), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
		return nil, fmt.Errorf("Failed to open the instance's root: %w", err)
	}
	netns, err := unix.Open(fmt.Sprintf("/proc/%d/ns/net", pid), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("Failed to open the instance's network namespace: %w", err)
	}
	defer unix.Close(netns)
	if c.ns, err = startNSThread(netns); err != nil {
		return nil, err
	}
	if c.uidMap, err = readIDMap(fmt.Sprintf("/proc/%d/uid_map", pid)); err != nil {
		return nil, err
	}
	if c.gidMap, err = readIDMap(fmt.Sprintf("/proc/%d/gid_map", pid)); err != nil {
		return nil, err
	}
	return c, nil
}

// openPath opens p (absolute, inside the container) with flags, resolving
// it as if the container's root were "/": symlinks cannot escape.
func (c *container) openPath(p string, flags uint64) (int, error) {
	rel := strings.TrimPrefix(path.Clean("/"+p), "/")
	if rel == "" {
		rel = "."
	}
	fd, err := unix.Openat2(c.root, rel, &unix.OpenHow{
		Flags:   flags | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return -1, fmt.Errorf("Failed to open %q in the instance: %w", p, err)
	}
	return fd, nil
}

// idMap is a /proc/<pid>/uid_map: ranges of namespace ids to host ids.
type idMap []struct{ ns, host, count uint64 }

func readIDMap(p string) (idMap, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m idMap
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			continue
		}
		var v [3]uint64
		for i, s := range fields {
			if v[i], err = strconv.ParseUint(s, 10, 64); err != nil {
				return nil, fmt.Errorf("Bad id map line %q in %s", sc.Text(), p)
			}
		}
		m = append(m, struct{ ns, host, count uint64 }{v[0], v[1], v[2]})
	}
	return m, sc.Err()
}

// toHost maps an id of the container to the host.
func (m idMap) toHost(id uint32) (uint32, error) {
	for _, r := range m {
		if uint64(id) >= r.ns && uint64(id) < r.ns+r.count {
			return uint32(r.host + uint64(id) - r.ns), nil
		}
	}
	return 0, fmt.Errorf("Id %d is not mapped in the instance", id)
}
