package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/shared/api"
)

func TestParseExpiry(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"3H", 3 * time.Hour, false},
		{"1d 2H", 26 * time.Hour, false},
		{"30M", 30 * time.Minute, false},
		{"", 0, false},
		{"3X", 0, true},
		{"H", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseExpiry(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseExpiry(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestPassword(t *testing.T) {
	h := hashPassword("s3cret")
	if !CheckPassword(h, "s3cret") || CheckPassword(h, "wrong") || CheckPassword("", "") {
		t.Fatal("password check broken")
	}
}

func newServer(t *testing.T) (*Server, string) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := db.Open(ctx, filepath.Join(dir, "database"), db.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close(ctx) })
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(dir, "daemon.yaml")
	s, err := Load(ctx, store, local)
	if err != nil {
		t.Fatal(err)
	}
	return s, local
}

func TestPatchAndReplace(t *testing.T) {
	s, local := newServer(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		patch   map[string]string
		replace map[string]string
		want    map[string]string
		status  int
		errText string
	}{
		{name: "unknown key", patch: map[string]string{"core.no_such_key": "1"}, status: 400,
			errText: "cannot set 'core.no_such_key' to '1': unknown key"},
		{name: "bad value", patch: map[string]string{"images.auto_update_interval": "abc"}, status: 400,
			errText: "cannot set 'images.auto_update_interval' to 'abc': invalid integer"},
		{name: "global and local", patch: map[string]string{"images.auto_update_interval": "0", "core.https_address": "127.0.0.1:0"},
			want: map[string]string{"images.auto_update_interval": "0", "core.https_address": "127.0.0.1:0"}},
		{name: "replace unsets", replace: map[string]string{"images.auto_update_interval": "3"},
			want: map[string]string{"images.auto_update_interval": "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.replace != nil {
				err = s.Replace(ctx, tt.replace)
			} else {
				err = s.Patch(ctx, tt.patch)
			}
			if tt.status != 0 {
				if api.StatusOf(err) != tt.status || err.Error() != tt.errText {
					t.Fatalf("got %v (%d), want %d %q", err, api.StatusOf(err), tt.status, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := s.Snapshot().Render()
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Fatalf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
	data, _ := os.ReadFile(local)
	if strings.Contains(string(data), "https_address") {
		t.Fatalf("unset local key still in daemon.yaml: %s", data)
	}
}

func TestApplierFailureAborts(t *testing.T) {
	s, _ := newServer(t)
	ctx := context.Background()
	var calls []string
	s.OnChange(func(ctx context.Context, old, new Snapshot) error {
		calls = append(calls, "first:"+new.Get("core.https_address"))
		return nil
	})
	s.OnChange(func(ctx context.Context, old, new Snapshot) error {
		if new.Get("core.https_address") != "" {
			return api.BadRequest("cannot bind")
		}
		return nil
	})
	err := s.Patch(ctx, map[string]string{"core.https_address": "127.0.0.1:1"})
	if err == nil || s.Snapshot().Get("core.https_address") != "" {
		t.Fatalf("change applied despite failing applier: %v", err)
	}
	if len(calls) != 2 || calls[1] != "first:" {
		t.Fatalf("first applier not reverted: %v", calls)
	}
}

func TestTrustPasswordRendered(t *testing.T) {
	s, _ := newServer(t)
	ctx := context.Background()
	if err := s.Patch(ctx, map[string]string{"core.trust_password": "pw"}); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	if snap.Render()["core.trust_password"] != true || !CheckPassword(snap.TrustPasswordHash(), "pw") {
		t.Fatalf("password not hashed/rendered: %v", snap.Render())
	}
}
