package client

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/lxdng/lxd/shared/api"
)

// GetEvents subscribes to /1.0/events. The channel closes when ctx ends or
// the connection drops.
func (c *Client) GetEvents(ctx context.Context, allProjects bool, types ...string) (<-chan api.Event, error) {
	path := "/1.0/events"
	q := []string{}
	if len(types) > 0 {
		q = append(q, "type="+strings.Join(types, ","))
	}
	if allProjects {
		q = append(q, "all-projects=true")
	}
	if len(q) > 0 {
		path += "?" + strings.Join(q, "&")
	}
	conn, err := c.websocket(ctx, path)
	if err != nil {
		return nil, err
	}
	ch := make(chan api.Event, 64)
	go func() {
		<-ctx.Done()
		conn.Close()
	}()
	go func() {
		defer close(ch)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var e api.Event
			if json.Unmarshal(data, &e) != nil {
				continue
			}
			select {
			case ch <- e:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}
