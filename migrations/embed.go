// Package migrations holds the numbered SQL schema steps, applied in order by
// cluster/db. A file that has landed is never edited: add the next number.
//
// Only cluster/db imports this package.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed *.sql
var files embed.FS

// Step is one schema change.
type Step struct {
	Version int
	Name    string
	SQL     string
}

// Steps returns every step sorted by version. It fails if the numbering has
// a gap or a duplicate, or a file is not named NNNN_verb_object.sql.
func Steps() ([]Step, error) {
	return parse(files)
}

func parse(fsys fs.FS) ([]Step, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	steps := make([]Step, 0, len(names))
	for i, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || len(num) != 4 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_verb_object.sql", name)
		}
		if v != i+1 {
			return nil, fmt.Errorf("migration %q: expected version %d", name, i+1)
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		steps = append(steps, Step{Version: v, Name: name, SQL: string(data)})
	}
	return steps, nil
}
