//go:build integration

package lxc_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lxdng/lxd/drivers/instance"
	"github.com/lxdng/lxd/drivers/instance/instancetest"
	"github.com/lxdng/lxd/drivers/instance/lxc"
)

func TestMain(m *testing.M) {
	lxc.HelperMain()
	os.Exit(m.Run())
}

func newDriver(t *testing.T, state string) instance.Driver {
	d, err := lxc.New(lxc.Options{
		LxcPath:    filepath.Join(state, "lxc"),
		LogDir:     filepath.Join(state, "logs"),
		DevicesDir: filepath.Join(state, "devices"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConformance(t *testing.T) {
	instancetest.Run(t, newDriver)
}
