package cluster

import "fmt"

// Version is what a member records about its code: the newest schema it
// knows and how many API extensions it implements.
type Version struct {
	Schema        int
	APIExtensions int
}

// Gate is the outcome of comparing this member's version with the others'.
type Gate int

// Gate outcomes.
const (
	// GateOpen: every member runs the same version.
	GateOpen Gate = iota
	// GateWait: this member is ahead of at least one other; it waits
	// (answering 503) until the others are upgraded.
	GateWait
	// GateBehind: another member is ahead; this member must be upgraded
	// and refuses to start.
	GateBehind
)

func (g Gate) String() string {
	switch g {
	case GateOpen:
		return "open"
	case GateWait:
		return "wait"
	case GateBehind:
		return "behind"
	}
	return fmt.Sprintf("Gate(%d)", int(g))
}

// CheckVersions decides whether self may serve next to others. A member
// ahead in one dimension and behind in the other is behind: it can't run
// against a schema or API it does not know.
func CheckVersions(self Version, others []Version) (Gate, error) {
	gate := GateOpen
	for _, o := range others {
		if o.Schema > self.Schema || o.APIExtensions > self.APIExtensions {
			return GateBehind, fmt.Errorf("This cluster member's version is behind the others "+
				"(schema %d, API extensions %d; another member has schema %d, API extensions %d): upgrade it",
				self.Schema, self.APIExtensions, o.Schema, o.APIExtensions)
		}
		if o.Schema < self.Schema || o.APIExtensions < self.APIExtensions {
			gate = GateWait
		}
	}
	return gate, nil
}
