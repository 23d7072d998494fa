package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/lxdng/lxd/cluster"
	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/cluster/forward"
	"github.com/lxdng/lxd/daemon/instances"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// registerInstanceRoutes routes instance requests in a cluster: a request
// about an instance goes to the member holding it, a create without
// ?target= to the member the scheduler picks, and GET /1.0/instances
// ignores ?target= (LXD 5.0.2 lists every instance whatever it names).
func (c *clustering) registerInstanceRoutes() {
	for _, base := range []string{"/1.0/instances", "/1.0/containers"} {
		c.owners.Register(base+"/{name}", c.instanceOwner)
		c.owners.Register(base+"/{name}/*", c.instanceOwner)
		c.owners.Register(base, c.placeInstance)
		c.owners.TargetIsParameter(http.MethodGet, base)
	}
}

// requestProject is the ?project= of r ("default" when absent).
func requestProject(r *http.Request) string {
	if p := r.URL.Query().Get("project"); p != "" {
		return p
	}
	return "default"
}

// instanceOwner names the member holding the instance of the request; an
// unknown instance is answered here (404).
func (c *clustering) instanceOwner(r *http.Request, params map[string]string) (string, bool, error) {
	var member string
	err := c.m.Store.Tx(r.Context(), func(ctx context.Context, tx *db.Tx) error {
		inst, err := tx.Instance(ctx, requestProject(r), params["name"])
		member = inst.Member
		return err
	})
	if api.StatusOf(err) == http.StatusNotFound {
		return "", false, nil
	}
	return member, err == nil, err
}

// placeInstance is the scheduler of POST /1.0/instances without ?target=:
// a copy is made where its source lives (no data crosses members); any
// other new instance goes to the online member with the fewest instances
// that can run its architecture (members with scheduler.instance=manual
// take instances only when targeted). Ties go to the member that joined
// first.
func (c *clustering) placeInstance(r *http.Request, _ map[string]string) (string, bool, error) {
	if r.Method != http.MethodPost {
		return "", false, nil
	}
	req, err := peekInstancesPost(r)
	if err != nil {
		return "", false, nil // the handler answers the bad body
	}
	switch req.Source.Type {
	case "migration":
		return "", false, nil
	case "copy":
		return c.copySourceMember(r, req)
	}
	var name string
	err = c.m.Store.Tx(r.Context(), func(ctx context.Context, tx *db.Tx) error {
		var err error
		name, err = c.leastBusyMember(ctx, tx, c.wantedArchitecture(ctx, tx, requestProject(r), req))
		return err
	})
	return name, err == nil && name != "", err
}

// peekInstancesPost decodes the body of r and puts it back for the handler
// (or the proxy).
func peekInstancesPost(r *http.Request) (api.InstancesPost, error) {
	var req api.InstancesPost
	data, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return req, err
	}
	return req, json.Unmarshal(data, &req)
}

func (c *clustering) copySourceMember(r *http.Request, req api.InstancesPost) (string, bool, error) {
	project := req.Source.Project
	if project == "" {
		project = requestProject(r)
	}
	name, _, _ := cutSnapshot(req.Source.Source)
	var member string
	err := c.m.Store.Tx(r.Context(), func(ctx context.Context, tx *db.Tx) error {
		inst, err := tx.Instance(ctx, project, name)
		member = inst.Member
		return err
	})
	if err != nil {
		return "", false, nil // the handler reports the missing source
	}
	return member, true, nil
}

func cutSnapshot(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// wantedArchitecture is the architecture the new instance needs: the
// request's, else its image's ("" when unknown: any member will do).
func (c *clustering) wantedArchitecture(ctx context.Context, tx *db.Tx, project string, req api.InstancesPost) string {
	if req.Architecture != "" {
		return req.Architecture
	}
	if req.Source.Type != "image" || req.Source.Server != "" {
		return ""
	}
	var archs []string
	if fp := req.Source.Fingerprint; fp != "" {
		archs, _ = tx.QueryStrings(ctx, "SELECT architecture FROM images WHERE fingerprint LIKE ? LIMIT 1", fp+"%")
	} else if alias := req.Source.Alias; alias != "" {
		archs, _ = tx.QueryStrings(ctx, `SELECT i.architecture FROM images_aliases a JOIN images i ON i.id = a.image_id
			WHERE a.name = ? LIMIT 1`, alias)
	}
	if len(archs) == 0 {
		return ""
	}
	return archs[0]
}

// personalities lists the architectures a host architecture also runs.
var personalities = map[string][]string{
	"x86_64":  {"i686"},
	"aarch64": {"armv7l", "armv8l", "armv6l"},
	"ppc64le": {},
	"s390x":   {},
}

func runsArchitecture(host, want string) bool {
	if want == "" || host == want {
		return true
	}
	for _, p := range personalities[host] {
		if p == want {
			return true
		}
	}
	return false
}

// leastBusyMember picks the scheduler's member ("" when none qualifies).
func (c *clustering) leastBusyMember(ctx context.Context, tx *db.Tx, arch string) (string, error) {
	members, err := tx.Members(ctx)
	if err != nil {
		return "", err
	}
	counts := map[int64]int{}
	rows, err := tx.QueryStrings(ctx, "SELECT CAST(member_id AS TEXT) FROM instances")
	if err != nil {
		return "", err
	}
	for _, id := range rows {
		n, _ := strconv.ParseInt(id, 10, 64)
		counts[n]++
	}
	sort.Slice(members, func(i, j int) bool { return members[i].ID < members[j].ID })
	now, threshold := time.Now(), c.m.Threshold()
	best, bestCount := "", -1
	for _, m := range members {
		if !cluster.Online(m, now, threshold) || m.State == db.MemberEvacuated ||
			m.Config["scheduler.instance"] == "manual" || !runsArchitecture(m.Architecture, arch) {
			continue
		}
		if bestCount < 0 || counts[m.ID] < bestCount {
			best, bestCount = m.Name, counts[m.ID]
		}
	}
	if best == "" {
		return "", api.InternalError("No suitable cluster member could be found for the instance")
	}
	return best, nil
}

// instancePeers asks other members for their instances' states.
type instancePeers struct{ c *clustering }

var _ instances.Peers = instancePeers{}

// InstanceStates implements instances.Peers.
func (p instancePeers) InstanceStates(ctx context.Context, member string, full bool) (map[string]api.InstanceState, error) {
	cli, err := p.c.memberClient(ctx, member, instances.PeerStateTimeout)
	if err != nil {
		return nil, err
	}
	out := map[string]api.InstanceState{}
	q := url.Values{}
	if full {
		q.Set("full", "1")
	}
	_, err = cli.Get(ctx, "/internal/cluster/instance-states?"+q.Encode(), &out)
	return out, err
}

// memberClient is a client for the online member name; an offline member
// fails at once, naming it.
func (c *clustering) memberClient(ctx context.Context, name string, timeout time.Duration) (*peerClient, error) {
	var m db.Member
	err := c.m.Store.Tx(ctx, func(ctx context.Context, tx *db.Tx) error {
		var err error
		m, err = tx.MemberByName(ctx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !cluster.Online(m, time.Now(), c.m.Threshold()) {
		return nil, api.Unavailable("Cluster member %q (%s) is offline", m.Name, m.Address)
	}
	cli, err := forward.PeerClient(m.Address, c.m.Transport.Certificate(), timeout)
	if err != nil {
		return nil, err
	}
	return &peerClient{Client: cli, Member: m}, nil
}

// peerClient is a client for one member, with its row.
type peerClient struct {
	*client.Client
	Member db.Member
}

// registerVolumeRoutes routes a request about a storage volume to the
// member holding it (volumes of local pools live on one member), unless
// ?target= names one.
func (c *clustering) registerVolumeRoutes() {
	c.owners.Register("/1.0/storage-pools/{pool}/volumes/{type}/{name}", c.volumeOwner)
	c.owners.Register("/1.0/storage-pools/{pool}/volumes/{type}/{name}/*", c.volumeOwner)
}

// volumeOwner names the one member holding the volume; unknown, it is
// answered here; held by several members, the caller must target one (LXD
// 5.0.2's 500).
func (c *clustering) volumeOwner(r *http.Request, params map[string]string) (string, bool, error) {
	var members []string
	err := c.m.Store.Tx(r.Context(), func(ctx context.Context, tx *db.Tx) error {
		var err error
		members, err = tx.QueryStrings(ctx, `SELECT DISTINCT m.name FROM storage_volumes v
			JOIN storage_pools p ON p.id = v.pool_id JOIN members m ON m.id = v.member_id
			JOIN projects pr ON pr.id = v.project_id
			WHERE p.name = ? AND v.type = ? AND v.name = ? AND pr.name IN (?, 'default')`,
			params["pool"], params["type"], params["name"], requestProject(r))
		return err
	})
	if err != nil || len(members) == 0 {
		return "", false, err
	}
	if len(members) > 1 {
		return "", false, api.InternalError("More than one cluster member has a volume named %q. Please target a specific member", params["name"])
	}
	return members[0], true, nil
}
