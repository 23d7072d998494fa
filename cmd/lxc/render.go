package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v2"
)

// Output formats of list commands (the --format flag).
const (
	formatTable   = "table"
	formatCSV     = "csv"
	formatJSON    = "json"
	formatYAML    = "yaml"
	formatCompact = "compact"
)

// formatFlagHelp is the --format help of list commands, as in LXD.
const formatFlagHelp = "Format (csv|json|table|yaml|compact)"

// renderTable prints rows in one of the list formats exactly like LXD's
// client: "table" is a bordered grid with a line after every row, "compact"
// the same without borders, "csv" the bare rows; "json" and "yaml" print
// raw (the API objects), not the rows.
func renderTable(w io.Writer, format string, header []string, rows [][]string, raw any) error {
	switch format {
	case formatTable:
		writeGrid(w, header, rows, true)
	case formatCompact:
		writeGrid(w, header, rows, false)
	case formatCSV:
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(rows); err != nil {
			return err
		}
	case formatJSON:
		return json.NewEncoder(w).Encode(raw)
	case formatYAML:
		out, err := yaml.Marshal(raw)
		if err != nil {
			return err
		}
		_, err = w.Write(out)
		return err
	default:
		return fmt.Errorf("Invalid format %q", format)
	}
	return nil
}

// writeGrid draws the table. Cells may span several lines ("\n"). The
// header is centred (odd spare space goes right), cells are left-aligned,
// every cell has one space of padding each side.
func writeGrid(w io.Writer, header []string, rows [][]string, bordered bool) {
	widths := columnWidths(header, rows)
	var sb strings.Builder
	sep := "+"
	for _, n := range widths {
		sep += strings.Repeat("-", n+2) + "+"
	}
	sep += "\n"
	if bordered {
		sb.WriteString(sep)
	}
	cells := make([]string, len(header))
	for i, h := range header {
		cells[i] = centre(h, widths[i])
	}
	writeLine(&sb, cells, bordered)
	if bordered {
		sb.WriteString(sep)
	}
	for _, row := range rows {
		height := 1
		for _, c := range row {
			height = max(height, strings.Count(c, "\n")+1)
		}
		for l := 0; l < height; l++ {
			for i := range widths {
				text := ""
				if i < len(row) {
					if lines := strings.Split(row[i], "\n"); l < len(lines) {
						text = lines[l]
					}
				}
				cells[i] = text + strings.Repeat(" ", widths[i]-displayWidth(text))
			}
			writeLine(&sb, cells, bordered)
		}
		if bordered {
			sb.WriteString(sep)
		}
	}
	io.WriteString(w, sb.String())
}

func writeLine(sb *strings.Builder, cells []string, bordered bool) {
	edge, inner := " ", ""
	if bordered {
		edge, inner = "|", "|"
	}
	sb.WriteString(edge)
	for i, c := range cells {
		if i > 0 {
			sb.WriteString(inner)
		}
		sb.WriteString(" " + c + " ")
	}
	sb.WriteString(edge + "\n")
}

func columnWidths(header []string, rows [][]string) []int {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = displayWidth(h)
	}
	for _, row := range rows {
		for i := 0; i < len(row) && i < len(widths); i++ {
			for _, line := range strings.Split(row[i], "\n") {
				widths[i] = max(widths[i], displayWidth(line))
			}
		}
	}
	return widths
}

func centre(s string, width int) string {
	gap := width - displayWidth(s)
	left := gap / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", gap-left)
}

// displayWidth counts runes: good for the ASCII and Latin text LXD prints.
func displayWidth(s string) int { return utf8.RuneCountInString(s) }

// sortRows sorts rows column by column in natural order ("c2" < "c10"),
// empty cells last, as LXD's list commands do.
func sortRows(rows [][]string) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] == b[k] {
				continue
			}
			if a[k] == "" {
				return false
			}
			if b[k] == "" {
				return true
			}
			return naturalLess(a[k], b[k])
		}
		return len(a) < len(b)
	})
}

// naturalLess compares strings treating runs of digits as numbers.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		ca, restA := chunk(a)
		cb, restB := chunk(b)
		if ca != cb {
			if isDigits(ca) && isDigits(cb) {
				na, nb := strings.TrimLeft(ca, "0"), strings.TrimLeft(cb, "0")
				if len(na) != len(nb) {
					return len(na) < len(nb)
				}
				if na != nb {
					return na < nb
				}
				return len(ca) < len(cb)
			}
			return ca < cb
		}
		a, b = restA, restB
	}
	return a == "" && b != ""
}

// chunk splits off the leading run of digits or of non-digits.
func chunk(s string) (string, string) {
	digit := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == digit {
		i++
	}
	return s[:i], s[i:]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isDigits(s string) bool { return s != "" && isDigit(s[0]) }

// printYAML writes v as YAML (LXD's show commands).
func printYAML(w io.Writer, v any) error {
	out, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}
