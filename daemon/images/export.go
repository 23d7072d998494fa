package images

import (
	"context"
	"os"
	"time"

	"github.com/lxdng/lxd/shared/api"
)

// Export describes the files of an image for GET /1.0/images/<fp>/export.
type Export struct {
	Fingerprint string
	Type        string
	MetaPath    string
	MetaName    string // unified: "<fp>.tar.xz"; split: "meta-<fp>.tar.xz"
	MetaSize    int64
	RootfsPath  string // "" for a unified image
	RootfsName  string // "<fp>.squashfs", "<fp>.tar.xz", ...
	RootfsPart  string // "rootfs", or "rootfs.img" for a virtual-machine
	ModTime     time.Time
	// Done must be called after the files were sent completely: it
	// consumes the download secret that allowed an untrusted export.
	Done func()
}

// ExportFiles returns the files of image fp of project. An untrusted caller
// (publicOnly) needs a public image or a live download secret; otherwise
// the image does not exist for it.
func (s *Service) ExportFiles(ctx context.Context, project, fp string, publicOnly bool, secret string) (Export, error) {
	row, err := s.row(ctx, project, fp)
	if err == nil && publicOnly && !row.Public && !s.ValidSecret(ctx, project, row.Fingerprint, secret) {
		err = api.NotFound("Image %q not found", fp)
	}
	if err != nil {
		if publicOnly && api.StatusOf(err) == 404 {
			return Export{}, api.NotFound("Image %q not found", fp)
		}
		return Export{}, err
	}
	if s.clustered() {
		if err := s.EnsureLocal(ctx, row.Fingerprint); err != nil {
			return Export{}, err
		}
	}
	metaPath, rootfsPath := s.Files(row.Fingerprint)
	st, err := os.Stat(metaPath)
	if err != nil {
		return Export{}, api.NotFound("Image file of %q not found on this server", row.Fingerprint)
	}
	e := Export{
		Fingerprint: row.Fingerprint, Type: row.Type, MetaPath: metaPath, MetaSize: st.Size(), ModTime: st.ModTime(),
		MetaName: row.Fingerprint + fileExtension(metaPath), Done: func() {},
	}
	if secret != "" {
		e.Done = func() { s.consumeSecret(secret) }
	}
	if rootfsPath != "" {
		e.MetaName = "meta-" + e.MetaName
		e.RootfsPath, e.RootfsName, e.RootfsPart = rootfsPath, row.Fingerprint+fileExtension(rootfsPath), "rootfs"
		if row.Type == api.ImageTypeVirtualMachine {
			e.RootfsPart = "rootfs.img"
		}
	}
	return e, nil
}
