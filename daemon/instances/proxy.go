package instances

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/lxdng/lxd/drivers/instance/proxy"
	"github.com/lxdng/lxd/shared/logctx"
)

// proxyDirs are where proxy devices keep their pid and log files.
func (s *Service) proxyDirs() proxy.Dirs {
	return proxy.Dirs{DevicesDir: filepath.Join(s.o.Dir, "devices"), LogDir: filepath.Join(s.o.Dir, "logs"),
		FirewallTable: s.o.FirewallTable}
}

// proxySpec builds the spec of one proxy device of a running instance;
// volatile holds NIC keys not yet stored (a start in progress).
func (s *Service) proxySpec(rec *record, name string, pid int, volatile map[string]string) (proxy.Spec, error) {
	spec, err := proxy.SpecFromConfig(s.proxyDirs().Ref(rec.row.Project, rec.row.Name, name), pid, rec.expDevices[name])
	if err != nil {
		return spec, fmt.Errorf("Device %q: %w", name, err)
	}
	if spec.NAT {
		for _, dev := range sortedKeys(rec.expDevices) {
			cfg := rec.expDevices[dev]
			if cfg["type"] != "nic" {
				continue
			}
			nictype := cfg["nictype"]
			if cfg["network"] != "" {
				nictype = "bridged"
			}
			host := volatile["volatile."+dev+".host_name"]
			if host == "" {
				host = rec.row.Config["volatile."+dev+".host_name"]
			}
			spec.NICs = append(spec.NICs, proxy.NIC{Name: dev, NICType: nictype, IPv4: cfg["ipv4.address"],
				IPv6: cfg["ipv6.address"], HostName: host})
		}
	}
	return spec, nil
}

// startProxies starts the forwarders (or NAT rules) of a started
// instance's proxy devices; on error those started are stopped.
func (s *Service) startProxies(ctx context.Context, rec *record, pid int, volatile map[string]string) error {
	for _, name := range sortedKeys(rec.expDevices) {
		if rec.expDevices[name]["type"] != "proxy" {
			continue
		}
		spec, err := s.proxySpec(rec, name, pid, volatile)
		if err == nil {
			markCloseOnExec()
			_, err = proxy.Start(ctx, spec)
		}
		if err != nil {
			s.stopProxies(ctx, rec)
			return fmt.Errorf("Failed to start device %q: %w", name, err)
		}
	}
	return nil
}

// stopProxies stops every proxy device of an instance (also those of
// devices removed meanwhile).
func (s *Service) stopProxies(ctx context.Context, rec *record) {
	base := s.proxyDirs().Ref(rec.row.Project, rec.row.Name, "")
	if err := proxy.StopAll(context.WithoutCancel(ctx), base); err != nil {
		logctx.From(ctx).WithError(err).WithField("instance", rec.ref().String()).Warn("Failed to stop proxy devices")
	}
}

// recoverProxies adopts (or restarts) the forwarders of a running
// instance after a daemon restart and drops leftovers.
func (s *Service) recoverProxies(ctx context.Context, rec *record, pid int) {
	var keep []string
	for _, name := range sortedKeys(rec.expDevices) {
		if rec.expDevices[name]["type"] != "proxy" {
			continue
		}
		keep = append(keep, name)
		spec, err := s.proxySpec(rec, name, pid, nil)
		if err == nil {
			markCloseOnExec()
			_, err = proxy.Ensure(ctx, spec)
		}
		if err != nil {
			logctx.From(ctx).WithError(err).WithField("device", name).Warn("Failed to recover proxy device")
		}
	}
	_ = proxy.StopAll(ctx, s.proxyDirs().Ref(rec.row.Project, rec.row.Name, ""), keep...)
}

// markCloseOnExec sets FD_CLOEXEC on every open descriptor above stderr.
// C libraries in the daemon (the database's sockets) open descriptors
// without it, and Go passes those to every child: a proxy forwarder, which
// outlives the daemon, would keep the database's listening socket and stop
// the next daemon from binding it.
func markCloseOnExec() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
}
