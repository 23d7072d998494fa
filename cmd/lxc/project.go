package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
	"github.com/lxdng/lxd/shared/units"
)

// projectCommand is `lxc project`.
func projectCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "project",
		Short: "Manage projects",
		RunE:  groupRunE,
	}
	cmd.AddCommand(projectCreateCommand(a), projectDeleteCommand(a), projectEditCommand(a),
		projectGetCommand(a), projectInfoCommand(a), projectListCommand(a), projectRenameCommand(a),
		projectSetCommand(a), projectShowCommand(a), projectSwitchCommand(a), projectUnsetCommand(a))
	return cmd
}

const missingProject = "Missing project name"

func projectCreateCommand(a *app) *cobra.Command {
	var config []string
	cmd := &cobra.Command{
		Use:   "create [<remote>:]<project>",
		Short: "Create projects",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingProject, "projects")
			if err != nil {
				return err
			}
			pairs, err := parsePairs(config, badPair)
			if err != nil {
				return err
			}
			req := api.ProjectsPost{Name: r.name}
			req.Config = pairs
			return a.reportDone(r.c.CreateProject(a.ctx, req), "Project %s created\n", r.name)
		}),
	}
	cmd.Flags().StringArrayVarP(&config, "config", "c", nil, "Config key/value to apply to the new project``")
	return cmd
}

func projectDeleteCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "delete [<remote>:]<project>",
		Aliases: []string{"rm"},
		Short:   "Delete projects",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingProject, "projects")
			if err != nil {
				return err
			}
			if err := r.c.DeleteProject(a.ctx, r.name); err != nil {
				return err
			}
			if !a.flags.quiet {
				fmt.Fprintf(a.stdout, "Project %s deleted\n", r.name)
			}
			// Deleting the current project switches back to the default one.
			if remote := a.conf.Remotes[r.remote]; remote.Project == r.name {
				remote.Project = ""
				a.conf.Remotes[r.remote] = remote
				return a.conf.Save()
			}
			return nil
		}),
	}
}

const projectEditHeader = `### This is a YAML representation of the project.
### Any line starting with a '# will be ignored.
###
### A project consists of a set of features and a description.
###
### An example would look like:
### name: my-project
### features:
###   images: True
###   profiles: True
### description: My own project
###
### Note that the name is shown but cannot be changed
`

func projectEditCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "edit [<remote>:]<project>",
		Short: "Edit project configurations as YAML",
		Example: `  lxc project edit <project> < project.yaml
      Update a project using the content of project.yaml`,
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingProject, "projects")
			if err != nil {
				return err
			}
			return editObject(a, objectEdit[api.ProjectPut]{
				header: projectEditHeader,
				get: func() (any, string, error) {
					return r.c.GetProject(a.ctx, r.name)
				},
				put: func(put api.ProjectPut, etag string) error {
					return r.c.UpdateProject(a.ctx, r.name, put, etag)
				},
			})
		}),
	}
}

func projectGetCommand(a *app) *cobra.Command {
	return a.projectKeys().getCommand(&cobra.Command{
		Use:   "get [<remote>:]<project> <key>",
		Short: "Get values for project configuration keys",
	})
}

func projectInfoCommand(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "info [<remote>:]<project> <key>",
		Short: "Get a summary of resource allocations",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingProject, "project_usage")
			if err != nil {
				return err
			}
			state, err := r.c.GetProjectState(a.ctx, r.name)
			if err != nil {
				return err
			}
			rows := projectStateRows(state)
			return renderTable(a.stdout, format, []string{"RESOURCE", "LIMIT", "USAGE"}, rows, state)
		}),
	}
	formatFlag(cmd, &format)
	return cmd
}

// projectStateRows lists resources by name: limits of -1 are UNLIMITED,
// disk and memory are shown as sizes.
func projectStateRows(state *api.ProjectState) [][]string {
	rows := [][]string{}
	names := make([]string, 0, len(state.Resources))
	for name := range state.Resources {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		res := state.Resources[name]
		format := func(n int64) string { return strconv.FormatInt(n, 10) }
		if name == "disk" || name == "memory" {
			format = units.FormatByteSize
		}
		limit := "UNLIMITED"
		if res.Limit >= 0 {
			limit = format(res.Limit)
		}
		rows = append(rows, []string{strings.ToUpper(name), limit, format(res.Usage)})
	}
	return rows
}

func projectListCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "list [<remote>:]", Aliases: []string{"ls"}, Short: "List projects"}
	return a.serverListCommand(cmd, []string{"projects"}, func(c *client.Client, remote string) (listing, error) {
		projects, err := c.GetProjects(a.ctx)
		if err != nil {
			return listing{}, err
		}
		current := orDefault(a.conf.Remotes[remote].Project, "default")
		header, rows := projectRows(projects, current)
		return listing{header, rows, projects}, nil
	})
}

func projectRows(projects []api.Project, current string) ([]string, [][]string) {
	feature := func(p api.Project, key string) string {
		if p.Config["features."+key] == "true" {
			return "YES"
		}
		return "NO"
	}
	rows := [][]string{}
	for _, p := range projects {
		name := p.Name
		if name == current {
			name += " (current)"
		}
		rows = append(rows, []string{name, feature(p, "images"), feature(p, "profiles"),
			feature(p, "storage.volumes"), feature(p, "networks"), p.Description, strconv.Itoa(len(p.UsedBy))})
	}
	sortRows(rows)
	return []string{"NAME", "IMAGES", "PROFILES", "STORAGE VOLUMES", "NETWORKS", "DESCRIPTION", "USED BY"}, rows
}

func projectRenameCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "rename [<remote>:]<project> <new-name>",
		Aliases: []string{"mv"},
		Short:   "Rename projects",
		RunE: withArgCount(2, 2, func(args []string) error {
			r, err := a.resourceFor(args[0], missingProject, "projects")
			if err != nil {
				return err
			}
			op, err := r.c.RenameProject(a.ctx, r.name, args[1])
			if err == nil {
				err = a.waitOperation(r.c, op, "")
			}
			return a.reportDone(err, "Project %s renamed to %s\n", r.name, args[1])
		}),
	}
}

func projectSetCommand(a *app) *cobra.Command {
	return a.projectKeys().setCommand(&cobra.Command{
		Use:   "set [<remote>:]<project> <key>=<value>...",
		Short: "Set project configuration keys",
		Long: `Set project configuration keys

For backward compatibility, a single configuration key may still be set with:
    lxc project set [<remote>:]<project> <key> <value>`,
	})
}

func (a *app) projectKeys() configKeys {
	return configKeys{a: a, objectArgs: 1, printUnset: true, open: a.projectConfig}
}

func (a *app) projectConfig(args []string, _ string, _ bool) (*configObject, error) {
	r, err := a.resourceFor(args[0], missingProject, "projects")
	if err != nil {
		return nil, err
	}
	return configOf(
		func() (*api.Project, string, error) { return r.c.GetProject(a.ctx, r.name) },
		func(p *api.Project) *map[string]string { return &p.Config },
		func(p *api.Project, etag string) error { return r.c.UpdateProject(a.ctx, r.name, p.ProjectPut, etag) }), nil
}

func projectShowCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show [<remote>:]<project>",
		Short: "Show project options",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], missingProject, "projects")
			if err != nil {
				return err
			}
			p, _, err := r.c.GetProject(a.ctx, r.name)
			if err != nil {
				return err
			}
			return printYAML(a.stdout, p)
		}),
	}
}

func projectSwitchCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "switch [<remote>:]<project>",
		Short: "Switch the current project",
		RunE: withArgCount(1, 1, func(args []string) error {
			r, err := a.resourceFor(args[0], "", "projects")
			if err != nil {
				return err
			}
			if _, _, err := r.c.GetProject(a.ctx, r.name); err != nil {
				return err
			}
			remote := a.conf.Remotes[r.remote]
			remote.Project = r.name
			a.conf.Remotes[r.remote] = remote
			return a.conf.Save()
		}),
	}
}

func projectUnsetCommand(a *app) *cobra.Command {
	return a.projectKeys().unsetCommand(&cobra.Command{
		Use:   "unset [<remote>:]<project> <key>",
		Short: "Unset project configuration keys",
	})
}
