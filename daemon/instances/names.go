package instances

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

// ValidName checks an instance or snapshot-less name with LXD's rules and
// wording (a host name: alphanumerics and hyphens, 1-63 characters, no
// leading digit or hyphen, no trailing hyphen).
func ValidName(name string) error {
	if err := validHostname(name); err != nil {
		return api.BadRequest("Invalid instance name: %w", err)
	}
	return nil
}

func validHostname(name string) error {
	if len(name) < 1 || len(name) > 63 {
		return fmt.Errorf("Name must be 1-63 characters long")
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("Name can only contain alphanumeric and hyphen characters")
		}
	}
	if name[0] == '-' || (name[0] >= '0' && name[0] <= '9') {
		return fmt.Errorf("Name must not start with a digit or hyphen")
	}
	if strings.HasSuffix(name, "-") {
		return fmt.Errorf("Name must not end with a hyphen")
	}
	return nil
}

// validSnapshotName checks a snapshot name (LXD: no "/", not "." or "..").
func validSnapshotName(name string) error {
	if name == "" {
		return api.BadRequest("Invalid snapshot name: Name cannot be empty")
	}
	if strings.Contains(name, "/") {
		return api.BadRequest("Invalid snapshot name: Name cannot contain \"/\"")
	}
	if name == "." || name == ".." || strings.TrimSpace(name) != name {
		return api.BadRequest("Invalid snapshot name: %q", name)
	}
	return nil
}

var adjectives = []string{"able", "alert", "amazed", "bold", "brave", "bright", "busy", "calm", "clever", "cool",
	"crisp", "eager", "fair", "fancy", "fast", "fine", "fit", "fond", "glad", "grand", "happy", "humble", "jolly",
	"keen", "kind", "lucky", "merry", "neat", "nice", "noble", "polite", "proud", "quick", "quiet", "rapid",
	"ready", "safe", "sharp", "smart", "solid", "sound", "steady", "sunny", "sure", "swift", "tidy", "vital", "warm", "wise"}

var animals = []string{"ant", "bat", "bear", "bee", "bison", "cat", "cobra", "crab", "crow", "deer", "dog", "dove",
	"eagle", "eel", "elk", "falcon", "ferret", "finch", "fox", "frog", "gecko", "goat", "hare", "hawk", "heron",
	"ibex", "jay", "koala", "lark", "lemur", "lion", "llama", "lynx", "mole", "moose", "mouse", "newt", "otter",
	"owl", "panda", "puma", "quail", "raven", "seal", "shark", "sloth", "swan", "tiger", "toad", "wolf", "yak"}

func pick(list []string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(list))))
	if err != nil {
		return list[0]
	}
	return list[n.Int64()]
}

// randomName returns an "adjective-animal" name as LXD picks for unnamed
// instances.
func randomName() string { return pick(adjectives) + "-" + pick(animals) }

// instanceTypes are common cloud instance type names (AWS, GCE, Azure
// style) with their CPU count and memory in GiB, as LXD's instance type
// list maps them.
var instanceTypes = map[string][2]float64{
	"t2.nano": {1, 0.5}, "t2.micro": {1, 1}, "t2.small": {1, 2}, "t2.medium": {2, 4}, "t2.large": {2, 8},
	"t2.xlarge": {4, 16}, "t2.2xlarge": {8, 32},
	"t3.nano": {2, 0.5}, "t3.micro": {2, 1}, "t3.small": {2, 2}, "t3.medium": {2, 4}, "t3.large": {2, 8},
	"t3.xlarge": {4, 16}, "t3.2xlarge": {8, 32},
	"m5.large": {2, 8}, "m5.xlarge": {4, 16}, "m5.2xlarge": {8, 32}, "m5.4xlarge": {16, 64},
	"c5.large": {2, 4}, "c5.xlarge": {4, 8}, "c5.2xlarge": {8, 16}, "c5.4xlarge": {16, 32},
	"r5.large": {2, 16}, "r5.xlarge": {4, 32}, "r5.2xlarge": {8, 64},
	"f1-micro": {1, 0.6}, "g1-small": {1, 1.7}, "n1-standard-1": {1, 3.75}, "n1-standard-2": {2, 7.5},
	"n1-standard-4": {4, 15}, "n1-highcpu-2": {2, 1.8}, "n1-highmem-2": {2, 13},
	"Standard_A0": {1, 0.75}, "Standard_A1": {1, 1.75}, "Standard_A2": {2, 3.5}, "Standard_D1": {1, 3.5},
}

var genericType = regexp.MustCompile(`^c([0-9.]+)-m([0-9.]+)$`)

// instanceTypeLimits turns an instance_type into limits.cpu and
// limits.memory: a known cloud name ("t2.micro", optionally prefixed with
// "aws:", "gce:" or "azure:") or the generic "c<CPUs>-m<GiB>".
func instanceTypeLimits(name string) (map[string]string, error) {
	if name == "" {
		return nil, nil
	}
	short := name
	if i := strings.Index(name, ":"); i >= 0 {
		short = name[i+1:]
	}
	var cpu, memGiB float64
	if t, ok := instanceTypes[short]; ok {
		cpu, memGiB = t[0], t[1]
	} else if m := genericType.FindStringSubmatch(short); m != nil {
		var err1, err2 error
		cpu, err1 = strconv.ParseFloat(m[1], 64)
		memGiB, err2 = strconv.ParseFloat(m[2], 64)
		if err1 != nil || err2 != nil {
			return nil, api.BadRequest("Bad instance type %q", name)
		}
	} else {
		return nil, api.BadRequest("Provided instance type doesn't exist: %s", name)
	}
	out := map[string]string{}
	if cpu > 0 {
		out["limits.cpu"] = strconv.Itoa(int(cpu))
	}
	if memGiB > 0 {
		out["limits.memory"] = fmt.Sprintf("%dMB", int(memGiB*1024))
	}
	return out, nil
}

// formatSpeed is LXD's decimal byte size with two decimals ("12.10MB").
func formatSpeed(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	v := float64(n)
	i := 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%dB", n)
	}
	return fmt.Sprintf("%.2f%s", v, units[i])
}
