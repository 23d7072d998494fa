package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
)

const defaultImageColumns = "lfpdatsu"

// imageColumn is one column of `image list`.
type imageColumn struct {
	name string
	data func(img api.Image) string
}

var imageColumnTable = map[rune]imageColumn{
	'l': {"ALIAS", func(img api.Image) string {
		short := shortestAlias(img.Aliases)
		if len(img.Aliases) > 1 {
			short = fmt.Sprintf("%s (%d more)", short, len(img.Aliases)-1)
		}
		return short
	}},
	'L': {"ALIASES", func(img api.Image) string {
		names := make([]string, 0, len(img.Aliases))
		for _, alias := range img.Aliases {
			names = append(names, alias.Name)
		}
		return strings.Join(names, "\n")
	}},
	'f': {"FINGERPRINT", func(img api.Image) string { return shortFingerprint(img.Fingerprint) }},
	'F': {"FINGERPRINT", func(img api.Image) string { return img.Fingerprint }},
	'p': {"PUBLIC", func(img api.Image) string { return yesNoLower(img.Public) }},
	'd': {"DESCRIPTION", func(img api.Image) string { return img.Properties["description"] }},
	'a': {"ARCHITECTURE", func(img api.Image) string { return img.Architecture }},
	's': {"SIZE", func(img api.Image) string { return imageSize(img.Size) }},
	'u': {"UPLOAD DATE", func(img api.Image) string {
		return img.UploadedAt.UTC().Format("Jan 2, 2006 at 3:04pm (MST)")
	}},
	't': {"TYPE", func(img api.Image) string { return strings.ToUpper(orDefault(img.Type, api.ImageTypeContainer)) }},
}

func shortFingerprint(fp string) string {
	if len(fp) > 12 {
		return fp[:12]
	}
	return fp
}

// shortestAlias is the first of the shortest alias names.
func shortestAlias(aliases []api.ImageAlias) string {
	short := ""
	for _, alias := range aliases {
		if short == "" || (alias.Name != "" && len(alias.Name) < len(short)) {
			short = alias.Name
		}
	}
	return short
}

// dotPrefixMatch matches "o.a" against "os.arch": each dotted part of the
// short form is a prefix of the same part of the key.
func dotPrefixMatch(short, full string) bool {
	s, f := strings.Split(short, "."), strings.Split(full, ".")
	if len(s) != len(f) {
		return false
	}
	for i := range f {
		if !strings.HasPrefix(f[i], s[i]) {
			return false
		}
	}
	return true
}

// imageMatches applies LXD's image list filters: "key=value" matches a
// property (value as an anchored regexp), anything else part of an alias
// name or of the fingerprint. All filters must match.
func imageMatches(img api.Image, filters []string) bool {
	for _, filter := range filters {
		if !imageMatchesOne(img, filter) {
			return false
		}
	}
	return true
}

func imageMatchesOne(img api.Image, filter string) bool {
	key, value, ok := strings.Cut(filter, "=")
	if !ok {
		for _, alias := range img.Aliases {
			if strings.Contains(alias.Name, filter) {
				return true
			}
		}
		return strings.Contains(img.Fingerprint, filter)
	}
	for k, v := range img.Properties {
		if !dotPrefixMatch(key, k) {
			continue
		}
		pattern := value
		if !strings.Contains(value, "^") && !strings.Contains(value, "$") {
			pattern = "^" + value + "$"
		}
		re, err := regexp.Compile(pattern)
		if (err != nil && value == v) || (err == nil && re.MatchString(v)) {
			return true
		}
	}
	return false
}

func imageListCommand(a *app) *cobra.Command {
	var format, columns string
	cmd := &cobra.Command{
		Use:     "list [<remote>:] [<filter>...]",
		Aliases: []string{"ls"},
		Short:   "List images",
		Long: `List images

Filters may be of the <key>=<value> form for property based filtering,
or part of the image hash or part of the image alias name.

The -c option takes a (optionally comma-separated) list of arguments
that control which image attributes to output when displaying in table
or csv format.

Default column layout is: lfpdasu

Column shorthand chars:

    l - Shortest image alias (and optionally number of other aliases)
    L - Newline-separated list of all image aliases
    f - Fingerprint (short)
    F - Fingerprint (long)
    p - Whether image is public
    d - Description
    a - Architecture
    s - Size
    u - Upload date
    t - Type`,
		RunE: withArgCount(0, -1, func(args []string) error {
			remote, filters, err := a.imageFilterArgs(args)
			if err != nil {
				return err
			}
			cols, err := parseColumnFlag(columns, func(r rune) (imageColumn, bool) {
				c, ok := imageColumnTable[r]
				return c, ok
			})
			if err != nil {
				return err
			}
			c, err := a.connect(remote)
			if err != nil {
				return err
			}
			all, err := c.GetImages(a.ctx)
			if err != nil {
				return err
			}
			header, rows, images := imageRows(all, cols, filters)
			return renderTable(a.stdout, format, header, rows, images)
		}),
	}
	cmd.Flags().StringVarP(&columns, "columns", "c", defaultImageColumns, "Columns``")
	formatFlag(cmd, &format)
	return cmd
}

// imageRows renders the images matching the filters; it also returns them
// for the raw formats.
func imageRows(all []api.Image, cols []imageColumn, filters []string) ([]string, [][]string, []api.Image) {
	images := []api.Image{}
	rows := [][]string{}
	for _, img := range all {
		if !imageMatches(img, filters) {
			continue
		}
		images = append(images, img)
		row := make([]string, len(cols))
		for i, col := range cols {
			row[i] = col.data(img)
		}
		rows = append(rows, row)
	}
	sortRows(rows)
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = col.name
	}
	return header, rows, images
}

// imageFilterArgs splits the "[<remote>:] [<filters>...]" arguments of the
// image and alias lists: the first argument names a remote when it has a
// colon, and what follows the colon is a filter too.
func (a *app) imageFilterArgs(args []string) (string, []string, error) {
	if len(args) == 0 || !strings.Contains(args[0], ":") {
		return a.conf.DefaultRemote, args, nil
	}
	remote, name, err := a.parseRemote(args[0])
	if err != nil {
		return "", nil, err
	}
	filters := args[1:]
	if name != "" {
		filters = append([]string{name}, filters...)
	}
	return remote, filters, nil
}
