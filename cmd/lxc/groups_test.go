package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

func TestParseVolumeArg(t *testing.T) {
	tests := []struct{ in, volType, name, snap string }{
		{"v1", "custom", "v1", ""},
		{"v1/snap0", "custom", "v1", "snap0"},
		{"custom/v1", "custom", "v1", ""},
		{"custom/v1/s1", "custom", "v1", "s1"},
		{"container/c1", "container", "c1", ""},
		{"virtual-machine/vm1/s", "virtual-machine", "vm1", "s"},
		{"image/abc", "image", "abc", ""},
		{"other/x", "custom", "other", "x"},
	}
	for _, tt := range tests {
		ty, name, snap := parseVolumeArg(tt.in)
		if ty != tt.volType || name != tt.name || snap != tt.snap {
			t.Errorf("parseVolumeArg(%q) = %q %q %q", tt.in, ty, name, snap)
		}
	}
}

func TestVolumeFilter(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"v2"}, ""},
		{[]string{"type=custom", "name=v3"}, "type eq custom and name eq v3"},
		{[]string{"v2", "content_type=block"}, "content_type eq block"},
	}
	for _, tt := range tests {
		if got := volumeFilter(tt.in); got != tt.want {
			t.Errorf("volumeFilter(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseVolumeColumns(t *testing.T) {
	tests := []struct {
		flag                   string
		clustered, allProjects bool
		want                   []string
		wantErr                string
	}{
		{flag: defaultVolumeColumns, want: []string{"TYPE", "NAME", "DESCRIPTION", "CONTENT-TYPE", "USED BY"}},
		{flag: defaultVolumeColumns, allProjects: true, want: []string{"PROJECT", "TYPE", "NAME", "DESCRIPTION", "CONTENT-TYPE", "USED BY"}},
		{flag: defaultVolumeColumns, clustered: true, want: []string{"TYPE", "NAME", "DESCRIPTION", "CONTENT-TYPE", "USED BY", "LOCATION"}},
		{flag: "ne", want: []string{"NAME"}},
		{flag: "nU", want: []string{"NAME", "USAGE"}},
		{flag: "e", wantErr: "Empty column entry (redundant, leading or trailing command) in ''"},
		{flag: "n,,t", wantErr: "Empty column entry (redundant, leading or trailing command) in 'n,,t'"},
		{flag: "n,tx", wantErr: "Unknown column shorthand char 'x' in 'tx'"},
		{flag: "nL", wantErr: "Can't specify column L when not clustered"},
	}
	for _, tt := range tests {
		cols, err := parseVolumeColumns(tt.flag, tt.clustered, tt.allProjects)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%q: error %v, want %q", tt.flag, err, tt.wantErr)
			}
			continue
		}
		var names []string
		for _, c := range cols {
			names = append(names, c.name)
		}
		if err != nil || !reflect.DeepEqual(names, tt.want) {
			t.Errorf("%q: %v %v, want %v", tt.flag, names, err, tt.want)
		}
	}
}

func TestSortByNameAndType(t *testing.T) {
	rows := [][]string{
		{"custom", "v2"}, {"custom (snapshot)", "v1/s1"}, {"container", "c1"}, {"custom", "v1"}, {"custom", "v10"},
	}
	sortByNameAndType(rows)
	want := [][]string{
		{"container", "c1"}, {"custom", "v1"}, {"custom (snapshot)", "v1/s1"}, {"custom", "v2"}, {"custom", "v10"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("got %v, want %v", rows, want)
	}
}

func TestImageMatches(t *testing.T) {
	img := api.Image{Fingerprint: "fcdc71f3a2fb120f", Aliases: []api.ImageAlias{{Name: "tu1"}, {Name: "tz1"}}}
	img.Properties = map[string]string{"os": "busybox", "description": "edited image", "release": "1"}
	tests := []struct {
		filters []string
		want    bool
	}{
		{nil, true},
		{[]string{"u1"}, true},
		{[]string{"71f3"}, true},
		{[]string{"nomatch"}, false},
		{[]string{"os=busybox"}, true},
		{[]string{"os=bu"}, false},
		{[]string{"o=busybox"}, true},
		{[]string{"descr=edit.*"}, true},
		{[]string{"os=^bus"}, true},
		{[]string{"os=busybox", "u9"}, false},
		{[]string{"os.x=busybox"}, false},
	}
	for _, tt := range tests {
		if got := imageMatches(img, tt.filters); got != tt.want {
			t.Errorf("imageMatches(%v) = %v, want %v", tt.filters, got, tt.want)
		}
	}
}

func TestImageColumns(t *testing.T) {
	img := api.Image{Aliases: []api.ImageAlias{{Name: "long-alias"}, {Name: "ab"}, {Name: "cd"}}, Size: 3 * 1024 * 1024}
	if got := imageColumnTable['l'].data(img); got != "ab (2 more)" {
		t.Errorf("alias column: %q", got)
	}
	if got := imageColumnTable['L'].data(img); got != "long-alias\nab\ncd" {
		t.Errorf("aliases column: %q", got)
	}
	if got := imageColumnTable['s'].data(img); got != "3.00MB" {
		t.Errorf("size column: %q", got)
	}
	if got := imageColumnTable['t'].data(img); got != "CONTAINER" {
		t.Errorf("type column: %q", got)
	}
}

func TestParseImageImportArgs(t *testing.T) {
	dir := t.TempDir()
	withEquals := filepath.Join(dir, "a=b.tar.gz")
	if err := os.WriteFile(withEquals, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	a := newApp(context.Background())
	a.conf = NewConfig(dir)
	tests := []struct {
		args          []string
		remote        string
		image, rootfs string
		props         map[string]string
	}{
		{[]string{"img.tar.gz"}, "local", "img.tar.gz", "", map[string]string{}},
		{[]string{"meta.tar.gz", "rootfs.tar.gz", "local:", "os=foo", "user.x=1"}, "local", "meta.tar.gz", "rootfs.tar.gz",
			map[string]string{"os": "foo", "user.x": "1"}},
		{[]string{withEquals, "description=a=b"}, "local", withEquals, "", map[string]string{"description": "a=b"}},
	}
	for _, tt := range tests {
		got, err := a.parseImageImportArgs(tt.args)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if got.remote != tt.remote || got.image != tt.image || got.rootfs != tt.rootfs || !reflect.DeepEqual(got.properties, tt.props) {
			t.Errorf("%v: got %+v", tt.args, got)
		}
	}
	if _, err := a.parseImageImportArgs([]string{"x", "nosuch:"}); err == nil {
		t.Error("unknown remote accepted")
	}
}

func TestUsedByGroups(t *testing.T) {
	got := usedByGroups([]string{
		"/1.0/storage-pools/p/volumes/custom/bv1",
		"/1.0/storage-pools/p/volumes/custom/bv1/snapshots/s1",
		"/1.0/storage-pools/p/volumes/custom/pv?project=p2",
		"/1.0/instances/c1",
		"/1.0/profiles/default",
	})
	want := map[string][]string{
		"volumes":   {"bv1", "bv1", `pv (project "p2")`},
		"instances": {"c1"},
		"profiles":  {"default"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
}

func TestSizes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{{0, "0B"}, {999, "999B"}, {1000, "1.00kB"}, {281640000, "281.64MB"}, {2150000, "2.15MB"}}
	for _, tt := range tests {
		if got := siByteSize(tt.n); got != tt.want {
			t.Errorf("siByteSize(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	state := &api.ProjectState{Resources: map[string]api.ProjectStateResource{
		"disk": {Limit: 10737418240, Usage: 0}, "cpu": {Limit: -1, Usage: 2}, "memory": {Limit: -1, Usage: 1073741824},
	}}
	wantRows := [][]string{{"CPU", "UNLIMITED", "2"}, {"DISK", "10.00GiB", "0B"}, {"MEMORY", "UNLIMITED", "1.00GiB"}}
	if got := projectStateRows(state); !reflect.DeepEqual(got, wantRows) {
		t.Errorf("projectStateRows = %v", got)
	}
}

func TestKeyValueArgs(t *testing.T) {
	if got, err := parseCreateConfig([]string{"a=b", "c="}); err != nil || !reflect.DeepEqual(got, map[string]string{"a": "b", "c": ""}) {
		t.Errorf("parseCreateConfig: %v %v", got, err)
	}
	if _, err := parseCreateConfig([]string{"foo"}); err == nil || err.Error() != "Bad key=value pair: [foo]" {
		t.Errorf("parseCreateConfig(foo): %v", err)
	}
	if _, err := parseDeviceKeys([]string{"foo"}); err == nil || err.Error() != `No value found in "foo"` {
		t.Errorf("parseDeviceKeys(foo): %v", err)
	}
	tests := []struct {
		rest          []string
		devName, path string
	}{
		{nil, "vol", ""}, {[]string{"/mnt"}, "vol", "/mnt"}, {[]string{"dev", "/mnt"}, "dev", "/mnt"},
	}
	for _, tt := range tests {
		if d, p := volumeDeviceArgs("vol", tt.rest); d != tt.devName || p != tt.path {
			t.Errorf("volumeDeviceArgs(%v) = %q %q", tt.rest, d, p)
		}
	}
}

func TestMatchingDevice(t *testing.T) {
	devs := map[string]map[string]string{
		"a": {"type": "disk", "pool": "p", "source": "v"},
		"b": {"type": "disk", "pool": "p", "source": "v"},
		"c": {"type": "disk", "pool": "p", "source": "w"},
	}
	match := func(src string) func(map[string]string) bool {
		return func(d map[string]string) bool { return d["source"] == src }
	}
	tests := []struct {
		name, src, want, wantErr string
	}{
		{"", "w", "c", ""},
		{"", "v", "", "More than one device matches, specify the device name"},
		{"", "x", "", "none"},
		{"b", "v", "b", ""},
		{"z", "v", "", "The specified device doesn't exist"},
	}
	for _, tt := range tests {
		got, err := matchingDevice(devs, tt.name, match(tt.src), "none")
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("%+v: %v", tt, err)
			}
		} else if err != nil || got != tt.want {
			t.Errorf("%+v: %q %v", tt, got, err)
		}
	}
}
