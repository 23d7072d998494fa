package iproute

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Link is what `ip -d -j link show` says about one interface.
type Link struct {
	Index     int      `json:"ifindex"`
	Name      string   `json:"ifname"`
	Flags     []string `json:"flags"`
	MTU       int      `json:"mtu"`
	OperState string   `json:"operstate"`
	LinkType  string   `json:"link_type"` // ether, loopback, none, ...
	Address   string   `json:"address"`
	Master    string   `json:"master"`
	// Parent is the lower device of a macvlan/vlan ("eth0"), as ip's "link" field.
	Parent   string   `json:"link"`
	LinkInfo linkInfo `json:"linkinfo"`
}

type linkInfo struct {
	Kind      string   `json:"info_kind"`
	SlaveKind string   `json:"info_slave_kind"`
	Data      infoData `json:"info_data"`
}

// infoData holds the kind-specific fields we compare (vxlan, macvlan).
type infoData struct {
	ID     int    `json:"id"`
	Remote string `json:"remote"`
	Local  string `json:"local"`
	Group  string `json:"group"`
	Link   string `json:"link"`
	Port   int    `json:"port"`
	TTL    int    `json:"ttl"`
	Mode   string `json:"mode"`
}

// VXLANParams returns the vxlan parameters of a vxlan link (Name filled).
func (l Link) VXLANParams() VXLAN {
	d := l.LinkInfo.Data
	return VXLAN{Name: l.Name, ID: d.ID, Local: d.Local, Remote: d.Remote, Group: d.Group, Interface: d.Link, Port: d.Port, TTL: d.TTL}
}

// MacvlanMode is a macvlan link's mode ("bridge", "vepa", ...).
func (l Link) MacvlanMode() string { return l.LinkInfo.Data.Mode }

// Kind is the link's driver kind: "bridge", "veth", "macvlan", "vxlan", ""
// for physical NICs and loopback.
func (l Link) Kind() string { return l.LinkInfo.Kind }

// Up reports whether the interface is administratively up.
func (l Link) Up() bool {
	for _, f := range l.Flags {
		if f == "UP" {
			return true
		}
	}
	return false
}

// ValidName reports whether name can be a Linux interface name.
func ValidName(name string) error {
	if name == "" || len(name) > 15 {
		return fmt.Errorf("Interface name %q must be between 1 and 15 characters", name)
	}
	if name == "." || name == ".." || strings.ContainsAny(name, "/: \t\n") {
		return fmt.Errorf("Interface name %q contains invalid characters", name)
	}
	return nil
}

// LinkExists reports whether an interface of that name exists (sysfs check,
// no fork).
func LinkExists(name string) bool {
	if ValidName(name) != nil {
		return false
	}
	_, err := os.Lstat(filepath.Join("/sys/class/net", name))
	return err == nil
}

// GetLink describes one interface; a missing one gives ErrNotFound.
func GetLink(ctx context.Context, name string) (Link, error) {
	if !LinkExists(name) {
		return Link{}, fmt.Errorf("Interface %q: %w", name, ErrNotFound)
	}
	out, err := IP(ctx, "-d", "-j", "link", "show", "dev", name)
	if err != nil {
		if isMissing(err) {
			return Link{}, fmt.Errorf("Interface %q: %w", name, ErrNotFound)
		}
		return Link{}, err
	}
	var links []Link
	if err := json.Unmarshal([]byte(out), &links); err != nil || len(links) != 1 {
		return Link{}, fmt.Errorf("Failed parsing ip link output for %q: %v", name, err)
	}
	return links[0], nil
}

// Links lists every interface of the current network namespace.
func Links(ctx context.Context) ([]Link, error) {
	out, err := IP(ctx, "-d", "-j", "link", "show")
	if err != nil {
		return nil, err
	}
	var links []Link
	if err := json.Unmarshal([]byte(out), &links); err != nil {
		return nil, fmt.Errorf("Failed parsing ip link output: %w", err)
	}
	return links, nil
}

// AddBridge creates a Linux bridge; an existing link of that name that is a
// bridge is accepted, anything else is an error.
func AddBridge(ctx context.Context, name string) error {
	return addLink(ctx, name, "bridge", "type", "bridge")
}

// AddVeth creates a veth pair host <-> peer.
func AddVeth(ctx context.Context, host, peer string) error {
	_, err := IP(ctx, "link", "add", "dev", host, "type", "veth", "peer", "name", peer)
	return err
}

// AddMacvlan creates a macvlan on parent in the given mode (bridge, vepa,
// private, passthru).
func AddMacvlan(ctx context.Context, name, parent, mode string) error {
	_, err := IP(ctx, "link", "add", "dev", name, "link", parent, "type", "macvlan", "mode", mode)
	return err
}

// VXLAN describes a vxlan tunnel endpoint.
type VXLAN struct {
	Name      string
	ID        int
	Local     string // source address, optional
	Remote    string // unicast peer; empty with Group for multicast
	Group     string // multicast group
	Interface string // underlay device for multicast
	Port      int    // destination UDP port; 0 means the kernel default
	TTL       int
}

// AddVXLAN creates a vxlan link; an existing vxlan of that name is accepted.
func AddVXLAN(ctx context.Context, v VXLAN) error {
	args := []string{"type", "vxlan", "id", strconv.Itoa(v.ID)}
	if v.Local != "" {
		args = append(args, "local", v.Local)
	}
	if v.Remote != "" {
		args = append(args, "remote", v.Remote)
	} else if v.Group != "" {
		args = append(args, "group", v.Group)
	}
	if v.Interface != "" {
		args = append(args, "dev", v.Interface)
	}
	if v.Port > 0 {
		args = append(args, "dstport", strconv.Itoa(v.Port))
	}
	if v.TTL > 0 {
		args = append(args, "ttl", strconv.Itoa(v.TTL))
	}
	return addLink(ctx, v.Name, "vxlan", args...)
}

func addLink(ctx context.Context, name, kind string, typeArgs ...string) error {
	if l, err := GetLink(ctx, name); err == nil {
		if l.Kind() != kind {
			return fmt.Errorf("Interface %q already exists and is not a %s", name, kind)
		}
		return nil
	}
	_, err := IP(ctx, append([]string{"link", "add", "dev", name}, typeArgs...)...)
	if err != nil && isExists(err) {
		return nil
	}
	return err
}

// DeleteLink removes an interface; a missing one is not an error.
func DeleteLink(ctx context.Context, name string) error {
	if !LinkExists(name) {
		return nil
	}
	_, err := IP(ctx, "link", "del", "dev", name)
	if err != nil && isMissing(err) {
		return nil
	}
	return err
}

// SetUp brings an interface up.
func SetUp(ctx context.Context, name string) error {
	_, err := IP(ctx, "link", "set", "dev", name, "up")
	return err
}

// SetDown brings an interface down.
func SetDown(ctx context.Context, name string) error {
	_, err := IP(ctx, "link", "set", "dev", name, "down")
	return err
}

// SetMTU sets an interface's MTU.
func SetMTU(ctx context.Context, name string, mtu int) error {
	_, err := IP(ctx, "link", "set", "dev", name, "mtu", strconv.Itoa(mtu))
	return err
}

// SetHwaddr sets an interface's MAC address.
func SetHwaddr(ctx context.Context, name, mac string) error {
	_, err := IP(ctx, "link", "set", "dev", name, "address", mac)
	return err
}

// SetMaster enslaves name to the bridge master.
func SetMaster(ctx context.Context, name, master string) error {
	_, err := IP(ctx, "link", "set", "dev", name, "master", master)
	return err
}

// SetNoMaster releases name from its bridge.
func SetNoMaster(ctx context.Context, name string) error {
	_, err := IP(ctx, "link", "set", "dev", name, "nomaster")
	return err
}

// Rename renames a (down) interface.
func Rename(ctx context.Context, name, newName string) error {
	_, err := IP(ctx, "link", "set", "dev", name, "name", newName)
	return err
}

// SetNetns moves an interface into the named network namespace (`ip netns`).
func SetNetns(ctx context.Context, name, netns string) error {
	_, err := IP(ctx, "link", "set", "dev", name, "netns", netns)
	return err
}

// BridgePorts lists the interfaces enslaved to a bridge, sorted.
func BridgePorts(bridge string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join("/sys/class/net", bridge, "brif"))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("Bridge %q: %w", bridge, ErrNotFound)
		}
		return nil, err
	}
	ports := make([]string, 0, len(entries))
	for _, e := range entries {
		ports = append(ports, e.Name())
	}
	sort.Strings(ports)
	return ports, nil
}
