package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// aliasCommand is `lxc alias`: the user's command aliases in config.yml.
func aliasCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "alias",
		Short: "Manage command aliases",
		RunE:  groupRunE,
	}
	cmd.AddCommand(aliasAddCommand(a), aliasListCommand(a), aliasRemoveCommand(a), aliasRenameCommand(a))
	return cmd
}

func aliasAddCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "add <alias> <target>",
		Short: "Add new aliases",
		Example: `  lxc alias add list "list -c ns46S"
      Overwrite the "list" command to pass -c ns46S.`,
		RunE: withArgCount(2, 2, func(args []string) error {
			if _, ok := a.conf.Aliases[args[0]]; ok {
				return fmt.Errorf("Alias %s already exists", args[0])
			}
			a.conf.Aliases[args[0]] = args[1]
			return a.conf.Save()
		}),
	}
}

func aliasListCommand(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List aliases",
		RunE: withArgCount(0, 0, func(args []string) error {
			rows := [][]string{}
			for k, v := range a.conf.Aliases {
				rows = append(rows, []string{k, v})
			}
			sortRows(rows)
			return renderTable(a.stdout, format, []string{"ALIAS", "TARGET"}, rows, a.conf.Aliases)
		}),
	}
	formatFlag(cmd, &format)
	return cmd
}

func aliasRemoveCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "remove <alias>",
		Aliases: []string{"rm"},
		Short:   "Remove aliases",
		Example: `  lxc alias remove my-list
      Remove the "my-list" alias.`,
		RunE: withArgCount(1, 1, func(args []string) error {
			if _, ok := a.conf.Aliases[args[0]]; !ok {
				return fmt.Errorf("Alias %s doesn't exist", args[0])
			}
			delete(a.conf.Aliases, args[0])
			return a.conf.Save()
		}),
	}
}

func aliasRenameCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "rename <old alias> <new alias>",
		Aliases: []string{"mv"},
		Short:   "Rename aliases",
		Example: `  lxc alias rename list my-list
      Rename existing alias "list" to "my-list".`,
		RunE: withArgCount(2, 2, func(args []string) error {
			target, ok := a.conf.Aliases[args[0]]
			if !ok {
				return fmt.Errorf("Alias %s doesn't exist", args[0])
			}
			if _, ok := a.conf.Aliases[args[1]]; ok {
				return fmt.Errorf("Alias %s already exists", args[1])
			}
			a.conf.Aliases[args[1]] = target
			delete(a.conf.Aliases, args[0])
			return a.conf.Save()
		}),
	}
}

// argRef matches @ARGn@ placeholders inside alias targets.
var argRef = regexp.MustCompile(`@ARG[0-9]+@`)

// expandAlias rewrites the command line (without the program name) using
// the aliases of config.yml. The longest alias whose words start the
// command line wins. In its target, @ARGS@ stands for the remaining
// arguments and @ARGn@ for the n-th one; without any of them the remaining
// arguments are appended. `lxc alias ...` itself is never expanded.
func expandAlias(aliases map[string]string, args []string) ([]string, error) {
	if len(args) == 0 || args[0] == "alias" {
		return args, nil
	}
	var key []string
	var target string
	for k, v := range aliases {
		words := strings.Fields(k)
		if len(words) == 0 || len(words) > len(args) || len(words) <= len(key) {
			continue
		}
		match := true
		for i, w := range words {
			if args[i] != w {
				match = false
				break
			}
		}
		if match {
			key, target = words, v
		}
	}
	if key == nil {
		return args, nil
	}
	rest := args[len(key):]
	out := []string{}
	usedPlaceholder := false
	for _, word := range strings.Fields(target) {
		if word == "@ARGS@" {
			out = append(out, rest...)
			usedPlaceholder = true
			continue
		}
		var badRef bool
		word = argRef.ReplaceAllStringFunc(word, func(ref string) string {
			n, _ := strconv.Atoi(ref[4 : len(ref)-1])
			if n < 1 || n > len(rest) {
				badRef = true
				return ref
			}
			usedPlaceholder = true
			return rest[n-1]
		})
		if badRef {
			return nil, fmt.Errorf("Found alias %q references an argument outside the given number", strings.Join(key, " "))
		}
		out = append(out, word)
	}
	if !usedPlaceholder {
		out = append(out, rest...)
	}
	return out, nil
}
