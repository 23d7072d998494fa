// Package idmap holds the user-namespace id mapping logic of unprivileged
// containers: the host's subordinate id ranges (/etc/subuid, /etc/subgid),
// the Set of mappings an instance uses, raw.idmap parsing and merging,
// security.idmap.isolated/base/size allocation, the JSON form LXD stores in
// volatile.idmap.{next,current} and volatile.last_state.idmap, and rendering
// to lxc.idmap lines.
//
// It is pure logic: no root, no syscalls beyond reading the files it is told
// to read. It imports only the standard library and shared/*.
package idmap
