package storage

import "context"

// PoolResizer is implemented by drivers that can change a pool's "size"
// after creation (a loop-backed btrfs pool grows its file and filesystem).
// The service type-asserts it; drivers without it refuse size changes.
type PoolResizer interface {
	// ResizePool gives the pool the size of p.Config["size"]. Pools only
	// grow: a smaller size is refused with ErrCannotBeShrunk.
	ResizePool(ctx context.Context, p Pool) error
}
