package revert

import (
	"reflect"
	"testing"
)

func TestReverter(t *testing.T) {
	tests := []struct {
		name    string
		success bool
		want    []int
	}{
		{"fail runs in reverse", false, []int{2, 1}},
		{"success runs nothing", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			r := New()
			r.Add(func() { got = append(got, 1) })
			r.Add(func() { got = append(got, 2) })
			if tt.success {
				r.Success()
			}
			r.Fail()
			r.Fail() // second call is a no-op
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClone(t *testing.T) {
	var got []int
	r := New()
	r.Add(func() { got = append(got, 1) })
	c := r.Clone()
	r.Fail()
	if len(got) != 0 {
		t.Fatalf("original ran after Clone: %v", got)
	}
	c.Fail()
	if !reflect.DeepEqual(got, []int{1}) {
		t.Fatalf("clone did not run: %v", got)
	}
}
