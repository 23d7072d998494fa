package idmap

import (
	"reflect"
	"strings"
	"testing"
)

var lxdDefault = Set{
	{Isuid: true, Hostid: 1000000, Nsid: 0, Maprange: 1000000000},
	{Isgid: true, Hostid: 1000000, Nsid: 0, Maprange: 1000000000},
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Set
		out  string
	}{
		{"empty string", "", nil, "[]"},
		{"empty list", "[]", nil, "[]"},
		{"lxd form", `[{"Isuid":true,"Isgid":false,"Hostid":1000000,"Nsid":0,"Maprange":1000000000},{"Isuid":false,"Isgid":true,"Hostid":1000000,"Nsid":0,"Maprange":1000000000}]`,
			lxdDefault,
			`[{"Isuid":true,"Isgid":false,"Hostid":1000000,"Nsid":0,"Maprange":1000000000},{"Isuid":false,"Isgid":true,"Hostid":1000000,"Nsid":0,"Maprange":1000000000}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseJSON(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseJSON = %+v, want %+v", got, tt.want)
			}
			if s := got.JSON(); s != tt.out {
				t.Fatalf("JSON = %s, want %s", s, tt.out)
			}
		})
	}
	if _, err := ParseJSON("{"); err == nil {
		t.Fatal("bad JSON accepted")
	}
}

func TestLXC(t *testing.T) {
	s := Set{
		{Isuid: true, Isgid: true, Hostid: 1000, Nsid: 1000, Maprange: 1},
		{Isuid: true, Hostid: 1000000, Nsid: 0, Maprange: 65536},
		{Isgid: true, Hostid: 1000000, Nsid: 0, Maprange: 65536},
	}
	want := []string{"u 1000 1000 1", "g 1000 1000 1", "u 0 1000000 65536", "g 0 1000000 65536"}
	if got := s.LXC(); !reflect.DeepEqual(got, want) {
		t.Fatalf("LXC = %q, want %q", got, want)
	}
	if got := Set(nil).LXC(); got != nil {
		t.Fatalf("privileged LXC = %q", got)
	}
}

func TestParseRaw(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Set
		wantErr string
	}{
		{"both single", "both 1000 1000", Set{{Isuid: true, Isgid: true, Hostid: 1000, Nsid: 1000, Maprange: 1}}, ""},
		{"uid range", "uid 50-60 500-510", Set{{Isuid: true, Hostid: 50, Nsid: 500, Maprange: 11}}, ""},
		{"several with comments", "# mine\nuid 1000 0\n\ngid 1001 0\n", Set{
			{Isuid: true, Hostid: 1000, Nsid: 0, Maprange: 1},
			{Isgid: true, Hostid: 1001, Nsid: 0, Maprange: 1}}, ""},
		{"empty", "", nil, ""},
		{"bad type", "user 1 1", nil, "Invalid raw.idmap type"},
		{"two fields", "uid 1", nil, "Invalid raw.idmap line"},
		{"size mismatch", "uid 1-3 5-6", nil, "differ in size"},
		{"reversed range", "uid 3-1 3-1", nil, "invalid id range"},
		{"not a number", "gid x 1", nil, "invalid id"},
		{"overlap", "uid 1000 0\nuid 1001 0", nil, "overlap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRaw(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			back, err := ParseRaw(got.Raw())
			if err != nil || !reflect.DeepEqual(back, got) {
				t.Fatalf("round trip of %q: %+v, %v", got.Raw(), back, err)
			}
		})
	}
}

func TestWithRaw(t *testing.T) {
	base := Set{
		{Isuid: true, Hostid: 1000000, Nsid: 0, Maprange: 65536},
		{Isgid: true, Hostid: 1000000, Nsid: 0, Maprange: 65536},
	}
	tests := []struct {
		name string
		raw  string
		want Set
	}{
		{"none", "", base},
		{"both middle", "both 1000 1000", Set{
			{Isuid: true, Isgid: true, Hostid: 1000, Nsid: 1000, Maprange: 1},
			{Isuid: true, Hostid: 1000000, Nsid: 0, Maprange: 1000},
			{Isuid: true, Hostid: 1001001, Nsid: 1001, Maprange: 64535},
			{Isgid: true, Hostid: 1000000, Nsid: 0, Maprange: 1000},
			{Isgid: true, Hostid: 1001001, Nsid: 1001, Maprange: 64535},
		}},
		{"uid at start", "uid 50-59 0-9", Set{
			{Isuid: true, Hostid: 50, Nsid: 0, Maprange: 10},
			{Isuid: true, Hostid: 1000010, Nsid: 10, Maprange: 65526},
			{Isgid: true, Hostid: 1000000, Nsid: 0, Maprange: 65536},
		}},
		{"gid at end", "gid 7 65535", Set{
			{Isuid: true, Hostid: 1000000, Nsid: 0, Maprange: 65536},
			{Isgid: true, Hostid: 1000000, Nsid: 0, Maprange: 65535},
			{Isgid: true, Hostid: 7, Nsid: 65535, Maprange: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := ParseRaw(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			got := base.WithRaw(raw)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
			if err := got.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWithRawSplitsBothKinds(t *testing.T) {
	base := Set{{Isuid: true, Isgid: true, Hostid: 100000, Nsid: 0, Maprange: 100}}
	raw := Set{{Isuid: true, Hostid: 5, Nsid: 10, Maprange: 1}}
	want := Set{
		{Isuid: true, Hostid: 100000, Nsid: 0, Maprange: 10},
		{Isuid: true, Hostid: 5, Nsid: 10, Maprange: 1},
		{Isuid: true, Hostid: 100011, Nsid: 11, Maprange: 89},
		{Isgid: true, Hostid: 100000, Nsid: 0, Maprange: 100},
	}
	if got := base.WithRaw(raw); !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestToFromHost(t *testing.T) {
	s := lxdDefault.WithRaw(Set{{Isuid: true, Isgid: true, Hostid: 1000, Nsid: 1000, Maprange: 1}})
	tests := []struct{ nsU, nsG, hostU, hostG int64 }{
		{0, 0, 1000000, 1000000},
		{1000, 1000, 1000, 1000},
		{1001, 5, 1001001, 1000005},
		{-5, 2000000000, -1, -1},
	}
	for _, tt := range tests {
		hu, hg := s.ToHost(tt.nsU, tt.nsG)
		if hu != tt.hostU || hg != tt.hostG {
			t.Fatalf("ToHost(%d,%d) = %d,%d want %d,%d", tt.nsU, tt.nsG, hu, hg, tt.hostU, tt.hostG)
		}
		if tt.hostU < 0 {
			continue
		}
		nu, ng := s.FromHost(hu, hg)
		if nu != tt.nsU || ng != tt.nsG {
			t.Fatalf("FromHost(%d,%d) = %d,%d want %d,%d", hu, hg, nu, ng, tt.nsU, tt.nsG)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		set     Set
		wantErr string
	}{
		{"default", lxdDefault, ""},
		{"host overlap same kind", Set{
			{Isuid: true, Hostid: 10, Nsid: 0, Maprange: 10},
			{Isuid: true, Hostid: 15, Nsid: 100, Maprange: 10}}, "host ids"},
		{"ns overlap across both", Set{
			{Isuid: true, Isgid: true, Hostid: 10, Nsid: 0, Maprange: 10},
			{Isgid: true, Hostid: 100, Nsid: 5, Maprange: 1}}, "container ids"},
		{"different kinds may overlap", Set{
			{Isuid: true, Hostid: 10, Nsid: 0, Maprange: 10},
			{Isgid: true, Hostid: 10, Nsid: 0, Maprange: 10}}, ""},
		{"empty range", Set{{Isuid: true, Hostid: 1, Maprange: 0}}, "Invalid idmap entry"},
		{"no kind", Set{{Hostid: 1, Maprange: 1}}, "neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.set.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
