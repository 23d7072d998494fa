package migrations

import (
	"testing"
	"testing/fstest"
)

func TestSteps(t *testing.T) {
	steps, err := Steps()
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) == 0 || steps[0].Version != 1 {
		t.Fatalf("unexpected steps %v", steps)
	}
}

func TestParseNumbering(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		wantErr bool
	}{
		{"contiguous", []string{"0001_a.sql", "0002_b.sql"}, false},
		{"gap", []string{"0001_a.sql", "0003_b.sql"}, true},
		{"duplicate", []string{"0001_a.sql", "0001_b.sql"}, true},
		{"bad name", []string{"1_a.sql"}, true},
		{"no underscore", []string{"0001.sql"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := fstest.MapFS{}
			for _, f := range tt.files {
				m[f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
			}
			_, err := parse(m)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}
