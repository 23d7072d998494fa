package api

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestStatusOf(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		status  int
		message string
	}{
		{"nil", nil, 200, ""},
		{"plain", io.EOF, 500, "EOF"},
		{"not found", NotFound("Instance not found"), 404, "Instance not found"},
		{"wrapped", fmt.Errorf("Failed loading: %w", Conflict("Name %q already in use", "c1")), 409, `Failed loading: Name "c1" already in use`},
		{"cause kept", BadRequest("Bad thing: %w", io.EOF), 400, "Bad thing: EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StatusOf(tt.err); got != tt.status {
				t.Fatalf("status %d, want %d", got, tt.status)
			}
			if tt.err != nil && tt.err.Error() != tt.message {
				t.Fatalf("message %q, want %q", tt.err.Error(), tt.message)
			}
		})
	}
	if !errors.Is(BadRequest("x: %w", io.EOF), io.EOF) {
		t.Fatal("wrapped cause lost")
	}
}
