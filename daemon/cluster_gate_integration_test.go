//go:build integration

package daemon_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon"
	"github.com/lxdng/lxd/daemon/daemontest"
	"github.com/lxdng/lxd/shared/api"
)

// TestClusterVersionGate: a member restarted with more API extensions than
// the others waits (503) for them; a member behind refuses to start; once
// both run the same version, both serve.
func TestClusterVersionGate(t *testing.T) {
	c := daemontest.Cluster(t, 2)
	m1, m2 := c.Members[0], c.Members[1]
	newer := []string{daemontest.HeartbeatEnv, daemon.ExtraExtensionsEnv + "=1"}

	m2.Stop()
	m2.StartNoWait(newer)
	daemontest.Eventually(t, 30*time.Second, "m2 waiting for the others", func() bool {
		_, _, err := m2.Client.GetServer(context.Background())
		return api.IsStatus(err, http.StatusServiceUnavailable) && strings.Contains(err.Error(), "waiting for the other members to be upgraded")
	})
	if _, _, err := m1.Client.GetServer(context.Background()); err != nil {
		t.Fatalf("m1 while m2 waits: %v", err)
	}

	m1.Stop()
	log := m1.StartFails([]string{daemontest.HeartbeatEnv}, 60*time.Second)
	if !strings.Contains(log, "This cluster member's version is behind the others") {
		t.Fatalf("m1 behind did not refuse to start with a clear message:\n%s", log)
	}

	m1.StartNoWait(newer)
	m1.WaitReady(60 * time.Second)
	m2.WaitReady(60 * time.Second)
	c.WaitSettled(t, 30*time.Second)
}
