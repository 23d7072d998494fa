package devlxd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/events"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/logctx"
)

// Options configure a Server.
type Options struct {
	Dir      string // socket directory ($LXD_DIR/devlxd)
	Resolver Resolver
	Lister   Lister
	Events   *events.Hub   // config/device change notifications
	Images   ImageExporter // nil: image export answers 404
	Location string        // member name ("none" when not clustered)
}

// Server serves the devlxd socket.
type Server struct {
	o   Options
	ctx context.Context
	srv *http.Server
	ln  net.Listener
}

// New returns a server; Start listens.
func New(o Options) *Server {
	if o.Location == "" {
		o.Location = "none"
	}
	return &Server{o: o}
}

// Dir is the socket directory to bind-mount (see Device).
func (s *Server) Dir() string { return s.o.Dir }

// Start creates $dir/sock (mode 0666: any user inside may ask) and serves
// it until Stop or until ctx ends.
func (s *Server) Start(ctx context.Context) error {
	if err := os.MkdirAll(s.o.Dir, 0o755); err != nil {
		return fmt.Errorf("Failed to create %s: %w", s.o.Dir, err)
	}
	if err := os.Chmod(s.o.Dir, 0o755); err != nil {
		return err
	}
	path := SocketPath(s.o.Dir)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("Failed to remove stale %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("Failed to bind the devlxd socket: %w", err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		ln.Close()
		return err
	}
	s.ctx, s.ln = ctx, ln
	s.srv = &http.Server{Handler: s.router(), ConnContext: connContext, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logctx.From(ctx).WithError(err).Error("devlxd server stopped")
		}
	}()
	return nil
}

// Stop closes the socket and every connection (event streams included).
func (s *Server) Stop() error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	_ = os.Remove(SocketPath(s.o.Dir))
	return err
}

// handlerFunc serves one devlxd request for the calling instance.
type handlerFunc func(w http.ResponseWriter, r *http.Request, inst *Instance) error

func (s *Server) router() http.Handler {
	r := chi.NewRouter()
	r.Get("/", s.h(func(w http.ResponseWriter, r *http.Request, _ *Instance) error {
		return writeJSON(w, []string{"/1.0"})
	}))
	r.Get("/1.0", s.h(s.info))
	r.Get("/1.0/config", s.h(s.configList))
	r.Get("/1.0/config/{key}", s.h(s.configGet))
	r.Get("/1.0/meta-data", s.h(s.metaData))
	r.Get("/1.0/devices", s.h(s.devices))
	r.Get("/1.0/events", s.h(s.eventStream))
	r.Get("/1.0/images/{fingerprint}/export", s.h(s.imageExport))
	return r
}

// h identifies the caller by kernel credentials, refuses instances with
// security.devlxd=false and renders errors as LXD's devlxd does (plain
// text).
func (s *Server) h(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		inst, err := s.caller(r)
		if err == nil {
			err = fn(w, r, inst)
		}
		if err != nil {
			status := api.StatusOf(err)
			if status >= 500 {
				logctx.From(r.Context()).WithError(err).Warn("devlxd request failed")
			}
			http.Error(w, err.Error(), status)
		}
	}
}

// caller returns the instance of the connecting process.
func (s *Server) caller(r *http.Request) (*Instance, error) {
	p, err := peerOf(r.Context())
	if err != nil {
		return nil, api.Forbidden("not authorized")
	}
	defer p.close()
	inst, err := s.o.Resolver.InstanceByPID(r.Context(), p.pid)
	if err != nil {
		return nil, err
	}
	if !p.alive() {
		return nil, api.Forbidden("not authorized")
	}
	if !Enabled(inst.Config) {
		return nil, api.Forbidden("not authorized")
	}
	return inst, nil
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}
