package db

import (
	"context"
	"fmt"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

func openTestStore(t *testing.T) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMigrateAppliesEveryStepOnce(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	v, err := s.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion() {
		t.Fatalf("version %d, want %d", v, SchemaVersion())
	}
	var projects int
	err = s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM projects").Scan(&projects)
	})
	if err != nil || projects != 1 {
		t.Fatalf("default project rows = %d, err %v", projects, err)
	}
}

func TestConfigRoundTrip(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		changes map[string]string
		want    map[string]string
	}{
		{"set", map[string]string{"a": "1", "b": "2"}, map[string]string{"a": "1", "b": "2"}},
		{"update and unset", map[string]string{"a": "3", "b": ""}, map[string]string{"a": "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got map[string]string
			err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
				if err := tx.UpdateConfig(ctx, tt.changes); err != nil {
					return err
				}
				var err error
				got, err = tx.Config(ctx)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) || got["a"] != tt.want["a"] || got["b"] != tt.want["b"] {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCertificates(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	c := Certificate{Fingerprint: "abcd", Type: "client", Name: "x", Certificate: "PEM", Restricted: true, Projects: []string{"default"}}
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.CreateCertificate(ctx, c)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.CreateCertificate(ctx, c)
		return err
	})
	if api.StatusOf(err) != 409 {
		t.Fatalf("duplicate: want 409, got %v", err)
	}
	var got Certificate
	err = s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		got, err = tx.CertificateByFingerprintPrefix(ctx, "ab")
		return err
	})
	if err != nil || len(got.Projects) != 1 || got.Projects[0] != "default" || !got.Restricted {
		t.Fatalf("got %+v err %v", got, err)
	}
	err = s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		c.Projects = []string{"nosuch"}
		return tx.UpdateCertificate(ctx, "abcd", c)
	})
	if api.StatusOf(err) != 404 {
		t.Fatalf("unknown project: want 404, got %v", err)
	}
	err = s.Tx(ctx, func(ctx context.Context, tx *Tx) error { return tx.DeleteCertificate(ctx, "abcd") })
	if err != nil {
		t.Fatal(err)
	}
	err = s.Tx(ctx, func(ctx context.Context, tx *Tx) error { return tx.DeleteCertificate(ctx, "abcd") })
	if api.StatusOf(err) != 404 {
		t.Fatalf("second delete: want 404, got %v", err)
	}
}

func TestForeignKeysCascade(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	var n int
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO projects (name) VALUES ('p2')"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO profiles (project_id, name) SELECT id, 'x' FROM projects WHERE name = 'p2'"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM projects WHERE name = 'p2'"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM profiles WHERE name = 'x'").Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("profile of a deleted project survived: foreign keys are off")
	}
}

func TestNestedTxRefused(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		return s.Tx(ctx, func(ctx context.Context, tx *Tx) error { return nil })
	})
	if err == nil || err.Error() != "nested database transaction" {
		t.Fatalf("nested transaction not refused: %v", err)
	}
}

// TestReadTxSeesCommittedWrites checks a read-only transaction, on its own
// connections, sees what a read-write transaction committed just before,
// and that reads run while a write transaction is open.
func TestReadTxSeesCommittedWrites(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	member := addMember(t, s)
	for n := 0; n < 50; n++ {
		name := fmt.Sprintf("c%d", n)
		err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
			_, err := tx.CreateInstance(ctx, Instance{Project: "default", Name: name, MemberID: member,
				Type: "container", Architecture: "x86_64", Profiles: []string{"default"}}, "default")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.ReadTx(ctx, func(ctx context.Context, tx *Tx) error {
			_, err := tx.Instance(ctx, "default", name)
			return err
		})
		if err != nil {
			t.Fatalf("read after write of %s: %v", name, err)
		}
	}
	err := s.Tx(ctx, func(ctx context.Context, tx *Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE instances SET description = 'new' WHERE name = 'c1'"); err != nil {
			return err
		}
		// The write transaction holds the only read-write connection: a
		// read there would wait for ever; ReadTx runs and sees the last
		// committed state. (Another goroutine: a nested call is refused.)
		got := make(chan error, 1)
		go func() {
			got <- s.ReadTx(context.Background(), func(ctx context.Context, tx *Tx) error {
				i, err := tx.Instance(ctx, "default", "c1")
				if err == nil && i.Description != "" {
					err = fmt.Errorf("read an uncommitted description %q", i.Description)
				}
				return err
			})
		}()
		return <-got
	})
	if err != nil {
		t.Fatal(err)
	}
}
