package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// The get, set and unset commands of profiles, projects, networks, storage
// pools and volumes share one shape: name the object, GET it, read or
// change its config map, PUT it back with the ETag. configKeys says how one
// kind of object is reached; its methods build the three commands around
// the cobra texts each group declares.

// configObject is the config of one object: get fetches it (with the
// ETag), put writes a changed map back. put is nil where the object was
// opened for reading only.
type configObject struct {
	get func() (config map[string]string, etag string, err error)
	put func(config map[string]string, etag string) error
}

// openConfig parses the arguments naming an object and connects; toChange
// says it is opened for set or unset, which may check more.
type openConfig func(args []string, target string, toChange bool) (*configObject, error)

type configKeys struct {
	a *app
	// objectArgs is how many arguments name the object ("<pool> <volume>"
	// takes two).
	objectArgs int
	// target adds --target (a cluster member) to the commands.
	target bool
	// printUnset: get prints an empty line for a key that is not set, as
	// LXD's profile and project get do; the others print nothing.
	printUnset bool
	open       openConfig
}

// getCommand fills cmd (its texts) into `get <object> <key>`.
func (k configKeys) getCommand(cmd *cobra.Command) *cobra.Command {
	var target string
	n := k.objectArgs
	cmd.RunE = withArgCount(n+1, n+1, func(args []string) error {
		obj, err := k.open(args[:n], target, false)
		if err != nil {
			return err
		}
		config, _, err := obj.get()
		if err != nil {
			return err
		}
		if v, ok := config[args[n]]; ok || k.printUnset {
			fmt.Fprintln(k.a.stdout, v)
		}
		return nil
	})
	return k.withTargetFlag(cmd, &target)
}

// setCommand fills cmd into `set <object> <key>=<value>...` (or the older
// `set <object> <key> <value>`).
func (k configKeys) setCommand(cmd *cobra.Command) *cobra.Command {
	var target string
	n := k.objectArgs
	cmd.RunE = withArgCount(n+1, -1, func(args []string) error {
		return k.set(args[:n], args[n:], target)
	})
	return k.withTargetFlag(cmd, &target)
}

// unsetCommand fills cmd into `unset <object> <key>`: a set to "", which
// the servers drop.
func (k configKeys) unsetCommand(cmd *cobra.Command) *cobra.Command {
	var target string
	n := k.objectArgs
	cmd.RunE = withArgCount(n+1, n+1, func(args []string) error {
		return k.set(args[:n], []string{args[n], ""}, target)
	})
	return k.withTargetFlag(cmd, &target)
}

// set merges the "key=value" arguments into the object's config. The
// object is opened before the keys are read (a "-" value reads stdin).
func (k configKeys) set(objectArgs, kv []string, target string) error {
	obj, err := k.open(objectArgs, target, true)
	if err != nil {
		return err
	}
	keys, err := parseKeyValues(kv, k.a.stdin)
	if err != nil {
		return err
	}
	config, etag, err := obj.get()
	if err != nil {
		return err
	}
	if config == nil {
		config = map[string]string{}
	}
	for key, v := range keys {
		config[key] = v
	}
	return obj.put(config, etag)
}

func (k configKeys) withTargetFlag(cmd *cobra.Command, target *string) *cobra.Command {
	if k.target {
		cmd.Flags().StringVar(target, "target", "", "Cluster member name``")
	}
	return cmd
}

// configOf builds the configObject of an API object T: get fetches it,
// config points at its config map, put saves it (nil: read-only).
func configOf[T any](get func() (*T, string, error), config func(*T) *map[string]string, put func(*T, string) error) *configObject {
	var obj *T
	co := &configObject{
		get: func() (map[string]string, string, error) {
			got, etag, err := get()
			if err != nil {
				return nil, "", err
			}
			obj = got
			return *config(obj), etag, nil
		},
	}
	if put != nil {
		co.put = func(changed map[string]string, etag string) error {
			*config(obj) = changed
			return put(obj, etag)
		}
	}
	return co
}
