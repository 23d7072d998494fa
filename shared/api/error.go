package api

import (
	"errors"
	"fmt"
	"net/http"
)

// StatusError is an error that carries the HTTP status it should be
// answered with. Msg is the full user-visible text (it already includes the
// cause's text when built by the helpers); Err is the optional cause, kept
// for errors.Is/As.
type StatusError struct {
	Status int
	Msg    string
	Err    error
}

func (e *StatusError) Error() string {
	if e.Msg == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *StatusError) Unwrap() error { return e.Err }

// NewStatusError builds a StatusError with a formatted message. A %w verb in
// format keeps the wrapped error reachable with errors.Is/As.
func NewStatusError(status int, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &StatusError{Status: status, Msg: err.Error(), Err: errors.Unwrap(err)}
}

// BadRequest is a 400.
func BadRequest(format string, args ...any) error {
	return NewStatusError(http.StatusBadRequest, format, args...)
}

// Forbidden is a 403.
func Forbidden(format string, args ...any) error {
	return NewStatusError(http.StatusForbidden, format, args...)
}

// NotFound is a 404.
func NotFound(format string, args ...any) error {
	return NewStatusError(http.StatusNotFound, format, args...)
}

// Conflict is a 409.
func Conflict(format string, args ...any) error {
	return NewStatusError(http.StatusConflict, format, args...)
}

// PreconditionFailed is a 412.
func PreconditionFailed(format string, args ...any) error {
	return NewStatusError(http.StatusPreconditionFailed, format, args...)
}

// InternalError is a 500 with a chosen message.
func InternalError(format string, args ...any) error {
	return NewStatusError(http.StatusInternalServerError, format, args...)
}

// NotImplemented is a 501.
func NotImplemented(format string, args ...any) error {
	return NewStatusError(http.StatusNotImplemented, format, args...)
}

// Unavailable is a 503.
func Unavailable(format string, args ...any) error {
	return NewStatusError(http.StatusServiceUnavailable, format, args...)
}

// StatusOf returns the HTTP status carried by err (the outermost
// StatusError), or 500 when there is none. nil gives 200.
func StatusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return http.StatusInternalServerError
}

// IsStatus reports whether err carries the given HTTP status.
func IsStatus(err error, status int) bool {
	return err != nil && StatusOf(err) == status
}
