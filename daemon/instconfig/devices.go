package instconfig

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/lxdng/lxd/shared/config"
)

// Devices maps device names to their config (each has a "type").
type Devices = map[string]map[string]string

// NICValidator validates one nic device. The daemon plugs in the NIC table
// of drivers/network/nic here; nil uses this package's own table.
type NICValidator func(ctx context.Context, project, name string, dev map[string]string) error

// NetworkLookup returns the type of a managed network ("bridge",
// "macvlan", ...) or an error (api.NotFound) when it does not exist.
type NetworkLookup func(ctx context.Context, project, network string) (string, error)

// DeviceOpts says what a device map belongs to.
type DeviceOpts struct {
	// Profile validates a profile's devices: errors carry no "Invalid
	// devices: " prefix.
	Profile bool
	// Type is TypeContainer or TypeVM; "" for profiles.
	Type string
	// NetworkProject is the project managed networks are looked up in
	// (the default project unless the project has features.networks).
	NetworkProject string
	// NIC replaces the built-in NIC validation when set.
	NIC NICValidator
	// Network resolves nic "network" keys; nil accepts any network name.
	Network NetworkLookup
	// VolumeContentType answers the content type ("filesystem" or
	// "block") of a custom volume a disk device names; nil skips the
	// check that containers get no block volumes.
	VolumeContentType func(ctx context.Context, pool, volume string) (string, error)
}

// deviceValidator checks one device; all is the whole device map, for
// rules across devices (one disk per path).
type deviceValidator func(ctx context.Context, name string, dev map[string]string, all Devices, o DeviceOpts) error

var deviceValidators = map[string]deviceValidator{
	"disk":         validateDisk,
	"nic":          validateNIC,
	"unix-char":    validateUnixDev,
	"unix-block":   validateUnixDev,
	"unix-hotplug": validateUnixHotplug,
	"usb":          validateSimple("usb"),
	"gpu":          validateGPU,
	"infiniband":   validateInfiniband,
	"proxy":        validateProxy,
	"tpm":          validateSimple("tpm"),
	"pci":          validatePCI,
	"none":         validateSimple("none"),
}

// DeviceTypes returns the device types this server knows, sorted.
func DeviceTypes() []string {
	out := make([]string, 0, len(deviceValidators))
	for t := range deviceValidators {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// DeviceKeys returns the key table of a device type (for nic, the union of
// every nictype's keys), for validation and `lxc config device` help.
func DeviceKeys(devType string) (config.Schema, bool) {
	if devType == "nic" {
		return allNICKeys(), true
	}
	s, ok := deviceSchemas[devType]
	return s, ok
}

// ValidateDevices checks every device, in sorted name order, with LXD's
// wording: `Device validation failed for "x": <reason>`, prefixed with
// "Invalid devices: " for instances.
func ValidateDevices(ctx context.Context, devices Devices, o DeviceOpts) error {
	names := make([]string, 0, len(devices))
	for n := range devices {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := validateDevice(ctx, name, devices[name], devices, o); err != nil {
			err = fmt.Errorf("Device validation failed for %q: %w", name, err)
			if !o.Profile {
				err = fmt.Errorf("Invalid devices: %w", err)
			}
			return err
		}
	}
	return nil
}

func validateDevice(ctx context.Context, name string, dev map[string]string, all Devices, o DeviceOpts) error {
	devType := dev["type"]
	if devType == "" {
		return fmt.Errorf("Failed loading device %q: Missing device type in config", name)
	}
	v, ok := deviceValidators[devType]
	if !ok {
		return unsupported(name)
	}
	return v(ctx, name, dev, all, o)
}

func unsupported(name string) error {
	return fmt.Errorf("Failed loading device %q: Unsupported device type", name)
}

// checkKeys runs the validators of schema on dev in sorted order; keys in
// required are checked even when empty. Then it refuses keys the schema
// does not declare.
func checkKeys(schema config.Schema, required []string, dev map[string]string) error {
	req := map[string]bool{}
	for _, k := range required {
		req[k] = true
	}
	for _, k := range schema.Names() {
		v := dev[k]
		if v == "" && req[k] {
			return fmt.Errorf("Invalid value for device option %q: Required value", k)
		}
		key := schema[k]
		if v == "" || key.Validate == nil {
			continue
		}
		if err := key.Validate(v); err != nil {
			return fmt.Errorf("Invalid value for device option %q: %w", k, err)
		}
	}
	keys := make([]string, 0, len(dev))
	for k := range dev {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := schema[k]; !ok {
			return fmt.Errorf("Invalid device option %q", k)
		}
	}
	return nil
}

func validateSimple(devType string) deviceValidator {
	return func(_ context.Context, _ string, dev map[string]string, _ Devices, _ DeviceOpts) error {
		return checkKeys(deviceSchemas[devType], nil, dev)
	}
}

func validateUnixDev(_ context.Context, _ string, dev map[string]string, _ Devices, _ DeviceOpts) error {
	if err := checkKeys(deviceSchemas[dev["type"]], nil, dev); err != nil {
		return err
	}
	if dev["source"] == "" && dev["path"] == "" {
		return errors.New(`Unix device entry is missing the required "source" or "path" property`)
	}
	return nil
}

func validateUnixHotplug(_ context.Context, _ string, dev map[string]string, _ Devices, _ DeviceOpts) error {
	if err := checkKeys(deviceSchemas["unix-hotplug"], nil, dev); err != nil {
		return err
	}
	if dev["vendorid"] == "" && dev["productid"] == "" {
		return errors.New("Unix hotplug devices require a vendorid or a productid")
	}
	return nil
}

func validateGPU(_ context.Context, _ string, dev map[string]string, _ Devices, _ DeviceOpts) error {
	if err := checkKeys(deviceSchemas["gpu"], nil, dev); err != nil {
		return err
	}
	if dev["gputype"] == "mdev" && dev["mdev"] == "" {
		return errors.New(`Invalid value for device option "mdev": Required value`)
	}
	return nil
}

func validateInfiniband(_ context.Context, name string, dev map[string]string, _ Devices, _ DeviceOpts) error {
	if dev["nictype"] != "physical" && dev["nictype"] != "sriov" {
		return unsupported(name)
	}
	return checkKeys(deviceSchemas["infiniband"], []string{"parent"}, dev)
}

func validatePCI(_ context.Context, _ string, dev map[string]string, _ Devices, _ DeviceOpts) error {
	if dev["address"] == "" {
		return errors.New(`Failed to validate config: Invalid value for device option "address": Invalid PCI address`)
	}
	if err := checkKeys(deviceSchemas["pci"], nil, dev); err != nil {
		return fmt.Errorf("Failed to validate config: %w", err)
	}
	return nil
}

func typeKey(name string) config.Key { return config.Key{Help: "Device type (" + name + ")"} }

var ownerKeys = config.Schema{
	"uid":  {Type: config.Int, Default: "0", Validate: isUnixID, Help: "UID of the device owner in the instance"},
	"gid":  {Type: config.Int, Default: "0", Validate: isUnixID, Help: "GID of the device owner in the instance"},
	"mode": {Default: "0660", Validate: isFileMode, Help: "Mode of the device in the instance"},
}

var deviceSchemas = map[string]config.Schema{
	"disk": diskKeys,
	"unix-char": ownerKeys.Merge(config.Schema{
		"type":     typeKey("unix-char"),
		"source":   {Help: "Path on the host"},
		"path":     {Help: "Path inside the instance (one of source and path must be set)"},
		"major":    {Type: config.Int, Validate: isDeviceNumber, Help: "Device major number (default: the host device's)"},
		"minor":    {Type: config.Int, Validate: isDeviceNumber, Help: "Device minor number (default: the host device's)"},
		"required": boolKey("true", "Whether or not this device is required to start the instance"),
	}),
	"unix-block": ownerKeys.Merge(config.Schema{
		"type":     typeKey("unix-block"),
		"source":   {Help: "Path on the host"},
		"path":     {Help: "Path inside the instance (one of source and path must be set)"},
		"major":    {Type: config.Int, Validate: isDeviceNumber, Help: "Device major number (default: the host device's)"},
		"minor":    {Type: config.Int, Validate: isDeviceNumber, Help: "Device minor number (default: the host device's)"},
		"required": boolKey("true", "Whether or not this device is required to start the instance"),
	}),
	"unix-hotplug": ownerKeys.Merge(config.Schema{
		"type":      typeKey("unix-hotplug"),
		"vendorid":  {Validate: isUSBID, Help: "The vendor ID of the unix device"},
		"productid": {Validate: isUSBID, Help: "The product ID of the unix device"},
		"required":  boolKey("false", "Whether or not this device is required to start the instance"),
	}),
	"usb": ownerKeys.Merge(config.Schema{
		"type":      typeKey("usb"),
		"vendorid":  {Validate: isUSBID, Help: "The vendor ID of the USB device"},
		"productid": {Validate: isUSBID, Help: "The product ID of the USB device"},
		"required":  boolKey("false", "Whether or not this device is required to start the instance"),
	}),
	"gpu": ownerKeys.Merge(config.Schema{
		"type":      typeKey("gpu"),
		"gputype":   {Default: "physical", Validate: isOneOf("physical", "mdev", "mig", "sriov"), Help: "The type of GPU device"},
		"vendorid":  {Validate: isUSBID, Help: "The vendor ID of the GPU device"},
		"productid": {Validate: isUSBID, Help: "The product ID of the GPU device"},
		"id":        {Help: "The DRM card ID of the GPU device"},
		"pci":       {Validate: isPCIAddress, Help: "The PCI address of the GPU device"},
		"mdev":      {Help: "The mdev profile to use (required for gputype=mdev)"},
		"mig.ci":    {Type: config.Int, Validate: config.IsUint32, Help: "Existing MIG compute instance ID"},
		"mig.gi":    {Type: config.Int, Validate: config.IsUint32, Help: "Existing MIG GPU instance ID"},
		"mig.uuid":  {Help: "Existing MIG device UUID"},
	}),
	"infiniband": {
		"type":    typeKey("infiniband"),
		"nictype": {Validate: isOneOf("physical", "sriov"), Help: "The device type (physical or sriov)"},
		"name":    {Help: "The name of the interface inside the instance"},
		"parent":  {Help: "The name of the host device or bridge"},
		"mtu":     {Type: config.Int, Validate: isMTU, Help: "The MTU of the new interface"},
		"hwaddr":  {Help: "The MAC address of the new interface (8 or 20 bytes)"},
	},
	"proxy": proxyKeys,
	"tpm": {
		"type":   typeKey("tpm"),
		"path":   {Help: "Path inside the instance (containers only)"},
		"pathrm": {Help: "Resource manager path inside the instance (containers only)"},
	},
	"pci": {
		"type":    typeKey("pci"),
		"address": {Validate: isPCIAddress, Help: "PCI address of the device"},
	},
	"none": {"type": typeKey("none")},
}
