package storage

import (
	"errors"
	"fmt"
	"net/http"
	"sort"

	drv "github.com/lxdng/lxd/drivers/storage"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// memberPoolKeys hold one value per cluster member; they are stored in
// storage_pools_members, the other keys in storage_pools.
var memberPoolKeys = map[string]bool{
	"source": true, "size": true, "volatile.initial_source": true,
	"zfs.pool_name": true, "lvm.vg_name": true, "lvm.thinpool_name": true,
}

// splitPoolConfig separates the global keys from the member keys.
func splitPoolConfig(cfg map[string]string) (global, member map[string]string) {
	global, member = map[string]string{}, map[string]string{}
	for k, v := range cfg {
		if memberPoolKeys[k] {
			member[k] = v
		} else {
			global[k] = v
		}
	}
	return global, member
}

// validatePoolConfig checks cfg against the driver's pool keys in LXD's
// words (`Invalid option "k"`, `Invalid value for option "k": ...`),
// with the status LXD answers: 500 at creation, 400 on update.
func validatePoolConfig(d drv.Driver, cfg map[string]string, status int) error {
	return validateKeys(d.PoolKeys(), cfg, func(key string, cause error) error {
		if errors.Is(cause, config.ErrUnknownKey) {
			return api.NewStatusError(status, "Invalid option %q", key)
		}
		return api.NewStatusError(status, "Invalid value for option %q: %v", key, cause)
	})
}

// validateVolumeConfig checks a volume's config in LXD's words; LXD answers
// these with 500.
func validateVolumeConfig(d drv.Driver, driverName string, cfg map[string]string) error {
	err := validateKeys(d.VolumeKeys(), cfg, func(key string, cause error) error {
		if errors.Is(cause, config.ErrUnknownKey) {
			return api.NewStatusError(http.StatusInternalServerError, "Invalid option for volume %q option %q", driverName, key)
		}
		return api.NewStatusError(http.StatusInternalServerError, "Invalid value for volume %q option %q: %v", driverName, key, cause)
	})
	if err != nil {
		return err
	}
	if _, err := ParseSchedule(cfg["snapshots.schedule"]); err != nil {
		return api.InternalError("Invalid value for volume %q option %q: %v", driverName, "snapshots.schedule", err)
	}
	if config.ParseBool(cfg["security.shifted"]) && config.ParseBool(cfg["security.unmapped"]) {
		return api.BadRequest("security.shifted and security.unmapped are mutually exclusive")
	}
	return nil
}

// validateKeys validates cfg in sorted key order so the error is stable,
// turning the first failure into an error with wrap.
func validateKeys(schema config.Schema, cfg map[string]string, wrap func(key string, cause error) error) error {
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		err := schema.ValidateKey(k, cfg[k])
		if err == nil {
			continue
		}
		var ke *config.KeyError
		if errors.As(err, &ke) {
			return wrap(k, ke.Err)
		}
		return wrap(k, err)
	}
	return nil
}

// copyMap returns a non-nil copy of m.
func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// validateName refuses names LXD refuses for pools and volumes.
func validateName(name, kind string) error {
	if name == "" {
		return api.BadRequest("No name provided")
	}
	for _, c := range name {
		if c == '/' {
			return api.BadRequest("%s names may not contain slashes", kind)
		}
	}
	if name == "." || name == ".." {
		return api.BadRequest("Invalid %s name %q", kind, name)
	}
	return nil
}

// errorf keeps the status of err while prefixing its message.
func errorf(err error, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, err)...)
}
