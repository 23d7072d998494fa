package templates

import (
	"context"
	"strings"
	"testing"

	"github.com/lxdng/lxd/shared/api"
)

// Real templates from images.linuxcontainers.org / distrobuilder.
const (
	tplHostname = "{{ container.name }}\n"
	tplHosts    = "127.0.1.1\t{{ container.name }}\n127.0.0.1\tlocalhost\n"
	tplMeta     = "instance-id: {{ container.name }}\nlocal-hostname: {{ container.name }}\n{{ config_get(\"user.meta-data\", \"\") }}\n"
	tplUserOld  = "{{ config_get(\"user.user-data\", properties.default) }}\n"
	tplNetOld   = `{% if config_get("user.network-config", "") == "" %}version: 1
config:
  - type: physical
    name: eth0
    subnets:
      - type: {% if config_get("user.network_mode", "") == "link-local" %}manual{% else %}dhcp{% endif %}
        control: auto{% else %}{{ config_get("user.network-config", "") }}{% endif %}
`
	tplUserNew = `{%- if config_get("cloud-init.user-data", properties.default) == properties.default -%}
{{ config_get("user.user-data", properties.default) }}
{%- else -%}
{{- config_get("cloud-init.user-data", properties.default) }}
{%- endif %}
`
	tplNetNew = `{%- if config_get("cloud-init.network-config", "") == "" -%}
{%- if config_get("user.network-config", "") == "" -%}
version: 1
config:
  - type: physical
    name: {% if instance.type == "virtual-machine" %}enp5s0{% else %}eth0{% endif %}
    subnets:
      - type: dhcp
        control: auto
{%- else -%}
{{- config_get("user.network-config", "") -}}
{%- endif -%}
{%- else -%}
{{- config_get("cloud-init.network-config", "") -}}
{%- endif %}
`
)

const netDHCP = "version: 1\nconfig:\n  - type: physical\n    name: eth0\n    subnets:\n      - type: dhcp\n        control: auto\n"

func baseContext() Context {
	return Context{
		Instance:   Instance{Name: "c1", Architecture: "x86_64"},
		Config:     map[string]string{"user.foo": "bar", "limits.cpu": "2", "user.html": "<a&b>"},
		Devices:    map[string]map[string]string{"eth0": {"type": "nic", "network": "lxdbr0"}, "root": {"type": "disk", "path": "/"}},
		Properties: map[string]string{"default": "#cloud-config\n{}"},
		Trigger:    "create",
		Path:       "/etc/hostname",
	}
}

func TestRenderRealTemplates(t *testing.T) {
	tests := []struct {
		name string
		tpl  string
		edit func(c *Context)
		want string
	}{
		{"hostname", tplHostname, nil, "c1\n"},
		{"hosts", tplHosts, nil, "127.0.1.1\tc1\n127.0.0.1\tlocalhost\n"},
		{"meta-data", tplMeta, nil, "instance-id: c1\nlocal-hostname: c1\n\n"},
		{"meta-data with user meta", tplMeta, func(c *Context) { c.Config["user.meta-data"] = "foo: bar\n" }, "instance-id: c1\nlocal-hostname: c1\nfoo: bar\n"},
		{"user-data default", tplUserOld, nil, "#cloud-config\n{}\n"},
		{"user-data set", tplUserOld, func(c *Context) { c.Config["user.user-data"] = "#cloud-config\npackages: [vim]" }, "#cloud-config\npackages: [vim]\n"},
		{"network dhcp", tplNetOld, nil, netDHCP},
		{"network link-local", tplNetOld, func(c *Context) { c.Config["user.network_mode"] = "link-local" },
			strings.Replace(netDHCP, "dhcp", "manual", 1)},
		{"network custom", tplNetOld, func(c *Context) { c.Config["user.network-config"] = "version: 2\n" }, "version: 2\n"},
		{"new user-data default", tplUserNew, nil, "#cloud-config\n{}\n"},
		{"new user-data cloud-init key", tplUserNew, func(c *Context) { c.Config["cloud-init.user-data"] = "#cloud-config\nx: 1" }, "#cloud-config\nx: 1\n"},
		{"new network container", tplNetNew, nil, strings.TrimSuffix(netDHCP, "\n") + "\n"},
		{"new network vm", tplNetNew, func(c *Context) { c.Instance.Type = TypeVirtualMachine }, strings.Replace(netDHCP, "eth0", "enp5s0", 1)},
		{"new network user key", tplNetNew, func(c *Context) { c.Config["user.network-config"] = "version: 2" }, "version: 2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseContext()
			if tt.edit != nil {
				tt.edit(&c)
			}
			got, err := Render(context.Background(), tt.tpl, c)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRenderSyntax(t *testing.T) {
	tests := []struct {
		tpl, want string
	}{
		{`{{ instance.name }}/{{ container.architecture }}/{{ instance.privileged }}/{{ instance.ephemeral }}/{{ instance.type }}`, "c1/x86_64/false/false/container"},
		{`{{ trigger }} {{ path }}`, "create /etc/hostname"},
		{`{{ config["user.foo"] }} {{ config.missing }}|`, "bar |"},
		{`{{ config_get("user.foo", "d") }} {{ config_get("user.none", "d") }}`, "bar d"},
		{`{{ properties.default|upper }}`, "#CLOUD-CONFIG\n{}"},
		{`{{ devices.eth0.network }} {{ devices["root"].path }}`, "lxdbr0 /"},
		{`{% if instance.privileged == "true" %}priv{% else %}unpriv{% endif %}`, "unpriv"},
		{`{% if 1 == 2 %}a{% elif "x" != "y" and not false %}b{% else %}c{% endif %}`, "b"},
		{`{% if false or config.missing %}a{% elif config.missing %}b{% endif %}.`, "."},
		{`{% if "ar" in config["user.foo"] %}in{% endif %}{% if "zz" not in "abc" %}notin{% endif %}`, "innotin"},
		{`{% if "eth0" in devices %}has{% endif %}`, "has"},
		{`{% for name, dev in devices %}{{ forloop.Counter }}:{{ name }}={{ dev.type }};{% endfor %}`, "1:eth0=nic;2:root=disk;"},
		{`{% for k in config %}{{ k }}{% if not forloop.Last %},{% endif %}{% endfor %}`, "limits.cpu,user.foo,user.html"},
		{`{% for x in config.missing %}x{% empty %}none{% endfor %}`, "none"},
		{`{% for x in "ab" %}[{{ x }}]{% endfor %}`, "[a][b]"},
		{`{{ config.missing|default:"fallback" }} {{ config["user.foo"]|default:"no" }}`, "fallback bar"},
		{`{{ devices|length }} {{ "héllo"|length }} {{ "a b"|title }} {{ "x"|capfirst }}`, "2 5 A B X"},
		{`{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 % 4 }} {{ 1.5 + 1 }} {{ -3 }} {{ "a" + "b" }}`, "7 9 3 2.5 -3 ab"},
		{`{{ 2 < 3 }} {{ "b" >= "a" }} {{ true }} {{ none }}|`, "True True True |"},
		{`{# a comment #}x{% comment %}hidden {{ nothing }}{% endcomment %}y`, "xy"},
		{`{% autoescape off %}{{ config["user.html"] }}{% endautoescape %} {{ config["user.html"] }} {{ config["user.html"]|escape }}`, "<a&b> <a&b> &lt;a&amp;b&gt;"},
		{`a  {{- " b " -}}  c`, "a b c"},
		{"line\n  {%- if true %} x {%- endif %}\n", "line x\n"},
		{`{{ "q\"uo}}te" }}`, `q"uo}}te`},
		{`{{ 'single' }} {{ forloop }}|`, "single |"},
		{`{% if config_get("limits.cpu", "") == "2" %}two{% endif %}`, "two"},
		{`{% if true && !false || false %}ok{% endif %}`, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.tpl, func(t *testing.T) {
			got, err := Render(context.Background(), tt.tpl, baseContext())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfigGetTrimsTrailingNewlines(t *testing.T) {
	c := baseContext()
	c.Config["user.x"] = "a\nb\n\r\n"
	got, err := Render(context.Background(), `[{{ config_get("user.x", "") }}]`, c)
	if err != nil || got != "[a\nb]" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestRenderErrors(t *testing.T) {
	deep := strings.Repeat("(", 500) + "1" + strings.Repeat(")", 500)
	nested := strings.Repeat("{% if true %}", 200) + strings.Repeat("{% endif %}", 200)
	bomb := `{% for a in s %}{% for b in s %}{% for c in s %}x{% endfor %}{% endfor %}{% endfor %}`
	tests := []struct {
		name, tpl string
	}{
		{"unclosed var", "{{ container.name"},
		{"unclosed block", "{% if true %}x"},
		{"stray endif", "{% endif %}"},
		{"include", `{% include "/etc/shadow" %}`},
		{"import", `{% import "/etc/passwd" x %}`},
		{"extends", `{% extends "/etc/passwd" %}`},
		{"ssi", `{% ssi "/etc/shadow" %}`},
		{"set", `{% set x = 1 %}`},
		{"unknown function", `{{ open("/etc/shadow") }}`},
		{"unknown filter", `{{ x|readfile }}`},
		{"unterminated string", `{{ "abc }}`},
		{"bad char", `{{ a ; b }}`},
		{"trailing tokens", `{{ a b }}`},
		{"deep expression", "{{ " + deep + " }}"},
		{"deep blocks", nested},
		{"division by zero", `{{ 1 / 0 }}`},
		{"compare types", `{{ 1 < "a" }}`},
		{"config_get arity", `{{ config_get("a") }}`},
		{"bad for", `{% for in x %}{% endfor %}`},
		{"step bomb", strings.Replace(bomb, "s", `"`+strings.Repeat("a", 300)+`"`, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(context.Background(), tt.tpl, baseContext())
			if err == nil {
				t.Fatal("rendered without error")
			}
			if api.StatusOf(err) != 400 {
				t.Fatalf("status %d: %v", api.StatusOf(err), err)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	loop := `{% for a in "` + strings.Repeat("a", 100) + `" %}{% for b in "` + strings.Repeat("b", 100) + `" %}x{% endfor %}{% endfor %}`
	if _, err := Render(ctx, loop, baseContext()); err == nil {
		t.Fatal("cancelled render succeeded")
	}
}
