package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/lxdng/lxd/shared/client"
)

// waitOperation waits for op and, on a terminal and without --quiet, shows
// its progress on one line ("<label>: <progress text>"), the way LXD's
// client renders the "*_progress" keys of operation metadata. op may be nil
// (a synchronous answer).
func (a *app) waitOperation(c *client.Client, op *client.Operation, label string) error {
	if op == nil {
		return nil
	}
	if a.flags.quiet || !isTerminal(a.stdout) {
		return op.Wait(a.ctx)
	}
	ctx, cancel := context.WithCancel(a.ctx)
	defer cancel()
	p := &progressLine{out: a.stdout.(*os.File)}
	if events, err := c.GetEvents(ctx, false, "operation"); err == nil {
		go func() {
			for e := range events {
				var md struct {
					ID       string         `json:"id"`
					Metadata map[string]any `json:"metadata"`
				}
				if json.Unmarshal(e.Metadata, &md) == nil && md.ID == op.ID {
					if text := progressText(md.Metadata); text != "" {
						p.update(label + ": " + text)
					}
				}
			}
		}()
	}
	err := op.Wait(a.ctx)
	cancel()
	p.clear()
	return err
}

// progressText joins the "*_progress" values of operation metadata.
func progressText(md map[string]any) string {
	var parts []string
	for k, v := range md {
		if strings.HasSuffix(k, "_progress") {
			parts = append(parts, fmt.Sprint(v))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// progressLine rewrites one terminal line in place.
type progressLine struct {
	mu   sync.Mutex
	out  *os.File
	last int
	done bool
}

func (p *progressLine) update(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	pad := ""
	if n := p.last - len(text); n > 0 {
		pad = strings.Repeat(" ", n)
	}
	fmt.Fprintf(p.out, "\r%s%s", text, pad)
	p.last = len(text)
}

func (p *progressLine) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = true
	if p.last > 0 {
		fmt.Fprintf(p.out, "\r%s\r", strings.Repeat(" ", p.last))
		p.last = 0
	}
}

// progressDone prints the closing message of an operation that showed
// progress, as LXD's progress renderer does: a carriage return first, even
// when nothing was drawn.
func (a *app) progressDone(msg string) {
	if a.flags.quiet {
		return
	}
	fmt.Fprintf(a.stdout, "\r%s\n", msg)
}
