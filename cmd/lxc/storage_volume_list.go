package main

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/units"
)

const defaultVolumeColumns = "etndcuL"

// volumeColumn is one column of `storage volume list`.
type volumeColumn struct {
	name      string
	needState bool
	data      func(v api.StorageVolume, s *api.StorageVolumeState) string
}

var volumeColumnTable = map[rune]volumeColumn{
	'c': {name: "CONTENT-TYPE", data: func(v api.StorageVolume, _ *api.StorageVolumeState) string {
		if v.ContentType == "" {
			return "filesystem"
		}
		return v.ContentType
	}},
	'd': {name: "DESCRIPTION", data: func(v api.StorageVolume, _ *api.StorageVolumeState) string { return v.Description }},
	'e': {name: "PROJECT", data: func(v api.StorageVolume, _ *api.StorageVolumeState) string { return v.Project }},
	'L': {name: "LOCATION", data: func(v api.StorageVolume, _ *api.StorageVolumeState) string { return v.Location }},
	'n': {name: "NAME", data: func(v api.StorageVolume, _ *api.StorageVolumeState) string { return v.Name }},
	't': {name: "TYPE", data: func(v api.StorageVolume, _ *api.StorageVolumeState) string {
		if strings.Contains(v.Name, "/") {
			return v.Type + " (snapshot)"
		}
		return v.Type
	}},
	'u': {name: "USED BY", data: func(v api.StorageVolume, _ *api.StorageVolumeState) string { return strconv.Itoa(len(v.UsedBy)) }},
	'U': {name: "USAGE", needState: true, data: func(_ api.StorageVolume, s *api.StorageVolumeState) string {
		if s == nil || s.Usage == nil {
			return ""
		}
		return units.FormatByteSize(int64(s.Usage.Used))
	}},
}

// parseVolumeColumns resolves -c: the project column only exists with
// --all-projects and the location column only in a cluster (where asking
// for it elsewhere is an error unless it came from the default).
func parseVolumeColumns(flag string, clustered, allProjects bool) ([]volumeColumn, error) {
	if !clustered {
		if flag != defaultVolumeColumns && strings.Contains(flag, "L") {
			return nil, errors.New("Can't specify column L when not clustered")
		}
		flag = strings.ReplaceAll(flag, "L", "")
	}
	if !allProjects {
		flag = strings.ReplaceAll(flag, "e", "")
	}
	return parseColumnFlag(flag, func(r rune) (volumeColumn, bool) {
		c, ok := volumeColumnTable[r]
		return c, ok
	})
}

// parseColumnFlag splits a -c value into columns with LXD's errors.
func parseColumnFlag[T any](flag string, lookup func(rune) (T, bool)) ([]T, error) {
	var out []T
	for _, entry := range strings.Split(flag, ",") {
		if entry == "" {
			return nil, fmt.Errorf("Empty column entry (redundant, leading or trailing command) in '%s'", flag)
		}
		for _, r := range entry {
			c, ok := lookup(r)
			if !ok {
				return nil, fmt.Errorf("Unknown column shorthand char '%c' in '%s'", r, entry)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// sortByNameAndType orders rows by their first column's first word, then
// by the second column, so snapshots stay next to their volume (LXD's
// volume list order).
func sortByNameAndType(rows [][]string) {
	// sort.Sort (not a stable sort), like LXD: rows it sees as equal end
	// up in the same order as with the real client.
	sort.Sort(byNameAndType(rows))
}

type byNameAndType [][]string

func (r byNameAndType) Len() int      { return len(r) }
func (r byNameAndType) Swap(i, j int) { r[i], r[j] = r[j], r[i] }
func (r byNameAndType) Less(i, j int) bool {
	a, b := r[i], r[j]
	ta, _, _ := strings.Cut(a[0], " ")
	tb, _, _ := strings.Cut(b[0], " ")
	if ta != tb {
		return naturalLess(a[0], b[0])
	}
	if a[1] == "" {
		return false
	}
	if b[1] == "" {
		return true
	}
	return naturalLess(a[1], b[1])
}

// volumeFilter turns "key=value" arguments into an API filter; other
// arguments are ignored, as LXD 5.0.2 does.
func volumeFilter(args []string) string {
	var parts []string
	for _, arg := range args {
		if k, v, ok := strings.Cut(arg, "="); ok {
			parts = append(parts, k+" eq "+v)
		}
	}
	return strings.Join(parts, " and ")
}

func volumeListCommand(a *app) *cobra.Command {
	var format, columns string
	var allProjects bool
	cmd := &cobra.Command{
		Use:     "list [<remote>:]<pool> [<filter>...]",
		Aliases: []string{"ls"},
		Short:   "List storage volumes",
		Long: `List storage volumes

The -c option takes a (optionally comma-separated) list of arguments
that control which image attributes to output when displaying in table
or csv format.

Column shorthand chars:
    c - Content type (filesystem or block)
    d - Description
    e - Project name
    L - Location of the instance (e.g. its cluster member)
    n - Name
    t - Type of volume (custom, image, container or virtual-machine)
    u - Number of references (used by)
    U - Current disk usage`,
		RunE: withArgCount(1, -1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingPool, "storage")
			if err != nil {
				return err
			}
			vols, err := r.c.GetStorageVolumesFiltered(a.ctx, r.name, allProjects, volumeFilter(args[1:]))
			if err != nil {
				return err
			}
			clustered, err := a.isClustered(r.c)
			if err != nil {
				return err
			}
			cols, err := parseVolumeColumns(columns, clustered, allProjects)
			if err != nil {
				return err
			}
			header, rows, err := a.volumeRows(r.c, r.name, vols, cols)
			if err != nil {
				return err
			}
			return renderTable(a.stdout, format, header, rows, vols)
		}),
	}
	cmd.Flags().BoolVar(&allProjects, "all-projects", false, "All projects")
	cmd.Flags().StringVarP(&columns, "columns", "c", defaultVolumeColumns, "Columns``")
	formatFlag(cmd, &format)
	return cmd
}

// volumeRows renders the volume table, fetching the state of volumes when a
// usage column asks for it.
func (a *app) volumeRows(c *client.Client, pool string, vols []api.StorageVolume, cols []volumeColumn) ([]string, [][]string, error) {
	rows := [][]string{}
	for _, v := range vols {
		row := []string{}
		for _, col := range cols {
			var state *api.StorageVolumeState
			if col.needState && !strings.Contains(v.Name, "/") && v.Type != "image" {
				vc := c
				if v.Project != "" {
					vc = c.WithProject(v.Project)
				}
				s, err := vc.GetStorageVolumeState(a.ctx, pool, v.Type, v.Name)
				if err != nil {
					return nil, nil, err
				}
				state = s
			}
			row = append(row, col.data(v, state))
		}
		rows = append(rows, row)
	}
	if len(cols) >= 2 {
		sortByNameAndType(rows)
	}
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = col.name
	}
	return header, rows, nil
}

// infoTimeLayout is how LXD's client prints times in info commands.
const infoTimeLayout = "2006/01/02 15:04 MST"

func volumeInfoCommand(a *app) *cobra.Command {
	var target string
	cmd := &cobra.Command{
		Use:   "info [<remote>:]<pool> <volume>",
		Short: "Show storage volume state information",
		RunE: withArgCount(2, 2, func(args []string) error {
			r, err := a.resourceFor(args[0], "Missing storage pool name", "storage")
			if err != nil {
				return err
			}
			volType, name := "custom", args[1]
			if prefix, rest, ok := strings.Cut(args[1], "/"); ok {
				volType, name = prefix, rest
			}
			if volType != "custom" && volType != "container" && volType != "virtual-machine" || strings.Contains(name, "/") {
				return errors.New("Only instance or custom volumes are supported")
			}
			return a.volumeInfo(r.withTarget(target), r.name, volType, name)
		}),
	}
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

func (a *app) volumeInfo(c *client.Client, pool, volType, name string) error {
	vol, _, err := c.GetStorageVolume(a.ctx, pool, volType, name)
	if err != nil {
		return err
	}
	if err := a.requireExtensions(c, "storage_volume_state"); err != nil {
		return err
	}
	state, err := c.GetStorageVolumeState(a.ctx, pool, volType, name)
	if err != nil {
		return err
	}
	snaps, err := c.GetStorageVolumeSnapshots(a.ctx, pool, volType, name)
	if err != nil {
		return err
	}
	clustered, err := a.isClustered(c)
	if err != nil {
		return err
	}
	w := a.stdout
	fmt.Fprintf(w, "Name: %s\n", vol.Name)
	if vol.Description != "" {
		fmt.Fprintf(w, "Description: %s\n", vol.Description)
	}
	fmt.Fprintf(w, "Type: %s\n", orDefault(vol.Type, "custom"))
	if clustered && vol.Location != "" {
		fmt.Fprintf(w, "Location: %s\n", vol.Location)
	}
	fmt.Fprintf(w, "Content type: %s\n", orDefault(vol.ContentType, "filesystem"))
	if state.Usage != nil {
		fmt.Fprintf(w, "Usage: %s\n", units.FormatByteSize(int64(state.Usage.Used)))
		if state.Usage.Total > 0 {
			fmt.Fprintf(w, "Total: %s\n", units.FormatByteSize(state.Usage.Total))
		}
	}
	if len(snaps) == 0 {
		return nil
	}
	rows := [][]string{}
	for _, s := range snaps {
		_, short, _ := strings.Cut(s.Name, "/")
		if short == "" {
			short = s.Name
		}
		rows = append(rows, []string{short, s.Description, formatExpiry(s.ExpiresAt)})
	}
	sortRows(rows)
	fmt.Fprintln(w, "\nSnapshots:")
	return renderTable(w, formatTable, []string{"NAME", "DESCRIPTION", "EXPIRES AT"}, rows, nil)
}

// formatExpiry prints an expiry time, blank when unset.
func formatExpiry(t *time.Time) string {
	if t == nil || t.IsZero() || t.Unix() <= 0 {
		return " "
	}
	return t.Local().Format(infoTimeLayout)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func volumeSnapshotCommand(a *app) *cobra.Command {
	var target string
	var noExpiry, reuse bool
	cmd := &cobra.Command{
		Use:   "snapshot [<remote>:]<pool> <volume> [<snapshot>]",
		Short: "Snapshot storage volumes",
		RunE: withArgCount(2, 3, func(args []string) error {
			r, err := a.resourceFor(args[0], missingPool, "storage")
			if err != nil {
				return err
			}
			c := r.withTarget(target)
			volType, vol := splitVolumeType(args[1])
			if strings.Contains(vol, "/") {
				return errors.New("Volume cannot be snapshot")
			}
			if _, _, err := c.GetStorageVolume(a.ctx, r.name, volType, vol); err != nil {
				return err
			}
			req := api.StorageVolumeSnapshotsPost{}
			if len(args) == 3 {
				req.Name = args[2]
			}
			if noExpiry {
				req.ExpiresAt = &time.Time{}
			}
			if reuse && req.Name != "" {
				if err := a.deleteSnapshotIfExists(c, r.name, volType, vol, req.Name); err != nil {
					return err
				}
			}
			op, err := c.CreateStorageVolumeSnapshot(a.ctx, r.name, volType, vol, req)
			if err != nil {
				return err
			}
			return a.waitOperation(c, op, "")
		}),
	}
	cmd.Flags().BoolVar(&noExpiry, "no-expiry", false, "Ignore any configured auto-expiry for the storage volume")
	cmd.Flags().BoolVar(&reuse, "reuse", false, "If the snapshot name already exists, delete and create a new one")
	cmd.Flags().StringVar(&target, "target", "", "Cluster member name``")
	return cmd
}

// deleteSnapshotIfExists makes room for --reuse.
func (a *app) deleteSnapshotIfExists(c *client.Client, pool, volType, vol, snap string) error {
	if _, _, err := c.GetStorageVolumeSnapshot(a.ctx, pool, volType, vol, snap); err != nil {
		return nil
	}
	op, err := c.DeleteStorageVolumeSnapshot(a.ctx, pool, volType, vol, snap)
	if err != nil {
		return err
	}
	return a.waitOperation(c, op, "")
}
