package eventsync

import (
	"context"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// Publisher receives the peers' events (daemon/events.Hub satisfies it).
type Publisher interface {
	Publish(e api.Event)
}

// Peer is a member to follow.
type Peer struct {
	Name    string
	Address string
}

// Connect returns a client for a peer's address.
type Connect func(address string) (*client.Client, error)

// Syncer follows peers.
type Syncer struct {
	pub     Publisher
	connect Connect
	log     *logrus.Entry
	// OnEvent, when set, sees every event received from a peer after it
	// is republished (the daemon reloads config on a peer's
	// config-updated).
	OnEvent func(e api.Event)

	mu        sync.Mutex
	followers map[string]*follower // by address
}

type follower struct {
	peer   Peer
	cancel context.CancelFunc
	done   chan struct{}
	// kick ends a reconnect backoff at once (WaitConnected).
	kick chan struct{}

	mu        sync.Mutex
	connected bool
	up        chan struct{} // closed while connected
}

func newFollower(p Peer, cancel context.CancelFunc) *follower {
	return &follower{peer: p, cancel: cancel, done: make(chan struct{}), kick: make(chan struct{}, 1), up: make(chan struct{})}
}

// New returns a syncer publishing into pub.
func New(pub Publisher, connect Connect, log *logrus.Entry) *Syncer {
	return &Syncer{pub: pub, connect: connect, log: log, followers: map[string]*follower{}}
}

// Update follows exactly peers: new ones are started, gone ones stopped.
func (s *Syncer) Update(ctx context.Context, peers []Peer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	want := map[string]Peer{}
	for _, p := range peers {
		want[p.Address] = p
	}
	for addr, f := range s.followers {
		if p, ok := want[addr]; !ok || p.Name != f.peer.Name {
			f.cancel()
			delete(s.followers, addr)
		}
	}
	for addr, p := range want {
		if _, ok := s.followers[addr]; ok {
			continue
		}
		fctx, cancel := context.WithCancel(ctx)
		f := newFollower(p, cancel)
		s.followers[addr] = f
		go s.follow(fctx, f)
	}
}

// Connected reports whether the stream of the peer at address is up.
func (s *Syncer) Connected(address string) bool {
	f := s.follower(address)
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.connected
}

// WaitConnected waits until the stream of the peer at address is up, or
// ctx ends (false), skipping what is left of a reconnect backoff. A
// member that forwards a request creating an operation calls it first:
// the caller follows the operation through this member's events, which
// are lost while the stream is down (e.g. just after the peer restarted).
func (s *Syncer) WaitConnected(ctx context.Context, address string) bool {
	f := s.follower(address)
	if f == nil {
		return false
	}
	f.mu.Lock()
	up := f.up
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
	select {
	case <-up:
		return true
	case <-ctx.Done():
		return false
	}
}

// follower returns the follower of the peer at address, or nil.
func (s *Syncer) follower(address string) *follower {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.followers[address]
}

// Stop ends every follower and waits for them.
func (s *Syncer) Stop() {
	s.mu.Lock()
	fs := s.followers
	s.followers = map[string]*follower{}
	s.mu.Unlock()
	for _, f := range fs {
		f.cancel()
		<-f.done
	}
}

// follow streams one peer's events until ctx ends, reconnecting with an
// exponential backoff (100ms doubling to 5s).
func (s *Syncer) follow(ctx context.Context, f *follower) {
	defer close(f.done)
	log := s.log.WithField("member", f.peer.Name)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		ch, err := s.subscribe(ctx, f.peer.Address)
		if err == nil {
			log.Debug("Following member events")
			f.setConnected(true)
			backoff = 100 * time.Millisecond
			for e := range ch {
				if e.Location == "" {
					e.Location = f.peer.Name
				}
				s.pub.Publish(e)
				if s.OnEvent != nil {
					s.OnEvent(e)
				}
			}
			f.setConnected(false)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		case <-f.kick:
		}
		if backoff < 5*time.Second {
			backoff *= 2
		}
	}
}

func (s *Syncer) subscribe(ctx context.Context, address string) (<-chan api.Event, error) {
	c, err := s.connect(address)
	if err != nil {
		return nil, err
	}
	return c.GetEvents(ctx, true)
}

func (f *follower) setConnected(v bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v == f.connected {
		return
	}
	f.connected = v
	if v {
		close(f.up)
	} else {
		f.up = make(chan struct{})
	}
}
