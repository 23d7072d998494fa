package config

import (
	"fmt"
	"sort"
	"strings"
)

// Type is the value type of a key, used for help output and defaults.
type Type int

// Key value types.
const (
	String Type = iota
	Bool
	Int
)

func (t Type) String() string {
	switch t {
	case Bool:
		return "bool"
	case Int:
		return "integer"
	default:
		return "string"
	}
}

// Scope says whether a key is cluster-wide or holds one value per member.
type Scope int

// Key scopes.
const (
	Global Scope = iota
	Member
)

func (s Scope) String() string {
	if s == Member {
		return "local"
	}
	return "global"
}

// Key describes one config key.
type Key struct {
	Type     Type
	Default  string
	Scope    Scope
	Validate func(value string) error // nil accepts anything
	Help     string
	// ReadOnly keys may only be written by the daemon (volatile.*, image.* on instances).
	ReadOnly bool
}

// Schema maps key names to their description. A name may be a pattern:
// "*" matches exactly one dot-free segment, and a trailing ".*" matches any
// non-empty remainder ("environment.*", "volatile.*.hwaddr", "user.*").
type Schema map[string]Key

// KeyError says which key failed validation and why. Callers format it in
// the wording of their endpoint.
type KeyError struct {
	Key   string
	Value string
	Err   error
}

// ErrUnknownKey is the cause of a KeyError for a key no schema declares.
var ErrUnknownKey = fmt.Errorf("unknown key")

func (e *KeyError) Error() string {
	return fmt.Sprintf("cannot set '%s' to '%s': %v", e.Key, e.Value, e.Err)
}

func (e *KeyError) Unwrap() error { return e.Err }

// Lookup finds the declaration of name, exact names first, then patterns.
func (s Schema) Lookup(name string) (Key, bool) {
	if k, ok := s[name]; ok {
		return k, true
	}
	// Longest pattern first so "volatile.*.hwaddr" wins over "volatile.*".
	patterns := make([]string, 0)
	for p := range s {
		if strings.Contains(p, "*") {
			patterns = append(patterns, p)
		}
	}
	sort.Slice(patterns, func(i, j int) bool { return len(patterns[i]) > len(patterns[j]) })
	for _, p := range patterns {
		if MatchPattern(p, name) {
			return s[p], true
		}
	}
	return Key{}, false
}

// MatchPattern reports whether name matches pattern (see Schema).
func MatchPattern(pattern, name string) bool {
	ps := strings.Split(pattern, ".")
	ns := strings.Split(name, ".")
	for i, p := range ps {
		if i >= len(ns) {
			return false
		}
		if p == "*" && i == len(ps)-1 {
			return ns[i] != "" // trailing wildcard eats the rest
		}
		if p == "*" {
			if ns[i] == "" {
				return false
			}
			continue
		}
		if p != ns[i] {
			return false
		}
	}
	return len(ps) == len(ns)
}

// ValidateKey checks one key and value against the schema.
func (s Schema) ValidateKey(name, value string) error {
	k, ok := s.Lookup(name)
	if !ok {
		return &KeyError{Key: name, Value: value, Err: ErrUnknownKey}
	}
	if k.Validate == nil || value == "" {
		return nil
	}
	if err := k.Validate(value); err != nil {
		return &KeyError{Key: name, Value: value, Err: err}
	}
	return nil
}

// Validate checks every key of cfg in sorted order, so the reported error is
// stable. It returns the first *KeyError.
func (s Schema) Validate(cfg map[string]string) error {
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := s.ValidateKey(k, cfg[k]); err != nil {
			return err
		}
	}
	return nil
}

// Get returns cfg[name] or the declared default.
func (s Schema) Get(cfg map[string]string, name string) string {
	if v, ok := cfg[name]; ok && v != "" {
		return v
	}
	if k, ok := s.Lookup(name); ok {
		return k.Default
	}
	return ""
}

// Merge returns a new schema holding the keys of s and of others (later wins).
func (s Schema) Merge(others ...Schema) Schema {
	out := Schema{}
	for k, v := range s {
		out[k] = v
	}
	for _, o := range others {
		for k, v := range o {
			out[k] = v
		}
	}
	return out
}

// Names returns the declared key names, sorted.
func (s Schema) Names() []string {
	names := make([]string, 0, len(s))
	for k := range s {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Markdown renders the schema as a reference table for docs/.
func (s Schema) Markdown() string {
	var b strings.Builder
	b.WriteString("| Key | Type | Scope | Default | Description |\n| --- | --- | --- | --- | --- |\n")
	for _, name := range s.Names() {
		k := s[name]
		def := k.Default
		if def == "" {
			def = "-"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | `%s` | %s |\n", name, k.Type, k.Scope, def, strings.ReplaceAll(k.Help, "|", "\\|"))
	}
	return b.String()
}
