// Command mkdebian writes a Debian image (see shared/testimage
// WriteDebianImage) into a directory: `mkdebian <outdir> [release]`.
// scripts/mkimage runs it. The debootstrap tree is kept in
// $LXDNG_IMAGE_CACHE when that is set.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/lxdng/lxd/shared/testimage"
)

func main() {
	if len(os.Args) < 2 || len(os.Args) > 3 {
		fmt.Fprintln(os.Stderr, "Usage: mkdebian <outdir> [release]")
		os.Exit(2)
	}
	o := testimage.DebianOptions{CacheDir: os.Getenv(testimage.DebianCacheEnv), Log: os.Stderr}
	if len(os.Args) == 3 {
		o.Release = os.Args[2]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	img, err := testimage.WriteDebianImage(ctx, os.Args[1], o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	fmt.Printf("unified: %s\nsplit:   %s %s\n", img.Unified, img.Meta, img.Rootfs)
}
