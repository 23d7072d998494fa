package api

import (
	"encoding/json"
	"time"
)

// Event types.
const (
	EventTypeLifecycle = "lifecycle"
	EventTypeLogging   = "logging"
	EventTypeOperation = "operation"
)

// Event is one frame of /1.0/events. Field order is LXD's wire order;
// project is omitted on logging events.
type Event struct {
	Type      string          `json:"type" yaml:"type"`
	Timestamp time.Time       `json:"timestamp" yaml:"timestamp"`
	Metadata  json.RawMessage `json:"metadata" yaml:"metadata"`
	Location  string          `json:"location,omitempty" yaml:"location,omitempty"`
	Project   string          `json:"project,omitempty" yaml:"project,omitempty"`
}

// EventLifecycle is the metadata of a lifecycle event.
type EventLifecycle struct {
	Action    string                   `json:"action" yaml:"action"`
	Source    string                   `json:"source" yaml:"source"`
	Context   map[string]any           `json:"context,omitempty" yaml:"context,omitempty"`
	Requestor *EventLifecycleRequestor `json:"requestor,omitempty" yaml:"requestor,omitempty"`
}

// EventLifecycleRequestor says who caused a lifecycle event.
type EventLifecycleRequestor struct {
	Username string `json:"username" yaml:"username"`
	Protocol string `json:"protocol" yaml:"protocol"`
	Address  string `json:"address" yaml:"address"`
}

// EventLogging is the metadata of a logging event.
type EventLogging struct {
	Message string            `json:"message" yaml:"message"`
	Level   string            `json:"level" yaml:"level"`
	Context map[string]string `json:"context" yaml:"context"`
}
