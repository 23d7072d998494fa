package config

import (
	"strconv"
	"time"

	schema "github.com/lxdng/lxd/shared/config"
)

// Snapshot is an immutable view of the server config with typed getters.
type Snapshot struct{ values map[string]string }

// NewSnapshot builds a snapshot from raw values (tests, previews).
func NewSnapshot(values map[string]string) Snapshot {
	m := make(map[string]string, len(values))
	for k, v := range values {
		m[k] = v
	}
	return Snapshot{values: m}
}

func (s Snapshot) with(changes map[string]string) Snapshot {
	next := NewSnapshot(s.values)
	for k, v := range changes {
		setOrDelete(next.values, k, v)
	}
	return next
}

// Get returns the value or the key's default.
func (s Snapshot) Get(key string) string { return ServerKeys.Get(s.values, key) }

// Bool returns a boolean key.
func (s Snapshot) Bool(key string) bool { return schema.ParseBool(s.Get(key)) }

// Int returns an integer key (0 when unparsable).
func (s Snapshot) Int(key string) int64 {
	n, _ := strconv.ParseInt(s.Get(key), 10, 64)
	return n
}

// Duration returns an LXD expiry-notation key.
func (s Snapshot) Duration(key string) time.Duration {
	d, _ := ParseExpiry(s.Get(key))
	return d
}

// Changed reports whether key differs between s and other.
func (s Snapshot) Changed(other Snapshot, key string) bool { return s.Get(key) != other.Get(key) }

// TrustPasswordHash returns the stored hash ("" when no password is set).
func (s Snapshot) TrustPasswordHash() string { return s.values["core.trust_password"] }

// Render returns the config as GET /1.0 shows it: explicitly set keys only,
// with the trust password replaced by true.
func (s Snapshot) Render() map[string]any {
	out := make(map[string]any, len(s.values))
	for k, v := range s.values {
		if k == "core.trust_password" {
			out[k] = true
			continue
		}
		out[k] = v
	}
	return out
}
