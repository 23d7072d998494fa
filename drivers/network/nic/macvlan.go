package nic

import (
	"context"
	"fmt"
	"strconv"

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

// RestorePhysical puts back the parent's MTU and MAC once liblxc has
// returned it to the host.
func RestorePhysical(ctx context.Context, o Opts) error {
	parent := o.Config["parent"]
	if !iproute.LinkExists(parent) {
		return nil
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
