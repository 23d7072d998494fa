package rootfs

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
)

// FuzzPaths runs every operation on fuzzed paths and link targets inside
// the hostile fixture; the outside sentinel must never change (checked by
// newHostile's cleanup) and nothing may panic.
//
//	go test -run XXX -fuzz FuzzPaths -fuzztime 60s ./daemon/instances/rootfs/
func FuzzPaths(f *testing.F) {
	for _, s := range [][2]string{
		{"/abs-outside/secret", "/etc/shadow"},
		{"/up/../../outside/x", "../../../../.."},
		{"root/dangle-host", "@OUT@"},
		{"/etc/deep-up", "/"},
		{"/sbin/init/../../up/x", "@OUT@/secret"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, p, target string) {
		h := newHostile(t)
		r := openRoot(t, h.root)
		ctx := context.Background()
		target = strings.ReplaceAll(target, "@OUT@", h.outside)
		p = strings.ReplaceAll(p, "@OUT@", h.outside)
		uid, gid := int64(os.Geteuid()), int64(os.Getegid())
		_, _ = r.Stat(ctx, p)
		if f, err := r.Open(ctx, p); err == nil {
			b, _ := io.ReadAll(f)
			f.Close()
			if string(b) == "host secret" {
				t.Fatalf("read the host secret through %q", p)
			}
		}
		_, _ = r.ReadDir(ctx, p)
		_, _ = r.ReadLink(ctx, p)
		_ = r.Symlink(ctx, target, p, uid, gid)
		_ = r.WriteFile(ctx, p, strings.NewReader("pwned"), WriteOpts{UID: uid, GID: gid})
		_ = r.WriteFile(ctx, p+"/x", strings.NewReader("pwned"), WriteOpts{UID: uid, GID: gid, Append: true})
		_ = r.MkdirAll(ctx, p, uid, gid, 0o755)
		_ = r.Mkdir(ctx, p, uid, gid, 0o755)
		_ = r.Remove(ctx, p)
	})
}
