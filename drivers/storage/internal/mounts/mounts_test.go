package mounts

import "testing"

func TestUnescape(t *testing.T) {
	tests := map[string]string{
		`/plain`:            "/plain",
		`/with\040space`:    "/with space",
		`/tab\011and\134bs`: "/tab\tand\\bs",
		`/end\040`:          "/end ",
		`/not\09escape`:     `/not\09escape`,
	}
	for in, want := range tests {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsMountPoint(t *testing.T) {
	if ok, err := IsMountPoint("/"); err != nil || !ok {
		t.Fatalf("/ should be a mount point: %v %v", ok, err)
	}
	if ok, err := IsMountPoint(t.TempDir()); err != nil || ok {
		t.Fatalf("a temp dir should not be a mount point: %v %v", ok, err)
	}
	if ok, err := IsMountPoint("/does/not/exist"); err != nil || ok {
		t.Fatalf("a missing path is not a mount point: %v %v", ok, err)
	}
}
