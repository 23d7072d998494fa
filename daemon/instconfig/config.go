package instconfig

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/lxdng/lxd/shared/config"
)

// ConfigOpts says what a config map belongs to.
type ConfigOpts struct {
	// Profile validates a profile's config: volatile.* and image.* keys are
	// refused, and errors carry no "Invalid config: " prefix.
	Profile bool
	// AllowVolatile accepts the volatile.* keys the daemon knows on an
	// instance (LXD lets users edit them); otherwise they are unknown keys.
	AllowVolatile bool
	// Type is TypeContainer or TypeVM for instances; "" accepts the keys of
	// both (profiles).
	Type string
	// Extra holds driver-specific keys merged on top of the table.
	Extra config.Schema
}

// ValidateConfig checks an instance or profile config map against the
// table, in sorted key order so the error is stable. The errors carry LXD's
// wording: "Invalid config: Unknown configuration key: bogus.key" for an
// instance, "Unknown configuration key: bogus.key" for a profile, and the
// validator's own text for a bad value. They have no HTTP status: LXD
// answers 400 on profile creation and 500 on updates, so callers decide.
func ValidateConfig(cfg map[string]string, o ConfigOpts) error {
	if err := validateConfig(cfg, o); err != nil {
		if o.Profile {
			return err
		}
		return fmt.Errorf("Invalid config: %w", err)
	}
	return nil
}

func validateConfig(cfg map[string]string, o ConfigOpts) error {
	schema := Schema(o.Type, o.Extra)
	if !o.Profile {
		schema = schema.Merge(imageKeys)
		if o.AllowVolatile {
			schema = schema.Merge(volatileKeys)
		}
	}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if o.Profile && strings.HasPrefix(k, "volatile.") {
			return errors.New("Volatile keys can only be set on instances")
		}
		if o.Profile && strings.HasPrefix(k, "image.") {
			return errors.New("Image keys can only be set on instances")
		}
		if err := validateKey(schema, k, cfg[k]); err != nil {
			return err
		}
	}
	return checkSyscallKeys(cfg)
}

// syscallRenames pairs each security.syscalls key with its old name.
var syscallRenames = [][2]string{
	{"security.syscalls.deny_compat", "security.syscalls.blacklist_compat"},
	{"security.syscalls.deny_default", "security.syscalls.blacklist_default"},
	{"security.syscalls.deny", "security.syscalls.blacklist"},
	{"security.syscalls.allow", "security.syscalls.whitelist"},
}

// checkSyscallKeys refuses, as LXD does when the keys are set (not only at
// start), a key together with its old name, and an allow list together
// with any deny key.
func checkSyscallKeys(cfg map[string]string) error {
	for _, p := range syscallRenames {
		if cfg[p[0]] != "" && cfg[p[1]] != "" {
			return fmt.Errorf("Mutually exclusive keys %s and %s are set", p[0], p[1])
		}
	}
	first := func(p [2]string) string {
		if cfg[p[0]] != "" {
			return cfg[p[0]]
		}
		return cfg[p[1]]
	}
	allow := first(syscallRenames[3])
	if allow != "" && (first(syscallRenames[2]) != "" || first(syscallRenames[1]) != "" || config.ParseBool(first(syscallRenames[0]))) {
		return errors.New("security.syscalls.allow is mutually exclusive with security.syscalls.deny*")
	}
	return nil
}

// validateKey checks one key, returning the validator's bare message (LXD
// does not name the key for a bad value).
func validateKey(schema config.Schema, k, v string) error {
	key, ok := schema.Lookup(k)
	if !ok {
		return fmt.Errorf("Unknown configuration key: %s", k)
	}
	if key.Validate == nil || v == "" {
		return nil
	}
	return key.Validate(v)
}

// IsKnownKey reports whether k is a valid instance or profile key name
// (any type), for `lxc config` completion and help.
func IsKnownKey(k string) bool {
	_, ok := Schema("").Merge(imageKeys, volatileKeys).Lookup(k)
	return ok
}
