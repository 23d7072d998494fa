package storage

import (
	"context"
	"sync"

	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// keyedLocks serialises work on one pool or volume while letting work on
// different ones run in parallel.
type keyedLocks struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	mu      sync.Mutex
	waiters int
}

// lock takes the lock of key and returns its release.
func (k *keyedLocks) lock(key string) func() {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l, ok := k.locks[key]
	if !ok {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.waiters++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.waiters--
		if l.waiters == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// requestorOf is the lifecycle requestor of the caller of ctx.
func requestorOf(ctx context.Context) *api.EventLifecycleRequestor {
	return request.From(ctx).Lifecycle()
}

// statusOf is the HTTP status an error carries.
func statusOf(err error) int { return api.StatusOf(err) }
