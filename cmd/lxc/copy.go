package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

const transferModesLong = `

Transfer modes (--mode):
 - pull: Target server pulls the data from the source server (source must listen on network)
 - push: Source server pushes the data to the target server (target must listen on network)
 - relay: The CLI connects to both source and server and proxies the data (both source and target must listen on network)

The pull transfer mode is the default as it is compatible with all LXD versions.`

type copyFlags struct {
	config            []string
	devices           []string
	profiles          []string
	noProfiles        bool
	ephemeral         bool
	instanceOnly      bool
	mode              string
	stateless         bool
	storage           string
	target            string
	targetProject     string
	refresh           bool
	allowInconsistent bool
}

func (f *copyFlags) register(cmd *cobra.Command, move bool) {
	fl := cmd.Flags()
	what, profHelp, noProfHelp, onlyHelp, modeHelp := "new", "Profile to apply to the new instance``",
		"Create the instance with no profiles applied", "Copy the instance without its snapshots",
		"Transfer mode. One of pull, push or relay``"
	if move {
		what, profHelp, noProfHelp, onlyHelp, modeHelp = "target", "Profile to apply to the target instance``",
			"Unset all profiles on the target instance", "Move the instance without its snapshots",
			"Transfer mode. One of pull, push or relay.``"
	}
	fl.StringArrayVarP(&f.config, "config", "c", nil, "Config key/value to apply to the "+what+" instance``")
	fl.StringArrayVarP(&f.devices, "device", "d", nil, "New key/value to apply to a specific device``")
	fl.StringArrayVarP(&f.profiles, "profile", "p", nil, profHelp)
	fl.BoolVar(&f.noProfiles, "no-profiles", false, noProfHelp)
	fl.BoolVar(&f.instanceOnly, "instance-only", false, onlyHelp)
	fl.StringVar(&f.mode, "mode", "pull", modeHelp)
	fl.BoolVar(&f.stateless, "stateless", false, "Copy a stateful instance stateless")
	fl.StringVarP(&f.storage, "storage", "s", "", "Storage pool name``")
	fl.StringVar(&f.target, "target", "", "Cluster member name``")
	fl.StringVar(&f.targetProject, "target-project", "", "Copy to a project different from the source``")
	fl.BoolVar(&f.allowInconsistent, "allow-inconsistent", false, "Ignore copy errors for volatile files")
	if !move {
		fl.BoolVarP(&f.ephemeral, "ephemeral", "e", false, "Ephemeral instance")
		fl.BoolVar(&f.refresh, "refresh", false, "Perform an incremental copy")
	}
}

func copyCommand(a *app) *cobra.Command {
	f := &copyFlags{}
	cmd := &cobra.Command{
		Use:     "copy [<remote>:]<source>[/<snapshot>] [[<remote>:]<destination>]",
		Aliases: []string{"cp"},
		Short:   "Copy instances within or in between LXD servers",
		Long:    "Copy instances within or in between LXD servers" + transferModesLong,
		RunE: withArgCount(1, 2, func(args []string) error {
			ephemeral := 0
			if f.ephemeral {
				ephemeral = 1
			}
			dest := ""
			if len(args) == 2 {
				dest = args[1]
			}
			opts := copyOpts{keepVolatile: f.refresh, ephemeral: ephemeral, live: !f.stateless && !f.refresh}
			return a.copyInstance(args[0], dest, f, opts)
		}),
	}
	f.register(cmd, false)
	return cmd
}

// copyOpts are what differs between a copy and the copy half of a move.
type copyOpts struct {
	keepVolatile bool
	ephemeral    int // 1: set, 0: clear, -1: keep the source's
	live         bool
	move         bool
}

// copyInstance copies an instance or snapshot: a local POST with source
// type "copy" on the same server, a pull migration between servers.
func (a *app) copyInstance(srcArg, dstArg string, f *copyFlags, o copyOpts) error {
	srcRemote, srcName, err := a.parseRemote(srcArg)
	if err != nil {
		return err
	}
	dstRemote, dstName := a.conf.DefaultRemote, ""
	if dstArg != "" {
		if dstRemote, dstName, err = a.parseRemote(dstArg); err != nil {
			return err
		}
	}
	if srcName == "" {
		return errors.New("You must specify a source instance name")
	}
	if dstName == "" && f.target != "" {
		return errors.New("You must specify a destination instance name when using --target")
	}
	if dstName == "" && dstArg != "" {
		dstName = srcName
	}
	src, err := a.connect(srcRemote)
	if err != nil {
		return err
	}
	dst := src
	if srcRemote != dstRemote {
		if dst, err = a.connect(dstRemote); err != nil {
			return err
		}
	}
	if f.targetProject != "" {
		dst = dst.WithProject(f.targetProject)
	}
	if f.target != "" {
		srv, _, err := dst.GetServer(a.ctx)
		if err != nil {
			return err
		}
		if !srv.Environment.ServerClustered {
			return errors.New("To use --target, the destination remote must be a cluster")
		}
		dst = dst.WithTarget(f.target)
	}
	req, start, err := a.copyRequest(src, srcName, dstName, f, o)
	if err != nil {
		return err
	}
	op, err := a.sendCopy(src, dst, srcRemote == dstRemote, req, f)
	if err != nil {
		return err
	}
	if err := a.waitOperation(dst, op, "Transferring instance"); err != nil {
		return err
	}
	if dstArg == "" {
		urls := op.Resources["instances"]
		if len(urls) != 1 {
			return errors.New("Failed to get the new instance name")
		}
		fmt.Fprintf(a.stdout, "Instance name is: %s\n", urls[0][strings.LastIndex(urls[0], "/")+1:])
	}
	if start {
		sop, err := stateAction(a.ctx, dst, dstName, api.InstanceStatePut{Action: "start"})
		if err == nil {
			err = sop.Wait(a.ctx)
		}
		return err
	}
	return nil
}

// copyRequest builds the InstancesPost from the source instance or
// snapshot with the flags' overrides. start says the copy must be started
// (a stateless move of a running instance).
func (a *app) copyRequest(src *client.Client, srcName, dstName string, f *copyFlags, o copyOpts) (api.InstancesPost, bool, error) {
	config, err := parsePairs(f.config, badPair)
	if err != nil {
		return api.InstancesPost{}, false, err
	}
	overrides, err := parseDeviceOverrides(f.devices)
	if err != nil {
		return api.InstancesPost{}, false, err
	}
	var req api.InstancesPost
	start := false
	if inst, snap, ok := splitSnapshot(srcName); ok {
		if f.instanceOnly {
			return req, false, errors.New("--instance-only can't be passed when the source is a snapshot")
		}
		if f.refresh {
			return req, false, errors.New("--refresh can only be used with instances")
		}
		s, _, err := getSnapshot(a.ctx, src, inst, snap)
		if err != nil {
			return req, false, err
		}
		req.InstancePut = api.InstancePut{Architecture: s.Architecture, Config: s.Config, Devices: s.Devices,
			Ephemeral: s.Ephemeral, Profiles: s.Profiles, Stateful: s.Stateful}
		req.Source = api.InstanceSource{Type: "copy", Source: srcName, BaseImage: s.Config["volatile.base_image"]}
	} else {
		i, _, err := getInstance(a.ctx, src, srcName)
		if err != nil {
			return req, false, err
		}
		start = i.StatusCode == api.Running && o.move && !o.live
		req.InstancePut = i.Writable()
		req.Type = i.Type
		req.Source = api.InstanceSource{Type: "copy", Source: srcName, BaseImage: i.Config["volatile.base_image"],
			Live: o.live && i.StatusCode == api.Running, InstanceOnly: f.instanceOnly, ContainerOnly: f.instanceOnly,
			Refresh: f.refresh, AllowInconsistent: f.allowInconsistent}
		req.Name = srcName
	}
	if dstName != "" {
		req.Name = dstName
	}
	applyCopyOverrides(&req.InstancePut, f, config, overrides, o)
	return req, start, nil
}

// applyCopyOverrides applies -p/--no-profiles, -c, -d, -e and -s, then
// strips volatile keys (all but volatile.base_image) unless kept.
func applyCopyOverrides(put *api.InstancePut, f *copyFlags, config map[string]string, devs map[string]map[string]string, o copyOpts) {
	if f.profiles != nil {
		put.Profiles = append(put.Profiles, f.profiles...)
	} else if f.noProfiles {
		put.Profiles = []string{}
	}
	if put.Config == nil {
		put.Config = map[string]string{}
	}
	for k, v := range config {
		put.Config[k] = v
	}
	if put.Devices == nil {
		put.Devices = map[string]map[string]string{}
	}
	for name, keys := range devs {
		if put.Devices[name] == nil {
			put.Devices[name] = keys
			continue
		}
		for k, v := range keys {
			put.Devices[name][k] = v
		}
	}
	switch o.ephemeral {
	case 1:
		put.Ephemeral = true
	case 0:
		put.Ephemeral = false
	}
	if f.storage != "" {
		if root := rootDiskName(put.Devices); root != "" {
			put.Devices[root]["pool"] = f.storage
		} else {
			put.Devices["root"] = map[string]string{"type": "disk", "path": "/", "pool": f.storage}
		}
	}
	delete(put.Config, "volatile.last_state.power")
	if !o.keepVolatile {
		for k := range put.Config {
			if strings.HasPrefix(k, "volatile.") && k != "volatile.base_image" {
				delete(put.Config, k)
			}
		}
	}
}

// sendCopy POSTs the copy: a local copy on the same server; between
// servers a pull migration (the source starts a migration operation whose
// secrets the target uses).
func (a *app) sendCopy(src, dst *client.Client, sameServer bool, req api.InstancesPost, f *copyFlags) (*client.Operation, error) {
	if sameServer {
		if dst.Project() != src.Project() {
			req.Source.Project = src.Project()
			if req.Source.Project == "" {
				req.Source.Project = "default"
			}
		}
		return dst.Do(a.ctx, http.MethodPost, "/1.0/instances", req, "")
	}
	if f.mode == "push" || f.mode == "relay" {
		if _, _, err := a.serverEndpoint(dst); err != nil {
			return nil, errors.New("The target server isn't listening on the network")
		}
		return nil, fmt.Errorf("Transfer mode %q isn't supported by this client yet", f.mode)
	}
	return a.pullMigration(src, dst, req)
}

// pullMigration starts the migration source and asks the target to pull.
func (a *app) pullMigration(src, dst *client.Client, req api.InstancesPost) (*client.Operation, error) {
	source := req.Source.Source
	path := instanceURL(source)
	if inst, snap, ok := splitSnapshot(source); ok {
		path = snapshotURL(inst, snap)
	}
	body := api.InstancePost{Name: source, Migration: true, Live: req.Source.Live,
		InstanceOnly: req.Source.InstanceOnly, ContainerOnly: req.Source.ContainerOnly,
		AllowInconsistent: req.Source.AllowInconsistent}
	op, err := src.Do(a.ctx, http.MethodPost, path, body, "")
	if err != nil {
		return nil, err
	}
	if op == nil {
		return nil, errors.New("The source server didn't start a migration operation")
	}
	server, cert, err := a.serverEndpoint(src)
	if err != nil {
		_ = op.Cancel(a.ctx)
		return nil, err
	}
	req.Source = api.InstanceSource{Type: "migration", Mode: "pull", Certificate: cert,
		Operation: server + "/1.0/operations/" + url.PathEscape(op.ID), Live: req.Source.Live,
		InstanceOnly: req.Source.InstanceOnly, ContainerOnly: req.Source.ContainerOnly,
		Refresh: req.Source.Refresh, AllowInconsistent: req.Source.AllowInconsistent}
	// The migration secrets go in "source.secrets", which InstanceSource
	// does not model: send the request as a map.
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	secrets := map[string]any{}
	for k, v := range op.Metadata {
		secrets[k] = v
	}
	m["source"].(map[string]any)["secrets"] = secrets
	return dst.Do(a.ctx, http.MethodPost, "/1.0/instances", m, "")
}
