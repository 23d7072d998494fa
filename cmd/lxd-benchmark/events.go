package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

// subscribe opens k event streams and returns, per stream, a channel of
// the arrival times of instance-updated events about instance.
func subscribe(ctx context.Context, c *client.Client, instance string, k int) ([]chan time.Time, error) {
	out := make([]chan time.Time, k)
	for i := range out {
		events, err := c.GetEvents(ctx, false, api.EventTypeLifecycle)
		if err != nil {
			return nil, fmt.Errorf("Failed to subscribe to events: %w", err)
		}
		ch := make(chan time.Time, 64)
		out[i] = ch
		go func() {
			for e := range events {
				if isUpdateOf(e, instance) {
					ch <- time.Now()
				}
			}
		}()
	}
	return out, nil
}

// isUpdateOf reports whether e is the instance-updated lifecycle event of
// the named instance.
func isUpdateOf(e api.Event, instance string) bool {
	if e.Type != api.EventTypeLifecycle {
		return false
	}
	var lc api.EventLifecycle
	if json.Unmarshal(e.Metadata, &lc) != nil {
		return false
	}
	return lc.Action == "instance-updated" && strings.HasSuffix(strings.SplitN(lc.Source, "?", 2)[0], "/instances/"+instance)
}

// waitAll takes one arrival from every stream and returns the latest.
func waitAll(ctx context.Context, arrivals []chan time.Time, timeout time.Duration) (time.Time, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	var last time.Time
	for i, ch := range arrivals {
		select {
		case at := <-ch:
			if at.After(last) {
				last = at
			}
		case <-deadline.C:
			return time.Time{}, fmt.Errorf("subscriber %d got no instance-updated event within %s", i+1, timeout)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
	return last, nil
}
