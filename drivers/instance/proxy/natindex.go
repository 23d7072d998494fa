package proxy

import (
	"context"
	"strings"
	"sync"

	"github.com/lxdng/lxd/drivers/internal/nft"
)

// natIndex remembers, per firewall table, which instances may have NAT
// chains, so that stopping or deleting an instance without NAT proxies
// runs no nft command (two per call otherwise: listing every chain of the
// inet family, then the table). It is a superset of the truth: the first
// look at a table lists its chains (leftovers of an earlier daemon),
// startNAT adds the instance before creating chains, and an instance is
// dropped only once its chains are gone and no start added it meanwhile
// (each start bumps the instance's generation). Only this process writes
// chains into its daemon's table.
var natIndex = struct {
	sync.Mutex
	tables map[string]map[string]int // table -> instance label -> generation (absent: no chains)
}{tables: map[string]map[string]int{}}

// natLabels returns the index of table, listing its chains the first time.
// The caller holds natIndex.
func natLabels(ctx context.Context, table string) (map[string]int, error) {
	if labels, ok := natIndex.tables[table]; ok {
		return labels, nil
	}
	chains, err := nft.Chains(ctx, nft.FamilyInet, table)
	if err != nil {
		return nil, err
	}
	labels := map[string]int{}
	for _, name := range chains {
		for _, c := range []string{chainPre, chainOut, chainPost} {
			rest, ok := strings.CutPrefix(name, natPrefix+c+".")
			if !ok {
				continue
			}
			// rest is "<project>.<instance>.<device>"; labels have no dots.
			if parts := strings.SplitN(rest, ".", 3); len(parts) == 3 {
				labels[parts[0]+"."+parts[1]] = 1
			}
		}
	}
	natIndex.tables[table] = labels
	return labels, nil
}

// natMayExist reports whether the instance of r may have NAT chains, and
// the generation to pass to natCleared.
func natMayExist(ctx context.Context, r Ref) (bool, int, error) {
	natIndex.Lock()
	defer natIndex.Unlock()
	labels, err := natLabels(ctx, r.FirewallTable)
	if err != nil {
		return true, 0, err
	}
	gen, ok := labels[instanceLabel(r)]
	return ok, gen, nil
}

// natAdded records that the instance of r is about to get NAT chains.
func natAdded(ctx context.Context, r Ref) error {
	natIndex.Lock()
	defer natIndex.Unlock()
	labels, err := natLabels(ctx, r.FirewallTable)
	if err != nil {
		return err
	}
	labels[instanceLabel(r)]++
	return nil
}

// natCleared records that the instance of r has no NAT chains left, unless
// a start added chains since natMayExist returned gen.
func natCleared(r Ref, gen int) {
	natIndex.Lock()
	defer natIndex.Unlock()
	if labels, ok := natIndex.tables[r.FirewallTable]; ok && labels[instanceLabel(r)] == gen {
		delete(labels, instanceLabel(r))
	}
}
