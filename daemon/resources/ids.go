package resources

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"strconv"
	"strings"
)

// Where the PCI and USB name databases are looked for (the hwdata / pciutils
// / usbutils packages), first found wins.
var (
	pciIDsPaths = []string{"/usr/share/hwdata/pci.ids", "/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids.gz", "/usr/share/misc/pci.ids.gz"}
	usbIDsPaths = []string{"/usr/share/hwdata/usb.ids", "/usr/share/misc/usb.ids", "/var/lib/usbutils/usb.ids"}
)

// idVendor is a vendor and its products, by lower-case hex id.
type idVendor struct {
	name     string
	products map[string]string
}

// idClass is a USB class and its subclasses, by number.
type idClass struct {
	name       string
	subclasses map[uint64]string
}

// idDB is a parsed pci.ids or usb.ids file.
type idDB struct {
	vendors map[string]idVendor
	classes map[uint64]idClass
}

// names is the PCI and USB databases for one probe; either may be empty.
type names struct {
	pci, usb idDB
}

func (d idDB) vendor(vendorID, productID string) (vendor, product string) {
	v, ok := d.vendors[strings.ToLower(vendorID)]
	if !ok {
		return "", ""
	}
	return v.name, v.products[strings.ToLower(productID)]
}

// loadIDs reads the name databases; a missing one leaves names empty, as
// LXD's reports do without pci.ids.
func (s *Service) loadIDs() names {
	return names{pci: s.loadIDFile(pciIDsPaths), usb: s.loadIDFile(usbIDsPaths)}
}

func (s *Service) loadIDFile(paths []string) idDB {
	for _, p := range paths {
		data, err := s.fs.readFile(p)
		if err != nil {
			continue
		}
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				continue
			}
			if data, err = io.ReadAll(zr); err != nil {
				continue
			}
		}
		return parseIDs(data)
	}
	return idDB{}
}

// parseIDs reads the pci.ids/usb.ids format: "vvvv  Vendor" lines, tab-indented
// "pppp  Product" lines under them, and "C cc  Class" sections with tabbed
// subclasses. Other sections (device classes of PCI, HID tables...) are
// skipped.
func parseIDs(data []byte) idDB {
	db := idDB{vendors: map[string]idVendor{}, classes: map[uint64]idClass{}}
	var vendor *idVendor
	var class *idClass
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		depth := len(line) - len(strings.TrimLeft(line, "\t"))
		id, name, ok := strings.Cut(strings.TrimLeft(line, "\t"), "  ")
		if !ok {
			vendor, class = nil, nil
			continue
		}
		switch {
		case depth == 0 && strings.HasPrefix(id, "C "):
			vendor, class = nil, nil
			if n, err := strconv.ParseUint(strings.TrimPrefix(id, "C "), 16, 64); err == nil {
				db.classes[n] = idClass{name: name, subclasses: map[uint64]string{}}
				c := db.classes[n]
				class = &c
			}
		case depth == 0 && len(id) == 4 && isHex(id):
			class = nil
			db.vendors[strings.ToLower(id)] = idVendor{name: name, products: map[string]string{}}
			v := db.vendors[strings.ToLower(id)]
			vendor = &v
		case depth == 0:
			vendor, class = nil, nil
		case depth == 1 && vendor != nil:
			vendor.products[strings.ToLower(id)] = name
		case depth == 1 && class != nil:
			if n, err := strconv.ParseUint(id, 16, 64); err == nil {
				class.subclasses[n] = name
			}
		}
	}
	return db
}

func isHex(s string) bool {
	_, err := strconv.ParseUint(s, 16, 64)
	return err == nil
}
