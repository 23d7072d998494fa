//go:build integration

package daemon_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// scenarioTwoMembers checks what a 2-member cluster looks like, against
// ours and against the real LXD 5.0.2.
func scenarioTwoMembers(t *testing.T, c *daemontest.TestCluster) {
	m1, m2 := c.Members[0], c.Members[1]
	ctx := context.Background()
	// m2 becomes a stand-by after a heartbeat.
	daemontest.Eventually(t, 45*time.Second, "m2 is a database stand-by", func() bool {
		return reflect.DeepEqual(memberOf(t, m1, "m2").Roles, []string{"database-standby"})
	})
	var members []api.ClusterMember
	if _, err := m1.Client.Get(ctx, "/1.0/cluster/members?recursion=1", &members); err != nil {
		t.Fatal(err)
	}
	want := []api.ClusterMember{
		{ClusterMemberPut: api.ClusterMemberPut{Roles: []string{"database-leader", "database"}, FailureDomain: "default",
			Config: map[string]string{}, Groups: []string{"default"}}, ServerName: "m1", URL: "https://" + m1.Address,
			Database: true, Status: "Online", Message: "Fully operational", Architecture: "x86_64"},
		{ClusterMemberPut: api.ClusterMemberPut{Roles: []string{"database-standby"}, FailureDomain: "default",
			Config: map[string]string{}, Groups: []string{"default"}}, ServerName: "m2", URL: "https://" + m2.Address,
			Database: true, Status: "Online", Message: "Fully operational", Architecture: "x86_64"},
	}
	if !reflect.DeepEqual(members, want) {
		t.Fatalf("members:\n got %+v\nwant %+v", members, want)
	}
	var list []string
	if _, err := m1.Client.Get(ctx, "/1.0/cluster/members", &list); err != nil || strings.Join(list, " ") != "/1.0/cluster/members/m1 /1.0/cluster/members/m2" {
		t.Fatalf("member URLs: %v %v", list, err)
	}

	// GET /1.0/cluster, with an ETag.
	var cl api.Cluster
	etag, err := m2.Client.Get(ctx, "/1.0/cluster", &cl)
	if err != nil || etag == "" || cl.ServerName != "m2" || !cl.Enabled || cl.MemberConfig == nil {
		t.Fatalf("GET /1.0/cluster on m2: %+v etag %q %v", cl, etag, err)
	}

	// ?target= is answered by the target.
	var srv api.Server
	if _, err := m1.Client.WithTarget("m2").Get(ctx, "/1.0", &srv); err != nil || srv.Environment.ServerName != "m2" ||
		!srv.Environment.ServerClustered || srv.Config["cluster.https_address"] != m2.Address {
		t.Fatalf("/1.0?target=m2: %+v %v %v", srv.Environment.ServerName, srv.Config, err)
	}
	_, err = m1.Client.Get(ctx, "/1.0/cluster/members/nosuch", nil)
	if !api.IsStatus(err, http.StatusNotFound) || err.Error() != "Cluster member not found" {
		t.Fatalf("unknown member: %v", err)
	}

	// The join token operation.
	op, err := m1.Client.Do(ctx, http.MethodPost, "/1.0/cluster/members", api.ClusterMembersPost{ServerName: "m3"}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = op.Cancel(ctx) }()
	keys := []string{}
	for k := range op.Metadata {
		keys = append(keys, k)
	}
	data, _ := json.Marshal(op.Resources)
	if op.Class != "token" || op.Description != "Executing operation" || string(data) != `{"cluster":null}` ||
		op.Location != "m1" || !op.MayCancel || len(keys) != 5 || op.Metadata["serverName"] != "m3" {
		t.Fatalf("token operation: %+v (resources %s)", op.Operation, data)
	}
	if addrs, _ := op.Metadata["addresses"].([]any); len(addrs) == 0 || addrs[0] != m1.Address {
		t.Fatalf("token addresses: %v", op.Metadata["addresses"])
	}
}

func TestClusterTwoMembers(t *testing.T) { scenarioTwoMembers(t, daemontest.Cluster(t, 2)) }

func TestReferenceClusterTwoMembers(t *testing.T) {
	scenarioTwoMembers(t, daemontest.ReferenceCluster(t, 2))
}
