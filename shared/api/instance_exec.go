package api

// InstanceExecPost is the body of POST /1.0/instances/<name>/exec.
type InstanceExecPost struct {
	Command     []string          `json:"command" yaml:"command"`
	WaitForWS   bool              `json:"wait-for-websocket" yaml:"wait-for-websocket"`
	Interactive bool              `json:"interactive" yaml:"interactive"`
	Environment map[string]string `json:"environment" yaml:"environment"`
	Width       int               `json:"width" yaml:"width"`
	Height      int               `json:"height" yaml:"height"`
	// RecordOutput keeps stdout and stderr as instance log files (only
	// without websockets).
	RecordOutput bool   `json:"record-output" yaml:"record-output"`
	User         uint32 `json:"user" yaml:"user"`
	Group        uint32 `json:"group" yaml:"group"`
	Cwd          string `json:"cwd" yaml:"cwd"`
}

// InstanceExecControl is a message on the control websocket of an exec or
// console operation: "window-resize" (Args "width" and "height" as decimal
// strings) or "signal" (Signal is the number to forward).
type InstanceExecControl struct {
	Command string            `json:"command" yaml:"command"`
	Args    map[string]string `json:"args" yaml:"args"`
	Signal  int               `json:"signal" yaml:"signal"`
}

// InstanceConsolePost is the body of POST /1.0/instances/<name>/console.
type InstanceConsolePost struct {
	Width  int    `json:"width" yaml:"width"`
	Height int    `json:"height" yaml:"height"`
	Type   string `json:"type" yaml:"type"` // "console" (default) or "vga"
}
