package api

import "time"

// Image types.
const (
	ImageTypeContainer      = "container"
	ImageTypeVirtualMachine = "virtual-machine"
)

// ImagePut is the editable part of an image. ETag: sha256 of the JSON of
// [public, auto_update, properties].
type ImagePut struct {
	AutoUpdate bool              `json:"auto_update" yaml:"auto_update"`
	Properties map[string]string `json:"properties" yaml:"properties"`
	Public     bool              `json:"public" yaml:"public"`
	// ExpiresAt is 1970-01-01T00:00:00Z when the image does not expire
	// (images_expiry).
	ExpiresAt time.Time `json:"expires_at" yaml:"expires_at"`
	// Profiles are applied to instances created from the image
	// (image_profiles).
	Profiles []string `json:"profiles" yaml:"profiles"`
}

// Image is an image as GET /1.0/images/<fingerprint> returns it. Field
// order is LXD's wire order.
type Image struct {
	ImagePut     `yaml:",inline"`
	Aliases      []ImageAlias `json:"aliases" yaml:"aliases"`
	Architecture string       `json:"architecture" yaml:"architecture"`
	Cached       bool         `json:"cached" yaml:"cached"`
	Filename     string       `json:"filename" yaml:"filename"`
	Fingerprint  string       `json:"fingerprint" yaml:"fingerprint"`
	Size         int64        `json:"size" yaml:"size"`
	// UpdateSource is where auto_update refreshes the image from; absent
	// for uploaded images.
	UpdateSource *ImageSource `json:"update_source,omitempty" yaml:"update_source,omitempty"`
	Type         string       `json:"type" yaml:"type"`
	CreatedAt    time.Time    `json:"created_at" yaml:"created_at"`
	// LastUsedAt is 0001-01-01T00:00:00Z until an instance uses the image.
	LastUsedAt time.Time `json:"last_used_at" yaml:"last_used_at"`
	UploadedAt time.Time `json:"uploaded_at" yaml:"uploaded_at"`
}

// Writable returns the editable part.
func (i Image) Writable() ImagePut { return i.ImagePut }

// ImageAlias is an alias as listed inside an image.
type ImageAlias struct {
	Name        string `json:"name" yaml:"name"`
	Description string `json:"description" yaml:"description"`
}

// ImageSource is the remote an image came from.
type ImageSource struct {
	Alias       string `json:"alias" yaml:"alias"`
	Certificate string `json:"certificate" yaml:"certificate"`
	Protocol    string `json:"protocol" yaml:"protocol"`
	Server      string `json:"server" yaml:"server"`
	ImageType   string `json:"image_type" yaml:"image_type"`
}

// ImagesPost creates an image: from an upload (then the body is the image
// and these fields come from X-LXD-* headers), from another server
// (Source.Type "image"), by publishing an instance or snapshot, or from a
// URL.
type ImagesPost struct {
	ImagePut `yaml:",inline"`
	Filename string            `json:"filename" yaml:"filename"`
	Source   *ImagesPostSource `json:"source" yaml:"source"`
	// CompressionAlgorithm overrides images.compression_algorithm when
	// publishing (image_compression_algorithm).
	CompressionAlgorithm string `json:"compression_algorithm" yaml:"compression_algorithm"`
	// Aliases are created with the image (image_create_aliases).
	Aliases []ImageAlias `json:"aliases" yaml:"aliases"`
}

// ImagesPostSource says where a new image comes from.
type ImagesPostSource struct {
	ImageSource `yaml:",inline"`
	// Mode is "pull" (default: the target downloads from Server) or "push"
	// (the target hands out a secret and waits for the source to upload).
	Mode string `json:"mode" yaml:"mode"`
	// Type is "image", "instance", "snapshot", "container" or "url".
	Type        string `json:"type" yaml:"type"`
	URL         string `json:"url" yaml:"url"`
	Name        string `json:"name" yaml:"name"`
	Fingerprint string `json:"fingerprint" yaml:"fingerprint"`
	Secret      string `json:"secret" yaml:"secret"`
	// Project is the source server's project (image_source_project).
	Project string `json:"project" yaml:"project"`
}

// ImageExportPost asks a server to push one of its images to another
// server (images_push_relay).
type ImageExportPost struct {
	Target      string       `json:"target" yaml:"target"`
	Secret      string       `json:"secret" yaml:"secret"`
	Certificate string       `json:"certificate" yaml:"certificate"`
	Aliases     []ImageAlias `json:"aliases" yaml:"aliases"`
	// Project is the target server's project (images_target_project).
	Project  string   `json:"project" yaml:"project"`
	Profiles []string `json:"profiles" yaml:"profiles"`
}

// ImageAliasesEntryPut is the editable part of an alias.
type ImageAliasesEntryPut struct {
	Description string `json:"description" yaml:"description"`
	Target      string `json:"target" yaml:"target"`
}

// ImageAliasesEntry is an alias as GET /1.0/images/aliases/<name> returns
// it. Its ETag is sha256 of the JSON of the whole object.
type ImageAliasesEntry struct {
	ImageAliasesEntryPut `yaml:",inline"`
	Name                 string `json:"name" yaml:"name"`
	Type                 string `json:"type" yaml:"type"`
}

// ImageAliasesPost creates an alias.
type ImageAliasesPost struct {
	ImageAliasesEntry `yaml:",inline"`
}

// ImageAliasesEntryPost renames an alias.
type ImageAliasesEntryPost struct {
	Name string `json:"name" yaml:"name"`
}
