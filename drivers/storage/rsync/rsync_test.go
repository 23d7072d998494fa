package rsync

import (
	"reflect"
	"testing"
)

func TestArgs(t *testing.T) {
	base := []string{"-a", "-H", "--numeric-ids", "--xattrs", "--acls", "--sparse", "--devices", "--specials"}
	tests := []struct {
		name string
		o    Options
		want []string
	}{
		{"plain", Options{}, append(append([]string{}, base...), "--", "/a/", "/b/")},
		{"no limit", Options{BwLimit: "0"}, append(append([]string{}, base...), "--", "/a/", "/b/")},
		{"all", Options{BwLimit: "10M", Compression: true, Delete: true, IgnoreTimes: true, Excludes: []string{"/x"}},
			append(append([]string{}, base...), "--bwlimit=10M", "--compress", "--delete", "--ignore-times", "--exclude=/x", "--", "/a/", "/b/")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Args("/a", "/b/", tc.o); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestOptionsFromConfig(t *testing.T) {
	tests := []struct {
		cfg  map[string]string
		want Options
	}{
		{map[string]string{}, Options{Compression: true}},
		{map[string]string{"rsync.bwlimit": "5M", "rsync.compression": "false"}, Options{BwLimit: "5M"}},
		{map[string]string{"rsync.compression": "true"}, Options{Compression: true}},
	}
	for _, tc := range tests {
		if got := OptionsFromConfig(tc.cfg); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("OptionsFromConfig(%v) = %+v, want %+v", tc.cfg, got, tc.want)
		}
	}
}
