package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRenderList(t *testing.T) {
	type item struct {
		Name string `json:"name"`
	}
	items := []item{{"a"}, {"b"}}
	tests := []struct {
		query      string
		wantStatus int
		wantMeta   string
	}{
		{"", http.StatusOK, `"metadata":["/x/a","/x/b"]`},
		{"?recursion=1", http.StatusOK, `"metadata":[{"name":"a"},{"name":"b"}]`},
		{"?filter=name+eq+b", http.StatusOK, `"metadata":["/x/b"]`},
		{"?recursion=2&filter=name+ne+b", http.StatusOK, `"metadata":[{"name":"a"}]`},
		{"?filter=name+eq+c", http.StatusOK, `"metadata":[]`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodGet, "/x"+tt.query, nil)
			if err := renderList(w, r, items, func(it item) string { return "/x/" + it.Name }); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantMeta) {
				t.Errorf("got %d %s, want %d with %s", w.Code, w.Body.String(), tt.wantStatus, tt.wantMeta)
			}
		})
	}
	r := httptest.NewRequest(http.MethodGet, "/x?filter=name+gt+a", nil)
	if err := renderList(httptest.NewRecorder(), r, items, func(it item) string { return "" }); err == nil {
		t.Error("a bad filter is accepted")
	}
}
