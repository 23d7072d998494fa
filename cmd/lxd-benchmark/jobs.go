package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"

	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/ops"
	"github.com/lxdng/lxd/cmd/lxd-benchmark/internal/report"
	"github.com/lxdng/lxd/shared/client"
)

// markerKey marks the containers the benchmark made, so start, stop and
// delete find them and leave other instances alone.
const markerKey = "user.lxd-benchmark"

// runJob connects to the daemon, runs one subcommand, prints its summary
// and appends it to the CSV report when asked.
func runJob(ctx context.Context, g globalOpts, j job) error {
	c, err := client.ConnectUnix(socketPath(g.Socket, os.Getenv("LXD_DIR"), fileExists), nil)
	if err != nil {
		return err
	}
	if g.Project != "" && g.Project != "default" {
		c = c.WithProject(g.Project)
	}
	if _, _, err := c.GetServer(ctx); err != nil {
		return fmt.Errorf("Failed to connect to the daemon: %w", err)
	}
	res, err := execute(ctx, c, j)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %s\n", j.Action, res)
	for i, e := range res.Errors {
		if i == 5 {
			fmt.Printf("  ... %d more failures\n", len(res.Errors)-5)
			break
		}
		fmt.Printf("  failed: %v\n", e)
	}
	if g.ReportFile != "" {
		label := g.ReportLabel
		if label == "" {
			label = j.Action
		}
		if err := report.AppendCSV(g.ReportFile, res.CSVRow(label)); err != nil {
			return err
		}
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("%d of %d failed", len(res.Errors), res.Count)
	}
	return nil
}

// execute runs the job's batch against c.
func execute(ctx context.Context, c *client.Client, j job) (batchResult, error) {
	switch j.Action {
	case "init", "launch":
		return createBatch(ctx, c, j)
	case "start", "stop", "delete":
		return stateBatch(ctx, c, j)
	case "exec":
		return execBatch(ctx, c, j)
	case "list":
		return listBatch(ctx, c, j)
	}
	return batchResult{}, fmt.Errorf("Unknown action %q", j.Action)
}

func createBatch(ctx context.Context, c *client.Client, j job) (batchResult, error) {
	existing, err := ops.Instances(ctx, c)
	if err != nil {
		return batchResult{}, err
	}
	names := freeNames("benchmark-", existing, j.Count)
	o := ops.CreateOpts{Image: j.Image, Privileged: j.Privileged, Config: map[string]string{markerKey: "true"}}
	res := runBatch(ctx, names, j.parallelism(), func(ctx context.Context, name string) error {
		return createInstance(ctx, c, name, o, j.Action == "launch", j.Freeze)
	})
	return res, nil
}

// createInstance creates one container and optionally starts and freezes it.
func createInstance(ctx context.Context, c *client.Client, name string, o ops.CreateOpts, start, freeze bool) error {
	if err := ops.Create(ctx, c, name, o); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if !start {
		return nil
	}
	if err := ops.SetState(ctx, c, name, ops.Start, false); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if freeze {
		if err := ops.SetState(ctx, c, name, ops.Freeze, false); err != nil {
			return fmt.Errorf("freeze: %w", err)
		}
	}
	return nil
}

// freeNames returns n names prefix<NNNN> not used by existing instances.
func freeNames(prefix string, existing []ops.Instance, n int) []string {
	used := map[string]bool{}
	for _, in := range existing {
		used[in.Name] = true
	}
	width := len(strconv.Itoa(n + len(existing)))
	if width < 4 {
		width = 4
	}
	var out []string
	for i := 1; len(out) < n; i++ {
		name := fmt.Sprintf("%s%0*d", prefix, width, i)
		if !used[name] {
			out = append(out, name)
		}
	}
	return out
}

// stateBatch starts, stops or deletes the benchmark containers.
func stateBatch(ctx context.Context, c *client.Client, j job) (batchResult, error) {
	all, err := ops.Instances(ctx, c)
	if err != nil {
		return batchResult{}, err
	}
	var names []string
	status := map[string]string{}
	for _, in := range all {
		if in.Config[markerKey] == "" || !wants(j.Action, in.Status) {
			continue
		}
		names = append(names, in.Name)
		status[in.Name] = in.Status
	}
	fn := func(ctx context.Context, name string) error {
		switch j.Action {
		case "start":
			return startInstance(ctx, c, name, j.Freeze)
		case "stop":
			return ops.SetState(ctx, c, name, ops.Stop, j.Force)
		}
		if status[name] != "Stopped" {
			if err := ops.SetState(ctx, c, name, ops.Stop, j.Force); err != nil {
				return fmt.Errorf("stop: %w", err)
			}
		}
		return ops.Delete(ctx, c, name)
	}
	return runBatch(ctx, names, j.parallelism(), fn), nil
}

func startInstance(ctx context.Context, c *client.Client, name string, freeze bool) error {
	if err := ops.SetState(ctx, c, name, ops.Start, false); err != nil {
		return err
	}
	if freeze {
		return ops.SetState(ctx, c, name, ops.Freeze, false)
	}
	return nil
}

// wants says whether an action applies to an instance in status.
func wants(action, status string) bool {
	switch action {
	case "start":
		return status == "Stopped"
	case "stop":
		return status == "Running" || status == "Frozen"
	}
	return true
}

// execBatch runs `true` count times, one after the other.
func execBatch(ctx context.Context, c *client.Client, j job) (batchResult, error) {
	name := j.Instance
	if name == "" {
		all, err := ops.Instances(ctx, c)
		if err != nil {
			return batchResult{}, err
		}
		for _, in := range all {
			if in.Config[markerKey] != "" && in.Status == "Running" {
				name = in.Name
				break
			}
		}
		if name == "" {
			return batchResult{}, errors.New("No running benchmark container: run `lxd-benchmark launch` first or name one")
		}
	}
	return runBatch(ctx, counter(j.Count), 1, func(ctx context.Context, _ string) error {
		return execTrue(ctx, c, name)
	}), nil
}

func execTrue(ctx context.Context, c *client.Client, name string) error {
	code, err := ops.Exec(ctx, c, name, []string{"true"})
	if err == nil && code != 0 {
		err = fmt.Errorf("true exited with %d", code)
	}
	return err
}

// listBatch fetches the full instance list count times, one after the
// other, through the API or the real lxc.
func listBatch(ctx context.Context, c *client.Client, j job) (batchResult, error) {
	fn := func(ctx context.Context, _ string) error {
		_, err := ops.ListFull(ctx, c)
		return err
	}
	if j.LXC {
		fn = func(ctx context.Context, _ string) error { return lxcList(ctx, os.Environ()) }
	}
	res := runBatch(ctx, counter(j.Count), 1, fn)
	if res.Elapsed > 0 {
		fmt.Printf("list: %.1f requests/s\n", float64(len(res.Durations))/res.Elapsed.Seconds())
	}
	return res, nil
}

// lxcList runs the real `lxc list` (default columns, so it asks for the
// instances' state) with env pointing it at a daemon.
func lxcList(ctx context.Context, env []string) error {
	cmd := exec.CommandContext(ctx, "lxc", "list")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("lxc list: %w: %s", err, out)
	}
	return nil
}

// counter returns n item labels for batches that repeat one call.
func counter(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(i + 1)
	}
	return out
}
