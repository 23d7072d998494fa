package daemons

import "testing"

func TestParseVmRSS(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    float64
		wantErr bool
	}{
		{"usual", "Name:\tlxd\nVmHWM:\t  120000 kB\nVmRSS:\t   97280 kB\nRssAnon:\t 1 kB\n", 95, false},
		{"missing", "Name:\tlxd\n", 0, true},
		{"garbled", "VmRSS:\tlots\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVmRSS(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseVmRSS = %v, %v; want %v (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
