package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelpLikeRealClient compares `lxc <command> --help` with the text the
// real lxc 5.0.2 printed (testdata/lxc-5.0.2/help/<command with _>.txt).
func TestHelpLikeRealClient(t *testing.T) {
	files, err := filepath.Glob("testdata/lxc-5.0.2/help/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded help: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			args := append(strings.Split(name, "_"), "--help")
			if got := runHelp(t, args); got != string(want) {
				t.Errorf("lxc %s:\n--- got\n%s\n--- want\n%s", strings.Join(args, " "), got, want)
			}
		})
	}
}

func runHelp(t *testing.T, args []string) string {
	t.Helper()
	var out bytes.Buffer
	a := newApp(context.Background())
	a.stdout, a.stderr = &out, &out
	root := a.rootCommand()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		t.Fatalf("lxc %v: %v", args, err)
	}
	return out.String()
}
