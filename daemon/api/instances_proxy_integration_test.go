//go:build integration

package api_test

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// readGreeting connects to addr and reads what the server says first.
func readGreeting(addr string) string {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	data, _ := io.ReadAll(c)
	return strings.TrimSpace(string(data))
}

// scenarioProxy: a proxy device (host tcp port -> tcp port inside) set
// before start and one hot-plugged on the running instance.
func scenarioProxy(t *testing.T, d *daemontest.Daemon) {
	e := newInstEnv(t, d)
	name := daemontest.Name(t, "c")
	e.newBusybox(t, name)
	p1, p2 := daemontest.FreePort(t), daemontest.FreePort(t)
	d.MustLXC(t, "config", "device", "add", name, "web", "proxy",
		fmt.Sprintf("listen=tcp:127.0.0.1:%d", p1), "connect=tcp:127.0.0.1:8080")
	d.MustLXC(t, "start", name)
	d.MustLXC(t, "exec", name, "--", "sh", "-c",
		"setsid sh -c 'while true; do echo hello | nc -l -p 8080; done' </dev/null >/dev/null 2>&1 &")
	daemontest.Eventually(t, 20*time.Second, "proxy forwards", func() bool {
		return readGreeting(fmt.Sprintf("127.0.0.1:%d", p1)) == "hello"
	})
	d.MustLXC(t, "config", "device", "add", name, "web2", "proxy",
		fmt.Sprintf("listen=tcp:127.0.0.1:%d", p2), "connect=tcp:127.0.0.1:8080")
	daemontest.Eventually(t, 20*time.Second, "hot-plugged proxy forwards", func() bool {
		return readGreeting(fmt.Sprintf("127.0.0.1:%d", p2)) == "hello"
	})
	// Forwarders outlive a killed daemon and are adopted by the next one.
	d.Kill()
	d.Restart()
	if got := readGreeting(fmt.Sprintf("127.0.0.1:%d", p1)); got != "hello" {
		t.Fatalf("after daemon restart: %q", got)
	}
	d.MustLXC(t, "config", "device", "remove", name, "web2")
	daemontest.Eventually(t, 20*time.Second, "removed proxy stops listening", func() bool {
		_, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p2), time.Second)
		return err != nil
	})
	d.MustLXC(t, "stop", "-f", name)
	daemontest.Eventually(t, 20*time.Second, "proxy stops with the instance", func() bool {
		_, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p1), time.Second)
		return err != nil
	})
}

func TestInstanceProxy(t *testing.T)          { scenarioProxy(t, daemontest.Start(t)) }
func TestReferenceInstanceProxy(t *testing.T) { scenarioProxy(t, daemontest.StartReference(t)) }
