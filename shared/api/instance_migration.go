package api

// InstancePostTarget is the far end of a push migration: the "target"
// object of POST /1.0/instances/<name> {"migration": true, "target": ...}
// (InstancePost.Target holds a member name for cluster moves, so the
// object is decoded on its own).
type InstancePostTarget struct {
	Certificate string            `json:"certificate" yaml:"certificate"`
	Operation   string            `json:"operation,omitempty" yaml:"operation,omitempty"`
	Websockets  map[string]string `json:"secrets,omitempty" yaml:"secrets,omitempty"`
}
