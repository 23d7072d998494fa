package main

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/lxdng/lxd/shared/client"
)

// resource is a parsed "[<remote>:]<name>" argument with a client
// connected to its remote (shared by the storage, network, project,
// profile and image commands).
type resource struct {
	remote string
	name   string
	c      *client.Client
}

// resourceArg parses arg and connects to its remote. An empty name fails
// with missing (LXD's "Missing pool name" and the like) unless missing is
// "".
func (a *app) resourceArg(arg, missing string) (*resource, error) {
	remote, name, err := a.parseRemote(arg)
	if err != nil {
		return nil, err
	}
	c, err := a.connect(remote)
	if err != nil {
		return nil, err
	}
	if name == "" && missing != "" {
		return nil, errors.New(missing)
	}
	return &resource{remote: remote, name: name, c: c}, nil
}

// withTarget scopes the client to a cluster member when --target is set.
func (r *resource) withTarget(target string) *client.Client {
	if target != "" {
		return r.c.WithTarget(target)
	}
	return r.c
}

// parsePairs reads "key=value" arguments. A malformed one fails with
// badPair, a format for the argument: LXD words it differently per command.
func parsePairs(args []string, badPair string) (map[string]string, error) {
	out := map[string]string{}
	for _, arg := range args {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			return nil, fmt.Errorf(badPair, arg)
		}
		out[k] = v
	}
	return out, nil
}

// badPair is the usual wording of a malformed "key=value" argument.
const badPair = "Bad key=value pair: %s"

// parseCreateConfig reads the "key=value" arguments of the storage create
// commands; LXD prints a malformed one as the split list ("[foo]").
func parseCreateConfig(args []string) (map[string]string, error) {
	return parsePairs(args, "Bad key=value pair: [%s]")
}

// usedByGroups sorts used_by URLs into the "used by" map of the info
// commands: entity kind -> names, with the project of entities outside the
// default project.
func usedByGroups(usedBy []string) map[string][]string {
	out := map[string][]string{}
	for _, raw := range usedBy {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		fields := strings.Split(strings.TrimPrefix(u.Path, "/1.0/"), "/")
		kind, name := "unrecognized", u.Path
		switch {
		case len(fields) >= 5 && fields[0] == "storage-pools" && fields[2] == "volumes":
			kind, name = "volumes", fields[4]
		case len(fields) >= 2:
			kind, name = fields[0], fields[1]
		}
		if p := u.Query().Get("project"); p != "" && p != "default" {
			name += fmt.Sprintf(" (project %q)", p)
		}
		out[kind] = append(out[kind], name)
	}
	return out
}

// sortedUsedBy returns a sorted copy of used_by URLs (show commands).
func sortedUsedBy(in []string) []string {
	if in == nil {
		return nil
	}
	out := append([]string{}, in...)
	sort.Strings(out)
	return out
}

// requireExtensions fails like LXD's client library when the server lacks
// an API extension a call needs. The server's list is fetched once per
// server.
func (a *app) requireExtensions(c *client.Client, names ...string) error {
	if a.extensions == nil {
		a.extensions = map[string][]string{}
	}
	have, ok := a.extensions[c.URL()]
	if !ok {
		srv, _, err := c.GetServer(a.ctx)
		if err != nil {
			return err
		}
		have = srv.APIExtensions
		a.extensions[c.URL()] = have
	}
	for _, name := range names {
		if !slices.Contains(have, name) {
			return fmt.Errorf("The server is missing the required %q API extension", name)
		}
	}
	return nil
}

// resourceFor is resourceArg followed by the API extensions the command's
// calls need.
func (a *app) resourceFor(arg, missing string, extensions ...string) (*resource, error) {
	r, err := a.resourceArg(arg, missing)
	if err != nil {
		return nil, err
	}
	if err := a.requireExtensions(r.c, extensions...); err != nil {
		return nil, err
	}
	return r, nil
}
