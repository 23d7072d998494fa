package forward

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/tlsutil"
)

func TestResolvers(t *testing.T) {
	rs := &Resolvers{}
	owner := func(name string) Resolver {
		return func(r *http.Request, p map[string]string) (string, bool, error) {
			return name + ":" + p["name"] + p["id"], true, nil
		}
	}
	rs.Register("/1.0/instances/{name}", owner("inst"))
	rs.Register("/1.0/instances/{name}/*", owner("sub"))
	rs.Register("/1.0/operations/{id}", owner("op"))
	rs.TargetIsParameter(http.MethodPost, "/1.0/storage-pools")
	tests := []struct {
		method, url string
		want        string
		ok          bool
		keepsTarget bool
	}{
		{"GET", "/1.0/instances/c1", "inst:c1", true, false},
		{"GET", "/1.0/instances/c1/state", "sub:c1", true, false},
		{"GET", "/1.0/instances/c1/logs/lxc.log", "sub:c1", true, false},
		{"GET", "/1.0/instances/a%2Fb", "inst:a/b", true, false},
		{"GET", "/1.0/instances", "", false, false},
		{"GET", "/1.0/operations/abc", "op:abc", true, false},
		{"GET", "/1.0/operations/abc/wait", "", false, false},
		{"POST", "/1.0/storage-pools?target=m2", "", false, true},
		{"GET", "/1.0/storage-pools?target=m2", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.url, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, nil)
			got, ok, err := rs.Owner(r)
			if err != nil || got != tt.want || ok != tt.ok {
				t.Fatalf("Owner = %q %v %v, want %q %v", got, ok, err, tt.want, tt.ok)
			}
			if k := rs.KeepsTarget(r); k != tt.keepsTarget {
				t.Fatalf("KeepsTarget = %v", k)
			}
		})
	}
}

func TestStripIdentity(t *testing.T) {
	h := http.Header{}
	h.Set(HeaderForwarded, "m1")
	h.Set(HeaderUsername, "root")
	h.Set(HeaderTrusted, "true")
	h.Set("x-lxd-forwarded-projects", "p")
	h.Set("Content-Type", "application/json")
	StripIdentity(h)
	if !reflect.DeepEqual(h, http.Header{"Content-Type": {"application/json"}}) {
		t.Fatalf("after strip: %v", h)
	}
}

// backend is a member's API: it checks the cluster certificate and answers
// with a 202 and a Location, a chunked stream, and a websocket echo.
func backend(t *testing.T, kp *tlsutil.KeyPair) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/1.0/instances", func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 || tlsutil.Fingerprint(r.TLS.PeerCertificates[0]) != kp.Fingerprint {
			http.Error(w, "not a cluster peer", http.StatusForbidden)
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Location", "/1.0/operations/x?project=p")
		w.Header().Set("X-Got", r.Header.Get(HeaderUsername)+"|"+r.URL.RawQuery+"|"+string(body))
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write([]byte(`{"type":"async"}`))
	})
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 3; i++ {
			_, _ = w.Write([]byte("chunk\n"))
			w.(http.Flusher).Flush()
			time.Sleep(10 * time.Millisecond)
		}
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			_ = c.WriteMessage(mt, append([]byte("echo:"), data...))
		}
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.TLS = tlsutil.ServerConfig(kp)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestToMember(t *testing.T) {
	certPEM, keyPEM, err := tlsutil.Generate(true)
	if err != nil {
		t.Fatal(err)
	}
	kp, _ := tlsutil.FromPEM(certPEM, keyPEM)
	back := backend(t, kp)
	addr := strings.TrimPrefix(back.URL, "https://")
	f := &Forwarder{Cert: func() *tlsutil.KeyPair { return kp }}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set(HeaderUsername, "alice")
		f.ToMember(w, r, "m2", addr)
	}))
	defer front.Close()

	resp, err := http.Post(front.URL+"/1.0/instances?target=m2&project=p", "application/json", strings.NewReader(`{"name":"c1"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") != "/1.0/operations/x?project=p" ||
		resp.Header.Get("X-Got") != `alice|target=m2&project=p|{"name":"c1"}` || string(body) != `{"type":"async"}` {
		t.Fatalf("proxied POST: %d %v %s", resp.StatusCode, resp.Header, body)
	}

	resp, err = http.Get(front.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "chunk\nchunk\nchunk\n" || len(resp.TransferEncoding) == 0 {
		t.Fatalf("stream: %q %v", body, resp.TransferEncoding)
	}

	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(front.URL, "http://", "ws://", 1)+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	_ = ws.WriteMessage(websocket.BinaryMessage, []byte("hi"))
	if _, data, err := ws.ReadMessage(); err != nil || string(data) != "echo:hi" {
		t.Fatalf("websocket through the proxy: %q %v", data, err)
	}
}

func TestToMemberUnreachable(t *testing.T) {
	certPEM, keyPEM, _ := tlsutil.Generate(true)
	kp, _ := tlsutil.FromPEM(certPEM, keyPEM)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	f := &Forwarder{Cert: func() *tlsutil.KeyPair { return kp }}
	rec := httptest.NewRecorder()
	start := time.Now()
	f.ToMember(rec, httptest.NewRequest("GET", "/1.0", nil).WithContext(context.Background()), "m3", addr)
	var env api.Response
	_ = json.Unmarshal(rec.Body.Bytes(), &env)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(env.Error, `Cluster member "m3"`) || time.Since(start) > DialTimeout+time.Second {
		t.Fatalf("unreachable member: %d %s after %s", rec.Code, rec.Body, time.Since(start))
	}
}
