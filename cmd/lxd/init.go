package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// preseed is LXD's `lxd init --preseed` document. Entities are kept as
// generic maps and sent as they are: the daemon validates them.
type preseed struct {
	Config       map[string]any   `yaml:"config,omitempty" json:"config,omitempty"`
	Networks     []map[string]any `yaml:"networks,omitempty" json:"networks,omitempty"`
	StoragePools []map[string]any `yaml:"storage_pools,omitempty" json:"storage_pools,omitempty"`
	Profiles     []map[string]any `yaml:"profiles,omitempty" json:"profiles,omitempty"`
	Projects     []map[string]any `yaml:"projects,omitempty" json:"projects,omitempty"`
	Cluster      map[string]any   `yaml:"cluster,omitempty" json:"cluster,omitempty"`
}

type initFlags struct {
	auto, preseed, dump bool
	networkAddress      string
	networkPort         int
	storageBackend      string
	storagePool         string
	trustPassword       string
}

func initCmd() *cobra.Command {
	f := &initFlags{}
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Configure the LXD daemon",
		Long: "Configures the daemon: --auto applies defaults (a dir storage pool \"default\", a bridge\n" +
			"\"lxdbr0\" and a default profile using both), --preseed reads LXD's preseed YAML from\n" +
			"standard input, --dump prints the current configuration in that format.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runInit(cmd.Context(), f) },
	}
	cmd.Flags().BoolVar(&f.auto, "auto", false, "Automatic (non-interactive) mode")
	cmd.Flags().BoolVar(&f.preseed, "preseed", false, "Pre-seed mode, expects YAML config from stdin")
	cmd.Flags().BoolVar(&f.dump, "dump", false, "Dump YAML config to stdout")
	cmd.Flags().StringVar(&f.networkAddress, "network-address", "", "Address to bind LXD to (default: none)")
	cmd.Flags().IntVar(&f.networkPort, "network-port", 8443, "Port to bind LXD to")
	cmd.Flags().StringVar(&f.storageBackend, "storage-backend", "dir", "Storage backend to use (btrfs or dir)")
	cmd.Flags().StringVar(&f.storagePool, "storage-pool", "", "Storage pool to use or create")
	cmd.Flags().StringVar(&f.trustPassword, "trust-password", "", "Password required to add new clients")
	return cmd
}

func runInit(ctx context.Context, f *initFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := connectLocal()
	if err != nil {
		return err
	}
	switch {
	case f.dump:
		return dumpPreseed(ctx, c, os.Stdout)
	case f.preseed:
		var p preseed
		data, err := io.ReadAll(os.Stdin)
		if err != nil {
			return err
		}
		if err := yaml.Unmarshal(data, &p); err != nil {
			return fmt.Errorf("Failed to parse the preseed: %w", err)
		}
		return applyPreseed(ctx, c, p)
	case f.auto:
		p, err := autoPreseed(ctx, c, f)
		if err != nil {
			return err
		}
		return applyPreseed(ctx, c, p)
	}
	p, err := askClustering(newAsker(os.Stdin, os.Stdout))
	if err != nil {
		return err
	}
	return applyPreseed(ctx, c, p)
}

// autoPreseed builds what --auto applies, leaving existing objects alone.
func autoPreseed(ctx context.Context, c *client.Client, f *initFlags) (preseed, error) {
	p := preseed{Config: map[string]any{}}
	if f.networkAddress != "" {
		p.Config["core.https_address"] = net.JoinHostPort(f.networkAddress, strconv.Itoa(f.networkPort))
	}
	if f.trustPassword != "" {
		p.Config["core.trust_password"] = f.trustPassword
	}
	pool := f.storagePool
	if pool == "" {
		pool = "default"
	}
	var pools []string
	if _, err := c.Get(ctx, "/1.0/storage-pools", &pools); err != nil {
		return p, fmt.Errorf("Failed to list storage pools: %w", err)
	}
	if len(pools) == 0 {
		p.StoragePools = []map[string]any{{"name": pool, "driver": f.storageBackend, "config": map[string]any{}}}
	}
	var networks []map[string]any
	if _, err := c.Get(ctx, "/1.0/networks?recursion=1", &networks); err != nil {
		return p, fmt.Errorf("Failed to list networks: %w", err)
	}
	if !hasManaged(networks) {
		p.Networks = []map[string]any{{"name": "lxdbr0", "type": "bridge",
			"config": map[string]any{"ipv4.address": "auto", "ipv6.address": "auto"}}}
	}
	p.Profiles = []map[string]any{{"name": "default", "devices": map[string]any{
		"root": map[string]any{"type": "disk", "path": "/", "pool": pool},
		"eth0": map[string]any{"type": "nic", "name": "eth0", "network": "lxdbr0"},
	}}}
	if hasManaged(networks) {
		delete(p.Profiles[0]["devices"].(map[string]any), "eth0")
	}
	return p, nil
}

func hasManaged(networks []map[string]any) bool {
	for _, n := range networks {
		if m, _ := n["managed"].(bool); m {
			return true
		}
	}
	return false
}

// applyPreseed applies each section in dependency order: server config,
// pools, networks, projects, profiles. Existing objects are updated.
func applyPreseed(ctx context.Context, c *client.Client, p preseed) error {
	cluster, err := clusterSection(p.Cluster)
	if err != nil {
		return err
	}
	if cluster != nil && isJoin(cluster) {
		// A joiner's objects come from the cluster: only the cluster
		// section applies.
		return applyCluster(ctx, c, *cluster)
	}
	if len(p.Config) > 0 {
		if err := c.PatchServer(ctx, api.ServerPut{Config: p.Config}, ""); err != nil {
			return fmt.Errorf("Failed to update server configuration: %w", err)
		}
	}

	sections := []struct {
		path  string
		items []map[string]any
	}{
		{"/1.0/storage-pools", p.StoragePools},
		{"/1.0/networks", p.Networks},
		{"/1.0/projects", p.Projects},
		{"/1.0/profiles", p.Profiles},
	}
	for _, s := range sections {
		for _, item := range s.items {
			if err := createOrUpdate(ctx, c, s.path, item); err != nil {
				return err
			}
		}
	}
	if cluster != nil {
		// Bootstrap last: the objects above become the cluster's.
		return applyCluster(ctx, c, *cluster)
	}
	return nil
}

// clusterSection decodes the preseed's cluster section (nil when absent or
// not enabled).
func clusterSection(section map[string]any) (*api.ClusterPut, error) {
	if section == nil {
		return nil, nil
	}
	data, err := json.Marshal(section)
	if err != nil {
		return nil, err
	}
	var put api.ClusterPut
	if err := json.Unmarshal(data, &put); err != nil {
		return nil, fmt.Errorf("Invalid cluster section: %w", err)
	}
	if !put.Enabled {
		return nil, nil
	}
	if put.ServerName == "" {
		return nil, errors.New("The cluster section needs a server_name")
	}
	return &put, nil
}

func isJoin(put *api.ClusterPut) bool { return put.ClusterToken != "" || put.ClusterAddress != "" }

// applyCluster bootstraps or joins a cluster (PUT /1.0/cluster) and waits
// for it.
func applyCluster(ctx context.Context, c *client.Client, put api.ClusterPut) error {
	if put.MemberConfig == nil {
		put.MemberConfig = []api.ClusterMemberConfigKey{}
	}
	op, err := c.Do(ctx, http.MethodPut, "/1.0/cluster", put, "")
	if err == nil && op != nil {
		err = op.Wait(ctx)
	}
	if err != nil {
		if isJoin(&put) {
			return fmt.Errorf("Failed to join cluster: %w", err)
		}
		return fmt.Errorf("Failed to enable clustering: %w", err)
	}
	return nil
}

func createOrUpdate(ctx context.Context, c *client.Client, collection string, item map[string]any) error {
	name, _ := item["name"].(string)
	if name == "" {
		return fmt.Errorf("An entry of %s has no name", collection)
	}
	_, err := c.Get(ctx, collection+"/"+name, nil)
	if api.IsStatus(err, http.StatusNotFound) {
		if _, err := c.Do(ctx, http.MethodPost, collection, item, ""); err != nil {
			return fmt.Errorf("Failed to create %s %q: %w", collection, name, err)
		}
		return nil
	}
	if err != nil {
		return err
	}
	put := map[string]any{}
	for k, v := range item {
		if k != "name" && k != "driver" && k != "type" {
			put[k] = v
		}
	}
	if _, err := c.Do(ctx, http.MethodPatch, collection+"/"+name, put, ""); err != nil {
		return fmt.Errorf("Failed to update %s %q: %w", collection, name, err)
	}
	return nil
}

// dumpPreseed prints the current configuration as a preseed.
func dumpPreseed(ctx context.Context, c *client.Client, w io.Writer) error {
	srv, _, err := c.GetServer(ctx)
	if err != nil {
		return err
	}
	p := preseed{Config: srv.Config}
	lists := []struct {
		path string
		dst  *[]map[string]any
	}{
		{"/1.0/networks?recursion=1", &p.Networks},
		{"/1.0/storage-pools?recursion=1", &p.StoragePools},
		{"/1.0/profiles?recursion=1", &p.Profiles},
		{"/1.0/projects?recursion=1", &p.Projects},
	}
	for _, l := range lists {
		var items []map[string]any
		if _, err := c.Get(ctx, l.path, &items); err != nil && !api.IsStatus(err, http.StatusNotFound) {
			return err
		}
		for _, it := range items {
			if managed, ok := it["managed"].(bool); ok && !managed {
				continue
			}
			for _, k := range []string{"used_by", "status", "locations", "managed"} {
				delete(it, k)
			}
			*l.dst = append(*l.dst, it)
		}
	}
	out, err := yaml.Marshal(p)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}
