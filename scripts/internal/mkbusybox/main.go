// Command mkbusybox writes the busybox test image (see shared/testimage)
// into the directory given as its only argument. scripts/mkimage runs it.
package main

import (
	"fmt"
	"os"

	"github.com/lxdng/lxd/shared/testimage"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "Usage: mkbusybox <outdir>")
		os.Exit(2)
	}
	img, err := testimage.WriteBusyboxImage(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	fmt.Printf("unified: %s\nsplit:   %s %s\n", img.Unified, img.Meta, img.Rootfs)
}
