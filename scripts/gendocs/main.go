// Command gendocs writes the config key reference pages in docs/reference/
// from the key tables, so the docs cannot drift from the validation code.
// Run it with `make docs`; a unit test fails when the committed pages are
// stale.
package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	dir := "docs/reference"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	for name, content := range pages() {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("wrote", path)
	}
}
