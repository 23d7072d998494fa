package resources

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// hostFS reads host paths ("/sys/...") under a root directory. trace, when
// set, sees every path looked at, so a test can record exactly the files a
// probe needs into a fixture tree.
type hostFS struct {
	root  string
	trace func(path string)
}

// real maps a host path to the file that holds it.
func (f hostFS) real(path string) string {
	if f.trace != nil {
		f.trace(path)
	}
	return filepath.Join(f.root, path)
}

// host maps a path returned by the filesystem back to a host path.
func (f hostFS) host(real string) string {
	rel, err := filepath.Rel(f.root, real)
	if err != nil || strings.HasPrefix(rel, "..") {
		return real
	}
	return "/" + rel
}

// exists reports whether path exists (without following a final symlink).
func (f hostFS) exists(path string) bool {
	_, err := os.Lstat(f.real(path))
	return err == nil
}

// isDir reports whether path is a directory, following symlinks.
func (f hostFS) isDir(path string) bool {
	st, err := os.Stat(f.real(path))
	return err == nil && st.IsDir()
}

func (f hostFS) readFile(path string) ([]byte, error) {
	return os.ReadFile(f.real(path))
}

// readString returns the trimmed content of path.
func (f hostFS) readString(path string) (string, error) {
	b, err := f.readFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// optString returns the trimmed content of path, "" when it does not exist.
func (f hostFS) optString(path string) (string, error) {
	s, err := f.readString(path)
	if err != nil && !os.IsNotExist(err) {
		return "", fmt.Errorf("Failed to read %q: %w", path, err)
	}
	return s, nil
}

func (f hostFS) readUint(path string) (uint64, error) {
	s, err := f.readString(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(s, 10, 64)
}

func (f hostFS) readInt(path string) (int64, error) {
	s, err := f.readString(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// names lists a directory's entries, sorted by name like os.ReadDir.
func (f hostFS) entries(path string) ([]os.DirEntry, error) {
	return os.ReadDir(f.real(path))
}

// resolve follows every symlink in path and returns the host path it ends at.
func (f hostFS) resolve(path string) (string, error) {
	target, err := filepath.EvalSymlinks(f.real(path))
	if err != nil {
		return "", err
	}
	return f.host(target), nil
}

// linkBase returns the last element of the path a symlink resolves to (the
// driver name of a "driver" link, the subsystem of a "subsystem" link).
func (f hostFS) linkBase(path string) (string, error) {
	target, err := f.resolve(path)
	if err != nil {
		return "", fmt.Errorf("Failed to find %q: %w", path, err)
	}
	return filepath.Base(target), nil
}

// hexID reads a sysfs id file ("0x8086") without its prefix.
func (f hostFS) hexID(path string) (string, error) {
	s, err := f.optString(path)
	return strings.TrimPrefix(s, "0x"), err
}

// numaNode reads a device's numa_node file; -1 (no affinity) and a missing
// file both mean node 0.
func (f hostFS) numaNode(devicePath string) (uint64, error) {
	path := filepath.Join(devicePath, "numa_node")
	if !f.exists(path) {
		return 0, nil
	}
	n, err := f.readInt(path)
	if err != nil {
		return 0, fmt.Errorf("Failed to read %q: %w", path, err)
	}
	if n > 0 {
		return uint64(n), nil
	}
	return 0, nil
}

// driver returns the name and version of the driver bound to a device: the
// module's version file, or the running kernel's release for built-in
// drivers and modules without one.
func (f hostFS) driver(devicePath, kernelRelease string) (name, version string, err error) {
	link := filepath.Join(devicePath, "driver")
	if !f.exists(link) {
		return "", "", nil
	}
	if name, err = f.linkBase(link); err != nil {
		return "", "", err
	}
	version, err = f.readString(filepath.Join(link, "module", "version"))
	if err != nil {
		version = kernelRelease
	}
	return name, version, nil
}
