package storage

import (
	"context"
	"sync"

	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/logctx"
)

// mountCounter counts the users of each mounted volume: the first user
// mounts, the last one to let go unmounts.
type mountCounter struct {
	mu    sync.Mutex
	users map[string]*mountState
}

type mountState struct {
	count int
	path  string
}

func newMountCounter() *mountCounter { return &mountCounter{users: map[string]*mountState{}} }

func mountKey(v drv.Volume) string {
	return v.Pool.Name + "/" + string(v.Type) + "/" + v.Name + "/" + v.Snapshot
}

// acquire mounts v unless it is mounted already and returns its path and a
// release function (safe to call more than once).
func (m *mountCounter) acquire(ctx context.Context, d drv.Driver, v drv.Volume) (string, func(), error) {
	key := mountKey(v)
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.users[key]
	if !ok {
		path, err := d.MountVolume(ctx, v)
		if err != nil {
			return "", nil, err
		}
		st = &mountState{path: path}
		m.users[key] = st
	}
	st.count++
	var once sync.Once
	release := func() {
		once.Do(func() { m.release(context.WithoutCancel(ctx), d, v, key) })
	}
	return st.path, release, nil
}

func (m *mountCounter) release(ctx context.Context, d drv.Driver, v drv.Volume, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.users[key]
	if !ok {
		return
	}
	st.count--
	if st.count > 0 {
		return
	}
	delete(m.users, key)
	if err := d.UnmountVolume(ctx, v); err != nil {
		logctx.From(ctx).WithError(err).WithField("volume", v.String()).Warn("Failed to unmount storage volume")
	}
}

// inUse reports whether v (or any of its snapshots when v addresses the
// volume) is mounted by someone.
func (m *mountCounter) inUse(v drv.Volume) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.users[mountKey(v)]
	return ok
}

// users returns how many users hold v mounted.
func (m *mountCounter) count(v drv.Volume) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st, ok := m.users[mountKey(v)]; ok {
		return st.count
	}
	return 0
}
