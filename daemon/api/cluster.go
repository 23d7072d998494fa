package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/daemon/operations"
	"github.com/lxdng/lxd/daemon/request"
	"github.com/lxdng/lxd/shared/api"
)

// ClusterService is the membership service behind /1.0/cluster and the
// members' internal endpoints.
type ClusterService interface {
	Get(ctx context.Context) (api.Cluster, error)
	// Update bootstraps or joins (PUT /1.0/cluster) as an operation.
	Update(ctx context.Context, put api.ClusterPut) (*operations.Op, error)
	Members(ctx context.Context) ([]api.ClusterMember, error)
	Member(ctx context.Context, name string) (api.ClusterMember, error)
	UpdateMember(ctx context.Context, current api.ClusterMember, put api.ClusterMemberPut) error
	RenameMember(ctx context.Context, name, newName string) error
	RemoveMember(ctx context.Context, name string, force bool) error
	// IssueToken starts a join token operation.
	IssueToken(ctx context.Context, name string) (*operations.Op, error)
	UpdateCertificate(ctx context.Context, put api.ClusterCertificatePut) error

	// Internal, between members.
	Accept(ctx context.Context, req cluster.AcceptRequest) (cluster.AcceptResponse, error)
	Heartbeat(ctx context.Context, hb cluster.Heartbeat) error
	Reset(ctx context.Context) error
	ReplaceCertificate(ctx context.Context, put api.ClusterCertificatePut) error
}

type clusterHandlers struct{ c ClusterService }

func clusterRoutes(r chi.Router, d Deps) {
	if d.Cluster == nil {
		return
	}
	c := clusterHandlers{d.Cluster}
	r.Get("/cluster", h(adminOnly, c.get))
	r.Put("/cluster", h(adminOnly, c.put))
	r.Put("/cluster/certificate", h(adminOnly, c.updateCertificate))
	r.Get("/cluster/members", h(adminOnly, c.listMembers))
	r.Post("/cluster/members", h(adminOnly, c.issueToken))
	r.Get("/cluster/members/{name}", h(adminOnly, c.getMember))
	r.Put("/cluster/members/{name}", h(adminOnly, c.putMember))
	r.Patch("/cluster/members/{name}", h(adminOnly, c.patchMember))
	r.Post("/cluster/members/{name}", h(adminOnly, c.renameMember))
	r.Delete("/cluster/members/{name}", h(adminOnly, c.deleteMember))
	r.Get("/cluster/members/{name}/state", h(adminOnly, func(w http.ResponseWriter, r *http.Request) error {
		return api.NotImplemented("not implemented")
	}))
}

// clusterInternalRoutes are called by other members over HTTPS.
func clusterInternalRoutes(r chi.Router, d Deps) {
	if d.Cluster == nil {
		return
	}
	c := clusterHandlers{d.Cluster}
	r.Post("/cluster/accept", h(untrusted, c.accept))
	r.Put("/cluster/heartbeat", h(clusterPeer, c.heartbeat))
	r.Post("/cluster/reset", h(clusterPeer, c.reset))
	r.Put("/cluster/certificate", h(clusterPeer, c.replaceCertificate))
}

func (c clusterHandlers) get(w http.ResponseWriter, r *http.Request) error {
	info, err := c.c.Get(r.Context())
	if err != nil {
		return err
	}
	return renderSync(w, info, info)
}

func (c clusterHandlers) put(w http.ResponseWriter, r *http.Request) error {
	var req api.ClusterPut
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	op, err := c.c.Update(r.Context(), req)
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

func (c clusterHandlers) updateCertificate(w http.ResponseWriter, r *http.Request) error {
	var req api.ClusterCertificatePut
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := c.c.UpdateCertificate(r.Context(), req); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (c clusterHandlers) listMembers(w http.ResponseWriter, r *http.Request) error {
	members, err := c.c.Members(r.Context())
	if err != nil {
		return err
	}
	if recursion(r) > 0 {
		return renderSync(w, members, nil)
	}
	urls := make([]string, 0, len(members))
	for _, m := range members {
		urls = append(urls, "/1.0/cluster/members/"+m.ServerName)
	}
	return renderSync(w, urls, nil)
}

func (c clusterHandlers) issueToken(w http.ResponseWriter, r *http.Request) error {
	var req api.ClusterMembersPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	op, err := c.c.IssueToken(r.Context(), req.ServerName)
	if err != nil {
		return err
	}
	return renderAsync(w, r, op)
}

func (c clusterHandlers) getMember(w http.ResponseWriter, r *http.Request) error {
	m, err := c.c.Member(r.Context(), PathParam(r, "name"))
	if err != nil {
		return err
	}
	return renderSync(w, m, m.ClusterMemberPut)
}

func (c clusterHandlers) putMember(w http.ResponseWriter, r *http.Request) error {
	return c.updateMember(w, r, false)
}

func (c clusterHandlers) patchMember(w http.ResponseWriter, r *http.Request) error {
	return c.updateMember(w, r, true)
}

// updateMember handles PUT and PATCH; PATCH starts from the current values.
func (c clusterHandlers) updateMember(w http.ResponseWriter, r *http.Request, partial bool) error {
	current, err := c.c.Member(r.Context(), PathParam(r, "name"))
	if err != nil {
		return err
	}
	if err := checkETag(r, current.ClusterMemberPut); err != nil {
		return err
	}
	req := api.ClusterMemberPut{}
	if partial {
		req = current.ClusterMemberPut
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := c.c.UpdateMember(r.Context(), current, req); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (c clusterHandlers) renameMember(w http.ResponseWriter, r *http.Request) error {
	var req api.ClusterMemberPost
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := c.c.RenameMember(r.Context(), PathParam(r, "name"), req.ServerName); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (c clusterHandlers) deleteMember(w http.ResponseWriter, r *http.Request) error {
	force := r.URL.Query().Get("force") == "1" || r.URL.Query().Get("force") == "true"
	if err := c.c.RemoveMember(r.Context(), PathParam(r, "name"), force); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (c clusterHandlers) accept(w http.ResponseWriter, r *http.Request) error {
	var req cluster.AcceptRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	resp, err := c.c.Accept(r.Context(), req)
	if err != nil {
		return err
	}
	return renderSync(w, resp, nil)
}

func (c clusterHandlers) heartbeat(w http.ResponseWriter, r *http.Request) error {
	var hb cluster.Heartbeat
	if err := decodeJSON(r, &hb); err != nil {
		return err
	}
	if err := c.c.Heartbeat(r.Context(), hb); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (c clusterHandlers) reset(w http.ResponseWriter, r *http.Request) error {
	if err := c.c.Reset(r.Context()); err != nil {
		return err
	}
	return renderEmpty(w)
}

func (c clusterHandlers) replaceCertificate(w http.ResponseWriter, r *http.Request) error {
	var req api.ClusterCertificatePut
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if err := c.c.ReplaceCertificate(r.Context(), req); err != nil {
		return err
	}
	return renderEmpty(w)
}

// clusterPeerOnly is the access check of member-to-member endpoints.
func clusterPeerOnly(who *request.Requestor) error {
	if !who.ClusterPeer {
		return api.Forbidden("not authorized")
	}
	return nil
}
