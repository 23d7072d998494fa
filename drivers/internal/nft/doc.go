// Package nft manages the nftables objects one daemon owns: a table per
// family (inet, bridge, netdev) whose name the caller chooses, holding named
// chains that the network and NIC drivers create and delete as groups.
//
// Every change is one `nft -f -` transaction built from generated ruleset
// text, so a chain is replaced atomically and a failed change leaves the old
// rules in place. It never lists, changes or deletes a table it was not
// given by name, so other firewalls on the host (LXD's `table inet lxd`,
// distribution rules) are left alone. An empty table is deleted.
//
// It imports drivers/internal/iproute (to run commands) and the standard
// library. Only packages under drivers/ may import it.
package nft
