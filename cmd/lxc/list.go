package main

import (
	"encoding/json"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v2"

	"github.com/lxdng/lxd/shared/api"
)

const listLong = `List instances

Default column layout: ns46tS
Fast column layout: nsacPt

A single keyword like "web" which will list any instance with a name starting by "web".
A regular expression on the instance name. (e.g. .*web.*01$).
A key/value pair referring to a configuration item. For those, the
namespace can be abbreviated to the smallest unambiguous identifier.
A key/value pair where the key is a shorthand. Multiple values must be delimited by ','. Available shorthands:
  - type={instance type}
  - status={instance current lifecycle status}
  - architecture={instance architecture}
  - location={location name}
  - ipv4={ip or CIDR}
  - ipv6={ip or CIDR}

Examples:
  - "user.blah=abc" will list all instances with the "blah" user property set to "abc".
  - "u.blah=abc" will do the same
  - "security.privileged=true" will list all privileged instances
  - "s.privileged=true" will do the same
  - "type=container" will list all container instances
  - "type=container status=running" will list all running container instances

A regular expression matching a configuration item or its value. (e.g. volatile.eth0.hwaddr=00:16:3e:.*).

When multiple filters are passed, they are added one on top of the other,
selecting instances which satisfy them all.

== Columns ==
The -c option takes a comma separated list of arguments that control
which instance attributes to output when displaying in table or csv
format.

Column arguments are either pre-defined shorthand chars (see below),
or (extended) config keys.

Commas between consecutive shorthand chars are optional.

Pre-defined column shorthand chars:
  4 - IPv4 address
  6 - IPv6 address
  a - Architecture
  b - Storage pool
  c - Creation date
  d - Description
  D - disk usage
  e - Project name
  l - Last used date
  m - Memory usage
  M - Memory usage (%)
  n - Name
  N - Number of Processes
  p - PID of the instance's init process
  P - Profiles
  s - State
  S - Number of snapshots
  t - Type (persistent or ephemeral)
  u - CPU usage (in seconds)
  L - Location of the instance (e.g. its cluster member)
  f - Base Image Fingerprint (short)
  F - Base Image Fingerprint (long)

Custom columns are defined with "[config:|devices:]key[:name][:maxWidth]":
  KEY: The (extended) config or devices key to display. If [config:|devices:] is omitted then it defaults to config key.
  NAME: Name to display in the column header.
  Defaults to the key if not specified or empty.

  MAXWIDTH: Max width of the column (longer results are truncated).
  Defaults to -1 (unlimited). Use 0 to limit to the column header size.`

const listExample = `  lxc list -c nFs46,volatile.eth0.hwaddr:MAC,config:image.os,devices:eth0.parent:ETHP
    Show instances using the "NAME", "BASE IMAGE", "STATE", "IPV4", "IPV6" and "MAC" columns.
    "BASE IMAGE", "MAC" and "IMAGE OS" are custom columns generated from instance configuration keys.
    "ETHP" is a custom column generated from a device key.

  lxc list -c ns,user.comment:comment
    List instances with their running state and user comment.`

type listFlags struct {
	columns     string
	format      string
	fast        bool
	allProjects bool
}

func listCommand(a *app) *cobra.Command {
	f := &listFlags{}
	cmd := &cobra.Command{
		Use:     "list [<remote>:] [<filter>...]",
		Aliases: []string{"ls"},
		Short:   "List instances",
		Long:    listLong,
		Example: listExample,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.listInstances(args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.columns, "columns", "c", defaultListColumns, "Columns``")
	formatFlag(cmd, &f.format)
	fl.BoolVar(&f.fast, "fast", false, "Fast mode (same as --columns=nsacPt)")
	fl.BoolVar(&f.allProjects, "all-projects", false, "Display instances from all projects")
	return cmd
}

// listInstances fetches every instance in one request (recursion=2 when a
// column needs state or snapshots, else 1), filters and renders them.
func (a *app) listInstances(args []string, f *listFlags) error {
	remote, filters := a.conf.DefaultRemote, args
	if len(args) > 0 && strings.Contains(args[0], ":") && !strings.Contains(args[0], "=") {
		var err error
		if remote, _, err = a.parseRemote(args[0]); err != nil {
			return err
		}
		filters = args[1:]
	}
	c, err := a.connect(remote)
	if err != nil {
		return err
	}
	srv, _, err := c.GetServer(a.ctx)
	if err != nil {
		return err
	}
	columns, needsData, err := parseListColumns(f.columns, f.fast, srv.Environment.ServerClustered)
	if err != nil {
		return err
	}
	serverFilters, clientFilters := splitListFilters(filters)
	q := url.Values{}
	q.Set("filter", serverFilterExpr(serverFilters))
	q.Set("recursion", "1")
	if needsData {
		q.Set("recursion", "2")
	}
	if f.allProjects {
		q.Set("all-projects", "true")
	}
	var insts []api.InstanceFull
	if _, err := c.Get(a.ctx, "/1.0/instances?"+q.Encode(), &insts); err != nil {
		return err
	}
	// The server already applied serverFilters; applying them again costs
	// nothing and keeps the answer right on a server that ignores ?filter=.
	shown := make([]api.InstanceFull, 0, len(insts))
	for i := range insts {
		if matchListFilters(append(append([]string{}, serverFilters...), clientFilters...), &insts[i]) {
			shown = append(shown, insts[i])
		}
	}
	return renderInstanceList(a.stdout, f.format, columns, shown)
}

// renderInstanceList prints the rows (table/csv/compact) or the instances
// themselves (json/yaml).
func renderInstanceList(w io.Writer, format string, columns []listColumn, insts []api.InstanceFull) error {
	switch format {
	case formatJSON:
		return json.NewEncoder(w).Encode(insts)
	case formatYAML:
		out, err := yaml.Marshal(insts)
		if err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	}
	header := make([]string, len(columns))
	for i, col := range columns {
		header[i] = listHeader(col)
	}
	rows := make([][]string, 0, len(insts))
	for i := range insts {
		row := make([]string, len(columns))
		for j, col := range columns {
			row[j] = col.data(&insts[i])
		}
		rows = append(rows, row)
	}
	sortRows(rows)
	return renderTable(w, format, header, rows, nil)
}

// instanceFullFields are the JSON names of InstanceFull's fields: filters
// on them (without "." or ",") are sent to the server.
var instanceFullFields = map[string]bool{}

func init() {
	for _, name := range []string{"architecture", "config", "devices", "ephemeral", "profiles", "stateful",
		"description", "created_at", "expanded_config", "expanded_devices", "name", "status", "status_code",
		"last_used_at", "location", "type", "project", "backups", "state", "snapshots"} {
		instanceFullFields[name] = true
	}
}

// splitListFilters separates the filters the server evaluates (simple
// "field=value" on an instance field) from the ones the client does.
func splitListFilters(filters []string) (server, client []string) {
	for _, f := range filters {
		k, v, ok := strings.Cut(f, "=")
		if !ok || !instanceFullFields[k] || strings.Contains(v, ",") || strings.Contains(k, ".") {
			client = append(client, f)
			continue
		}
		server = append(server, f)
	}
	return server, client
}

// serverFilterExpr turns "k=v" filters into "k eq v and ...".
func serverFilterExpr(filters []string) string {
	parts := make([]string, 0, len(filters))
	for _, f := range filters {
		k, v, _ := strings.Cut(f, "=")
		parts = append(parts, k+" eq "+v)
	}
	return strings.Join(parts, " and ")
}

// listShorthands are the "key=value" filters that are not config keys.
var listShorthands = map[string]func(i *api.InstanceFull, v string) bool{
	"type":         func(i *api.InstanceFull, v string) bool { return strings.EqualFold(i.Type, v) },
	"status":       func(i *api.InstanceFull, v string) bool { return strings.EqualFold(i.Status, v) },
	"architecture": func(i *api.InstanceFull, v string) bool { return strings.EqualFold(i.Architecture, v) },
	"location":     func(i *api.InstanceFull, v string) bool { return strings.EqualFold(i.Location, v) },
	"ipv4":         func(i *api.InstanceFull, v string) bool { return matchAddress(i, "inet", v) },
	"ipv6":         func(i *api.InstanceFull, v string) bool { return matchAddress(i, "inet6", v) },
}

// matchListFilters reports whether an instance passes every filter.
func matchListFilters(filters []string, i *api.InstanceFull) bool {
	for _, f := range filters {
		key, value, isKV := strings.Cut(f, "=")
		if !isKV {
			if !matchName(f, i.Name) {
				return false
			}
			continue
		}
		if short, ok := listShorthands[strings.ToLower(key)]; ok {
			matched := false
			for _, v := range strings.Split(value, ",") {
				matched = matched || short(i, v)
			}
			if !matched {
				return false
			}
			continue
		}
		if !matchConfigFilter(key, value, i.ExpandedConfig) {
			return false
		}
	}
	return true
}

// matchName: an anchored regular expression on the name, else a prefix.
func matchName(filter, name string) bool {
	if r, err := regexp.Compile(anchor(filter)); err == nil && r.MatchString(name) {
		return true
	}
	return strings.HasPrefix(name, filter)
}

func anchor(expr string) string {
	if strings.Contains(expr, "^") || strings.Contains(expr, "$") {
		return expr
	}
	return "^" + expr + "$"
}

// matchConfigFilter: some config key matching the (possibly abbreviated,
// "s.privileged") key has a value matching the anchored expression.
func matchConfigFilter(key, value string, config map[string]string) bool {
	r, reErr := regexp.Compile(anchor(value))
	for k, v := range config {
		if !dotPrefixMatch(key, k) {
			continue
		}
		if (reErr == nil && r.MatchString(v)) || (reErr != nil && v == value) {
			return true
		}
	}
	return config[key] == value
}

// matchAddress: an address of the family equals value, or lies in it when
// value is a CIDR.
func matchAddress(i *api.InstanceFull, family, value string) bool {
	if i.State == nil {
		return false
	}
	_, subnet, cidrErr := net.ParseCIDR(value)
	for _, n := range i.State.Network {
		for _, addr := range n.Addresses {
			if addr.Family != family {
				continue
			}
			if addr.Address == value {
				return true
			}
			if ip := net.ParseIP(addr.Address); cidrErr == nil && ip != nil && subnet.Contains(ip) {
				return true
			}
		}
	}
	return false
}
