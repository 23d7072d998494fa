package images

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"strconv"
	"time"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/daemon/images/imagefile"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/revert"
)

// ImportOpts are the settings of a new image beyond its files.
type ImportOpts struct {
	Project    string // as requested; resolved through features.images
	Filename   string
	Public     bool
	AutoUpdate bool
	// Properties are merged over those of metadata.yaml.
	Properties map[string]string
	// Profiles default to ["default"].
	Profiles []string
	// ExpiresAt overrides metadata.yaml's expiry_date when set.
	ExpiresAt time.Time
	Aliases   []api.ImageAlias
	// Fingerprint, when set, must be the fingerprint of the files.
	Fingerprint string
	// Source is recorded as update_source (copies from another server).
	Source map[string]string
	// CreatedAt overrides metadata.yaml's creation_date when set.
	CreatedAt time.Time
	Cached    bool
}

// UploadRequest is an image upload (POST /1.0/images with a file body).
type UploadRequest struct {
	ImportOpts
	Body        io.Reader
	ContentType string
	// Secret is the X-LXD-secret of a push from another server: the
	// settings of the push token replace ImportOpts.
	Secret string
}

// Upload receives the body into staging (during the request, as LXD does:
// the 202 follows the upload) and starts the "Downloading image" operation
// that checks, records and stores it.
func (s *Service) Upload(ctx context.Context, req UploadRequest) (*operations.Op, error) {
	var push *token
	if req.Secret != "" {
		tok, err := s.pushToken(req.Secret, req.Fingerprint)
		if err != nil {
			return nil, err
		}
		push = tok
		req.ImportOpts = tok.push
		req.ImportOpts.Fingerprint = tok.fingerprint
	}
	st, err := s.newStaging()
	if err != nil {
		return nil, err
	}
	if err := receive(ctx, st, req.Body, req.ContentType); err != nil {
		st.remove()
		return nil, err
	}
	if req.Filename == "" {
		req.Filename = st.metaName
	}
	who := request.From(ctx)
	spec := operations.Spec{Project: req.Project, Description: "Downloading image"}
	if push != nil {
		// The untrusted uploader waits on the operation with this secret,
		// as LXD's image push does.
		secret, err := newSecret()
		if err != nil {
			st.remove()
			return nil, err
		}
		spec.Metadata = map[string]any{"secret": secret}
	}
	op, err := s.o.Ops.Start(ctx, spec,
		func(ctx context.Context, op *operations.Op) error {
			defer st.remove()
			_, err := s.importStaged(ctx, op, st, req.ImportOpts, who)
			if err == nil && push != nil {
				s.completeToken(push)
			}
			return err
		})
	if err != nil {
		st.remove()
	}
	return op, err
}

// receive streams a raw (unified) or multipart (split) body into st.
func receive(ctx context.Context, st *staging, body io.Reader, contentType string) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "multipart/form-data" {
		return st.writeMeta(ctx, body)
	}
	mr := multipart.NewReader(body, params["boundary"])
	part, err := mr.NextPart()
	if err != nil {
		return api.BadRequest("Invalid multipart image upload: %w", err)
	}
	if part.FormName() != "metadata" {
		return api.BadRequest("Invalid multipart image file")
	}
	st.metaName = part.FileName()
	if err := st.writeMeta(ctx, part); err != nil {
		return err
	}
	part, err = mr.NextPart()
	if err != nil {
		return api.BadRequest("Invalid multipart image upload: %w", err)
	}
	if name := part.FormName(); name != "rootfs" && name != "rootfs.img" {
		return api.BadRequest("Invalid multipart image file")
	}
	st.rootfsName, st.rootfsPart = part.FileName(), part.FormName()
	return st.writeRootfs(ctx, part)
}

// importStaged turns staged files into an image of o.Project: fingerprint
// check, duplicate check, content checks, then files and row together.
func (s *Service) importStaged(ctx context.Context, op *operations.Op, st *staging, o ImportOpts, who *request.Requestor) (api.Image, error) {
	fp, size := st.fp.Sum(), st.fp.Size()
	if o.Fingerprint != "" && o.Fingerprint != fp {
		return api.Image{}, api.BadRequest("fingerprints don't match, got %s expected %s", fp, o.Fingerprint)
	}
	if op != nil {
		op.SetMetadata(map[string]any{"fingerprint": fp, "size": strconv.FormatInt(size, 10)})
	}
	project, err := s.resolveProject(ctx, o.Project)
	if err != nil {
		return api.Image{}, err
	}
	if _, err := s.row(ctx, project, fp); err == nil {
		return api.Image{}, api.Conflict("Image with same fingerprint already exists")
	}
	meta, typ, err := checkFiles(ctx, st)
	if err != nil {
		return api.Image{}, err
	}
	row := newRow(project, fp, size, meta, typ, o)
	if row.Filename == "" {
		row.Filename = st.metaName
	}
	img, err := s.store(ctx, st, row, o)
	if err != nil {
		return api.Image{}, err
	}
	s.replicate(ctx, fp)
	s.emit(project, "image-created", imageURL(fp, project), map[string]any{"type": typ}, who)
	for _, a := range o.Aliases {
		s.emit(project, "image-alias-created", aliasURL(a.Name, project), map[string]any{"target": fp}, who)
	}
	return img, nil
}

func (s *Service) resolveProject(ctx context.Context, project string) (string, error) {
	var out string
	err := s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		out, err = imageProject(ctx, tx, project)
		return err
	})
	return out, err
}

// store commits the files and inserts the row (and aliases) as one step:
// if the row cannot be written, the files it placed are removed.
func (s *Service) store(ctx context.Context, st *staging, row db.Image, o ImportOpts) (api.Image, error) {
	s.filesMu.Lock()
	defer s.filesMu.Unlock()
	rev := revert.New()
	defer rev.Fail()
	undo, err := s.commitFiles(st, row.Fingerprint)
	if err != nil {
		return api.Image{}, err
	}
	rev.Add(undo)
	var out db.Image
	err = s.o.DB.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		pp, err := profileProject(ctx, tx, o.Project)
		if err != nil {
			return err
		}
		id, err := tx.CreateImage(ctx, row, pp, s.o.Self.ID())
		if err != nil {
			return err
		}
		for _, a := range o.Aliases {
			if _, err := tx.CreateImageAlias(ctx, row.Project, a.Name, id, a.Description); err != nil {
				return err
			}
		}
		out, err = tx.ImageByFingerprintPrefix(ctx, row.Project, row.Fingerprint)
		return err
	})
	if err != nil {
		return api.Image{}, err
	}
	rev.Success()
	return render(out), nil
}

// newRow builds the row of a new image from its metadata and options.
func newRow(project, fp string, size int64, meta imagefile.Metadata, typ string, o ImportOpts) db.Image {
	props := map[string]string{}
	for k, v := range meta.Properties {
		props[k] = v
	}
	for k, v := range o.Properties {
		props[k] = v
	}
	profiles := o.Profiles
	if profiles == nil {
		profiles = []string{"default"}
	}
	row := db.Image{
		Project: project, Fingerprint: fp, Filename: o.Filename, Size: size, Public: o.Public, AutoUpdate: o.AutoUpdate,
		Cached: o.Cached, Architecture: normaliseArch(meta.Architecture), Type: typ,
		CreatedAt: db.NullTime{Time: unixTime(meta.CreationDate)}, ExpiresAt: db.NullTime{Time: unixTime(meta.ExpiryDate)},
		UploadedAt: db.NullTime{Time: time.Now().UTC()}, Properties: props, Source: o.Source, Profiles: profiles,
	}
	if !o.CreatedAt.IsZero() {
		row.CreatedAt.Time = o.CreatedAt.UTC()
	}
	if t := unixZero(o.ExpiresAt); !t.IsZero() {
		row.ExpiresAt.Time = t
	}
	return row
}

func unixTime(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

// normaliseArch maps distribution architecture names to the kernel names
// LXD stores.
func normaliseArch(a string) string {
	switch a {
	case "amd64", "x64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "i386", "i586", "i486", "x86":
		return "i686"
	case "armhf", "armel", "arm":
		return "armv7l"
	case "ppc64el":
		return "ppc64le"
	}
	return a
}

var qcow2Magic = []byte{'Q', 'F', 'I', 0xfb}

// checkFiles applies imagefile.Check to the staged files and returns the
// metadata and the image type (a split image whose rootfs is a qcow2 disk,
// or sent as "rootfs.img", is a virtual-machine image).
func checkFiles(ctx context.Context, st *staging) (imagefile.Metadata, string, error) {
	opts := imagefile.UnpackOpts{Layout: imagefile.LayoutImage}
	meta, _, err := imagefile.CheckFile(ctx, st.meta, opts)
	if err != nil {
		return meta, "", err
	}
	if !st.split() {
		return meta, api.ImageTypeContainer, nil
	}
	head, err := fileHead(st.rootfs, 4)
	if err != nil {
		return meta, "", err
	}
	if bytes.Equal(head, qcow2Magic) {
		return meta, api.ImageTypeVirtualMachine, nil
	}
	if st.rootfsPart == "rootfs.img" {
		return meta, "", api.BadRequest("Invalid virtual-machine image: the rootfs is not a qcow2 disk")
	}
	opts.Layout = imagefile.LayoutRootfs
	if _, _, err := imagefile.CheckFile(ctx, st.rootfs, opts); err != nil {
		return meta, "", err
	}
	return meta, api.ImageTypeContainer, nil
}

func fileHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head, err := bufio.NewReader(f).Peek(n)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	return head, nil
}

// fileExtension names a stored image file after its content, as LXD's
// export does (".tar.xz", ".squashfs", ...).
func fileExtension(path string) string {
	head, err := fileHead(path, 6)
	if err != nil {
		return ""
	}
	if imagefile.IsSquashfs(head) {
		return ".squashfs"
	}
	if bytes.Equal(head[:min(4, len(head))], qcow2Magic) {
		return ".img"
	}
	switch imagefile.DetectCompression(head) {
	case imagefile.CompressionGzip:
		return ".tar.gz"
	case imagefile.CompressionXZ:
		return ".tar.xz"
	case imagefile.CompressionBzip2:
		return ".tar.bz2"
	case imagefile.CompressionLZMA:
		return ".tar.lzma"
	case imagefile.CompressionZstd:
		return ".tar.zst"
	}
	return ".tar"
}
