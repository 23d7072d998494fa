package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
)

func networkInfoCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "info [<remote>:]<network>",
		Short: "Get runtime information on networks",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingNetwork, "network_state")
			if err != nil {
				return err
			}
			state, err := r.withTarget(target).GetNetworkState(a.ctx, r.name)
			if err != nil {
				return err
			}
			writeNetworkState(a.stdout, r.name, state)
			return nil
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

// writeNetworkState renders `lxc network info` (sizes in SI units, like LXD).
func writeNetworkState(w io.Writer, name string, s *api.NetworkState) {
	fmt.Fprintf(w, "Name: %s\n", name)
	fmt.Fprintf(w, "MAC address: %s\n", s.Hwaddr)
	fmt.Fprintf(w, "MTU: %d\n", s.Mtu)
	fmt.Fprintf(w, "State: %s\n", s.State)
	fmt.Fprintf(w, "Type: %s\n", s.Type)
	if len(s.Addresses) > 0 {
		fmt.Fprintf(w, "\nIP addresses:\n")
		for _, addr := range s.Addresses {
			fmt.Fprintf(w, "  %s\t%s/%s (%s)\n", addr.Family, addr.Address, addr.Netmask, addr.Scope)
		}
	}
	fmt.Fprintf(w, "\nNetwork usage:\n")
	fmt.Fprintf(w, "  Bytes received: %s\n", siByteSize(s.Counters.BytesReceived))
	fmt.Fprintf(w, "  Bytes sent: %s\n", siByteSize(s.Counters.BytesSent))
	fmt.Fprintf(w, "  Packets received: %d\n", s.Counters.PacketsReceived)
	fmt.Fprintf(w, "  Packets sent: %d\n", s.Counters.PacketsSent)
	if b := s.Bond; b != nil {
		fmt.Fprintf(w, "\nBond:\n")
		fmt.Fprintf(w, "  Mode: %s\n", b.Mode)
		fmt.Fprintf(w, "  Transmit policy: %s\n", b.TransmitPolicy)
		fmt.Fprintf(w, "  Up delay: %d\n", b.UpDelay)
		fmt.Fprintf(w, "  Down delay: %d\n", b.DownDelay)
		fmt.Fprintf(w, "  MII Frequency: %d\n", b.MIIFrequency)
		fmt.Fprintf(w, "  MII state: %s\n", b.MIIState)
		fmt.Fprintf(w, "  Lower devices: %s\n", strings.Join(b.LowerDevices, ", "))
	}
	if b := s.Bridge; b != nil {
		fmt.Fprintf(w, "\nBridge:\n")
		fmt.Fprintf(w, "  ID: %s\n", b.ID)
		fmt.Fprintf(w, "  STP: %v\n", b.STP)
		fmt.Fprintf(w, "  Forward delay: %d\n", b.ForwardDelay)
		fmt.Fprintf(w, "  Default VLAN ID: %d\n", b.VLANDefault)
		fmt.Fprintf(w, "  VLAN filtering: %v\n", b.VLANFiltering)
		fmt.Fprintf(w, "  Upper devices: %s\n", strings.Join(b.UpperDevices, ", "))
	}
	if v := s.VLAN; v != nil {
		fmt.Fprintf(w, "\nVLAN:\n")
		fmt.Fprintf(w, "  Lower device: %s\n", v.LowerDevice)
		fmt.Fprintf(w, "  VLAN ID: %d\n", v.VID)
	}
	if o := s.OVN; o != nil {
		fmt.Fprintf(w, "\nOVN:\n")
		fmt.Fprintf(w, "  Chassis: %s\n", o.Chassis)
	}
}

// siByteSize is LXD's decimal size format ("281.64MB").
func siByteSize(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%dB", n)
	}
	v := float64(n)
	for _, unit := range []string{"kB", "MB", "GB", "TB", "PB", "EB"} {
		v /= 1000
		if v < 1000 || unit == "EB" {
			return fmt.Sprintf("%.2f%s", v, unit)
		}
	}
	return ""
}

func networkListLeasesCommand(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list-leases [<remote>:]<network>",
		Short: "List DHCP leases",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingNetwork, "network_leases")
			if err != nil {
				return err
			}
			leases, err := r.c.GetNetworkLeases(a.ctx, r.name)
			if err != nil {
				return err
			}
			clustered, err := a.isClustered(r.c)
			if err != nil {
				return err
			}
			header, rows := leaseRows(leases, clustered)
			return renderTable(a.stdout, format, header, rows, leases)
		}),
	}
	formatFlag(cmd, &format)
	return cmd
}

// leaseRows is the DHCP lease table; a cluster adds the member.
func leaseRows(leases []api.NetworkLease, clustered bool) ([]string, [][]string) {
	rows := [][]string{}
	for _, l := range leases {
		row := []string{l.Hostname, l.Hwaddr, l.Address, strings.ToUpper(l.Type)}
		if clustered {
			row = append(row, l.Location)
		}
		rows = append(rows, row)
	}
	sortRows(rows)
	header := []string{"HOSTNAME", "MAC ADDRESS", "IP ADDRESS", "TYPE"}
	if clustered {
		header = append(header, "LOCATION")
	}
	return header, rows
}
