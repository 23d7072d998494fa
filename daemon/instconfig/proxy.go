package instconfig

import (
	"context"
	"errors"
	"fmt"

	"github.com/lxdng/lxd/drivers/instance/proxy/proxyconf"
	"github.com/lxdng/lxd/shared/config"
)

var proxyKeys = ownerKeys.Merge(config.Schema{
	"type":           typeKey("proxy"),
	"listen":         {Validate: isProxyAddress, Help: "The address and port to bind and listen (<type>:<addr>:<port>[-<port>][,<port>])"},
	"connect":        {Validate: isProxyAddress, Help: "The address and port to connect to (<type>:<addr>:<port>[-<port>][,<port>])"},
	"bind":           {Default: "host", Validate: isProxyBind, Help: "Which side to bind on (host/instance)"},
	"nat":            boolKey("false", "Whether to optimize proxying via NAT (requires that the instance NIC has a static IP address)"),
	"proxy_protocol": boolKey("false", "Whether to use the HAProxy PROXY protocol to transmit sender information"),
	"uid":            {Type: config.Int, Validate: isUnixID, Help: "UID of the owner of the listening Unix socket"},
	"gid":            {Type: config.Int, Validate: isUnixID, Help: "GID of the owner of the listening Unix socket"},
	"mode":           {Default: "0644", Validate: isFileMode, Help: "Mode for the listening Unix socket"},
	"security.uid":   {Type: config.Int, Default: "0", Validate: isUnixID, Help: "What UID to drop privilege to"},
	"security.gid":   {Type: config.Int, Default: "0", Validate: isUnixID, Help: "What GID to drop privilege to"},
})

func isProxyAddress(v string) error {
	_, err := proxyconf.ParseAddress(v)
	return err
}

func isProxyBind(v string) error {
	_, err := proxyconf.NormalizeBind(v)
	return err
}

func validateProxy(_ context.Context, _ string, dev map[string]string, _ Devices, o DeviceOpts) error {
	// listen and connect are checked even when absent, as LXD does, which
	// reports them as an unknown (empty) protocol.
	for _, k := range []string{"listen", "connect"} {
		if dev[k] == "" {
			return fmt.Errorf("Invalid value for device option %q: Unknown protocol type \"\"", k)
		}
	}
	if err := checkKeys(proxyKeys, nil, dev); err != nil {
		return err
	}
	nat := proxyconf.IsTrue(dev["nat"])
	if o.Type == TypeVM && !nat {
		return errors.New("Only NAT mode is supported for proxies on VM instances")
	}
	// Instances of a project with its own networks (features.networks)
	// may sit on networks whose instances the host cannot reach directly.
	if nat && !o.Profile && o.NetworkProject != "" && o.NetworkProject != "default" {
		return errors.New("NAT mode cannot be used in projects that have the networks feature")
	}
	return proxyconf.ValidateConfig(dev)
}
