package nft

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/lxdng/lxd/drivers/internal/iproute"
)

// Families this package writes to.
const (
	FamilyInet   = "inet"
	FamilyBridge = "bridge"
	FamilyNetdev = "netdev"
)

// Chain is one chain with its rules. A base chain has Hook set (and Type,
// Priority); a netdev ingress chain also names its Device.
type Chain struct {
	Name     string
	Type     string // filter, nat, route
	Hook     string // prerouting, input, forward, output, postrouting, ingress; "" for a regular chain
	Priority int
	Device   string // netdev family only
	Policy   string // accept (default) or drop
	Rules    []string
}

// mu serialises changes so "delete the table once it is empty" cannot race
// with another goroutine adding a chain to it.
var mu sync.Mutex

var tableNameRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{0,63}$`)
var chainNameRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.\-]{0,200}$`)

// ValidTableName reports whether name is acceptable as a table name.
func ValidTableName(name string) error {
	if !tableNameRe.MatchString(name) {
		return fmt.Errorf("Invalid nftables table name %q", name)
	}
	return nil
}

// Apply runs a ruleset script as one nft transaction.
func Apply(ctx context.Context, script string) error {
	_, err := iproute.RunInput(ctx, []byte(script), "nft", "-f", "-")
	if err != nil {
		return fmt.Errorf("Failed applying nftables rules: %w", err)
	}
	return nil
}

func (c Chain) header() (string, error) {
	if !chainNameRe.MatchString(c.Name) {
		return "", fmt.Errorf("Invalid nftables chain name %q", c.Name)
	}
	if c.Hook == "" {
		return "", nil
	}
	policy := c.Policy
	if policy == "" {
		policy = "accept"
	}
	typ := c.Type
	if typ == "" {
		typ = "filter"
	}
	dev := ""
	if c.Device != "" {
		dev = fmt.Sprintf(" device %q", c.Device)
	}
	return fmt.Sprintf("type %s hook %s%s priority %d; policy %s;", typ, c.Hook, dev, c.Priority, policy), nil
}

// ReplaceChains creates the table if needed and (re)creates each chain with
// exactly the given rules, all in one transaction. Existing chains of the
// same name are deleted first so a changed hook or priority takes effect.
func ReplaceChains(ctx context.Context, family, table string, chains []Chain) error {
	if err := ValidTableName(table); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	existing, err := listChains(ctx, family, table)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "add table %s %s\n", family, table)
	for _, c := range chains {
		if existing[c.Name] {
			fmt.Fprintf(&b, "flush chain %s %s %s\ndelete chain %s %s %s\n", family, table, c.Name, family, table, c.Name)
		}
	}
	for _, c := range chains {
		hdr, err := c.header()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "add chain %s %s %s { %s }\n", family, table, c.Name, hdr)
		for _, r := range c.Rules {
			fmt.Fprintf(&b, "add rule %s %s %s %s\n", family, table, c.Name, r)
		}
	}
	return Apply(ctx, b.String())
}

// DeleteChains removes the named chains that exist (others are ignored), then
// the table if it has no chains left.
func DeleteChains(ctx context.Context, family, table string, names ...string) error {
	return deleteMatching(ctx, family, table, func(name string) bool {
		for _, n := range names {
			if n == name {
				return true
			}
		}
		return false
	})
}

// DeleteChainsWithPrefix removes every chain whose name starts with prefix,
// then the table if it has no chains left.
func DeleteChainsWithPrefix(ctx context.Context, family, table, prefix string) error {
	return deleteMatching(ctx, family, table, func(name string) bool { return strings.HasPrefix(name, prefix) })
}

func deleteMatching(ctx context.Context, family, table string, match func(string) bool) error {
	if err := ValidTableName(table); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	existing, err := listChains(ctx, family, table)
	if err != nil || existing == nil {
		return err // nil map: no table, nothing to do
	}
	var b strings.Builder
	left := 0
	for name := range existing {
		if !match(name) {
			left++
			continue
		}
		fmt.Fprintf(&b, "flush chain %s %s %s\ndelete chain %s %s %s\n", family, table, name, family, table, name)
	}
	if left == 0 {
		fmt.Fprintf(&b, "delete table %s %s\n", family, table)
	}
	if b.Len() == 0 {
		return nil
	}
	return Apply(ctx, b.String())
}

// Chains lists the chain names of a table, sorted; a missing table gives nil.
func Chains(ctx context.Context, family, table string) ([]string, error) {
	if err := ValidTableName(table); err != nil {
		return nil, err
	}
	m, err := listChains(ctx, family, table)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// TableExists reports whether the table exists.
func TableExists(ctx context.Context, family, table string) (bool, error) {
	m, err := listChains(ctx, family, table)
	return m != nil, err
}

// ListTable returns `nft list table` output (for diagnostics and tests); a
// missing table gives "".
func ListTable(ctx context.Context, family, table string) (string, error) {
	if err := ValidTableName(table); err != nil {
		return "", err
	}
	out, err := iproute.Run(ctx, "nft", "list", "table", family, table)
	if err != nil {
		if isNoTable(err) {
			return "", nil
		}
		return "", err
	}
	return out, nil
}

// listChains returns the set of chain names, or nil when the table is absent.
func listChains(ctx context.Context, family, table string) (map[string]bool, error) {
	out, err := iproute.Run(ctx, "nft", "-j", "list", "chains", family)
	if err != nil {
		if isNoTable(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("Failed listing nftables chains: %w", err)
	}
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		return nil, fmt.Errorf("Failed parsing nft output: %w", err)
	}
	var chains map[string]bool
	for _, obj := range doc.Nftables {
		raw, ok := obj["chain"]
		if !ok {
			continue
		}
		var c struct {
			Table string `json:"table"`
			Name  string `json:"name"`
		}
		if err := json.Unmarshal(raw, &c); err != nil || c.Table != table {
			continue
		}
		if chains == nil {
			chains = map[string]bool{}
		}
		chains[c.Name] = true
	}
	if chains == nil {
		// A table may exist with no chain (created by someone else, or left
		// by a crash between commands): report it as existing but empty.
		exists, err := tableListed(ctx, family, table)
		if err != nil || !exists {
			return nil, err
		}
		chains = map[string]bool{}
	}
	return chains, nil
}

func tableListed(ctx context.Context, family, table string) (bool, error) {
	_, err := iproute.Run(ctx, "nft", "list", "table", family, table)
	if err != nil {
		if isNoTable(err) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

func isNoTable(err error) bool {
	s := err.Error()
	return strings.Contains(s, "No such file or directory") || strings.Contains(s, "does not exist")
}
