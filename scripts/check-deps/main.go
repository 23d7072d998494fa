// Command check-deps enforces the import direction of ../shared/DESIGN.md:
// cmd -> daemon -> daemon/api -> daemon/<service> -> cluster/*, drivers/* ->
// shared/*. It runs `go list` and fails on any forbidden edge.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
)

const module = "github.com/lxdng/lxd/"

// driverImpls are the concrete driver packages, which must not import one
// another.
var driverImpls = []string{
	"drivers/storage/dir", "drivers/storage/btrfs",
	"drivers/network/bridge", "drivers/network/macvlan", "drivers/network/physical",
	"drivers/instance/lxc", "drivers/instance/qemu",
}

func under(pkg, prefix string) bool { return pkg == prefix || strings.HasPrefix(pkg, prefix+"/") }

// violation returns why pkg may not import dep, or "".
func violation(pkg, dep string) string {
	switch {
	case under(pkg, "shared") && !under(dep, "shared"):
		return "shared packages import only shared packages"
	case under(pkg, "cluster") && (under(dep, "drivers") || under(dep, "daemon") || under(dep, "cmd")):
		return "cluster must not import drivers, daemon or cmd"
	case under(pkg, "drivers") && (under(dep, "cluster") || under(dep, "daemon") || under(dep, "cmd")):
		return "drivers must not import cluster, daemon or cmd"
	case dep == "daemon" && pkg != "cmd/lxd" && !strings.HasPrefix(pkg, "cmd/"):
		return "only commands import the daemon package"
	case dep == "daemon/api" && pkg != "daemon":
		return "only the daemon package imports daemon/api"
	case dep == "migrations" && pkg != "cluster/db":
		return "only cluster/db imports migrations"
	case under(pkg, "cmd/lxc") && !under(dep, "shared"):
		return "our lxc client imports only shared packages"
	case dep == "daemon/daemontest":
		return "only tests import daemon/daemontest"
	}
	for _, impl := range driverImpls {
		for _, other := range driverImpls {
			if impl != other && under(pkg, impl) && under(dep, other) {
				return "a driver implementation must not import another"
			}
		}
	}
	return ""
}

func main() {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go list failed:", err)
		os.Exit(2)
	}
	var problems []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || !strings.HasPrefix(fields[0], module) {
			continue
		}
		pkg := strings.TrimPrefix(fields[0], module)
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			if why := violation(pkg, dep); why != "" {
				problems = append(problems, fmt.Sprintf("%s imports %s: %s", pkg, dep, why))
			}
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Println("check-deps: import direction OK")
}
