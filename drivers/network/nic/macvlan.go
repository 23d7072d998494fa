package nic

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/lxdng/lxd/drivers/internal/iproute"
	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/revert"
)

func refuseVLAN(o Opts) error {
	if v := o.Config["vlan"]; v != "" {
		return api.BadRequest("VLAN interfaces (vlan=%s) are not supported by this kernel (no 802.1Q support)", v)
	}
	return nil
}

// CreateMacvlan creates a macvlan (mode bridge) on the parent, named
// mac<8hex>, with the instance MAC and MTU, ready to be moved in.
func CreateMacvlan(ctx context.Context, o Opts) (Result, error) {
	if err := refuseVLAN(o); err != nil {
		return Result{}, err
	}
	parent := o.Config["parent"]
	if _, err := iproute.GetLink(ctx, parent); err != nil {
		return Result{}, errParent(parent, err)
	}
	name := o.Volatile["host_name"]
	if name == "" || iproute.LinkExists(name) {
		name = RandomName("mac")
	}
	rev := revert.New()
	defer rev.Fail()
	if err := iproute.AddMacvlan(ctx, name, parent, "bridge"); err != nil {
		return Result{}, fmt.Errorf("Failed creating macvlan on %q: %w", parent, err)
	}
	rev.Add(func() { _ = iproute.DeleteLink(context.Background(), name) })
	hw := hwaddrFor(o)
	if err := iproute.SetHwaddr(ctx, name, hw); err != nil {
		return Result{}, err
	}
	mtu := mtuOf(o)
	if mtu > 0 {
		if err := iproute.SetMTU(ctx, name, mtu); err != nil {
			return Result{}, err
		}
	}
	rev.Success()
	return Result{
		Device:   name,
		Hwaddr:   hw,
		MTU:      mtu,
		Name:     o.Config["name"],
		Volatile: map[string]string{"host_name": name, "hwaddr": hw},
	}, nil
}

// RemoveMacvlan deletes the macvlan if it is (back) on the host.
func RemoveMacvlan(ctx context.Context, o Opts) error {
	if name := o.Volatile["host_name"]; name != "" {
		return iproute.DeleteLink(ctx, name)
	}
	return nil
}

// PreparePhysical hands the parent itself to the instance, recording its
// MTU and MAC (volatile last_state.*) and applying the configured ones.
func PreparePhysical(ctx context.Context, o Opts) (Result, error) {
	if err := refuseVLAN(o); err != nil {
		return Result{}, err
	}
	parent := o.Config["parent"]
	l, err := iproute.GetLink(ctx, parent)
	if err != nil {
		return Result{}, errParent(parent, err)
	}
	if l.Master != "" {
		return Result{}, api.BadRequest("Parent device %q is attached to %q and cannot be handed to an instance", parent, l.Master)
	}
	res := Result{
		Device: parent,
		Name:   o.Config["name"],
		Volatile: map[string]string{
			"last_state.mtu":    strconv.Itoa(l.MTU),
			"last_state.hwaddr": l.Address,
		},
	}
	if hw := o.Config["hwaddr"]; hw != "" {
		res.Hwaddr = hw
	}
	res.MTU = mtuOf(o)
	return res, nil
}

// RestorePhysical puts back the parent's MTU and MAC once it is back on
// the host: liblxc returns the NICs it moved in at start under their
// name; a hot-plugged one comes back from the dying namespace by the
// kernel, under its name inside (or devN), a moment later: it is found by
// its MAC and renamed.
func RestorePhysical(ctx context.Context, o Opts) error {
	parent := o.Config["parent"]
	if !iproute.LinkExists(parent) {
		if err := findReturnedPhysical(ctx, o); err != nil {
			return err
		}
		if !iproute.LinkExists(parent) {
			return nil
		}
	}
	l, err := iproute.GetLink(ctx, parent)
	if err != nil {
		return err
	}
	if mtu, _ := strconv.Atoi(o.Volatile["last_state.mtu"]); mtu > 0 && mtu != l.MTU {
		if err := iproute.SetMTU(ctx, parent, mtu); err != nil {
			return err
		}
	}
	if hw := o.Volatile["last_state.hwaddr"]; hw != "" && hw != l.Address {
		if err := iproute.SetHwaddr(ctx, parent, hw); err != nil {
			return err
		}
	}
	return nil
}

// findReturnedPhysical waits (up to 3s) for the parent of a physical NIC
// to come back from an instance's namespace under another name, and
// renames it to parent.
func findReturnedPhysical(ctx context.Context, o Opts) error {
	parent := o.Config["parent"]
	macs := map[string]bool{}
	for _, m := range []string{o.Config["hwaddr"], o.Volatile["last_state.hwaddr"]} {
		if m != "" {
			macs[strings.ToLower(m)] = true
		}
	}
	if len(macs) == 0 {
		return nil
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		links, err := iproute.Links(ctx)
		if err != nil {
			return err
		}
		for _, l := range links {
			if !macs[strings.ToLower(l.Address)] || l.Kind() == "bridge" || !returnedName(l.Name, o.Config["name"]) {
				continue
			}
			if err := iproute.SetDown(ctx, l.Name); err != nil {
				return err
			}
			return iproute.Rename(ctx, l.Name, parent)
		}
		if iproute.LinkExists(parent) || time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// returnedName reports whether a host interface could be a NIC the kernel
// returned from a dead namespace: it keeps its name inside when free on
// the host, else gets devN.
func returnedName(name, inside string) bool {
	if inside != "" && name == inside {
		return true
	}
	n, ok := strings.CutPrefix(name, "dev")
	if !ok || n == "" {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}
