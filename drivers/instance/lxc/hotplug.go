package lxc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	lxc "github.com/lxc/go-lxc"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/idmap"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// AttachDevice adds the mounts, device nodes, cgroup rules and NICs of dev
// to a running container: mounts through the forkmount helper (see
// runForkMount), NICs by moving the prepared host interface (type "phys")
// into the container's network namespace (see attachNIC). Only bind mounts
// (FSType "") can be hot-plugged.
func (d *Driver) AttachDevice(ctx context.Context, r instance.Ref, dev instance.DeviceSpec) error {
	for _, n := range dev.NICs {
		if err := checkHotplugNIC(dev.Name, n); err != nil {
			return err
		}
	}
	for _, m := range dev.Mounts {
		if m.FSType != "" {
			return api.BadRequest("Device %q: only bind mounts can be hot-plugged", dev.Name)
		}
	}
	var initPid int
	err := d.withContainer(r, func(c *lxc.Container) error {
		if status(c) != api.Running {
			return api.BadRequest("%w", instance.ErrNotRunning)
		}
		initPid = c.InitPid()
		return nil
	})
	if err != nil {
		return err
	}
	p := d.paths(r)
	set, err := readIdmap(p.config)
	if err != nil {
		return err
	}
	for _, m := range dev.Mounts {
		if !filepath.IsAbs(m.Target) {
			return api.BadRequest("Device %q: invalid mount target %q", dev.Name, m.Target)
		}
		spec := d.mountSpec(r, p, initPid)
		spec.Source, spec.Target = m.Source, m.Target
		spec.ReadOnly, spec.Recursive, spec.Propagation = m.ReadOnly, m.Recursive, m.Propagation
		spec.Shift = m.Shift && len(set) > 0 // privileged: nothing to map
		if err := d.inject(ctx, spec); err != nil {
			if m.Optional && errors.Is(err, os.ErrNotExist) {
				continue
			}
			return fmt.Errorf("Device %q: failed to mount %s: %w", dev.Name, m.Target, err)
		}
	}
	if err := d.attachNodes(ctx, r, p, initPid, set, dev); err != nil {
		return err
	}
	if err := d.applyCgroupRules(r, set, dev.CgroupRules); err != nil {
		return err
	}
	return attachNICs(ctx, initPid, dev)
}

// attachNodes makes the host copies of dev's device nodes and binds them in.
func (d *Driver) attachNodes(ctx context.Context, r instance.Ref, p paths, initPid int, set idmap.Set, dev instance.DeviceSpec) error {
	for _, n := range dev.Nodes {
		src, err := makeNode(p.devices, dev.Name, n, set)
		if err != nil {
			return api.BadRequest("Device %q: %w", dev.Name, err)
		}
		spec := d.mountSpec(r, p, initPid)
		spec.Source, spec.Target = src, n.Path
		if err := d.inject(ctx, spec); err != nil {
			return fmt.Errorf("Device %q: failed to bind %s: %w", dev.Name, n.Path, err)
		}
	}
	return nil
}

// DetachDevice removes what AttachDevice added (or what Start set up for
// the device): its mounts and nodes are unmounted inside, its host node
// copies removed, its allow rules revoked, its NICs moved back to the host
// under their HostName.
func (d *Driver) DetachDevice(ctx context.Context, r instance.Ref, dev instance.DeviceSpec) error {
	var initPid int
	err := d.withContainer(r, func(c *lxc.Container) error {
		if status(c) != api.Running {
			return api.BadRequest("%w", instance.ErrNotRunning)
		}
		initPid = c.InitPid()
		return nil
	})
	if err != nil {
		return err
	}
	if err := detachNICs(ctx, initPid, dev); err != nil {
		return err
	}
	p := d.paths(r)
	// As LXD, the mount point (a device node's too) is removed once
	// unmounted when it is empty, even if the image had it.
	var targets []string
	for _, m := range dev.Mounts {
		targets = append(targets, m.Target)
	}
	for _, n := range dev.Nodes {
		targets = append(targets, n.Path)
	}
	for _, t := range targets {
		out, err := d.helper(ctx, helperUmount, lxcName(r), d.opts.LxcPath, p.config, t, "remove").CombinedOutput()
		if err != nil {
			return fmt.Errorf("Device %q: failed to unmount %s: %s", dev.Name, t, helperError(out, err))
		}
	}
	if err := removeNodes(p.devices, dev.Name); err != nil {
		return err
	}
	var revoke []instance.CgroupRule
	for _, rule := range dev.CgroupRules {
		if rule.Allow {
			revoke = append(revoke, instance.CgroupRule{Allow: false, Rule: rule.Rule})
		}
	}
	logctx.From(ctx).WithField("instance", r.String()).WithField("device", dev.Name).Debug("Device detached")
	set, err := readIdmap(p.config)
	if err != nil {
		return err
	}
	return d.applyCgroupRules(r, set, revoke)
}

func (d *Driver) mountSpec(r instance.Ref, p paths, initPid int) mountSpec {
	return mountSpec{Name: lxcName(r), LxcPath: d.opts.LxcPath, Config: p.config, InitPid: initPid}
}

// inject runs the forkmount helper.
func (d *Driver) inject(ctx context.Context, s mountSpec) error {
	if _, err := os.Stat(s.Source); err != nil {
		return err
	}
	arg, err := json.Marshal(s)
	if err != nil {
		return err
	}
	out, err := d.helper(ctx, helperMount, string(arg)).CombinedOutput()
	if err != nil {
		return errors.New(helperError(out, err))
	}
	return nil
}

// applyCgroupRules writes device rules to the running container's cgroup.
// Only privileged containers (empty set) have a device allow-list (see
// renderSecurity); for others the rules are moot and skipped.
func (d *Driver) applyCgroupRules(r instance.Ref, set idmap.Set, rules []instance.CgroupRule) error {
	if len(rules) == 0 || len(set) > 0 {
		return nil
	}
	return d.withConfig(r, func(c *lxc.Container) error {
		for _, rule := range rules {
			file := "devices.deny"
			if rule.Allow {
				file = "devices.allow"
			}
			if err := c.SetCgroupItem(file, rule.Rule); err != nil {
				return fmt.Errorf("Failed to set %s %q: %w", file, rule.Rule, err)
			}
		}
		return nil
	})
}

// readIdmap reads the lxc.idmap lines of a generated config.
func readIdmap(config string) (idmap.Set, error) {
	f, err := os.Open(config)
	if err != nil {
		return nil, fmt.Errorf("Failed to read the instance config: %w", err)
	}
	defer f.Close()
	var set idmap.Set
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "lxc.idmap = ")
		if !ok {
			continue
		}
		var kind string
		var e idmap.Entry
		if _, err := fmt.Sscanf(v, "%s %d %d %d", &kind, &e.Nsid, &e.Hostid, &e.Maprange); err != nil {
			return nil, fmt.Errorf("Invalid lxc.idmap %q in %s", v, config)
		}
		e.Isuid, e.Isgid = kind == "u", kind == "g"
		set = append(set, e)
	}
	return set, sc.Err()
}

// UpdateLimits applies the limits.* keys of cfg to the running container;
// keys absent from cfg get their defaults back. limits.kernel.* (process
// limits of init) only change at the next start.
func (d *Driver) UpdateLimits(ctx context.Context, r instance.Ref, cfg map[string]string) error {
	items, err := limitItems(cfg, d.host, limitOpts{reset: true})
	if err != nil {
		return api.BadRequest("%w", err)
	}
	return d.withConfig(r, func(c *lxc.Container) error {
		if status(c) == api.Stopped {
			return api.BadRequest("%w", instance.ErrNotRunning)
		}
		for _, it := range items {
			if err := c.SetCgroupItem(it.file, it.value); err != nil {
				return fmt.Errorf("Failed to set %s to %q: %w", it.file, it.value, err)
			}
		}
		logctx.From(ctx).WithField("instance", r.String()).Debug("Limits updated")
		return nil
	})
}
