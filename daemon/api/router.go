package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/daemon/config"
	"github.com/lxdng/lxd/daemon/events"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/trust"
	"github.com/lxdng/lxd/shared/api"
)

// ServerInfo describes the host for GET /1.0.
type ServerInfo interface {
	Environment(ctx context.Context) api.ServerEnvironment
	Extensions() []string
}

// Lifecycle is the daemon's own control surface (/internal).
type Lifecycle interface {
	Ready() bool
	Shutdown(ctx context.Context) error
	SQL(ctx context.Context, database, query string) (any, error)
}

// Deps are the services the handlers call. Each resource's handlers use
// only the fields they need.
type Deps struct {
	Config    *config.Server
	Info      ServerInfo
	Ops       *operations.Registry
	Events    *events.Hub
	Trust     *trust.Store
	Lifecycle Lifecycle
	Projects  ProjectService
	Profiles  ProfileService
	Networks  NetworkService
	Storage   StorageService
	// InstanceService serves /1.0/instances and /1.0/containers.
	InstanceService InstanceService
	// InstanceHooks receives the container driver's hook calls (internal).
	InstanceHooks InstanceHooks
	Images        ImageService
	// Migration, when set, serves the migration sources and targets of
	// custom volumes and instances.
	Migration MigrationService
	// Instances gives the per-instance I/O endpoints (exec, console,
	// files, logs, metadata, templates) their instance.
	Instances InstanceSource
	// Cluster, when set, serves /1.0/cluster and the members' internal
	// endpoints.
	Cluster ClusterService
	// ClusterLocal, when set, answers the members' questions about what
	// this member holds (instance states, local pool/network parts,
	// image files).
	ClusterLocal ClusterLocalService
	// Resources, when set, serves GET /1.0/resources.
	Resources ResourceService
	// Forward, when set, wraps the routes to proxy requests that belong to
	// another cluster member.
	Forward func(http.Handler) http.Handler
	// Extra lets later services mount their own routes under /1.0.
	Extra []func(r chi.Router)
}

// New builds the HTTP handler of the REST API.
func New(d Deps) http.Handler {
	r := chi.NewRouter()
	r.Use(requestContext(d.Trust, d.Config))
	r.Use(cors(d.Config))
	r.NotFound(h(untrusted, func(w http.ResponseWriter, r *http.Request) error { return api.NotFound("not found") }))
	r.MethodNotAllowed(h(untrusted, func(w http.ResponseWriter, r *http.Request) error {
		return api.NotImplemented("not implemented")
	}))
	r.Get("/", h(untrusted, func(w http.ResponseWriter, r *http.Request) error { return renderSync(w, []string{"/1.0"}, nil) }))
	r.Route("/internal", func(r chi.Router) {
		internalRoutes(r, d)
		clusterInternalRoutes(r, d)
		clusterLocalRoutes(r, d)
	})
	r.Group(func(r chi.Router) {
		if d.Forward != nil {
			r.Use(d.Forward)
		}
		r.Route("/1.0", func(r chi.Router) {
			serverRoutes(r, d)
			operationRoutes(r, d)
			eventRoutes(r, d)
			certificateRoutes(r, d)
			projectRoutes(r, d)
			profileRoutes(r, d)
			networkRoutes(r, d)
			storageRoutes(r, d)
			instanceRoutes(r, d)
			imageRoutes(r, d)
			instanceIORoutes(r, d)
			clusterRoutes(r, d)
			resourceRoutes(r, d)
			for _, extra := range d.Extra {
				extra(r)
			}
		})
	})
	return r
}
