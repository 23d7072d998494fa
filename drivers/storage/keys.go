package storage

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
	"github.com/lxdng/lxd/shared/units"
)

// CommonPoolKeys are the pool keys every local driver accepts (LXD 5.0.2).
// Drivers merge their own keys and VolumeDefaultKeys of their volume schema.
func CommonPoolKeys() config.Schema {
	return config.Schema{
		"source": {Scope: config.Member,
			Help: "Path to an existing directory, block device or loop file"},
		"rsync.bwlimit": {Default: "0", Validate: config.Optional(config.IsSize),
			Help: "Upper limit on the socket I/O when rsync must be used to transfer storage entities"},
		"rsync.compression": {Type: config.Bool, Default: "true", Validate: config.Optional(config.IsBool),
			Help: "Whether to use compression while migrating storage pools"},
		"volatile.initial_source": {ReadOnly: true, Scope: config.Member,
			Help: "Source the pool was created from, as given"},
		"volatile.pool.pristine": {Type: config.Bool, ReadOnly: true, Validate: config.Optional(config.IsBool),
			Help: "Whether the pool was created on an empty source the daemon made"},
		"user.*": {Help: "Free-form user key/value storage"},
	}
}

// CommonVolumeKeys are the volume keys every local driver accepts.
func CommonVolumeKeys() config.Schema {
	return config.Schema{
		"size": {Validate: config.Optional(config.IsSize),
			Help: "Size/quota of the storage volume"},
		"security.shifted": {Type: config.Bool, Default: "false", Validate: config.Optional(config.IsBool),
			Help: "Enable ID shifting overlay (allows attach by multiple isolated instances)"},
		"security.unmapped": {Type: config.Bool, Default: "false", Validate: config.Optional(config.IsBool),
			Help: "Disable ID mapping for the volume"},
		"snapshots.expiry": {Validate: config.Optional(units.IsExpiry),
			Help: "Controls when snapshots are to be deleted (expects an expression like 1M 2H 3d 4w 5m 6y)"},
		"snapshots.schedule": {Validate: config.Optional(IsSnapshotSchedule),
			Help: "Cron expression (<minute> <hour> <dom> <month> <dow>), a comma-separated list of schedule aliases (@hourly, @daily, @midnight, @weekly, @monthly, @annually, @yearly), or empty to disable automatic snapshots"},
		"snapshots.pattern": {Default: "snap%d",
			Help: "Pongo2 template string that represents the snapshot name (used for scheduled snapshots and unnamed snapshots)"},
		"volatile.idmap.last": {ReadOnly: true, Help: "JSON-serialized ID map last applied to the volume"},
		"volatile.idmap.next": {ReadOnly: true, Help: "JSON-serialized ID map to apply to the volume"},
		"user.*":              {Help: "Free-form user key/value storage"},
	}
}

// BlockBackedVolumeKeys are the extra volume keys of drivers that put
// filesystem volumes on block devices (Info.BlockBacked). dir and btrfs do
// not accept them, as in LXD.
func BlockBackedVolumeKeys() config.Schema {
	return config.Schema{
		"block.filesystem": {Default: "ext4", Validate: config.Optional(config.IsOneOf("btrfs", "ext4", "xfs")),
			Help: "Filesystem of the storage volume"},
		"block.mount_options": {Default: "discard",
			Help: "Mount options for block devices"},
	}
}

// VolumeDefaultKeys turns a volume schema into the pool keys that set
// defaults for new volumes ("volume.size", ...). volatile and user keys have
// no pool-level default.
func VolumeDefaultKeys(volumeKeys config.Schema) config.Schema {
	out := config.Schema{}
	for name, k := range volumeKeys {
		if strings.HasPrefix(name, "volatile.") || strings.HasPrefix(name, "user.") {
			continue
		}
		k.Scope = config.Global
		out["volume."+name] = k
	}
	return out
}

// ApplyVolumeDefaults returns a copy of volConfig completed with the pool's
// "volume.<key>" defaults for keys volConfig does not set and volumeKeys
// declares.
func ApplyVolumeDefaults(poolConfig, volConfig map[string]string, volumeKeys config.Schema) map[string]string {
	out := make(map[string]string, len(volConfig))
	for k, v := range volConfig {
		out[k] = v
	}
	for k, v := range poolConfig {
		name, ok := strings.CutPrefix(k, "volume.")
		if !ok || v == "" {
			continue
		}
		if _, declared := volumeKeys.Lookup(name); !declared {
			continue
		}
		if _, set := out[name]; !set {
			out[name] = v
		}
	}
	return out
}

// ValidateVolumeConfig checks cfg against keys plus the rules between keys.
// Errors are 400s wrapping the *config.KeyError.
func ValidateVolumeConfig(keys config.Schema, cfg map[string]string) error {
	if err := keys.Validate(cfg); err != nil {
		return api.BadRequest("Invalid option: %w", err)
	}
	if config.ParseBool(cfg["security.shifted"]) && config.ParseBool(cfg["security.unmapped"]) {
		return api.BadRequest("security.shifted and security.unmapped are mutually exclusive")
	}
	return nil
}

// ValidatePoolConfig checks cfg against keys. Errors are 400s.
func ValidatePoolConfig(keys config.Schema, cfg map[string]string) error {
	if err := keys.Validate(cfg); err != nil {
		return api.BadRequest("Invalid option: %w", err)
	}
	return nil
}

var scheduleAliases = map[string]bool{
	"@hourly": true, "@daily": true, "@midnight": true, "@weekly": true,
	"@monthly": true, "@annually": true, "@yearly": true, "@startup": true, "@never": true,
}

var cronFieldRe = regexp.MustCompile(`^[0-9A-Za-z*,/\-]+$`)

// IsSnapshotSchedule accepts a 5-field cron expression or a comma-separated
// list of schedule aliases.
func IsSnapshotSchedule(v string) error {
	if strings.HasPrefix(strings.TrimSpace(v), "@") {
		for _, a := range strings.Split(v, ",") {
			if !scheduleAliases[strings.TrimSpace(a)] {
				return fmt.Errorf("Invalid schedule alias %q", strings.TrimSpace(a))
			}
		}
		return nil
	}
	fields := strings.Fields(v)
	if len(fields) != 5 {
		return fmt.Errorf("Schedule must be of the form: <minute> <hour> <day-of-month> <month> <day-of-week>")
	}
	for _, f := range fields {
		if !cronFieldRe.MatchString(f) {
			return fmt.Errorf("Invalid schedule field %q", f)
		}
	}
	return nil
}
