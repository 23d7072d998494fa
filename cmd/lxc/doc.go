// Command lxc is our LXD command-line client. It behaves like LXD 5.0.2's
// `lxc` (same flags, help layout, output formats, error text and config
// files) and talks to daemons only through shared/client.
//
// It may import shared/client, shared/api, shared/tlsutil, shared/units and
// third-party libraries (cobra, yaml.v2, logrus, x/sys); never daemon/*.
//
// # Layout
//
//	main.go            signal-aware context, runs the root, prints "Error: <msg>" and exits 1
//	root.go            root command, global flags, help templates, the commandGroups registry
//	app.go             the shared context: *app (flags, config, streams), parseRemote,
//	                   parseServerArg, checkArgs/withArgCount, reportDone, debugf
//	conffile.go        config.yml (LXD's format), static/default remotes, cert paths
//	connect.go         connect(remote): unix socket or HTTPS with client.crt and the
//	                   pinned servercerts/<remote>.crt; client cert generation
//	render.go          renderTable(w, format, header, rows, raw) for table|csv|json|yaml|compact,
//	                   sortRows (LXD's natural sort), printYAML
//	server_list.go     serverListCommand: `list [<remote>:]` + -f/--format around a fetch that
//	                   tabulates (profiles, projects, networks, pools, operations, trust);
//	                   connectServerArg, formatFlag
//	progress.go        waitOperation(c, op, label): waits, showing "*_progress" metadata on a tty
//	editor.go          editYAML (stdin or $EDITOR loop), editObject (GET, edit, PUT with the ETag:
//	                   every edit command), textEditor, readLine/readPassword
//	token.go           certificate add tokens: decode/encode, rebuild from an operation
//	<group>.go         one file per command group: alias.go, remote.go (+remote_add.go), config.go,
//	                   trust.go, info.go (info+version), monitor.go, operation.go, query.go,
//	                   storage.go + storage_volume*.go, network*.go, project.go, profile*.go, image*.go
//	config_keys.go     get/set/unset of a config map (configKeys), shared by profiles, projects,
//	                   networks, pools and volumes
//	resource.go        resourceArg/resourceFor ("[<remote>:]<name>" + connect + LXD's API extension
//	                   checks), create-time key=value parsing, used_by grouping
//	devices.go         client-side device edits of instances and profiles (GET, change, PUT with
//	                   the ETag), shared by volume/network attach and the profile commands
//	device_commands.go the device sub-commands (add/get/list/remove/set/show/unset) over a
//	                   deviceHolder: config_device.go opens instances, profile_device.go profiles
//
// Instance commands:
//
//	instance_api.go    thin calls on /1.0/instances (get, state, snapshots, PUT + wait, raw errors)
//	launch.go          init/launch: flags -> InstancesPost (stdin YAML, -c, -d overrides, -s, -n, -p),
//	                   image resolution (local alias/fingerprint, other LXD remote, simplestreams)
//	action.go          start/stop/restart/pause (batch, --all, --console); delete.go (checks all first)
//	list.go            list: one GET ?recursion=1|2, server-side simple filters, client filters;
//	list_columns.go    the column spec ("ns46tS...", key columns) and cell formatting
//	instance_info.go   `lxc info <instance>`; instance_config.go the instance forms of config get/set/...
//	config_device.go   config device (+ override); config_metadata.go config metadata/template ...
//	exec.go            exec (request, modes, exit codes); exec_stream.go the operation's websockets
//	                   and signal forwarding (framing: client.SendStream/ReceiveStream/ExecControl)
//	console.go         console (raw terminal, ctrl+a q) and --show-log; term.go raw mode and sizes
//	file.go, file_api.go  file push/pull/delete/edit with LXD's X-LXD-* headers and path forms
//	snapshot.go        snapshot/restore; copy.go copy (local and pull migration); move.go move/rename;
//	publish.go         publish
//
// # Adding a command group (e.g. `lxc launch`, `lxc image`)
//
//  1. Create <group>.go with `func <group>Command(a *app) *cobra.Command`. Sub-commands
//     are built by their own constructors and added with cmd.AddCommand; a pure group
//     uses `RunE: groupRunE`.
//  2. Register the constructor in commandGroups (root.go). Wrap it in lessCommon(...)
//     if LXD only shows it with --all.
//  3. `RunE: withArgCount(min, max, func(args []string) error {...})` checks the count, then
//     `remote, name, err := a.parseRemote(args[0])` and `c, err := a.connect(remote)`.
//     Use a.ctx for every call, write to a.stdout/a.stderr (tests capture them).
//  4. List commands: formatFlag(cmd, &format) (-f/--format), build [][]string rows, sortRows(rows),
//     then renderTable(a.stdout, format, header, rows, rawAPIObjects); serverListCommand does
//     all but the rows for a plain `list [<remote>:]`.
//  5. Async calls: `op, err := c.Do(...)` then `a.waitOperation(c, op, "Label")`.
//  6. show/edit: printYAML for show; edit goes through editObject(a, objectEdit[XPut]{...}).
//     get/set/unset of a config map: a configKeys (config_keys.go) builds them.
//  7. Copy the Short/Long/Example text and flag help from `/usr/bin/lxc <cmd> --help` so
//     help output matches; compare outputs side by side with the real client.
//
// # Tests
//
// Unit tests compare against output recorded from the real lxc 5.0.2 (testdata/lxc-5.0.2):
// help/<command>.txt is `lxc <command> --help`, lists/<name>.api.json an API answer and
// lists/<name>.<format> what the real client printed for it.
// Integration tests (`-tags integration`, root) build bin/lxd and bin/lxc, run a daemon in
// /tmp/lxdngcli-*, and drive our lxc (and the real one for interoperability).
package main
