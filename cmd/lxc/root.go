package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// clientVersion is the LXD release whose client we behave like.
const clientVersion = "5.0.2"

// errVersionShown ends a run after --version printed the version.
var errVersionShown = errors.New("version shown")

// commandGroups is the registry of top-level commands: each entry builds
// one command (with its sub-commands) from the shared app. A new command
// group is one new file with a constructor, added here.
var commandGroups = []func(a *app) *cobra.Command{
	aliasCommand,
	configCommand,
	consoleCommand,
	copyCommand,
	deleteCommand,
	execCommand,
	fileCommand,
	imageCommand,
	infoCommand,
	initCommand,
	launchCommand,
	listCommand,
	monitorCommand,
	moveCommand,
	networkCommand,
	operationCommand,
	pauseCommand,
	profileCommand,
	projectCommand,
	publishCommand,
	queryCommand,
	remoteCommand,
	renameCommand,
	restartCommand,
	restoreCommand,
	snapshotCommand,
	startCommand,
	stopCommand,
	storageCommand,
	versionCommand,
}

// rootCommand builds the whole command tree.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "lxc",
		Short: "Command line client for LXD",
		Long: `Command line client for LXD

All of LXD's features can be driven through the various commands below.
For help with any of those, simply call them with --help.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if a.flags.version {
				fmt.Fprintln(a.stdout, clientVersion)
				return errVersionShown
			}
			return a.load()
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
	pf := root.PersistentFlags()
	pf.BoolVar(&a.flags.debug, "debug", false, "Show all debug messages")
	pf.BoolVarP(&a.flags.verbose, "verbose", "v", false, "Show all information messages")
	pf.BoolVarP(&a.flags.quiet, "quiet", "q", false, "Don't show progress information")
	pf.BoolVar(&a.flags.forceLocal, "force-local", false, "Force using the local unix socket")
	pf.StringVar(&a.flags.project, "project", "", "Override the source project``")
	pf.BoolVar(&showSubCommands, "sub-commands", false, "Use with help or --help to view sub-commands")
	root.Flags().BoolVar(&a.flags.all, "all", false, "Show less common commands")
	pf.BoolVar(&a.flags.version, "version", false, "Print version number")

	for _, build := range commandGroups {
		root.AddCommand(build(a))
	}
	root.SetHelpCommand(&cobra.Command{Use: "help [command]", Short: "Help about any command",
		Run: func(cmd *cobra.Command, args []string) {
			target, _, err := root.Find(args)
			if target == nil || err != nil {
				target = root
			}
			_ = target.Help()
		}})
	// Cobra's bash/zsh/fish/powershell completion, listed with --all.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Hidden = true
		}
	}
	root.PersistentFlags().BoolP("help", "h", false, "Print help")
	applyTemplates(root)
	return root
}

// applyTemplates gives every command LXD's help layout ("Description:",
// flags without type names) and "-h, --help  Print help".
func applyTemplates(cmd *cobra.Command) {
	cmd.SetHelpTemplate(helpTemplate)
	cmd.SetUsageTemplate(usageTemplate)
	for _, c := range cmd.Commands() {
		applyTemplates(c)
	}
}

// showLessCommon unhides commands marked as less common when --all is
// given (LXD hides e.g. monitor and query from the default help).
func showLessCommon(root *cobra.Command, args []string) {
	for _, arg := range args {
		if arg == "--all" {
			for _, c := range root.Commands() {
				c.Hidden = false
			}
		}
	}
}

// lessCommon marks a top-level command hidden from the default help.
func lessCommon(cmd *cobra.Command) *cobra.Command {
	cmd.Hidden = true
	return cmd
}

// groupRunE runs a command that only groups sub-commands: it shows the
// usage, or fails on an unknown sub-command, as LXD's client does.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
	}
	return cmd.Usage()
}

// indentLong indents every line of a command's description by two spaces.
func indentLong(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n")
}

// commandTree lists the sub-commands of cmd recursively, each level
// indented by two more spaces (help --sub-commands). LXD pads names one
// column wider in this mode; "help" only appears at the first level.
func commandTree(cmd *cobra.Command) string {
	var sb strings.Builder
	var walk func(c *cobra.Command, indent string)
	walk = func(c *cobra.Command, indent string) {
		for _, child := range c.Commands() {
			if !child.IsAvailableCommand() && (indent != "  " || child.Name() != "help") {
				continue
			}
			name := child.Name() + strings.Repeat(" ", max(0, child.NamePadding()+1-len(child.Name())))
			sb.WriteString("\n" + indent + name + " " + child.Short)
			walk(child, indent+"  ")
		}
	}
	walk(cmd, "  ")
	return sb.String()
}

// showSubCommands is the --sub-commands flag as seen by the help template
// (cobra template functions are global).
var showSubCommands bool

func init() {
	cobra.AddTemplateFunc("indent", indentLong)
	cobra.AddTemplateFunc("commandTree", commandTree)
	cobra.AddTemplateFunc("subCommands", func() bool { return showSubCommands })
}

const helpTemplate = `Description:
{{with (or .Long .Short)}}{{. | indent}}{{end}}

{{if or .Runnable .HasSubCommands}}{{.UsageString}}{{end}}`

const usageTemplate = `Usage:{{if and .Runnable .HasParent}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}{{if or (not subCommands) .HasAvailableSubCommands}}
{{end}}
Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Available Commands:{{if subCommands}}{{commandTree .}}{{else}}{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{.LocalFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{if subCommands}}  {{end}}{{.InheritedFlags.FlagUsages | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} [command] --help" for more information about a command.{{end}}
`
