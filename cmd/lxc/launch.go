package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v2"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// createFlags are the flags `lxc init` and `lxc launch` share.
type createFlags struct {
	config     []string
	devices    []string
	profiles   []string
	noProfiles bool
	ephemeral  bool
	empty      bool
	network    string
	storage    string
	target     string
	instType   string
	vm         bool
	console    string
}

func (f *createFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.config, "config", "c", nil, "Config key/value to apply to the new instance``")
	fl.StringArrayVarP(&f.devices, "device", "d", nil, "New key/value to apply to a specific device``")
	fl.StringArrayVarP(&f.profiles, "profile", "p", nil, "Profile to apply to the new instance``")
	fl.BoolVarP(&f.ephemeral, "ephemeral", "e", false, "Ephemeral instance")
	fl.StringVarP(&f.network, "network", "n", "", "Network name``")
	fl.StringVarP(&f.storage, "storage", "s", "", "Storage pool name``")
	fl.StringVarP(&f.instType, "type", "t", "", "Instance type``")
	fl.StringVar(&f.target, "target", "", "Cluster member name``")
	fl.BoolVar(&f.noProfiles, "no-profiles", false, "Create the instance with no profiles applied")
	fl.BoolVar(&f.empty, "empty", false, "Create an empty instance")
	fl.BoolVar(&f.vm, "vm", false, "Create a virtual machine")
}

func initCommand(a *app) *cobra.Command {
	f := &createFlags{}
	cmd := &cobra.Command{
		Use:   "init [<remote>:]<image> [<remote>:][<name>]",
		Short: "Create instances from images",
		Example: `  lxc init ubuntu:22.04 u1

  lxc init ubuntu:22.04 u1 < config.yaml
      Create the instance with configuration from config.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 0, 2); exit && err != nil {
				return err
			}
			if len(args) == 0 && !f.empty {
				return cmd.Help()
			}
			_, _, err := a.createInstance(args, f)
			return err
		},
	}
	f.register(cmd)
	return lessCommon(cmd)
}

func launchCommand(a *app) *cobra.Command {
	f := &createFlags{}
	cmd := &cobra.Command{
		Use:   "launch [<remote>:]<image> [<remote>:][<name>]",
		Short: "Create and start instances from images",
		Example: `  lxc launch ubuntu:22.04 u1

  lxc launch ubuntu:22.04 u1 < config.yaml
      Create and start a container with configuration from config.yaml

  lxc launch ubuntu:22.04 v1 --vm
      Create and start a virtual machine`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 0, 2); exit && err != nil {
				return err
			}
			if len(args) == 0 && !f.empty {
				return cmd.Help()
			}
			return a.launch(args, f)
		},
	}
	f.register(cmd)
	consoleFlag(cmd, &f.console)
	return cmd
}

// consoleFlag adds LXD's --console[="console"] flag.
func consoleFlag(cmd *cobra.Command, v *string) {
	cmd.Flags().StringVar(v, "console", "", "Immediately attach to the console``")
	cmd.Flags().Lookup("console").NoOptDefVal = "console"
}

// launch creates the instance, then starts it ("Starting <name>").
func (a *app) launch(args []string, f *createFlags) error {
	c, ref, err := a.createInstance(args, f)
	if err != nil {
		return err
	}
	if !a.flags.quiet {
		fmt.Fprintf(a.stdout, "Starting %s\n", ref.name)
	}
	op, err := stateAction(a.ctx, c, ref.name, api.InstanceStatePut{Action: "start"})
	if err != nil {
		return err
	}
	if err := a.waitStateChange(c, op, ref.remote+":"+ref.name); err != nil {
		return err
	}
	if f.console != "" {
		return a.console(c, ref.name, f.console)
	}
	return nil
}

// instanceRef is an instance on a remote.
type instanceRef struct {
	remote, name string
}

// createInstance implements `lxc init`: it builds the InstancesPost from
// the flags (and YAML on stdin), resolves the image and waits for the
// creation. It returns the client scoped to the new instance's server.
func (a *app) createInstance(args []string, f *createFlags) (*client.Client, instanceRef, error) {
	stdinData, err := a.readStdinInstance()
	if err != nil {
		return nil, instanceRef{}, err
	}
	iremote, image, ref, err := a.parseCreateArgs(args, f.empty)
	if err != nil {
		return nil, ref, err
	}
	c, err := a.connect(ref.remote)
	if err != nil {
		return nil, ref, err
	}
	if f.target != "" {
		c = c.WithTarget(f.target)
	}
	if !a.flags.quiet {
		if ref.name == "" {
			fmt.Fprintln(a.stdout, "Creating the instance")
		} else {
			fmt.Fprintf(a.stdout, "Creating %s\n", ref.name)
		}
	}
	req, err := a.buildCreateRequest(c, ref.name, f, stdinData)
	if err != nil {
		return nil, ref, err
	}
	op, err := a.sendCreate(c, req, iremote, image, ref.remote, f)
	if err != nil {
		return nil, ref, err
	}
	if err := a.waitOperation(c, op, "Retrieving image"); err != nil {
		return nil, ref, err
	}
	if ref.name == "" {
		if ref.name, err = operationResource(op, "instances"); err != nil {
			return nil, ref, err
		}
		fmt.Fprintf(a.stdout, "Instance name is: %s\n", ref.name)
	}
	a.checkNetwork(c, ref.name)
	return c, ref, nil
}

// readStdinInstance reads an InstancePut as YAML when stdin is not a
// terminal (`lxc init image c1 < config.yaml`).
func (a *app) readStdinInstance() (api.InstancePut, error) {
	var put api.InstancePut
	if a.stdin == nil || isTerminal(a.stdin) {
		return put, nil
	}
	data, err := io.ReadAll(a.stdin)
	if err != nil {
		return put, err
	}
	if err := yaml.Unmarshal(data, &put); err != nil {
		return put, err
	}
	return put, nil
}

// parseCreateArgs splits "[<remote>:]<image> [<remote>:][<name>]" (or,
// with --empty, "[<remote>:][<name>]").
func (a *app) parseCreateArgs(args []string, empty bool) (iremote, image string, ref instanceRef, err error) {
	ref.remote = a.conf.DefaultRemote
	if len(args) > 0 {
		if iremote, image, err = a.parseRemote(args[0]); err != nil {
			return
		}
	}
	if len(args) == 2 {
		if ref.remote, ref.name, err = a.parseRemote(args[1]); err != nil {
			return
		}
	}
	if empty {
		if len(args) > 1 {
			err = errors.New("--empty cannot be combined with an image name")
			return
		}
		if len(args) == 1 {
			ref.remote, ref.name = iremote, image
			iremote, image = "", ""
		}
	}
	return
}

// buildCreateRequest assembles config, devices and profiles as LXD does:
// stdin YAML first, then -c, -d, -s, -n and -p/--no-profiles.
func (a *app) buildCreateRequest(c *client.Client, name string, f *createFlags, stdin api.InstancePut) (api.InstancesPost, error) {
	req := api.InstancesPost{Name: name, InstanceType: f.instType, Type: api.InstanceTypeContainer}
	if f.vm {
		req.Type = api.InstanceTypeVM
	}
	req.Config = stdin.Config
	if req.Config == nil {
		req.Config = map[string]string{}
	}
	config, err := parsePairs(f.config, badPair)
	if err != nil {
		return req, err
	}
	for k, v := range config {
		req.Config[k] = v
	}
	overrides, err := parseDeviceOverrides(f.devices)
	if err != nil {
		return req, err
	}
	req.Devices = stdin.Devices
	if req.Devices == nil {
		req.Devices = map[string]map[string]string{}
	}
	if err := a.storageNetworkDevices(c, f, req.Devices); err != nil {
		return req, err
	}
	req.Ephemeral = f.ephemeral
	req.Description = stdin.Description
	switch {
	case len(f.profiles) > 0:
		req.Profiles = f.profiles
	case f.noProfiles:
		req.Profiles = []string{}
	case len(stdin.Profiles) > 0:
		req.Profiles = stdin.Profiles
	}
	if len(overrides) > 0 {
		if err := a.applyDeviceOverrides(c, req.Profiles, overrides, req.Devices); err != nil {
			return req, err
		}
	}
	return req, nil
}

// parseDeviceOverrides reads -d "<device>,<key>=<value>" flags.
func parseDeviceOverrides(entries []string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for _, entry := range entries {
		dev, kv, ok := strings.Cut(entry, ",")
		k, v, ok2 := strings.Cut(kv, "=")
		if !ok || !ok2 {
			return nil, fmt.Errorf("Bad device override syntax, expecting <device>,<key>=<value>: %s", entry)
		}
		if out[dev] == nil {
			out[dev] = map[string]string{}
		}
		out[dev][k] = v
	}
	return out, nil
}

// storageNetworkDevices adds the root disk of -s and the eth0 NIC of -n.
func (a *app) storageNetworkDevices(c *client.Client, f *createFlags, devices map[string]map[string]string) error {
	if f.storage != "" {
		if _, err := c.GetStoragePool(a.ctx, f.storage); err != nil {
			return fmt.Errorf("Failed loading storage pool %q: %w", f.storage, err)
		}
		devices["root"] = map[string]string{"type": "disk", "path": "/", "pool": f.storage}
	}
	if f.network != "" {
		n, _, err := c.GetNetwork(a.ctx, f.network)
		if err != nil {
			return fmt.Errorf("Failed loading network %q: %w", f.network, err)
		}
		dev := map[string]string{"type": "nic", "name": "eth0"}
		if n.Managed {
			dev["network"] = n.Name
		} else {
			dev["nictype"], dev["parent"] = "macvlan", n.Name
			if n.Type == "bridge" {
				dev["nictype"] = "bridged"
			}
		}
		devices["eth0"] = dev
	}
	return nil
}

// applyDeviceOverrides copies each overridden device from the profiles the
// instance will get (the default profile when none is named) and applies
// the new keys on top.
func (a *app) applyDeviceOverrides(c *client.Client, profiles []string, overrides, devices map[string]map[string]string) error {
	if profiles == nil {
		profiles = []string{"default"}
	}
	inherited := map[string]map[string]string{}
	for _, name := range profiles {
		p, _, err := c.GetProfile(a.ctx, name)
		if err != nil {
			return err
		}
		for dev, conf := range p.Devices {
			inherited[dev] = conf
		}
	}
	for dev, keys := range overrides {
		base, ok := devices[dev]
		if !ok {
			if base, ok = inherited[dev]; !ok {
				return fmt.Errorf("Cannot override config for device %q: Device not found in profile devices", dev)
			}
		}
		merged := map[string]string{}
		for k, v := range base {
			merged[k] = v
		}
		for k, v := range keys {
			merged[k] = v
		}
		devices[dev] = merged
	}
	return nil
}

// sendCreate resolves the image (local alias or fingerprint, or an image
// on another remote) and POSTs /1.0/instances.
func (a *app) sendCreate(c *client.Client, req api.InstancesPost, iremote, image, remote string, f *createFlags) (*client.Operation, error) {
	if f.empty {
		req.Source = api.InstanceSource{Type: "none"}
		return c.Do(a.ctx, http.MethodPost, "/1.0/instances", req, "")
	}
	if image == "" {
		image = "default"
	}
	src, err := a.imageSource(c, iremote, image, remote)
	if err != nil {
		return nil, err
	}
	if src.imageType != "" {
		if f.vm && src.imageType != api.InstanceTypeVM {
			return nil, errors.New("Asked for a VM but image is of type container")
		}
		req.Type = src.imageType
	}
	req.Source = src.source
	return c.Do(a.ctx, http.MethodPost, "/1.0/instances", req, "")
}

// imageSourceInfo is a resolved image: the InstanceSource to send and the
// image's type ("" when unknown, for simplestreams).
type imageSourceInfo struct {
	source    api.InstanceSource
	imageType string
}

// imageSource resolves image on iremote. A local image is sent by
// fingerprint; one on another LXD server is pulled by the daemon from that
// server's address (with a secret when it is private).
func (a *app) imageSource(c *client.Client, iremote, image, remote string) (imageSourceInfo, error) {
	r := a.conf.Remotes[iremote]
	if r.Protocol == "simplestreams" {
		src := api.InstanceSource{Type: "image", Mode: "pull", Server: r.Addr, Protocol: "simplestreams", Alias: image}
		return imageSourceInfo{source: src}, nil
	}
	ic := c
	if iremote != remote {
		var err error
		if ic, err = a.connect(iremote); err != nil {
			return imageSourceInfo{}, err
		}
	}
	alias := ""
	if entry, _, err := ic.GetImageAlias(a.ctx, image); err == nil {
		alias, image = image, entry.Target
	}
	img, _, err := ic.GetImage(a.ctx, image)
	if err != nil {
		return imageSourceInfo{}, err
	}
	info := imageSourceInfo{imageType: img.Type}
	if info.imageType == "" {
		info.imageType = api.InstanceTypeContainer
	}
	if iremote == remote {
		info.source = api.InstanceSource{Type: "image", Fingerprint: img.Fingerprint}
		return info, nil
	}
	server, cert, err := a.serverEndpoint(ic)
	if err != nil {
		return info, err
	}
	src := api.InstanceSource{Type: "image", Mode: "pull", Server: server, Certificate: cert, Protocol: "lxd"}
	if alias != "" {
		src.Alias = alias
	} else {
		src.Fingerprint = img.Fingerprint
	}
	if !img.Public {
		op, err := ic.CreateImageSecret(a.ctx, img.Fingerprint)
		if err != nil {
			return info, err
		}
		src.Secret, _ = op.Metadata["secret"].(string)
	}
	info.source = src
	return info, nil
}

// checkNetwork warns (on stderr) when the new instance has no NIC, like
// LXD's client.
func (a *app) checkNetwork(c *client.Client, name string) {
	inst, _, err := getInstance(a.ctx, c, name)
	if err != nil {
		return
	}
	for _, dev := range inst.ExpandedDevices {
		if dev["type"] == "nic" {
			return
		}
	}
	fmt.Fprint(a.stderr, "\nThe instance you are starting doesn't have any network attached to it.\n"+
		"  To create a new network, use: lxc network create\n"+
		"  To attach a network to an instance, use: lxc network attach\n\n")
}
