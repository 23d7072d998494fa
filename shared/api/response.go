package api

import (
	"encoding/json"
	"time"
)

// ResponseType is the "type" of the envelope.
type ResponseType string

// Envelope types.
const (
	SyncResponse  ResponseType = "sync"
	AsyncResponse ResponseType = "async"
	ErrorResponse ResponseType = "error"
)

// Response is LXD's JSON envelope around every answer. The field order is the
// one LXD writes.
type Response struct {
	Type       ResponseType    `json:"type"`
	Status     string          `json:"status"`
	StatusCode int             `json:"status_code"`
	Operation  string          `json:"operation"`
	ErrorCode  int             `json:"error_code"`
	Error      string          `json:"error"`
	Metadata   json.RawMessage `json:"metadata"`
}

// ResponseRaw is Response with metadata left as a Go value, for encoding.
type ResponseRaw struct {
	Type       ResponseType `json:"type"`
	Status     string       `json:"status"`
	StatusCode int          `json:"status_code"`
	Operation  string       `json:"operation"`
	ErrorCode  int          `json:"error_code"`
	Error      string       `json:"error"`
	Metadata   any          `json:"metadata"`
}

// MetadataAsMap decodes the metadata into a map.
func (r *Response) MetadataAsMap() (map[string]any, error) {
	m := map[string]any{}
	err := r.MetadataAsStruct(&m)
	return m, err
}

// MetadataAsOperation decodes the metadata of an async response.
func (r *Response) MetadataAsOperation() (*Operation, error) {
	op := Operation{}
	if err := r.MetadataAsStruct(&op); err != nil {
		return nil, err
	}
	return &op, nil
}

// MetadataAsStruct decodes the metadata into target.
func (r *Response) MetadataAsStruct(target any) error {
	if len(r.Metadata) == 0 {
		return nil
	}
	return json.Unmarshal(r.Metadata, target)
}

// StatusCode is LXD's numeric status for operations and envelopes.
type StatusCode int

// Status codes LXD uses for operations, instances and envelopes.
const (
	OperationCreated StatusCode = 100
	Started          StatusCode = 101
	Stopped          StatusCode = 102
	Running          StatusCode = 103
	Cancelling       StatusCode = 104
	Pending          StatusCode = 105
	Starting         StatusCode = 106
	Stopping         StatusCode = 107
	Aborting         StatusCode = 108
	Freezing         StatusCode = 109
	Frozen           StatusCode = 110
	Thawed           StatusCode = 111
	Error            StatusCode = 112
	Ready            StatusCode = 113
	Success          StatusCode = 200
	Failure          StatusCode = 400
	Cancelled        StatusCode = 401
)

var statusNames = map[StatusCode]string{
	OperationCreated: "Operation created", Started: "Started", Stopped: "Stopped", Running: "Running",
	Cancelling: "Cancelling", Pending: "Pending", Starting: "Starting", Stopping: "Stopping",
	Aborting: "Aborting", Freezing: "Freezing", Frozen: "Frozen", Thawed: "Thawed", Error: "Error",
	Ready: "Ready", Success: "Success", Failure: "Failure", Cancelled: "Cancelled",
}

func (s StatusCode) String() string { return statusNames[s] }

// IsFinal reports whether an operation in this status has ended.
func (s StatusCode) IsFinal() bool { return s == Success || s == Failure || s == Cancelled }

// NoExpiry is the zero time LXD sends for "never" in expires_at fields.
var NoExpiry = time.Time{}
