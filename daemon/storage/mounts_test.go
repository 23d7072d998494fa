package storage

import (
	"context"
	"errors"
	"sync"
	"testing"

	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// countingDriver counts mounts and unmounts; it fakes nothing else.
type countingDriver struct {
	drv.Driver
	mu               sync.Mutex
	mounts, unmounts int
	fail             bool
}

func (c *countingDriver) MountVolume(ctx context.Context, v drv.Volume) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return "", errors.New("boom")
	}
	c.mounts++
	return "/pools/" + v.Name, nil
}

func (c *countingDriver) UnmountVolume(ctx context.Context, v drv.Volume) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unmounts++
	return nil
}

func TestMountCounter(t *testing.T) {
	ctx := context.Background()
	m := newMountCounter()
	d := &countingDriver{}
	v := drv.Volume{Pool: drv.Pool{Name: "p"}, Type: drv.VolumeTypeCustom, Name: "default_v"}
	p1, rel1, err := m.acquire(ctx, d, v)
	if err != nil {
		t.Fatal(err)
	}
	p2, rel2, _ := m.acquire(ctx, d, v)
	if p1 != p2 || d.mounts != 1 || m.count(v) != 2 {
		t.Fatalf("two users: paths %q %q, mounts %d, count %d", p1, p2, d.mounts, m.count(v))
	}
	rel1()
	rel1() // releasing twice counts once
	if d.unmounts != 0 || m.count(v) != 1 {
		t.Fatalf("after first release: unmounts %d, count %d", d.unmounts, m.count(v))
	}
	rel2()
	if d.unmounts != 1 || m.count(v) != 0 {
		t.Fatalf("after last release: unmounts %d, count %d", d.unmounts, m.count(v))
	}
	d.fail = true
	if _, _, err := m.acquire(ctx, d, v); err == nil || m.count(v) != 0 {
		t.Fatalf("failed mount: %v, count %d", err, m.count(v))
	}
}

func TestKeyedLocks(t *testing.T) {
	var k keyedLocks
	unlockA := k.lock("a")
	done := make(chan struct{})
	go func() { k.lock("b")(); close(done) }()
	<-done // another key is not blocked
	got := make(chan struct{})
	go func() { k.lock("a")(); close(got) }()
	select {
	case <-got:
		t.Fatal("second holder of the same key got in")
	default:
	}
	unlockA()
	<-got
	if len(k.locks) != 0 {
		t.Errorf("locks left: %v", k.locks)
	}
}

func TestValidateConfigWording(t *testing.T) {
	tests := []struct {
		name   string
		cfg    map[string]string
		status int
		msg    string
	}{
		{"unknown", map[string]string{"bogus": "1"}, 500, `Invalid option for volume "default_v" option "bogus"`},
		{"bad size", map[string]string{"size": "abc"}, 500, `Invalid value for volume "default_v" option "size": `},
		{"bad schedule", map[string]string{"snapshots.schedule": "61 * * * *"}, 500, `Invalid value for volume "default_v" option "snapshots.schedule": `},
		{"both security modes", map[string]string{"security.shifted": "true", "security.unmapped": "true"}, 400, "security.shifted and security.unmapped are mutually exclusive"},
		{"fine", map[string]string{"size": "1GiB", "user.x": "y", "snapshots.schedule": "@daily, @startup"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateVolumeConfig(keysDriver{}, "default_v", tt.cfg)
			if api.StatusOf(err) != tt.status {
				t.Fatalf("status %d (%v), want %d", api.StatusOf(err), err, tt.status)
			}
			if err != nil && len(err.Error()) < len(tt.msg) || err != nil && err.Error()[:len(tt.msg)] != tt.msg {
				t.Errorf("message %q, want prefix %q", err, tt.msg)
			}
		})
	}
}

// keysDriver offers the common key tables only.
type keysDriver struct{ drv.Driver }

func (keysDriver) VolumeKeys() config.Schema { return drv.CommonVolumeKeys() }
