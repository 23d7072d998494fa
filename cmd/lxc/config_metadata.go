package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// `lxc config metadata` and `lxc config template`: an instance's
// metadata.yaml and its template files.

func configMetadataCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "metadata",
		Short: "Manage instance metadata files",
		RunE:  groupRunE,
	}
	cmd.AddCommand(configMetadataEditCommand(a), configMetadataShowCommand(a))
	return cmd
}

func getInstanceMetadata(a *app, c *client.Client, name string) (*api.ImageMetadata, string, error) {
	var md api.ImageMetadata
	etag, err := c.Get(a.ctx, instanceURL(name)+"/metadata", &md)
	if err != nil {
		return nil, "", err
	}
	return &md, etag, nil
}

func configMetadataShowCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show [<remote>:]<instance>",
		Short: "Show instance metadata files",
		RunE: withArgCount(1, 1, func(args []string) error {
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			md, _, err := getInstanceMetadata(a, c, name)
			if err != nil {
				return err
			}
			return printYAML(a.stdout, md)
		}),
	}
}

const metadataEditHeader = `### This is a YAML representation of the instance metadata.
### Any line starting with a '# will be ignored.
###
### A sample configuration looks like:
###
### architecture: x86_64
### creation_date: 1477146654
### expiry_date: 0
### properties:
###   architecture: x86_64
###   description: BusyBox x86_64
###   name: busybox-x86_64
###   os: BusyBox
### templates:
###   /template:
###     when:
###     - ""
###     create_only: false
###     template: template.tpl
###     properties: {}`

func configMetadataEditCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "edit [<remote>:]<instance>",
		Short: "Edit instance metadata files",
		RunE: withArgCount(1, 1, func(args []string) error {
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			return editObject(a, objectEdit[api.ImageMetadata]{
				header: metadataEditHeader,
				get: func() (any, string, error) {
					return getInstanceMetadata(a, c, name)
				},
				put: func(md api.ImageMetadata, etag string) error {
					_, _, err := c.Query(a.ctx, http.MethodPut, instanceURL(name)+"/metadata", md, etag)
					return err
				},
			})
		}),
	}
}

func configTemplateCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "template",
		Short: "Manage instance file templates",
		RunE:  groupRunE,
	}
	cmd.AddCommand(configTemplateCreateCommand(a), configTemplateDeleteCommand(a), configTemplateEditCommand(a),
		configTemplateListCommand(a), configTemplateShowCommand(a))
	return cmd
}

func templateURL(inst, tpl string) string {
	return instanceURL(inst) + "/metadata/templates?path=" + url.QueryEscape(tpl)
}

// templateRequest sends a raw template request and decodes errors.
func templateRequest(a *app, c *client.Client, method, inst, tpl string, body io.Reader) ([]byte, error) {
	headers := http.Header{}
	if method == http.MethodPost {
		headers.Set("Content-Type", "application/octet-stream")
	}
	return rawRequest(a, c, method, templateURL(inst, tpl), body, headers)
}

func templateSubcommand(a *app, use, short string, aliases []string, run func(c *client.Client, inst, tpl string) error) *cobra.Command {
	return &cobra.Command{
		Use:     use + " [<remote>:]<instance> <template>",
		Aliases: aliases,
		Short:   short,
		RunE: withArgCount(2, 2, func(args []string) error {
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			return run(c, name, args[1])
		}),
	}
}

func configTemplateCreateCommand(a *app) *cobra.Command {
	return templateSubcommand(a, "create", "Create new instance file templates", nil, func(c *client.Client, inst, tpl string) error {
		_, err := templateRequest(a, c, http.MethodPost, inst, tpl, http.NoBody)
		return err
	})
}

func configTemplateDeleteCommand(a *app) *cobra.Command {
	return templateSubcommand(a, "delete", "Delete instance file templates", []string{"rm"}, func(c *client.Client, inst, tpl string) error {
		_, err := templateRequest(a, c, http.MethodDelete, inst, tpl, nil)
		return err
	})
}

func configTemplateShowCommand(a *app) *cobra.Command {
	return templateSubcommand(a, "show", "Show content of instance file templates", nil, func(c *client.Client, inst, tpl string) error {
		content, err := templateRequest(a, c, http.MethodGet, inst, tpl, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s", content)
		return nil
	})
}

func configTemplateEditCommand(a *app) *cobra.Command {
	return templateSubcommand(a, "edit", "Edit instance file templates", nil, func(c *client.Client, inst, tpl string) error {
		if !isTerminal(a.stdin) {
			_, err := templateRequest(a, c, http.MethodPost, inst, tpl, a.stdin)
			return err
		}
		content, err := templateRequest(a, c, http.MethodGet, inst, tpl, nil)
		if err != nil {
			return err
		}
		edited, err := textEditor(string(content))
		if err != nil {
			return err
		}
		_, err = templateRequest(a, c, http.MethodPost, inst, tpl, bytes.NewReader(edited))
		return err
	})
}

func configTemplateListCommand(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list [<remote>:]<instance>",
		Short: "List instance file templates",
		RunE: withArgCount(1, 1, func(args []string) error {
			c, name, err := a.instanceArg(args[0])
			if err != nil {
				return err
			}
			var names []string
			if _, err := c.Get(a.ctx, instanceURL(name)+"/metadata/templates", &names); err != nil {
				return err
			}
			rows := make([][]string, 0, len(names))
			for _, n := range names {
				rows = append(rows, []string{n})
			}
			sortRows(rows)
			return renderTable(a.stdout, format, []string{"FILENAME"}, rows, names)
		}),
	}
	formatFlag(cmd, &format)
	return cmd
}
