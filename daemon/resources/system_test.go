package resources

import (
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

// TestResourcesSystem proves resources_system: the DMI description, with
// null firmware/chassis/motherboard on a machine without DMI.
func TestResourcesSystem(t *testing.T) {
	dmi := "/sys/devices/virtual/dmi/id/"
	laptop := tree{
		"/sys/class/dmi/id":  link("../../devices/virtual/dmi/id"),
		dmi + "product_uuid": "7fa1c0cc-2271-11b2-a85c-aab32a05d71a\n", dmi + "sys_vendor": "LENOVO\n",
		dmi + "product_name": "20HRCTO1WW\n", dmi + "product_family": "ThinkPad X1 Carbon 5th\n",
		dmi + "product_version": "ThinkPad X1 Carbon 5th\n", dmi + "product_sku": "LENOVO_MT_20HR\n",
		dmi + "product_serial": "PY3DD4X9\n", dmi + "bios_vendor": "LENOVO\n", dmi + "bios_date": "10/14/2020\n",
		dmi + "bios_version": "N1MET64W (1.49)\n", dmi + "chassis_vendor": "LENOVO\n", dmi + "chassis_type": "10\n",
		dmi + "chassis_serial": "PY3DD4X9\n", dmi + "chassis_version": "None\n", dmi + "board_vendor": "LENOVO\n",
		dmi + "board_name": "20HRCTO1WW\n", dmi + "board_serial": "L3CF4FX003A\n", dmi + "board_version": "SDK0J40697 WIN\n",
		dmi + "modalias": "dmi:bvnLENOVO",
	}
	tests := []struct {
		name string
		tree tree
		want api.ResourcesSystem
	}{{
		name: "no DMI",
		tree: tree{"/sys/class/": ""},
		want: api.ResourcesSystem{Type: "physical"},
	}, {
		name: "laptop",
		tree: laptop,
		want: api.ResourcesSystem{
			UUID: "7fa1c0cc-2271-11b2-a85c-aab32a05d71a", Vendor: "LENOVO", Product: "20HRCTO1WW",
			Family: "ThinkPad X1 Carbon 5th", Version: "ThinkPad X1 Carbon 5th", Sku: "LENOVO_MT_20HR", Serial: "PY3DD4X9",
			Type:        "physical",
			Firmware:    &api.ResourcesSystemFirmware{Vendor: "LENOVO", Date: "10/14/2020", Version: "N1MET64W (1.49)"},
			Chassis:     &api.ResourcesSystemChassis{Vendor: "LENOVO", Type: "Notebook", Serial: "PY3DD4X9", Version: "None"},
			Motherboard: &api.ResourcesSystemMotherboard{Vendor: "LENOVO", Product: "20HRCTO1WW", Serial: "L3CF4FX003A", Version: "SDK0J40697 WIN"},
		},
	}, {
		name: "sparse DMI (a VM without serials or chassis type)",
		tree: tree{dmi + "sys_vendor": "QEMU", dmi + "product_name": "Standard PC (Q35 + ICH9, 2009)",
			"/sys/class/dmi/id": link("../../devices/virtual/dmi/id")},
		want: api.ResourcesSystem{Vendor: "QEMU", Product: "Standard PC (Q35 + ICH9, 2009)", Type: "physical",
			Firmware: &api.ResourcesSystemFirmware{}, Chassis: &api.ResourcesSystemChassis{},
			Motherboard: &api.ResourcesSystemMotherboard{}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := newTestService(t, tt.tree.write(t), nil).System()
			mustDo(t, err)
			assertJSON(t, got, tt.want)
		})
	}
}
