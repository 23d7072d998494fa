package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// fakeExecServer speaks LXD's exec protocol on a unix socket: it hands out
// an exec operation with one secret per stream, accepts the websockets and
// lets the test script the command's side.
type fakeExecServer struct {
	t        *testing.T
	srv      *http.Server
	sock     string
	mu       sync.Mutex
	req      api.InstanceExecPost
	order    []string // streams in connection order
	conns    map[string]*websocket.Conn
	ready    chan struct{} // all streams connected
	finished chan int      // exit code: ends the operation
	want     []string
}

func newFakeExecServer(t *testing.T) *fakeExecServer {
	f := &fakeExecServer{t: t, conns: map[string]*websocket.Conn{}, ready: make(chan struct{}), finished: make(chan int, 1)}
	f.sock = filepath.Join(t.TempDir(), "unix.socket")
	l, err := net.Listen("unix", f.sock)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /1.0/instances/c1/exec", f.exec)
	mux.HandleFunc("GET /1.0/operations/op1/websocket", f.websocket)
	mux.HandleFunc("GET /1.0/operations/op1/wait", f.wait)
	f.srv = &http.Server{Handler: mux}
	go f.srv.Serve(l)
	t.Cleanup(func() { f.srv.Close() })
	return f
}

func (f *fakeExecServer) op(status api.StatusCode, md map[string]any) api.Operation {
	return api.Operation{ID: "op1", Class: "websocket", Status: status.String(), StatusCode: status, Metadata: md}
}

func (f *fakeExecServer) exec(w http.ResponseWriter, r *http.Request) {
	if err := json.NewDecoder(r.Body).Decode(&f.req); err != nil {
		f.t.Error(err)
	}
	f.want = []string{"control", "0", "1", "2"}
	if f.req.Interactive {
		f.want = []string{"control", "0"}
	}
	fds := map[string]any{}
	for _, fd := range f.want {
		fds[fd] = "secret-" + fd
	}
	md, _ := json.Marshal(f.op(api.Running, map[string]any{"fds": fds}))
	w.Header().Set("Location", "/1.0/operations/op1")
	w.WriteHeader(http.StatusAccepted)
	fmt.Fprintf(w, `{"type":"async","status":"Operation created","status_code":100,"operation":"/1.0/operations/op1","metadata":%s}`, md)
}

var upgrader = websocket.Upgrader{}

func (f *fakeExecServer) websocket(w http.ResponseWriter, r *http.Request) {
	fd := strings.TrimPrefix(r.URL.Query().Get("secret"), "secret-")
	// Record the order before answering: the client dials the next stream
	// as soon as this one's upgrade is answered.
	f.mu.Lock()
	f.order = append(f.order, fd)
	f.mu.Unlock()
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		f.t.Error(err)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.conns[fd] = conn
	if len(f.conns) == len(f.want) {
		close(f.ready)
	}
}

func (f *fakeExecServer) wait(w http.ResponseWriter, r *http.Request) {
	code := <-f.finished
	f.finished <- code // later waits see it too
	md, _ := json.Marshal(f.op(api.Success, map[string]any{"return": code}))
	fmt.Fprintf(w, `{"type":"sync","status":"Success","status_code":200,"metadata":%s}`, md)
}

// readUntilEOF collects binary frames until the empty text frame.
func readUntilEOF(t *testing.T, conn *websocket.Conn) string {
	t.Helper()
	var sb strings.Builder
	for {
		kind, data, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("reading stream: %v", err)
		}
		if kind == websocket.TextMessage {
			if len(data) != 0 {
				t.Errorf("end marker has a payload: %q", data)
			}
			return sb.String()
		}
		if kind != websocket.BinaryMessage {
			t.Errorf("frame type %d", kind)
		}
		sb.Write(data)
	}
}

func testApp(stdin string) (*app, *bytes.Buffer, *bytes.Buffer) {
	a := newApp(context.Background())
	var out, errOut bytes.Buffer
	a.stdin, a.stdout, a.stderr = strings.NewReader(stdin), &out, &errOut
	return a, &out, &errOut
}

func TestExecNonInteractiveFraming(t *testing.T) {
	f := newFakeExecServer(t)
	c, err := client.ConnectUnix(f.sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, out, errOut := testApp("hello\nworld\n")
	go func() {
		<-f.ready
		stdin := readUntilEOF(t, f.conns["0"])
		f.conns["1"].WriteMessage(websocket.BinaryMessage, []byte(strings.ToUpper(stdin)))
		f.conns["2"].WriteMessage(websocket.BinaryMessage, []byte("err\n"))
		for _, fd := range []string{"1", "2"} {
			f.conns[fd].WriteMessage(websocket.TextMessage, nil)
		}
		f.finished <- 7
	}()
	req, err := a.execRequest([]string{"sh", "-c", "cat"}, &execFlags{mode: "auto", env: []string{"FOO=bar", "EMPTY"}, cwd: "/tmp", user: 1000, group: 1001})
	if err != nil {
		t.Fatal(err)
	}
	code, err := a.runExec(c, "c1", req, a.stdin)
	if err != nil || code != 7 {
		t.Fatalf("code %d err %v", code, err)
	}
	if out.String() != "HELLO\nWORLD\n" || errOut.String() != "err\n" {
		t.Errorf("stdout %q stderr %q", out.String(), errOut.String())
	}
	if strings.Join(f.order, ",") != "control,0,1,2" {
		t.Errorf("websocket order %v", f.order)
	}
	got := f.req
	if got.Interactive || !got.WaitForWS || got.Width != 0 || got.Height != 0 || got.Cwd != "/tmp" || got.User != 1000 ||
		got.Group != 1001 || got.Environment["FOO"] != "bar" || got.Environment["EMPTY"] != "" {
		t.Errorf("exec request %+v", got)
	}
}

func TestExecInteractiveFraming(t *testing.T) {
	f := newFakeExecServer(t)
	c, err := client.ConnectUnix(f.sock, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, out, _ := testApp("")
	go func() {
		<-f.ready
		f.conns["0"].WriteMessage(websocket.BinaryMessage, []byte("$ "))
		f.conns["0"].WriteMessage(websocket.BinaryMessage, []byte("bye\r\n"))
		f.conns["0"].WriteMessage(websocket.TextMessage, nil)
		// Like LXD, the operation only ends once the client hung up the
		// terminal's websocket after the end marker.
		for {
			if _, _, err := f.conns["0"].ReadMessage(); err != nil {
				break
			}
		}
		f.finished <- 3
	}()
	req, err := a.execRequest([]string{"sh"}, &execFlags{mode: "interactive"})
	if err != nil {
		t.Fatal(err)
	}
	code, err := a.runExec(c, "c1", req, blockingReader{})
	if err != nil || code != 3 {
		t.Fatalf("code %d err %v", code, err)
	}
	if out.String() != "$ bye\r\n" || strings.Join(f.order, ",") != "control,0" || !f.req.Interactive {
		t.Errorf("stdout %q order %v req %+v", out.String(), f.order, f.req)
	}
}

// blockingReader is a terminal nobody types on.
type blockingReader struct{}

func (blockingReader) Read(p []byte) (int, error) { select {} }

func TestExecModeSelection(t *testing.T) {
	tests := []struct {
		name    string
		f       execFlags
		inter   bool
		wantErr string
	}{
		{"auto without terminals", execFlags{mode: "auto"}, false, ""},
		{"-t", execFlags{mode: "auto", forceInter: true}, true, ""},
		{"--mode interactive", execFlags{mode: "interactive"}, true, ""},
		{"-n wins", execFlags{mode: "interactive", disableStdin: true}, false, ""},
		{"unknown mode is auto", execFlags{mode: "bogus"}, false, ""},
		{"-t -T", execFlags{mode: "auto", forceInter: true, forceNonInter: true}, false, "You can't pass -t and -T at the same time"},
		{"--mode with -T", execFlags{mode: "non-interactive", forceNonInter: true}, false, "You can't pass -t or -T at the same time as --mode"},
	}
	t.Setenv("TERM", "xterm")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _, _ := testApp("")
			req, err := a.execRequest([]string{"true"}, &tt.f)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || req.Interactive != tt.inter || req.Environment["TERM"] != "xterm" {
				t.Errorf("req %+v err %v", req, err)
			}
		})
	}
}

// TestControlMessages checks the exact control frames and the signal
// forwarding loop (SIGWINCH becomes a resize, others are relayed).
func TestControlMessages(t *testing.T) {
	frames := make(chan string, 10)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		for {
			kind, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			frames <- fmt.Sprintf("%d %s", kind, data)
		}
	})}
	go srv.Serve(l)
	defer srv.Close()
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+l.Addr().String()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctl := client.NewExecControl(conn)
	next := func() string {
		select {
		case f := <-frames:
			return f
		case <-time.After(5 * time.Second):
			t.Fatal("no control frame")
			return ""
		}
	}
	if err := ctl.Resize(100, 30); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != `1 {"command":"window-resize","args":{"height":"30","width":"100"},"signal":0}` {
		t.Errorf("resize frame %s", got)
	}
	if err := ctl.Signal(int(syscall.SIGTERM)); err != nil {
		t.Fatal(err)
	}
	if got := next(); got != `1 {"command":"signal","args":null,"signal":15}` {
		t.Errorf("signal frame %s", got)
	}
	// Keep SIGUSR1 from killing the test before forwardSignals listens.
	sink := make(chan os.Signal, 10)
	signal.Notify(sink, syscall.SIGUSR1)
	defer signal.Stop(sink)
	a, _, _ := testApp("")
	done := make(chan struct{})
	defer close(done)
	go a.forwardSignals(ctl, done, func() (int, int) { return 120, 40 })
	// Give signal.Notify time to be in place: deliver until a frame shows up.
	deadline := time.Now().Add(5 * time.Second)
	var got string
	for got == "" && time.Now().Before(deadline) {
		_ = syscall.Kill(os.Getpid(), syscall.SIGUSR1)
		select {
		case got = <-frames:
		case <-time.After(100 * time.Millisecond):
		}
	}
	if got != `1 {"command":"signal","args":null,"signal":10}` {
		t.Errorf("forwarded SIGUSR1 frame %q", got)
	}
	for len(frames) > 0 {
		<-frames
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGWINCH)
	for {
		f := next()
		if strings.Contains(f, "window-resize") {
			if f != `1 {"command":"window-resize","args":{"height":"40","width":"120"},"signal":0}` {
				t.Errorf("SIGWINCH frame %s", f)
			}
			break
		}
	}
}
