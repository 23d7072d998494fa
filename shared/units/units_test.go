package units

import "testing"

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"512", 512, false},
		{"1KiB", 1024, false},
		{"2GiB", 2 << 30, false},
		{"1.5GiB", 3 << 29, false},
		{"10MB", 10e6, false},
		{"1kB", 1000, false},
		{"7B", 7, false},
		{"", 0, true},
		{"abc", 0, true},
		{"-1GiB", 0, true},
		{"1XB", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseByteSize(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseBitSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"100Mbit", 100e6, false},
		{"1Gbit", 1e9, false},
		{"10kbit", 10e3, false},
		{"100", 0, true},
		{"xMbit", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBitSize(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestFormatByteSize(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0B"}, {1023, "1023B"}, {1024, "1.00KiB"}, {3 << 29, "1.50GiB"},
	}
	for _, tt := range tests {
		if got := FormatByteSize(tt.in); got != tt.want {
			t.Errorf("FormatByteSize(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
