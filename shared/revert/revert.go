package revert

// Reverter collects undo functions.
type Reverter struct {
	undo []func()
	done bool
}

// New returns an empty Reverter.
func New() *Reverter { return &Reverter{} }

// Add registers an undo step; steps run last-added first.
func (r *Reverter) Add(f func()) { r.undo = append(r.undo, f) }

// Fail runs all undo steps unless Success was called. Safe to defer.
func (r *Reverter) Fail() {
	if r.done {
		return
	}
	r.done = true
	for i := len(r.undo) - 1; i >= 0; i-- {
		r.undo[i]()
	}
}

// Success disarms the Reverter.
func (r *Reverter) Success() { r.done = true }

// Clone hands the pending steps to a new Reverter and disarms this one, so a
// caller can return the undo steps to its own caller.
func (r *Reverter) Clone() *Reverter {
	c := &Reverter{undo: append([]func(){}, r.undo...)}
	r.done = true
	return c
}
