// Package images is the image store service: the files of every image held
// by this server, their database records (images, images_members,
// images_profiles, images_aliases), and the ways images arrive and leave.
//
// Files are stored once per server, whatever the number of projects that
// list the image: $LXD_DIR/images/<fingerprint> (the unified tarball, or
// the metadata half of a split image) and <fingerprint>.rootfs (the rootfs
// half). They are written to a staging directory under images/ while being
// hashed, checked with imagefile.Check (hostile archives are refused before
// the image is accepted), and renamed into place; a failed import leaves
// neither a file nor a row. Nothing is ever held in memory whole.
//
// Arrivals: uploads (raw unified body or multipart split), copies from
// another LXD-protocol server in pull mode (we download with a secret) and
// push mode (we hand out a secret and the source uploads), refreshes of
// auto_update images from their recorded source, and publishing of
// instances through the Publisher hook the instance service implements.
// Departures: export (the exact bytes imported), pushes to another server,
// deletion, and pruning of expired cached images.
//
// Images belong to a project only when the project has features.images=true;
// otherwise they live in the default project.
//
// For the instance service: Image, Files, UnpackInto, MarkUsed and the
// Publisher hook (see instances.go).
//
// Imports: cluster (live member identity), cluster/db, daemon/operations,
// daemon/request,
// daemon/images/imagefile, shared/*.
package images
