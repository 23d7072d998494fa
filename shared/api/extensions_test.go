package api

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestExtensionsHaveTests fails when an extension names no test, or names a
// test function that does not exist anywhere in the repository.
func TestExtensionsHaveTests(t *testing.T) {
	funcs := map[string]bool{}
	re := regexp.MustCompile(`(?m)^func (Test\w+)\(`)
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "bin") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			funcs[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range ExtensionList {
		if seen[e.Name] {
			t.Errorf("extension %q listed twice", e.Name)
		}
		seen[e.Name] = true
		if e.Test == "" {
			t.Errorf("extension %q names no test", e.Name)
			continue
		}
		if !funcs[e.Test] {
			t.Errorf("extension %q names test %s, which does not exist", e.Name, e.Test)
		}
	}
}
