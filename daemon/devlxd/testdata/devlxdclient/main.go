// Command devlxdclient is a static test client run inside containers: it
// talks HTTP to /dev/lxd/sock (busybox has no unix-socket client).
//
//	devlxdclient GET <path>         prints "<status>\n<content-type>\n<body>"
//	devlxdclient EVENTS <path> <n>  prints the first n websocket messages
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
)

const sock = "/dev/lxd/sock"

func dial(ctx context.Context, _, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", sock)
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: devlxdclient GET|EVENTS <path> [n]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "GET":
		err = get(os.Args[2])
	case "EVENTS":
		n := 1
		if len(os.Args) > 3 {
			n, _ = strconv.Atoi(os.Args[3])
		}
		err = events(os.Args[2], n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func get(path string) error {
	c := &http.Client{Transport: &http.Transport{DialContext: dial}, Timeout: 10 * time.Second}
	resp, err := c.Get("http://lxd" + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fmt.Printf("%d\n%s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	return nil
}

func events(path string, n int) error {
	d := websocket.Dialer{NetDialContext: dial, HandshakeTimeout: 10 * time.Second}
	conn, _, err := d.Dial("ws://lxd"+path, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Println("connected")
	for i := 0; i < n; i++ {
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return err
		}
		fmt.Println(string(msg))
	}
	return nil
}
