package cluster

import "github.com/lxdng/lxd/cluster/db"

// Self returns this member's database row as it is now. A server's row
// changes under the services: bootstrap renames the standalone row ("none")
// to the member name, a join replaces the whole database and gives the
// server a new id, a rename elsewhere changes the name. Services therefore
// read the identity on every use instead of keeping an id from their
// construction.
type Self func() db.Member

// ID is the member id rows of this member are keyed by.
func (s Self) ID() int64 { return s().ID }

// Name is the member name locations show ("none" when not clustered).
func (s Self) Name() string {
	if n := s().Name; n != "" {
		return n
	}
	return "none"
}

// StaticSelf is a fixed identity, for unit tests and standalone tools.
func StaticSelf(m db.Member) Self { return func() db.Member { return m } }

// Identity is the live identity of this member for the services.
func (m *Manager) Identity() Self {
	return func() db.Member {
		self, _ := m.Self()
		return self
	}
}
