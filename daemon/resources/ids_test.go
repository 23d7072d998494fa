package resources

import (
	"bytes"
	"compress/gzip"
	"testing"
)

func TestParseIDs(t *testing.T) {
	db := parseIDs([]byte("# header\n8086  Intel Corporation\n\t15BB  I219-LM\n\t\t1028 07b3  subsystem line\n" +
		"abcd  Odd  Name  With  Spaces\nC 03  Human Interface Device\n\t01  Boot Interface Subclass\n\t\t01  Keyboard\n" +
		"HID 00  None\n0557  ATEN\n\t2221  Hermon\n"))
	tests := []struct{ vendor, product, wantVendor, wantProduct string }{
		{"8086", "15bb", "Intel Corporation", "I219-LM"},
		{"8086", "ffff", "Intel Corporation", ""},
		{"ABCD", "0000", "Odd  Name  With  Spaces", ""},
		{"0557", "2221", "ATEN", "Hermon"},
		{"1234", "0001", "", ""},
	}
	for _, tt := range tests {
		v, p := db.vendor(tt.vendor, tt.product)
		if v != tt.wantVendor || p != tt.wantProduct {
			t.Errorf("vendor(%s, %s) = %q, %q; want %q, %q", tt.vendor, tt.product, v, p, tt.wantVendor, tt.wantProduct)
		}
	}
	if c := db.classes[3]; c.name != "Human Interface Device" || c.subclasses[1] != "Boot Interface Subclass" {
		t.Errorf("class 03 = %+v", c)
	}
}

// TestLoadIDsGzip reads a compressed pci.ids when that is all there is.
func TestLoadIDsGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write([]byte("1af4  Red Hat, Inc.\n\t1041  Virtio network\n"))
	mustDo(t, err)
	mustDo(t, zw.Close())
	s := newTestService(t, tree{"/usr/share/misc/pci.ids.gz": buf.String()}.write(t), nil)
	if v, p := s.loadIDs().pci.vendor("1af4", "1041"); v != "Red Hat, Inc." || p != "Virtio network" {
		t.Errorf("got %q %q", v, p)
	}
}
