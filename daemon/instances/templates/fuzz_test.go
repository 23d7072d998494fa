package templates

import (
	"context"
	"testing"
)

// FuzzRender feeds arbitrary template source to the engine: it must
// return (output or error) without panicking and within its limits.
//
//	go test -run XXX -fuzz FuzzRender -fuzztime 60s ./daemon/instances/templates/
func FuzzRender(f *testing.F) {
	for _, s := range []string{tplHostname, tplHosts, tplMeta, tplNetOld, tplUserNew, tplNetNew,
		`{% for k, v in devices %}{{ forloop.Counter }}{{ k|upper }}{% empty %}x{% endfor %}`,
		`{{ (1 + 2) * -3 / 4 % 5 }}{{ "a" in "abc" }}{{ config["user.foo"]|default:"x" }}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, _ = Render(context.Background(), src, baseContext())
	})
}
