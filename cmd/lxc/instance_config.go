package main

import (
	"errors"
	"fmt"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// Instance forms of `lxc config get/set/unset/show/edit`. config.go parses
// the arguments and connects, then calls these with a client scoped to the
// remote and project.

var errTargetWithInstance = errors.New("--target cannot be used with instances")

// instanceConfigGet prints one key of an instance (or its expanded config).
func instanceConfigGet(a *app, c *client.Client, name, key string, expanded bool) error {
	inst, _, err := getInstance(a.ctx, c, name)
	if err != nil {
		return err
	}
	if expanded {
		fmt.Fprintln(a.stdout, inst.ExpandedConfig[key])
	} else {
		fmt.Fprintln(a.stdout, inst.Config[key])
	}
	return nil
}

// instanceConfigSet sets keys on an instance with GET + PUT (If-Match).
func instanceConfigSet(a *app, c *client.Client, name string, keys map[string]string) error {
	inst, etag, err := getInstance(a.ctx, c, name)
	if err != nil {
		return err
	}
	if inst.Config == nil {
		inst.Config = map[string]string{}
	}
	for k, v := range keys {
		inst.Config[k] = v
	}
	return a.updateInstance(c, name, inst.Writable(), etag)
}

// instanceConfigUnset removes one key from an instance.
func instanceConfigUnset(a *app, c *client.Client, name, key string) error {
	inst, etag, err := getInstance(a.ctx, c, name)
	if err != nil {
		return err
	}
	if _, ok := inst.Config[key]; !ok {
		return fmt.Errorf("Can't unset key '%s', it's not currently set", key)
	}
	delete(inst.Config, key)
	return a.updateInstance(c, name, inst.Writable(), etag)
}

// instanceConfigShow prints an instance's writable fields (expanded on
// request) or a whole snapshot ("c1/snap") as YAML.
func instanceConfigShow(a *app, c *client.Client, name string, expanded bool) error {
	if inst, snap, ok := splitSnapshot(name); ok {
		s, _, err := getSnapshot(a.ctx, c, inst, snap)
		if err != nil {
			return err
		}
		return printYAML(a.stdout, s)
	}
	inst, _, err := getInstance(a.ctx, c, name)
	if err != nil {
		return err
	}
	brief := inst.Writable()
	if expanded {
		brief.Config, brief.Devices = inst.ExpandedConfig, inst.ExpandedDevices
	}
	return printYAML(a.stdout, &brief)
}

const instanceEditHeader = `### This is a YAML representation of the configuration.
### Any line starting with a '# will be ignored.
###
### A sample configuration looks like:
### name: instance1
### profiles:
### - default
### config:
###   volatile.eth0.hwaddr: 00:16:3e:e9:f8:7f
### devices:
###   homedir:
###     path: /extra
###     source: /home/user
###     type: disk
### ephemeral: false
###
### Note that the name is shown but cannot be changed`

// instanceConfigEdit edits an instance (or a snapshot's expiry) as YAML.
func instanceConfigEdit(a *app, c *client.Client, name string) error {
	if inst, snap, ok := splitSnapshot(name); ok {
		return editSnapshot(a, c, inst, snap)
	}
	return editObject(a, objectEdit[api.InstancePut]{
		header: instanceEditHeader,
		get: func() (any, string, error) {
			inst, etag, err := getInstance(a.ctx, c, name)
			if err != nil {
				return nil, "", err
			}
			return inst.Writable(), etag, nil
		},
		put: func(put api.InstancePut, etag string) error {
			return a.updateInstance(c, name, put, etag)
		},
	})
}

func editSnapshot(a *app, c *client.Client, inst, snap string) error {
	return editObject(a, objectEdit[api.InstanceSnapshotPut]{
		header: instanceEditHeader,
		get: func() (any, string, error) {
			return getSnapshot(a.ctx, c, inst, snap)
		},
		put: func(put api.InstanceSnapshotPut, etag string) error {
			op, err := c.Do(a.ctx, "PUT", snapshotURL(inst, snap), put, etag)
			if err != nil {
				return err
			}
			return a.waitOperation(c, op, "")
		},
	})
}
