package api

import "testing"

func TestFilter(t *testing.T) {
	obj := map[string]any{
		"name":      "c1",
		"status":    "Running",
		"config":    map[string]any{"image.os": "Busybox", "user.x": "1"},
		"ephemeral": false,
	}
	tests := []struct {
		expr    string
		want    bool
		wantErr bool
	}{
		{"name eq c1", true, false},
		{"name eq c2", false, false},
		{"name ne c2", true, false},
		{"status eq running", true, false},
		{"config.image.os eq Busybox", true, false},
		{"config.image.os eq busybox and name eq c1", true, false},
		{"name eq c2 or status eq Running", true, false},
		{"not name eq c1", false, false},
		{"(name eq c2 or name eq c1) and ephemeral eq false", true, false},
		{`name eq "c1"`, true, false},
		{"missing.key eq x", false, false},
		{"missing.key ne x", true, false},
		{"name gt c1", false, true},
		{"name eq", false, true},
		{"(name eq c1", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			n, err := parseFilter(tt.expr)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && n.eval(obj) != tt.want {
				t.Fatalf("eval = %v, want %v", !tt.want, tt.want)
			}
		})
	}
}

func TestFilterList(t *testing.T) {
	type item struct {
		Name string `json:"name"`
	}
	got, err := filterList([]item{{"a"}, {"b"}}, "name eq b")
	if err != nil || len(got) != 1 || got[0].Name != "b" {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := filterList([]item{{"a"}}, "name ~ b"); err == nil {
		t.Fatal("expected a 400 for a bad filter")
	}
}
