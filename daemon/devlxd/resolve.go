package devlxd

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/lxdng/lxd/shared/api"
)

// maxAncestry bounds the walk up a caller's parents (nested containers).
const maxAncestry = 64

// errUnknownCaller is the answer to a process no instance owns.
var errUnknownCaller = api.Forbidden("not authorized")

// NamespaceResolver maps a pid to its instance through the kernel: the pid
// namespace of the process (or of its nearest ancestor that shares one
// with an instance's init) is compared with that of every running
// instance's init process.
type NamespaceResolver struct {
	Lister Lister
	// Proc is the procfs mount ("/proc" when empty).
	Proc string
}

var _ Resolver = NamespaceResolver{}

// nsID identifies a namespace (nsfs device and inode).
type nsID struct{ dev, ino uint64 }

func (n NamespaceResolver) proc() string {
	if n.Proc == "" {
		return "/proc"
	}
	return n.Proc
}

// pidNS returns the pid namespace of pid.
func (n NamespaceResolver) pidNS(pid int) (nsID, error) {
	st, err := os.Stat(fmt.Sprintf("%s/%d/ns/pid", n.proc(), pid))
	if err != nil {
		return nsID{}, err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return nsID{}, fmt.Errorf("no stat for pid %d's namespace", pid)
	}
	return nsID{dev: sys.Dev, ino: sys.Ino}, nil
}

// parent returns pid's parent pid from /proc/<pid>/status.
func (n NamespaceResolver) parent(pid int) (int, error) {
	f, err := os.Open(fmt.Sprintf("%s/%d/status", n.proc(), pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PPid:"); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("no PPid for pid %d", pid)
}

// InstanceByPID implements Resolver. A process of no instance gets a 403.
func (n NamespaceResolver) InstanceByPID(ctx context.Context, pid int) (*Instance, error) {
	insts, err := n.Lister.DevlxdInstances(ctx)
	if err != nil {
		return nil, err
	}
	host, err := n.pidNS(os.Getpid())
	if err != nil {
		return nil, err
	}
	byNS := map[nsID]*Instance{}
	for i := range insts {
		st, err := insts[i].Driver.State(ctx, insts[i].Ref)
		if err != nil || st.Pid <= 0 {
			continue
		}
		if id, err := n.pidNS(st.Pid); err == nil && id != host {
			byNS[id] = &insts[i]
		}
	}
	p := pid
	for i := 0; i < maxAncestry && p > 1; i++ {
		id, err := n.pidNS(p)
		if err != nil {
			break
		}
		if inst, ok := byNS[id]; ok {
			return inst, nil
		}
		if p, err = n.parent(p); err != nil {
			break
		}
	}
	return nil, errUnknownCaller
}
