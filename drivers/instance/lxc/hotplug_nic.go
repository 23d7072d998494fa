package lxc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// NIC hotplug works on the container's network namespace from the host,
// as liblxc does at start for lxc.net.N.type = phys: the prepared host
// interface is moved into the namespace of the container's init (renamed
// on the way, so a clash with a host name cannot happen), then brought up
// and given its addresses and default routes inside. liblxc's own
// attach_interface is not used: detaching forks inside liblxc, which this
// multi-threaded process avoids (see doc.go).

// checkHotplugNIC refuses what cannot be moved into a running container.
func checkHotplugNIC(dev string, n instance.NIC) error {
	if n.Type != "phys" || n.HostName == "" {
		return api.BadRequest("Device %q: only NICs prepared on the host can be hot-plugged (type %q)", dev, n.Type)
	}
	if n.Name == "" {
		return api.BadRequest("Device %q: NIC without a name inside the instance", dev)
	}
	return nil
}

// attachNIC moves n into the network namespace of pid and configures it.
// On error the interface is moved back to the host under its old name.
func attachNIC(ctx context.Context, pid int, n instance.NIC) error {
	if n.Hwaddr != "" {
		if err := iproute.SetHwaddr(ctx, n.HostName, n.Hwaddr); err != nil {
			return err
		}
	}
	if n.MTU > 0 {
		if err := iproute.SetMTU(ctx, n.HostName, n.MTU); err != nil {
			return err
		}
	}
	_, err := iproute.IP(ctx, "link", "set", "dev", n.HostName, "netns", strconv.Itoa(pid), "name", n.Name)
	if err != nil {
		return fmt.Errorf("Failed to move %q into the instance: %w", n.HostName, err)
	}
	if err := configureNIC(ctx, pid, n); err != nil {
		if err2 := moveNICOut(ctx, pid, n.Name, n.HostName); err2 != nil {
			logctx.From(ctx).WithError(err2).WithField("nic", n.Name).Warn("Failed to move NIC back to the host")
		}
		return err
	}
	return nil
}

// configureNIC brings n up inside and applies its addresses and gateways,
// as liblxc does for lxc.net.N.ipv4.address / ipv4.gateway.
func configureNIC(ctx context.Context, pid int, n instance.NIC) error {
	if _, err := nsIP(ctx, pid, "link", "set", "dev", n.Name, "up"); err != nil {
		return err
	}
	for _, a := range append(append([]string{}, n.IPv4...), n.IPv6...) {
		family := "-4"
		if strings.Contains(a, ":") {
			family = "-6"
		}
		// IPv6 addresses must not wait for duplicate address detection.
		args := []string{family, "addr", "add", a, "dev", n.Name}
		if family == "-6" {
			args = append(args, "nodad")
		}
		if _, err := nsIP(ctx, pid, args...); err != nil {
			return err
		}
	}
	if gw := n.IPv4Gateway; gw != "" {
		// onlink: the gateway (169.254.0.1) is outside the /32 address.
		if _, err := nsIP(ctx, pid, "-4", "route", "replace", "default", "via", gw, "dev", n.Name, "onlink"); err != nil {
			return err
		}
	}
	if gw := n.IPv6Gateway; gw != "" {
		args := []string{"-6", "route", "replace", "default", "via", gw, "dev", n.Name}
		if ip := net.ParseIP(gw); ip != nil && !ip.IsLinkLocalUnicast() {
			args = append(args, "onlink")
		}
		if _, err := nsIP(ctx, pid, args...); err != nil {
			return err
		}
	}
	return nil
}

// moveNICOut moves interface name of pid's namespace back to the daemon's
// namespace, renamed to hostName. A missing interface is not an error (a
// veth dies with its host end).
func moveNICOut(ctx context.Context, pid int, name, hostName string) error {
	return moveNICOutOf(ctx, pidNetns(pid), name, hostName)
}

// moveNICOutOf is moveNICOut for the namespace at path netns.
func moveNICOutOf(ctx context.Context, netns, name, hostName string) error {
	_, err := netnsIP(ctx, netns, "link", "set", "dev", name, "down")
	if err != nil {
		if isMissingLink(err) {
			return nil
		}
		return err
	}
	_, err = netnsIP(ctx, netns, "link", "set", "dev", name, "netns", strconv.Itoa(os.Getpid()), "name", hostName)
	if err != nil && !isMissingLink(err) {
		return fmt.Errorf("Failed to move %q out of the instance: %w", name, err)
	}
	return nil
}

// nsIP runs `ip args...` in the network namespace of pid.
func nsIP(ctx context.Context, pid int, args ...string) (string, error) {
	return netnsIP(ctx, pidNetns(pid), args...)
}

func pidNetns(pid int) string { return "/proc/" + strconv.Itoa(pid) + "/ns/net" }

// netnsIP runs `ip args...` in the network namespace at path netns.
func netnsIP(ctx context.Context, netns string, args ...string) (string, error) {
	nsArgs := append([]string{"--net=" + netns, "--", "ip"}, args...)
	return iproute.Run(ctx, "nsenter", nsArgs...)
}

// ReleaseNICs implements instance.NICReleaser.
func (d *Driver) ReleaseNICs(ctx context.Context, netns string, nics []instance.NIC) error {
	if !strings.HasPrefix(netns, "/proc/") {
		return api.BadRequest("Invalid network namespace path %q", netns)
	}
	var errs []error
	for _, n := range nics {
		if err := moveNICOutOf(ctx, netns, n.Name, n.HostName); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func isMissingLink(err error) bool {
	var ce *iproute.CommandError
	return errors.As(err, &ce) && (strings.Contains(ce.Stderr, "Cannot find device") || strings.Contains(ce.Stderr, "does not exist"))
}

// attachNICs hot-plugs the NICs of dev into the container of initPid; on
// error the ones already moved in go back out.
func attachNICs(ctx context.Context, initPid int, dev instance.DeviceSpec) error {
	for _, n := range dev.NICs {
		if err := checkHotplugNIC(dev.Name, n); err != nil {
			return err
		}
	}
	for i, n := range dev.NICs {
		if err := attachNIC(ctx, initPid, n); err != nil {
			for _, done := range dev.NICs[:i] {
				_ = moveNICOut(context.WithoutCancel(ctx), initPid, done.Name, done.HostName)
			}
			return fmt.Errorf("Device %q: %w", dev.Name, err)
		}
	}
	return nil
}

// detachNICs moves the NICs of dev out of the container of initPid, each
// renamed to its HostName (the caller then removes or restores it).
func detachNICs(ctx context.Context, initPid int, dev instance.DeviceSpec) error {
	var errs []error
	for _, n := range dev.NICs {
		if n.HostName == "" {
			errs = append(errs, fmt.Errorf("Device %q: NIC %q needs a host name to detach to", dev.Name, n.Name))
			continue
		}
		if err := moveNICOut(ctx, initPid, n.Name, n.HostName); err != nil {
			errs = append(errs, fmt.Errorf("Device %q: %w", dev.Name, err))
		}
	}
	return errors.Join(errs...)
}
