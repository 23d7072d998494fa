package config

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
	schema "github.com/lxdng/lxd/shared/config"
)

// Applier reacts to a change of the keys it cares about before the change
// is saved (for example by binding a new listener). An error aborts the
// change; appliers already run are called again with old and new swapped.
type Applier func(ctx context.Context, old, new Snapshot) error

// Server holds the live server config.
type Server struct {
	db        *db.Store
	localPath string

	mu       sync.RWMutex
	global   map[string]string
	local    map[string]string
	appliers []Applier
	writeMu  sync.Mutex // serialises updates
}

// Load reads the cluster config from the database and the member-local
// config from localPath (daemon.yaml).
func Load(ctx context.Context, store *db.Store, localPath string) (*Server, error) {
	s := &Server{db: store, localPath: localPath, local: map[string]string{}}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(localPath)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err == nil {
		if err := yaml.Unmarshal(data, &s.local); err != nil {
			return nil, fmt.Errorf("Failed to parse %s: %w", localPath, err)
		}
	}
	return s, nil
}

// Reload re-reads the cluster-wide keys (after another member changed them).
func (s *Server) Reload(ctx context.Context) error {
	var global map[string]string
	err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		global, err = tx.Config(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("Failed to load server config: %w", err)
	}
	s.mu.Lock()
	s.global = global
	s.mu.Unlock()
	return nil
}

// OnChange registers an applier.
func (s *Server) OnChange(a Applier) {
	s.mu.Lock()
	s.appliers = append(s.appliers, a)
	s.mu.Unlock()
}

// Snapshot returns an immutable view of the current config.
func (s *Server) Snapshot() Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := make(map[string]string, len(s.global)+len(s.local))
	for k, v := range s.global {
		m[k] = v
	}
	for k, v := range s.local {
		m[k] = v
	}
	return Snapshot{values: m}
}

// Replace sets the whole config (PUT): keys absent from cfg are unset.
func (s *Server) Replace(ctx context.Context, cfg map[string]string) error {
	current := s.Snapshot().values
	changes := map[string]string{}
	for k := range current {
		if _, ok := cfg[k]; !ok {
			changes[k] = ""
		}
	}
	for k, v := range cfg {
		changes[k] = v
	}
	return s.Patch(ctx, changes)
}

// Patch applies changes (PATCH); an empty value unsets a key.
func (s *Server) Patch(ctx context.Context, changes map[string]string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	changes, err := s.normalise(changes)
	if err != nil {
		return err
	}
	if len(changes) == 0 {
		return nil
	}
	old := s.Snapshot()
	next := old.with(changes)
	undo, err := s.runAppliers(ctx, old, next)
	if err != nil {
		return err
	}
	if err := s.save(ctx, changes); err != nil {
		undo()
		return err
	}
	return nil
}

// normalise validates changes, drops no-op changes, and hashes the trust
// password.
func (s *Server) normalise(changes map[string]string) (map[string]string, error) {
	current := s.Snapshot()
	out := map[string]string{}
	keys := make([]string, 0, len(changes))
	for k := range changes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := changes[k]
		if err := ServerKeys.ValidateKey(k, v); err != nil {
			return nil, api.BadRequest("%s", err.Error())
		}
		if k == "core.trust_password" && v != "" {
			if v == "true" && current.values[k] != "" {
				continue // the rendered placeholder sent back by `lxc config edit`
			}
			v = hashPassword(v)
		}
		if current.values[k] == v {
			continue
		}
		out[k] = v
	}
	return out, nil
}

func (s *Server) runAppliers(ctx context.Context, old, next Snapshot) (undo func(), err error) {
	s.mu.RLock()
	appliers := append([]Applier(nil), s.appliers...)
	s.mu.RUnlock()
	done := 0
	undo = func() {
		for i := done - 1; i >= 0; i-- {
			_ = appliers[i](ctx, next, old)
		}
	}
	for _, a := range appliers {
		if err := a(ctx, old, next); err != nil {
			undo()
			return nil, err
		}
		done++
	}
	return undo, nil
}

func (s *Server) save(ctx context.Context, changes map[string]string) error {
	global, local := map[string]string{}, map[string]string{}
	for k, v := range changes {
		key, _ := ServerKeys.Lookup(k)
		if key.Scope == schema.Member {
			local[k] = v
		} else {
			global[k] = v
		}
	}
	if len(global) > 0 {
		err := s.db.Tx(ctx, func(ctx context.Context, tx *db.Tx) error { return tx.UpdateConfig(ctx, global) })
		if err != nil {
			return fmt.Errorf("Failed to save server config: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range global {
		setOrDelete(s.global, k, v)
	}
	if len(local) == 0 {
		return nil
	}
	for k, v := range local {
		setOrDelete(s.local, k, v)
	}
	return writeFileAtomic(s.localPath, s.local)
}

func setOrDelete(m map[string]string, k, v string) {
	if v == "" {
		delete(m, k)
		return
	}
	m[k] = v
}

func writeFileAtomic(path string, v any) error {
	data, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".daemon.yaml-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

const pbkdf2Iterations = 100000

func hashPassword(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key, _ := pbkdf2.Key(sha256.New, pw, salt, pbkdf2Iterations, 32)
	return "pbkdf2-sha256$" + hex.EncodeToString(salt) + "$" + hex.EncodeToString(key)
}

// CheckPassword reports whether pw matches the stored hash.
func CheckPassword(stored, pw string) bool {
	parts := strings.Split(stored, "$")
	if len(parts) != 3 || parts[0] != "pbkdf2-sha256" || pw == "" {
		return false
	}
	salt, err1 := hex.DecodeString(parts[1])
	want, err2 := hex.DecodeString(parts[2])
	if err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pw, salt, pbkdf2Iterations, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}
