package daemontest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// SQL runs a statement on our daemon's cluster database (lxd sql global).
func (d *Daemon) SQL(t testing.TB, query string) {
	t.Helper()
	if d.Kind != Ours {
		t.Fatal("SQL is only available on our daemon")
	}
	body := map[string]string{"database": "global", "query": query}
	if _, _, err := d.Client.Query(context.Background(), http.MethodPost, "/internal/sql", body, ""); err != nil {
		t.Fatalf("sql %q: %v", query, err)
	}
}

// CreateProject creates a project through the API and deletes it at cleanup.
func (d *Daemon) CreateProject(t testing.TB, name string, cfg map[string]string) {
	t.Helper()
	req := api.ProjectsPost{Name: name, ProjectPut: api.ProjectPut{Config: cfg}}
	if _, err := d.Client.Do(context.Background(), http.MethodPost, "/1.0/projects", req, ""); err != nil {
		t.Fatalf("create project %s: %v", name, err)
	}
	t.Cleanup(func() {
		_, _ = d.Client.Do(context.Background(), http.MethodDelete, "/1.0/projects/"+name, nil, "")
	})
}

// WaitOp waits for the operation of an async answer and returns it.
func (d *Daemon) WaitOp(t testing.TB, r api.Response) api.Operation {
	t.Helper()
	if r.Type != api.AsyncResponse {
		t.Fatalf("expected an async answer, got %+v", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var op api.Operation
	if _, err := d.Client.Get(ctx, r.Operation+"/wait?timeout=-1", &op); err != nil {
		t.Fatal(err)
	}
	return op
}

// ETag computes LXD's ETag of v: hex(sha256(json(v) + "\n")).
func ETag(t testing.TB, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(append(data, '\n'))
	return hex.EncodeToString(sum[:])
}
