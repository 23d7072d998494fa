package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

func TestAskClustering(t *testing.T) {
	tokData, _ := json.Marshal(api.ClusterMemberJoinToken{ServerName: "m2", Fingerprint: "f", Addresses: []string{"10.0.0.1:8443"}, Secret: "s"})
	tok := base64.StdEncoding.EncodeToString(tokData)
	tests := []struct {
		name    string
		answers string
		want    preseed
		wantErr string
	}{
		{"bootstrap", "yes\n10.0.0.2\nno\nm1\nno\n",
			preseed{Config: map[string]any{"core.https_address": "10.0.0.2:8443"}, Cluster: map[string]any{"server_name": "m1", "enabled": true}}, ""},
		{"join", "y\n10.0.0.3:9443\nyes\n" + tok + "\nyes\nno\n",
			preseed{Cluster: map[string]any{"server_name": "m2", "enabled": true, "server_address": "10.0.0.3:9443",
				"cluster_address": "10.0.0.1:8443", "cluster_token": tok, "member_config": []any{}}}, ""},
		{"join aborted", "yes\n10.0.0.3\nyes\n" + tok + "\nno\n", preseed{}, "User aborted configuration"},
		{"bad token", "yes\n10.0.0.3\nyes\nnope\n", preseed{}, "Invalid join token"},
		{"no clustering", "no\n", preseed{}, "only sets up clustering"},
		{"input ends", "yes\n", preseed{}, "Interactive input ended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			got, err := askClustering(newAsker(strings.NewReader(tt.answers), &out))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v %v\nwant %#v", got, err, tt.want)
			}
			if !strings.Contains(out.String(), "Would you like to use LXD clustering? (yes/no) [default=no]: ") {
				t.Fatalf("questions: %q", out.String())
			}
		})
	}
}
