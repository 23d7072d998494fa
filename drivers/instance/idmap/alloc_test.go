package idmap

import (
	"reflect"
	"strings"
	"testing"
)

func TestRequestFromConfig(t *testing.T) {
	tests := []struct {
		name       string
		cfg        map[string]string
		want       Request
		privileged bool
		wantErr    string
	}{
		{"default", map[string]string{}, Request{}, false, ""},
		{"privileged", map[string]string{"security.privileged": "true", "raw.idmap": "junk"}, Request{}, true, ""},
		{"isolated sized", map[string]string{"security.idmap.isolated": "true", "security.idmap.size": "200000"},
			Request{Isolated: true, Size: 200000}, false, ""},
		{"base and raw", map[string]string{"security.idmap.base": "2000000", "raw.idmap": "both 1000 1000"},
			Request{Base: 2000000, Raw: Set{{Isuid: true, Isgid: true, Hostid: 1000, Nsid: 1000, Maprange: 1}}}, false, ""},
		{"bad base", map[string]string{"security.idmap.base": "-3"}, Request{}, false, "security.idmap.base"},
		{"bad size", map[string]string{"security.idmap.size": "x"}, Request{}, false, "security.idmap.size"},
		{"bad raw", map[string]string{"raw.idmap": "uid 1"}, Request{}, false, "raw.idmap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, priv, err := RequestFromConfig(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if priv != tt.privileged || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v,%v want %+v,%v", got, priv, tt.want, tt.privileged)
			}
		})
	}
}

func TestAllocate(t *testing.T) {
	const start = 1000000
	iso := func(base, size int64) Set { return block(base, size) }
	tests := []struct {
		name     string
		host     Set
		req      Request
		used     []Set
		want     Set
		wantBase int64
		wantErr  string
	}{
		{"shared map", lxdDefault, Request{}, nil, lxdDefault, 0, ""},
		{"shared map with raw", lxdDefault,
			Request{Raw: Set{{Isuid: true, Hostid: 0, Nsid: 0, Maprange: 1}}}, nil,
			Set{
				{Isuid: true, Hostid: 0, Nsid: 0, Maprange: 1},
				{Isuid: true, Hostid: start + 1, Nsid: 1, Maprange: 1000000000 - 1},
				{Isgid: true, Hostid: start, Nsid: 0, Maprange: 1000000000},
			}, 0, ""},
		{"explicit base", lxdDefault, Request{Base: 5000000, Size: 1000}, nil, iso(5000000, 1000), 5000000, ""},
		{"first isolated skips shared block", lxdDefault, Request{Isolated: true}, nil,
			iso(start+65536, 65536), start + 65536, ""},
		{"after used", lxdDefault, Request{Isolated: true}, []Set{iso(start+65536, 65536)},
			iso(start+131072, 65536), start + 131072, ""},
		{"fills a gap", lxdDefault, Request{Isolated: true, Size: 1000},
			[]Set{iso(start+131072, 65536), iso(start+65536, 1000)},
			iso(start+66536, 1000), start + 66536, ""},
		{"gap too small", lxdDefault, Request{Isolated: true},
			[]Set{iso(start+65536, 1000), iso(start+70000, 65536)},
			iso(start+135536, 65536), start + 135536, ""},
		{"host too small", Set{
			{Isuid: true, Hostid: start, Maprange: 100000},
			{Isgid: true, Hostid: start, Maprange: 100000}}, Request{Isolated: true}, nil, nil, 0, "Not enough uid/gid"},
		{"no host range", nil, Request{Isolated: true}, nil, nil, 0, "no subordinate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, base, err := Allocate(tt.host, tt.req, tt.used)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) || base != tt.wantBase {
				t.Fatalf("got %+v base %d\nwant %+v base %d", got, base, tt.want, tt.wantBase)
			}
		})
	}
}
