//go:build integration

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/lxdng/lxd/daemon/daemontest"
)

// exec, file and console: our lxc next to the real one on the same
// running instance.

func TestInstanceExecLikeRealClient(t *testing.T) {
	bothKinds(t, func(t *testing.T, d *daemontest.Daemon) {
		c, stopped := instName(t), instName(t)
		cleanupInstances(t, d, c, stopped)
		mustReal(t, d, "launch", "busybox", c, "-q")
		mustReal(t, d, "init", "busybox", stopped, "-q")
		big := strings.Repeat("0123456789abcdef", 65536) // 1 MiB
		tests := []struct {
			stdin string
			args  []string
		}{
			{"", []string{"exec", c, "--", "sh", "-c", "exit 7"}},
			{"", []string{"exec", c, "--", "nosuch"}},
			{"", []string{"exec", c, "--", "sh", "-c", "kill -9 $$"}},
			{"", []string{"exec", c, "-t", "-T", "--", "true"}},
			{"", []string{"exec", c, "--mode", "interactive", "-t", "--", "true"}},
			{"", []string{"exec", c, "--env", "A=1", "--env", "B", "--cwd", "/tmp", "--user", "1000", "--group", "1000",
				"--", "sh", "-c", "echo $A-$B; pwd; id"}},
			{"hello\nworld\n", []string{"exec", c, "--", "sh", "-c", "cat; echo err >&2; exit 3"}},
			{"data", []string{"exec", c, "-n", "--", "cat"}},
			{big, []string{"exec", c, "--", "wc", "-c"}},
			{big, []string{"exec", c, "--", "md5sum"}},
			{"", []string{"exec", c, "--", "sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x | md5sum; head -c 300000 /dev/zero | tr '\\0' y"}},
			{"", []string{"exec", c, "ls", "-la"}},
			{"", []string{"exec", stopped, "--", "true"}},
			{"", []string{"exec", "nosuch-" + c, "--", "true"}},
			{"", []string{"exec", c}},
		}
		for _, tt := range tests {
			real := withStdin(t, d, "/usr/bin/lxc", tt.stdin, tt.args...)
			ours := withStdin(t, d, daemontest.Binary(t, "lxc"), tt.stdin, tt.args...)
			if real != ours {
				t.Errorf("lxc %s differs:\nreal: %s\nours: %s", strings.Join(tt.args, " "), shortDescribe(real), shortDescribe(ours))
			}
		}
		// SIGTERM to the client is forwarded to the command (non-interactive).
		for _, bin := range []string{"/usr/bin/lxc", daemontest.Binary(t, "lxc")} {
			out, code := signalledExec(t, d, bin, c)
			if out != "ready\ngot-TERM\n" || code != 9 {
				t.Errorf("%s: signal forwarding: output %q exit %d", bin, out, code)
			}
		}
	})
}

func shortDescribe(r daemontest.Result) string {
	if len(r.Stdout) > 300 {
		r.Stdout = r.Stdout[:300] + fmt.Sprintf("... (%d bytes)", len(r.Stdout))
	}
	return describe(r)
}

// signalledExec runs a command that traps TERM, sends SIGTERM to the client
// once the command is ready and returns the output and exit code.
func signalledExec(t *testing.T, d *daemontest.Daemon, bin, inst string) (string, int) {
	t.Helper()
	cmd := exec.Command(bin, "exec", inst, "--", "sh", "-c",
		`trap "echo got-TERM; exit 9" TERM; echo ready; while true; do sleep 0.1; done`)
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir, "LXD_CONF="+d.ConfDir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(stdout)
	first, err := r.ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("no ready line: %v", err)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	rest, _ := io.ReadAll(r)
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return first + string(rest), cmd.ProcessState.ExitCode()
}

// writeTree makes dir/{a.txt 0644, link -> a.txt, sub/b.txt 0600}.
func writeTree(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name, content string
		mode          os.FileMode
	}{{"a.txt", "one\n", 0o644}, {"sub/b.txt", "two\n", 0o600}} {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(f.content), f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a.txt", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
}

// localTree lists a local tree: relative path, type, mode, content/target.
func localTree(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		line := fmt.Sprintf("%s %s %o", rel, fi.Mode().Type(), fi.Mode().Perm())
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case fi.Mode().IsRegular():
			data, _ := os.ReadFile(p)
			line += " " + string(data)
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// remoteTree lists a tree inside the instance (type, mode, owner, size).
func remoteTree(t *testing.T, d *daemontest.Daemon, inst, dir string) string {
	t.Helper()
	out := d.MustLXC(t, "exec", inst, "--", "sh", "-c",
		fmt.Sprintf("cd %s && find . | sort | while read f; do stat -c '%%n %%F %%a %%u:%%g %%s' \"$f\"; done", dir))
	return out
}

func TestInstanceFilesLikeRealClient(t *testing.T) {
	bothKinds(t, func(t *testing.T, d *daemontest.Daemon) {
		c := instName(t)
		cleanupInstances(t, d, c)
		mustReal(t, d, "launch", "busybox", c, "-q")
		ourBin := daemontest.Binary(t, "lxc")
		local := t.TempDir()
		src := filepath.Join(local, "tree")
		writeTree(t, src)
		a := filepath.Join(src, "a.txt")

		// Single files with owner and mode, into a directory, from stdin.
		ourLXC(t, d, "file", "push", "--uid", "5", "--gid", "6", "--mode", "0600", a, c+"/root/a2.txt")
		ourLXC(t, d, "file", "push", "--mode", "640", a, filepath.Join(src, "sub", "b.txt"), c+"/root/")
		if r := withStdin(t, d, ourBin, "from stdin\n", "file", "push", "-", c+"/root/s.txt"); r.ExitCode != 0 {
			t.Fatalf("push -: %s", describe(r))
		}
		got := d.MustLXC(t, "exec", c, "--", "sh", "-c", "cd /root && stat -c '%n %a %u:%g %s' a2.txt a.txt b.txt s.txt && cat s.txt")
		want := "a2.txt 600 5:6 4\na.txt 640 0:0 4\nb.txt 640 0:0 4\ns.txt 600 0:0 11\nfrom stdin\n"
		if got != want {
			t.Errorf("pushed files:\n%s\nwant:\n%s", got, want)
		}
		// Round trip: pull keeps the content and the mode.
		pulled := filepath.Join(local, "pulled.txt")
		ourLXC(t, d, "file", "pull", c+"/root/a2.txt", pulled)
		if data, err := os.ReadFile(pulled); err != nil || string(data) != "one\n" {
			t.Errorf("pulled %q %v", data, err)
		}
		if fi, err := os.Stat(pulled); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("pulled mode %v %v", fi.Mode(), err)
		}
		if out := ourLXC(t, d, "file", "pull", c+"/root/s.txt", "-"); out != "from stdin\n" {
			t.Errorf("pull to stdout: %q", out)
		}
		// file edit from stdin keeps the owner and mode.
		if r := withStdin(t, d, ourBin, "edited\n", "file", "edit", c+"/root/a2.txt"); r.ExitCode != 0 {
			t.Fatalf("edit: %s", describe(r))
		}
		if got := d.MustLXC(t, "exec", c, "--", "sh", "-c", "stat -c '%a %u:%g' /root/a2.txt; cat /root/a2.txt"); got != "600 5:6\nedited\n" {
			t.Errorf("after edit: %q", got)
		}

		// Recursive push and pull, and -p, compared with the real client.
		for _, who := range []struct{ name, bin string }{{"real", "/usr/bin/lxc"}, {"ours", ourBin}} {
			run := func(args ...string) {
				if r := withStdin(t, d, who.bin, "", args...); r.ExitCode != 0 {
					t.Fatalf("%s lxc %v: %s", who.name, args, describe(r))
				}
			}
			mustReal(t, d, "exec", c, "--", "mkdir", "-p", "/root/"+who.name)
			run("file", "push", "-r", src, c+"/root/"+who.name+"/")
			run("file", "push", "-p", a, c+"/root/"+who.name+"/x/y/a.txt")
			run("file", "push", "-r", "-p", src, c+"/root/"+who.name+"/deep/er/")
			run("file", "pull", "-r", c+"/root/"+who.name+"/tree", filepath.Join(local, who.name))
			run("file", "pull", "-p", c+"/root/"+who.name+"/x/y/a.txt", filepath.Join(local, who.name+"-p", "q", "a.txt"))
			run("file", "pull", c+"/sbin/init", filepath.Join(local, who.name+"-init"))
			run("file", "delete", c+"/root/"+who.name+"/x/y/a.txt")
		}
		if r, o := remoteTree(t, d, c, "/root/real"), remoteTree(t, d, c, "/root/ours"); r != o {
			t.Errorf("push trees differ:\nreal:\n%s\nours:\n%s", r, o)
		}
		// Pulled symlinks point where the server resolved them: inside each
		// client's own directory.
		r := strings.ReplaceAll(localTree(t, filepath.Join(local, "real")), "/root/real/", "/root/X/")
		o := strings.ReplaceAll(localTree(t, filepath.Join(local, "ours")), "/root/ours/", "/root/X/")
		if r != o || !strings.Contains(o, "tree/link L--------- 777 -> /root/X/tree/a.txt") {
			t.Errorf("pull trees differ:\nreal:\n%s\nours:\n%s", r, o)
		}
		if r, o := localTree(t, filepath.Join(local, "real-p")), localTree(t, filepath.Join(local, "ours-p")); r != o {
			t.Errorf("pull -p differ:\nreal:\n%s\nours:\n%s", r, o)
		}
		for _, who := range []string{"real", "ours"} {
			if target, err := os.Readlink(filepath.Join(local, who+"-init")); err != nil || target != "/bin/busybox" {
				t.Errorf("%s pull of a symlink: %q %v", who, target, err)
			}
		}
		// Errors are the real client's.
		sameOutputs(t, d,
			[]string{"file", "pull", c + "/root", local},
			[]string{"file", "pull", c + "/root/nosuch", local},
			[]string{"file", "pull", c, local},
			[]string{"file", "push", a, c},
			[]string{"file", "push", a, c + "/root/nodir/x"},
			[]string{"file", "push", "-r", "--uid", "3", src, c + "/root/"},
			[]string{"file", "push", a, a, c + "/root/file"},
			[]string{"file", "push", filepath.Join(local, "nosuch"), c + "/root/"},
			[]string{"file", "delete", c + "/root/nosuch"},
			[]string{"file", "delete", c + "/root/real"},
			[]string{"file", "delete", c},
			[]string{"file", "mount"},
		)
	})
}

// ptySession runs a client under a pseudo-terminal.
type ptySession struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	out  *bytes.Buffer
	data chan []byte
}

func startPty(t *testing.T, d *daemontest.Daemon, bin string, args ...string) *ptySession {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "LXD_DIR="+d.Dir, "LXD_CONF="+d.ConfDir, "TERM=xterm")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatal(err)
	}
	s := &ptySession{t: t, cmd: cmd, tty: tty, out: &bytes.Buffer{}, data: make(chan []byte, 100)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			if n > 0 {
				s.data <- append([]byte(nil), buf[:n]...)
			}
			if err != nil {
				close(s.data)
				return
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		tty.Close()
	})
	return s
}

// expect reads until want shows up in the output (since the last match).
func (s *ptySession) expect(want string) {
	s.t.Helper()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(s.out.String(), want) {
		select {
		case b, ok := <-s.data:
			if !ok {
				s.t.Fatalf("terminal closed before %q; got %q", want, s.out.String())
			}
			s.out.Write(b)
		case <-deadline:
			s.t.Fatalf("timed out waiting for %q; got %q", want, s.out.String())
		}
	}
	rest := s.out.String()[strings.Index(s.out.String(), want)+len(want):]
	s.out.Reset()
	s.out.WriteString(rest)
}

// readFor collects what the terminal shows during d.
func (s *ptySession) readFor(d time.Duration) string {
	timeout := time.After(d)
	for {
		select {
		case b, ok := <-s.data:
			if !ok {
				return s.out.String()
			}
			s.out.Write(b)
		case <-timeout:
			out := s.out.String()
			s.out.Reset()
			return out
		}
	}
}

func (s *ptySession) send(text string) {
	if _, err := s.tty.Write([]byte(text)); err != nil {
		s.t.Fatal(err)
	}
}

// wait returns the client's exit code.
func (s *ptySession) wait() int {
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		s.t.Fatalf("client did not exit; output %q", s.out.String())
	}
	return s.cmd.ProcessState.ExitCode()
}

func TestInstanceInteractiveExecAndConsole(t *testing.T) {
	bothKinds(t, func(t *testing.T, d *daemontest.Daemon) {
		c := instName(t)
		cleanupInstances(t, d, c)
		mustReal(t, d, "launch", "busybox", c, "-q")
		for who, bin := range map[string]string{"real": "/usr/bin/lxc", "ours": daemontest.Binary(t, "lxc")} {
			t.Run(who+"-exec", func(t *testing.T) {
				s := startPty(t, d, bin, "exec", c, "--", "sh")
				s.send("echo $TERM; tty\n")
				s.expect("xterm")
				s.expect("/dev/pts/")
				s.send("stty size\n")
				s.expect("24 80")
				if err := pty.Setsize(s.tty, &pty.Winsize{Rows: 30, Cols: 100}); err != nil {
					t.Fatal(err)
				}
				// The resize reaches the remote pty asynchronously: ask until it shows.
				deadline := time.Now().Add(10 * time.Second)
				for !strings.Contains(s.readFor(300*time.Millisecond), "30 100") {
					if time.Now().After(deadline) {
						t.Fatal("the remote terminal never got the new size")
					}
					s.send("stty size\n")
				}
				s.send("trap 'echo got-USR1' USR1\n")
				s.expect("~ # ")
				_ = s.cmd.Process.Signal(syscall.SIGUSR1)
				time.Sleep(300 * time.Millisecond)
				s.send("echo after-signal\n")
				s.expect("got-USR1")
				s.expect("after-signal")
				s.expect("~ # ")
				s.send("exit 3\n")
				if code := s.wait(); code != 3 {
					t.Errorf("exit code %d, want 3", code)
				}
			})
			t.Run(who+"-console", func(t *testing.T) {
				s := startPty(t, d, bin, "console", c)
				s.expect("To detach from the console, press: <ctrl>+a q")
				// Output written to the instance's console shows up here.
				deadline := time.Now().Add(10 * time.Second)
				for !strings.Contains(s.readFor(300*time.Millisecond), "hi-console") {
					if time.Now().After(deadline) {
						t.Fatal("console output never showed up")
					}
					d.MustLXC(t, "exec", c, "--", "sh", "-c", "echo hi-console > /dev/console")
				}
				// ctrl+a then q, as a user types them.
				s.send("\x01")
				time.Sleep(200 * time.Millisecond)
				s.send("q")
				if code := s.wait(); code != 0 {
					t.Errorf("console exit code %d", code)
				}
			})
		}
	})
}
