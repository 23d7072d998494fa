package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lxdng/lxd/shared/api"
	"github.com/lxdng/lxd/shared/client"
)

type publishFlags struct {
	aliases     []string
	compression string
	expire      string
	force       bool
	public      bool
}

func publishCommand(a *app) *cobra.Command {
	f := &publishFlags{}
	cmd := &cobra.Command{
		Use:   "publish [<remote>:]<instance>[/<snapshot>] [<remote>:] [flags] [key=value...]",
		Short: "Publish instances as images",
		RunE: func(cmd *cobra.Command, args []string) error {
			if exit, err := checkArgs(cmd, args, 1, -1); exit {
				return err
			}
			return a.publish(cmd, args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.aliases, "alias", nil, "New alias to define at target``")
	fl.StringVar(&f.compression, "compression", "", "Compression algorithm to use (`none` for uncompressed)")
	fl.StringVar(&f.expire, "expire", "", "Image expiration date (format: rfc3339)``")
	fl.BoolVarP(&f.force, "force", "f", false, "Stop the instance if currently running")
	fl.BoolVar(&f.public, "public", false, "Make the image public")
	return cmd
}

// publish creates an image from an instance (stopping a running one with
// --force and starting it again afterwards) or from a snapshot.
func (a *app) publish(cmd *cobra.Command, args []string, f *publishFlags) error {
	srcRemote, name, err := a.parseRemote(args[0])
	if err != nil {
		return err
	}
	dstRemote, props := srcRemote, args[1:]
	if len(args) >= 2 && !strings.Contains(args[1], "=") {
		var imgName string
		if dstRemote, imgName, err = a.parseRemote(args[1]); err != nil {
			return err
		}
		if imgName != "" {
			return errors.New(`There is no "image name".  Did you want an alias?`)
		}
		props = args[2:]
	}
	if name == "" {
		return errors.New("Instance name is mandatory")
	}
	c, err := a.connect(srcRemote)
	if err != nil {
		return err
	}
	properties := map[string]string{}
	for _, p := range props {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return cmd.Help()
		}
		properties[k] = v
	}
	if _, _, isSnap := splitSnapshot(name); !isSnap {
		restart, err := a.stopForPublish(c, name, f.force)
		if err != nil {
			return err
		}
		if restart != nil {
			defer restart()
		}
	}
	req := api.ImagesPost{Source: &api.ImagesPostSource{Type: "container", Name: name}, CompressionAlgorithm: f.compression}
	if _, _, isSnap := splitSnapshot(name); isSnap {
		req.Source.Type = "snapshot"
	}
	if len(properties) > 0 {
		req.Properties = properties
	}
	if srcRemote == dstRemote {
		req.Public = f.public
	}
	if f.expire != "" {
		t, err := time.Parse(time.RFC3339, f.expire)
		if err != nil {
			return fmt.Errorf("Invalid expiration date: %w", err)
		}
		req.ExpiresAt = t
	}
	op, err := c.Do(a.ctx, http.MethodPost, "/1.0/images", req, "")
	if err != nil {
		return err
	}
	if err := a.waitOperation(c, op, "Publishing instance"); err != nil {
		return err
	}
	fp, _ := op.Metadata["fingerprint"].(string)
	target := c
	if srcRemote != dstRemote {
		if target, err = a.publishElsewhere(c, dstRemote, fp, f.public); err != nil {
			return err
		}
	}
	if err := a.ensureImageAliases(target, f.aliases, fp); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Instance published with fingerprint: %s\n", fp)
	return nil
}

// stopForPublish stops a running instance (only with --force) and returns
// how to start it again. An ephemeral instance loses its ephemeral flag
// while stopped so it survives, then gets it back.
func (a *app) stopForPublish(c *client.Client, name string, force bool) (func(), error) {
	inst, etag, err := getInstance(a.ctx, c, name)
	if err != nil {
		return nil, err
	}
	if inst.StatusCode == 0 || inst.StatusCode == api.Stopped {
		return nil, nil
	}
	if !force {
		return nil, errors.New("The instance is currently running. Use --force to have it stopped and restarted")
	}
	if inst.Ephemeral {
		put := inst.Writable()
		put.Ephemeral = false
		if err := a.updateInstance(c, name, put, etag); err != nil {
			return nil, err
		}
	}
	op, err := stateAction(a.ctx, c, name, api.InstanceStatePut{Action: "stop", Timeout: -1, Force: true})
	if err == nil {
		err = op.Wait(a.ctx)
	}
	if err != nil {
		return nil, errors.New("Stopping instance failed!")
	}
	if inst.Ephemeral {
		cur, etag, err := getInstance(a.ctx, c, name)
		if err != nil {
			return nil, err
		}
		put := cur.Writable()
		put.Ephemeral = true
		if err := a.updateInstance(c, name, put, etag); err != nil {
			return nil, err
		}
	}
	return func() {
		if op, err := stateAction(a.ctx, c, name, api.InstanceStatePut{Action: "start", Timeout: -1, Force: true}); err == nil {
			_ = op.Wait(a.ctx)
		}
	}, nil
}

// publishElsewhere copies the new image to the destination remote and
// removes it from the instance's server.
func (a *app) publishElsewhere(src *client.Client, dstRemote, fp string, public bool) (*client.Client, error) {
	dst, err := a.connect(dstRemote)
	if err != nil {
		return nil, err
	}
	if sameServer(a, src, dst) {
		return nil, errSameServer
	}
	defer func() {
		if op, err := src.DeleteImage(a.ctx, fp); err == nil && op != nil {
			_ = op.Wait(a.ctx)
		}
	}()
	img, _, err := src.GetImage(a.ctx, fp)
	if err != nil {
		return nil, err
	}
	if err := a.pullImage(src, dst, img, "", &imageCopyFlags{public: public}); err != nil {
		return nil, err
	}
	return dst, nil
}

// sameServer reports whether two remotes reach the same daemon (same
// server certificate).
func sameServer(a *app, x, y *client.Client) bool {
	sx, _, err1 := x.GetServer(a.ctx)
	sy, _, err2 := y.GetServer(a.ctx)
	return err1 == nil && err2 == nil && sx.Environment.CertificateFingerprint == sy.Environment.CertificateFingerprint
}
