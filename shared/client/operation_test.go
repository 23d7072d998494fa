package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

// waitServer answers /1.0/operations/op1/wait with the given final state
// and records the query of each call.
func waitServer(t *testing.T, final api.StatusCode, errText string) (*Client, *[]string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "unix.socket")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	queries := &[]string{}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*queries = append(*queries, r.URL.Path+"?"+r.URL.RawQuery)
		op := api.Operation{ID: "op1", Status: final.String(), StatusCode: final, Err: errText}
		md, _ := json.Marshal(op)
		fmt.Fprintf(w, `{"type":"sync","status":"Success","status_code":200,"metadata":%s}`, md)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	c, err := ConnectUnix(sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, queries
}

func TestOperationWait(t *testing.T) {
	tests := []struct {
		name      string
		final     api.StatusCode
		errText   string
		secret    bool
		wantErr   string
		wantQuery string
	}{
		{"success", api.Success, "", false, "", "/1.0/operations/op1/wait?timeout=-1"},
		{"failure", api.Failure, "boom", false, "boom", "/1.0/operations/op1/wait?timeout=-1"},
		{"cancelled without error", api.Cancelled, "", false, "Cancelled", "/1.0/operations/op1/wait?timeout=-1"},
		{"secret", api.Success, "", true, "", "/1.0/operations/op1/wait?secret=s+1&timeout=-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, queries := waitServer(t, tt.final, tt.errText)
			op := &Operation{c: c, url: "/1.0/operations/op1",
				Operation: api.Operation{ID: "op1", StatusCode: api.Running, Metadata: map[string]any{"secret": "s 1"}}}
			var err error
			if tt.secret {
				err = op.WaitSecret(context.Background())
			} else {
				err = op.Wait(context.Background())
			}
			if got := fmt.Sprint(err); (tt.wantErr == "" && err != nil) || (tt.wantErr != "" && got != tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			if len(*queries) != 1 || (*queries)[0] != tt.wantQuery {
				t.Errorf("queries %q, want [%q]", *queries, tt.wantQuery)
			}
		})
	}
}
