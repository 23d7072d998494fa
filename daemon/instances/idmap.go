package instances

import (
	"context"
	"strconv"

	"github.com/lxdng/lxd/cluster/db"
	"github.com/lxdng/lxd/drivers/instance/idmap"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/config"
)

// nextIdmap computes the id map an instance with the expanded config cfg
// gets (volatile.idmap.next) and its base, or nil for a privileged one.
// self is the instance's own id (0 while creating), left out of the maps
// isolated instances must avoid.
func (s *Service) nextIdmap(ctx context.Context, tx *db.Tx, cfg map[string]string, self int64) (idmap.Set, int64, error) {
	req, privileged, err := idmap.RequestFromConfig(cfg)
	if err != nil {
		return nil, 0, api.BadRequest("%w", err)
	}
	if privileged {
		return nil, 0, nil
	}
	// Keep an existing isolated allocation when the request did not change.
	var used []idmap.Set
	if req.Isolated && req.Base == 0 {
		used, err = s.isolatedMaps(ctx, tx, self)
		if err != nil {
			return nil, 0, err
		}
	}
	set, base, err := idmap.Allocate(s.hostMap, req, used)
	if err != nil {
		return nil, 0, api.BadRequest("%w", err)
	}
	return set, base, nil
}

// isolatedMaps lists the maps of the other isolated instances of this
// member.
func (s *Service) isolatedMaps(ctx context.Context, tx *db.Tx, self int64) ([]idmap.Set, error) {
	recs, err := loadRecords(ctx, tx, db.InstanceFilter{MemberID: s.o.Self.ID()})
	if err != nil {
		return nil, err
	}
	var out []idmap.Set
	for _, r := range recs {
		if r.row.ID == self || !config.ParseBool(r.expConfig["security.idmap.isolated"]) {
			continue
		}
		set, err := idmap.ParseJSON(r.row.Config["volatile.idmap.next"])
		if err == nil && set != nil {
			out = append(out, set)
		}
	}
	return out, nil
}

// idmapVolatile returns the volatile keys describing set and base.
func idmapVolatile(set idmap.Set, base int64) map[string]string {
	return map[string]string{
		"volatile.idmap.next": set.JSON(),
		"volatile.idmap.base": strconv.FormatInt(base, 10),
	}
}

// idmapChanged reports whether the idmap part of the config changed, so the
// map must be recomputed.
func idmapChanged(old, new map[string]string) bool {
	for _, k := range []string{"security.privileged", "security.idmap.isolated", "security.idmap.base",
		"security.idmap.size", "raw.idmap"} {
		if old[k] != new[k] {
			return true
		}
	}
	return false
}
