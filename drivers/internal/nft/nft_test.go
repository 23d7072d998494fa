package nft

import "testing"

func TestChainHeader(t *testing.T) {
	tests := []struct {
		name    string
		c       Chain
		want    string
		wantErr bool
	}{
		{"regular", Chain{Name: "x"}, "", false},
		{"base", Chain{Name: "net.br0.in", Hook: "input"}, "type filter hook input priority 0; policy accept;", false},
		{"nat", Chain{Name: "n", Type: "nat", Hook: "postrouting", Priority: 100}, "type nat hook postrouting priority 100; policy accept;", false},
		{"netdev", Chain{Name: "nic.veth1", Hook: "ingress", Device: "veth1", Policy: "drop"}, `type filter hook ingress device "veth1" priority 0; policy drop;`, false},
		{"bad name", Chain{Name: "a b", Hook: "input"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.header()
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
	for name, ok := range map[string]bool{"lxdng_1a2b": true, "lxd": true, "1abc": false, "a-b": false, "": false} {
		if (ValidTableName(name) == nil) != ok {
			t.Errorf("ValidTableName(%q)", name)
		}
	}
}
