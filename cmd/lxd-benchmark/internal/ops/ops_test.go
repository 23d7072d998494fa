package ops

import (
	"reflect"
	"testing"
)

func TestImageSource(t *testing.T) {
	tests := []struct {
		image string
		want  map[string]any
	}{
		{"busybox", map[string]any{"type": "image", "alias": "busybox"}},
		{"deadbeef", map[string]any{"type": "image", "fingerprint": "deadbeef"}},
		{"deadbee", map[string]any{"type": "image", "alias": "deadbee"}},
		{"DEADBEEF", map[string]any{"type": "image", "alias": "DEADBEEF"}},
		{"debian/12", map[string]any{"type": "image", "alias": "debian/12"}},
	}
	for _, tt := range tests {
		if got := imageSource(tt.image); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("imageSource(%q) = %v, want %v", tt.image, got, tt.want)
		}
	}
}
