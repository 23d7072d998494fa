// Package templates renders LXD image templates into an instance's root
// filesystem on create, copy, start and rename.
//
// It owns a small template engine for the pongo2 (Jinja-like) subset that
// real images use (distrobuilder's hostname, hosts and cloud-init
// templates):
//
//	{{ expr }}  {{- expr -}}  {% if %}/{% elif %}/{% else %}/{% endif %}
//	{% for x in seq %}/{% for k, v in map %}/{% empty %}/{% endfor %}
//	{% autoescape off %}...{% endautoescape %} (output is never escaped)
//	{# comments #}
//
// Expressions: string/number/bool/none literals, dotted and [] lookups,
// and, or, not, ==, !=, <, <=, >, >=, in, not in, + - * / %, parentheses,
// config_get("key", "default") and filters (default, default_if_none,
// lower, upper, capfirst, title, length, join, first, last, safe, escape,
// trim). Template text can never reach host files: there is no include,
// import, extends or ssi, and execution is bounded in steps and output size.
//
// Apply reads template files from the image's templates directory with
// openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) (a symlinked template is
// refused) and writes results through daemon/instances/rootfs, so a target
// path or a symlink inside the container can never lead outside its root.
//
// Imports: standard library, golang.org/x/sys/unix, shared/api,
// daemon/images/imagefile (metadata types), daemon/instances/rootfs.
package templates
