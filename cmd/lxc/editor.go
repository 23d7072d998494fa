package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/sys/unix"
	"gopkg.in/yaml.v2"
)

// editYAML is the shared flow of the `edit` commands. When stdin is not a
// terminal the YAML is read from it and applied once (fromStdin=true).
// Otherwise header+current is opened in the user's editor and applied; on
// an error the message is shown and the editor reopens (Ctrl+C aborts), as
// LXD's client does.
func (a *app) editYAML(header string, current []byte, apply func(data []byte, fromStdin bool) error) error {
	if !isTerminal(a.stdin) {
		data, err := io.ReadAll(a.stdin)
		if err != nil {
			return fmt.Errorf("Can't read from stdin: %w", err)
		}
		return apply(data, true)
	}
	content, err := textEditor(header + "\n" + string(current))
	if err != nil {
		return err
	}
	reader := bufio.NewReader(a.stdin)
	for {
		err := apply(content, false)
		if err == nil {
			return nil
		}
		fmt.Fprintf(a.stderr, "Config parsing error: %s\n", err)
		fmt.Fprintln(a.stdout, "Press enter to open the editor again or ctrl+c to abort change")
		if _, err := reader.ReadString('\n'); err != nil {
			return err
		}
		if content, err = textEditor(string(content)); err != nil {
			return err
		}
	}
}

// objectEdit is what an `edit` command says about its object: how to GET
// what the editor shows and how to PUT the edited YAML, decoded into P.
type objectEdit[P any] struct {
	header string
	// getWhenPiped: GET the object even when the YAML comes from stdin (as
	// LXD's storage, trust and server edits do, so a missing object fails
	// before stdin is read). The ETag is only sent for editor changes.
	getWhenPiped bool
	get          func() (shown any, etag string, err error)
	put          func(put P, etag string) error
}

// editObject runs the edit flow of editYAML for one object: the YAML is
// decoded into P and written with the ETag of the GET, or with none when
// it was piped in.
func editObject[P any](a *app, e objectEdit[P]) error {
	var current []byte
	etag := ""
	if e.getWhenPiped || isTerminal(a.stdin) {
		shown, tag, err := e.get()
		if err != nil {
			return err
		}
		if current, err = yaml.Marshal(shown); err != nil {
			return err
		}
		etag = tag
	}
	return a.editYAML(e.header, current, func(data []byte, fromStdin bool) error {
		var put P
		if err := yaml.Unmarshal(data, &put); err != nil {
			return err
		}
		if fromStdin {
			return e.put(put, "")
		}
		return e.put(put, etag)
	})
}

// textEditor opens content in $VISUAL, $EDITOR or the first of
// editor/vi/emacs/nano found, and returns the saved text.
func textEditor(content string) ([]byte, error) {
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		for _, name := range []string{"editor", "vi", "emacs", "nano"} {
			if _, err := exec.LookPath(name); err == nil {
				editor = name
				break
			}
		}
	}
	if editor == "" {
		return nil, errors.New("No text editor found, please set the EDITOR environment variable")
	}
	f, err := os.CreateTemp("", "lxd_editor_*.yaml")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	// $EDITOR may carry arguments ("code -w"): let the shell split it.
	cmd := exec.Command("sh", "-c", editor+` "$1"`, "editor", f.Name())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("Failed to run the editor %q: %w", editor, err)
	}
	data, err := os.ReadFile(f.Name())
	if err != nil {
		return nil, err
	}
	return stripComments(data), nil
}

// stripComments drops the "#" lines of the edit header.
func stripComments(data []byte) []byte {
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		out.WriteString(line)
	}
	return out.Bytes()
}

// isTerminal reports whether r is a terminal (a tty file descriptor).
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// readPassword reads a line from stdin without echo when it is a terminal.
func (a *app) readPassword() (string, error) {
	f, ok := a.stdin.(*os.File)
	if ok && isTerminal(f) {
		fd := int(f.Fd())
		old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err == nil {
			quiet := *old
			quiet.Lflag &^= unix.ECHO
			quiet.Lflag |= unix.ICANON | unix.ISIG
			if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err == nil {
				defer unix.IoctlSetTermios(fd, unix.TCSETS, old)
			}
		}
	}
	return a.readLine()
}

// readLine reads one line of stdin without its newline; EOF before any
// input is an error ("EOF", as LXD prints).
func (a *app) readLine() (string, error) {
	var sb strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := a.stdin.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				return strings.TrimSuffix(sb.String(), "\r"), nil
			}
			sb.WriteByte(buf[0])
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) && sb.Len() > 0 {
				return sb.String(), nil
			}
			return "", err
		}
	}
}
