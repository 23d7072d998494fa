package migration

import (
	"fmt"
	"io"
	"net"
	"os"
)

// helperName is the hidden subcommand rsync runs as its remote shell:
// `<daemon binary> netcat <abstract socket> [ignored...]`. rsync appends
// the host and the remote rsync command, which the helper ignores: the
// rsync server is at the far end of the websocket.
const helperName = "netcat"

// HelperMain runs the netcat bridge and exits when the binary was
// re-executed as one (os.Args[1] is "netcat"); otherwise it returns at
// once. The daemon's RunHelper calls it first thing in main.
func HelperMain() {
	if len(os.Args) < 3 || os.Args[1] != helperName {
		return
	}
	if err := netcat(os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// netcat connects rsync's stdio to the daemon's socket. It ends when the
// daemon closes its side (the rsync server has finished); end of stdin is
// passed on as a half-close.
func netcat(socket string) error {
	conn, err := net.Dial("unix", socket)
	if err != nil {
		return err
	}
	uc := conn.(*net.UnixConn)
	go func() {
		_, _ = io.Copy(uc, os.Stdin)
		_ = uc.CloseWrite()
	}()
	_, err = io.Copy(os.Stdout, uc)
	_ = uc.Close()
	return err
}
