package main

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/units"
)

// writeInstanceInfo renders `lxc info <instance>` from the full instance
// (GET /1.0/instances/<name>?recursion=1), in LXD's order and wording.
func writeInstanceInfo(w io.Writer, inst *api.InstanceFull, clustered bool) {
	fmt.Fprintf(w, "Name: %s\n", inst.Name)
	if inst.Location != "" && clustered {
		fmt.Fprintf(w, "Location: %s\n", inst.Location)
	}
	if inst.Description != "" {
		fmt.Fprintf(w, "Description: %s\n", inst.Description)
	}
	fmt.Fprintf(w, "Status: %s\n", strings.ToUpper(inst.Status))
	instType := inst.Type
	if instType == "" {
		instType = "container"
	}
	if inst.Ephemeral {
		fmt.Fprintf(w, "Type: %s (ephemeral)\n", instType)
	} else {
		fmt.Fprintf(w, "Type: %s\n", instType)
	}
	fmt.Fprintf(w, "Architecture: %s\n", inst.Architecture)
	state := inst.State
	if state == nil {
		state = &api.InstanceState{}
	}
	if state.Pid != 0 {
		fmt.Fprintf(w, "PID: %d\n", state.Pid)
	}
	if timeIsSet(inst.CreatedAt) {
		fmt.Fprintf(w, "Created: %s\n", inst.CreatedAt.Local().Format(infoTimeLayout))
	}
	if timeIsSet(inst.LastUsedAt) {
		fmt.Fprintf(w, "Last Used: %s\n", inst.LastUsedAt.Local().Format(infoTimeLayout))
	}
	if state.Pid != 0 {
		writeResources(w, state)
	}
	writeSnapshotTable(w, inst.Snapshots)
}

func writeResources(w io.Writer, st *api.InstanceState) {
	fmt.Fprintf(w, "\nResources:\n")
	fmt.Fprintf(w, "  Processes: %d\n", st.Processes)
	var disk strings.Builder
	for _, name := range sortedKeys(st.Disk) {
		if usage := st.Disk[name].Usage; usage != 0 {
			fmt.Fprintf(&disk, "    %s: %s\n", name, units.FormatByteSize(usage))
		}
	}
	section(w, "Disk usage", disk.String())
	cpu := ""
	if st.CPU.Usage != 0 {
		cpu = fmt.Sprintf("    CPU usage (in seconds): %d\n", st.CPU.Usage/1000000000)
	}
	section(w, "CPU usage", cpu)
	var mem strings.Builder
	for _, m := range []struct {
		label string
		v     int64
	}{{"Memory (current)", st.Memory.Usage}, {"Memory (peak)", st.Memory.UsagePeak},
		{"Swap (current)", st.Memory.SwapUsage}, {"Swap (peak)", st.Memory.SwapUsagePeak}} {
		if m.v != 0 {
			fmt.Fprintf(&mem, "    %s: %s\n", m.label, units.FormatByteSize(m.v))
		}
	}
	section(w, "Memory usage", mem.String())
	var netw strings.Builder
	for _, name := range sortedKeys(st.Network) {
		writeNetworkUsage(&netw, name, st.Network[name])
	}
	section(w, "Network usage", netw.String())
}

func section(w io.Writer, title, body string) {
	if body != "" {
		fmt.Fprintf(w, "  %s:\n%s", title, body)
	}
}

func writeNetworkUsage(w io.Writer, name string, n api.InstanceStateNetwork) {
	fmt.Fprintf(w, "    %s:\n", name)
	fmt.Fprintf(w, "      Type: %s\n", n.Type)
	fmt.Fprintf(w, "      State: %s\n", strings.ToUpper(n.State))
	if n.HostName != "" {
		fmt.Fprintf(w, "      Host interface: %s\n", n.HostName)
	}
	if n.Hwaddr != "" {
		fmt.Fprintf(w, "      MAC address: %s\n", n.Hwaddr)
	}
	if n.Mtu != 0 {
		fmt.Fprintf(w, "      MTU: %d\n", n.Mtu)
	}
	fmt.Fprintf(w, "      Bytes received: %s\n", siByteSize(n.Counters.BytesReceived))
	fmt.Fprintf(w, "      Bytes sent: %s\n", siByteSize(n.Counters.BytesSent))
	fmt.Fprintf(w, "      Packets received: %d\n", n.Counters.PacketsReceived)
	fmt.Fprintf(w, "      Packets sent: %d\n", n.Counters.PacketsSent)
	fmt.Fprintf(w, "      IP addresses:\n")
	for _, addr := range n.Addresses {
		pad := " "
		if addr.Family == "inet" {
			pad = "  "
		}
		fmt.Fprintf(w, "        %s:%s%s/%s (%s)\n", addr.Family, pad, addr.Address, addr.Netmask, addr.Scope)
	}
}

func writeSnapshotTable(w io.Writer, snaps []api.InstanceSnapshot) {
	if len(snaps) == 0 {
		return
	}
	fmt.Fprintf(w, "\nSnapshots:\n")
	rows := make([][]string, 0, len(snaps))
	for _, s := range snaps {
		_, name, ok := splitSnapshot(s.Name)
		if !ok {
			name = s.Name
		}
		row := []string{name, " ", " ", "NO"}
		if timeIsSet(s.CreatedAt) {
			row[1] = s.CreatedAt.Local().Format(infoTimeLayout)
		}
		if timeIsSet(s.ExpiresAt) {
			row[2] = s.ExpiresAt.Local().Format(infoTimeLayout)
		}
		if s.Stateful {
			row[3] = "YES"
		}
		rows = append(rows, row)
	}
	// Server order (creation order), unsorted, as LXD prints it.
	_ = renderTable(w, formatTable, []string{"NAME", "TAKEN AT", "EXPIRES AT", "STATEFUL"}, rows, nil)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// infoInstance renders `lxc info [<remote>:]<instance> [--show-log]`.
func infoInstance(a *app, c *client.Client, name string, showLog bool) error {
	var inst api.InstanceFull
	if _, err := c.Get(a.ctx, instanceURL(name)+"?recursion=1", &inst); err != nil {
		return err
	}
	srv, _, err := c.GetServer(a.ctx)
	if err != nil {
		return err
	}
	writeInstanceInfo(a.stdout, &inst, srv.Environment.ServerClustered)
	if !showLog {
		return nil
	}
	file := "lxc.log"
	if inst.Type == api.InstanceTypeVM {
		file = "qemu.log"
	}
	log, err := instanceLogFile(a, c, name, file)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\nLog:\n\n%s\n", log)
	return nil
}

// instanceLogFile reads /1.0/instances/<name>/logs/<file>.
func instanceLogFile(a *app, c *client.Client, name, file string) (string, error) {
	data, err := rawRequest(a, c, http.MethodGet, instanceURL(name)+"/logs/"+file, nil, nil)
	return string(data), err
}
