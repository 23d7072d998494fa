package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/client"
)

type fileFlags struct {
	uid, gid  int
	mode      string
	recursive bool
	mkdir     bool
}

func fileCommand(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "file",
		Short: "Manage files in instances",
		RunE:  groupRunE,
	}
	cmd.AddCommand(fileDeleteCommand(a), fileEditCommand(a), fileMountCommand(a), filePullCommand(a), filePushCommand(a))
	return cmd
}

func filePushCommand(a *app) *cobra.Command {
	f := &fileFlags{}
	cmd := &cobra.Command{
		Use:   "push <source path>... [<remote>:]<instance>/<path>",
		Short: "Push files into instances",
		Example: `  lxc file push /etc/hosts foo/etc/hosts
     To push /etc/hosts into the instance "foo".`,
		RunE: withArgCount(2, -1, func(args []string) error {
			return a.filePush(args, f, false)
		}),
	}
	fl := cmd.Flags()
	fl.BoolVarP(&f.recursive, "recursive", "r", false, "Recursively transfer files")
	fl.BoolVarP(&f.mkdir, "create-dirs", "p", false, "Create any directories necessary")
	fl.IntVar(&f.uid, "uid", -1, "Set the file's uid on push``")
	fl.IntVar(&f.gid, "gid", -1, "Set the file's gid on push``")
	fl.StringVar(&f.mode, "mode", "", "Set the file's perms on push``")
	return cmd
}

// pushTarget parses "[<remote>:]<instance>/<path>".
func (a *app) pushTarget(target string) (c *client.Client, inst, p string, isDir bool, err error) {
	spec := strings.SplitN(target, "/", 2)
	if len(spec) != 2 {
		return nil, "", "", false, fmt.Errorf("Invalid target %s", target)
	}
	isDir = strings.HasSuffix(target, "/")
	p = path.Clean("/" + spec[1])
	if strings.HasSuffix(p, "/") {
		isDir = true
	}
	c, inst, err = a.instanceArg(spec[0])
	return c, inst, p, isDir, err
}

// filePush implements `lxc file push` (and the upload of `file edit`,
// which keeps the remote file's owner and mode: keepMode).
func (a *app) filePush(args []string, f *fileFlags, keepMode bool) error {
	c, inst, target, targetIsDir, err := a.pushTarget(args[len(args)-1])
	if err != nil {
		return err
	}
	sources := args[:len(args)-1]
	mode := os.FileMode(0o755)
	if f.mode != "" {
		if len(f.mode) == 3 {
			f.mode = "0" + f.mode
		}
		m, err := strconv.ParseInt(f.mode, 0, 0)
		if err != nil {
			return err
		}
		mode = os.FileMode(m)
	}
	if f.recursive {
		return a.pushRecursive(c, inst, sources, target, f)
	}
	if len(sources) > 1 && !targetIsDir {
		return errors.New("Missing target directory")
	}
	files := make([]*os.File, 0, len(sources))
	for _, name := range sources {
		file := a.stdinFile()
		if name != "-" {
			if file, err = os.Open(filepath.Clean(name)); err != nil {
				return err
			}
			defer file.Close()
		}
		files = append(files, file)
	}
	for _, file := range files {
		p := target
		if targetIsDir {
			p = path.Join(p, path.Base(file.Name()))
		}
		if err := a.pushOne(c, inst, p, file, mode, f, keepMode); err != nil {
			return err
		}
	}
	return nil
}

// stdinFile is stdin as a file ("-" as a push source).
func (a *app) stdinFile() *os.File {
	if f, ok := a.stdin.(*os.File); ok {
		return f
	}
	return os.Stdin
}

// pushOne sends one file; owner and mode default to the local file's.
func (a *app) pushOne(c *client.Client, inst, p string, file *os.File, mode os.FileMode, f *fileFlags, keepMode bool) error {
	fi, err := file.Stat()
	if err != nil {
		return err
	}
	fMode, uid, gid := ownerMode(fi)
	if f.mode == "" {
		mode = fMode
	}
	if f.uid >= 0 {
		uid = f.uid
	}
	if f.gid >= 0 {
		gid = f.gid
	}
	if f.mkdir {
		if err := a.recursiveMkdir(c, inst, path.Dir(p), nil, int64(uid), int64(gid)); err != nil {
			return err
		}
	}
	args := fileArgs{uid: int64(uid), gid: int64(gid), mode: int(mode.Perm()), kind: "file", content: file}
	if keepMode {
		args.uid, args.gid, args.mode = -1, -1, -1
	}
	return createInstanceFile(a, c, inst, p, args)
}

// recursiveMkdir creates the missing directories of p: it probes parents
// with relative GETs ("root/x") until one exists, then POSTs the rest.
func (a *app) recursiveMkdir(c *client.Client, inst, p string, mode *os.FileMode, uid, gid int64) error {
	if p == "/" {
		return nil
	}
	parts := strings.Split(filepath.Clean(p), "/")
	i := len(parts)
	for ; i >= 1; i-- {
		cur := filepath.Join(parts[:i]...)
		body, info, err := getInstanceFile(a, c, inst, cur)
		if err != nil {
			continue
		}
		if body != nil {
			body.Close()
		}
		if info.kind != "directory" {
			return fmt.Errorf("%s is not a directory", cur)
		}
		i++
		break
	}
	for ; i <= len(parts); i++ {
		cur := filepath.Join(parts[:i]...)
		if cur == "" {
			continue
		}
		m := -1
		if mode != nil {
			m = int(mode.Perm())
		}
		if err := createInstanceFile(a, c, inst, "/"+cur, fileArgs{uid: uid, gid: gid, mode: m, kind: "directory"}); err != nil {
			return err
		}
	}
	return nil
}

// pushRecursive walks each source tree and POSTs directories, files and
// symlinks (as links) under target.
func (a *app) pushRecursive(c *client.Client, inst string, sources []string, target string, f *fileFlags) error {
	if f.uid != -1 || f.gid != -1 || f.mode != "" {
		return errors.New("Can't supply uid/gid/mode in recursive mode")
	}
	if f.mkdir {
		fi, err := os.Stat(sources[0])
		if err != nil {
			return err
		}
		mode, uid, gid := ownerMode(fi)
		if err := a.recursiveMkdir(c, inst, target, &mode, int64(uid), int64(gid)); err != nil {
			return err
		}
	}
	for _, src := range sources {
		src = filepath.Clean(src)
		dir, _ := filepath.Split(src)
		err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return fmt.Errorf("Failed to walk path for %s: %s", p, err)
			}
			return a.pushEntry(c, inst, p, path.Join(target, filepath.ToSlash(p[len(dir):])), fi)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *app) pushEntry(c *client.Client, inst, local, remote string, fi os.FileInfo) error {
	mode, uid, gid := ownerMode(fi)
	args := fileArgs{uid: int64(uid), gid: int64(gid), mode: int(mode.Perm())}
	switch {
	case fi.IsDir():
		args.kind = "directory"
	case fi.Mode()&os.ModeSymlink != 0:
		link, err := os.Readlink(local)
		if err != nil {
			return err
		}
		args.kind, args.content = "symlink", symlinkBody(link)
	case fi.Mode().IsRegular():
		file, err := os.Open(local)
		if err != nil {
			return err
		}
		defer file.Close()
		args.kind, args.content = "file", file
	default:
		return fmt.Errorf("'%s' isn't a supported file type", local)
	}
	return createInstanceFile(a, c, inst, remote, args)
}

func filePullCommand(a *app) *cobra.Command {
	f := &fileFlags{}
	cmd := &cobra.Command{
		Use:   "pull [<remote>:]<instance>/<path> [[<remote>:]<instance>/<path>...] <target path>",
		Short: "Pull files from instances",
		Example: `  lxc file pull foo/etc/hosts .
     To pull /etc/hosts from the instance and write it to the current directory.`,
		RunE: withArgCount(2, -1, func(args []string) error {
			return a.filePull(args, f)
		}),
	}
	cmd.Flags().BoolVarP(&f.recursive, "recursive", "r", false, "Recursively transfer files")
	cmd.Flags().BoolVarP(&f.mkdir, "create-dirs", "p", false, "Create any directories necessary")
	return cmd
}

// filePull implements `lxc file pull`: into a file, a directory or "-".
func (a *app) filePull(args []string, f *fileFlags) error {
	last := args[len(args)-1]
	target := filepath.Clean(last)
	sources := args[:len(args)-1]
	targetIsDir := false
	st, err := os.Stat(target)
	switch {
	case err != nil && !os.IsNotExist(err):
		return err
	case err == nil:
		targetIsDir = st.IsDir()
		if !targetIsDir && len(sources) > 1 {
			return errors.New("More than one file to download, but target is not a directory")
		}
	case strings.HasSuffix(last, "/") || len(sources) > 1 || f.recursive:
		if err := os.MkdirAll(target, 0o755); err != nil {
			return err
		}
		targetIsDir = true
	case f.mkdir:
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
	}
	for _, src := range sources {
		if err := a.pullOne(src, target, targetIsDir, f.recursive); err != nil {
			return err
		}
	}
	return nil
}

func (a *app) pullOne(src, target string, targetIsDir, recursive bool) error {
	remote, name, err := a.parseRemote(src)
	if err != nil {
		return err
	}
	spec := strings.SplitN(name, "/", 2)
	if len(spec) != 2 {
		return fmt.Errorf("Invalid source %s", name)
	}
	c, err := a.connect(remote)
	if err != nil {
		return err
	}
	body, info, err := getInstanceFile(a, c, spec[0], spec[1])
	if err != nil {
		return err
	}
	if body != nil {
		defer body.Close()
	}
	if info.kind == "directory" {
		if !recursive {
			return errors.New("Can't pull a directory without --recursive")
		}
		if err := os.MkdirAll(target, 0o755); err != nil {
			return err
		}
		return a.pullRecursive(c, spec[0], spec[1], target)
	}
	p := target
	if targetIsDir {
		p = filepath.Join(target, filepath.Base(spec[1]))
	}
	return writePulled(a, p, body, info)
}

// writePulled stores a pulled file (with its mode) or symlink locally;
// "-" writes the content to stdout.
func writePulled(a *app, p string, body io.Reader, info *fileInfo) error {
	if info.kind == "symlink" {
		link, err := io.ReadAll(body)
		if err != nil {
			return err
		}
		return os.Symlink(strings.TrimSpace(string(link)), p)
	}
	if info.kind != "file" {
		return fmt.Errorf("Unknown file type '%s'", info.kind)
	}
	if p == "-" {
		_, err := io.Copy(a.stdout, body)
		return err
	}
	out, err := os.Create(p)
	if err != nil {
		return err
	}
	defer out.Close()
	if err := os.Chmod(p, info.mode); err != nil {
		return err
	}
	_, err = io.Copy(out, body)
	return err
}

// pullRecursive fetches p into dir/<base of p>, descending directories in
// the order the server lists them.
func (a *app) pullRecursive(c *client.Client, inst, p, dir string) error {
	body, info, err := getInstanceFile(a, c, inst, p)
	if err != nil {
		return err
	}
	if body != nil {
		defer body.Close()
	}
	target := filepath.Join(dir, filepath.Base(p))
	if info.kind != "directory" {
		return writePulled(a, target, body, info)
	}
	if err := os.Mkdir(target, info.mode); err != nil {
		return err
	}
	for _, entry := range info.entries {
		if err := a.pullRecursive(c, inst, path.Join(p, entry), target); err != nil {
			return err
		}
	}
	return nil
}

func fileDeleteCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "delete [<remote>:]<instance>/<path> [[<remote>:]<instance>/<path>...]",
		Aliases: []string{"rm"},
		Short:   "Delete files in instances",
		RunE: withArgCount(1, -1, func(args []string) error {
			for _, arg := range args {
				remote, name, err := a.parseRemote(arg)
				if err != nil {
					return err
				}
				spec := strings.SplitN(name, "/", 2)
				if len(spec) != 2 {
					return fmt.Errorf("Invalid path %s", name)
				}
				c, err := a.connect(remote)
				if err != nil {
					return err
				}
				if err := deleteInstanceFile(a, c, spec[0], spec[1]); err != nil {
					return err
				}
			}
			return nil
		}),
	}
}

func fileEditCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "edit [<remote>:]<instance>/<path>",
		Short: "Edit files in instances",
		RunE: withArgCount(1, 1, func(args []string) error {
			f := &fileFlags{uid: -1, gid: -1}
			if !isTerminal(a.stdin) {
				return a.filePush([]string{"-", args[0]}, f, true)
			}
			tmp, err := os.CreateTemp("", "lxd_file_edit_")
			if err != nil {
				return err
			}
			name := tmp.Name()
			tmp.Close()
			os.Remove(name)
			defer os.Remove(name)
			if err := a.filePull([]string{args[0], name}, f); err != nil {
				return err
			}
			if err := editFileInPlace(name); err != nil {
				return err
			}
			return a.filePush([]string{name, args[0]}, f, true)
		}),
	}
}

// editFileInPlace opens a local file in the user's editor.
func editFileInPlace(name string) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	edited, err := textEditor(string(data))
	if err != nil {
		return err
	}
	return os.WriteFile(name, edited, 0o600)
}

func fileMountCommand(a *app) *cobra.Command {
	var authUser, listen string
	var noAuth bool
	cmd := &cobra.Command{
		Use:   "mount [<remote>:]<instance>[/<path>] [<target path>]",
		Short: "Mount files from instances",
		Example: `  lxc file mount foo/root fooroot
     To mount /root from the instance foo onto the local fooroot directory.`,
		RunE: withArgCount(1, 2, func(args []string) error {
			return errors.New("lxc file mount isn't supported by this client (it needs the SFTP API)")
		}),
	}
	cmd.Flags().StringVar(&authUser, "auth-user", "", "Set authentication user when using SSH SFTP listener")
	cmd.Flags().StringVar(&listen, "listen", "", "Setup SSH SFTP listener on address:port instead of mounting")
	cmd.Flags().BoolVar(&noAuth, "no-auth", false, "Disable authentication when using SSH SFTP listener")
	return cmd
}
