// Package revert runs undo steps in reverse order unless the caller declares success.
//
// Typical use:
//
//	r := revert.New()
//	defer r.Fail()
//	... create X ...
//	r.Add(func() { delete X })
//	... create Y ...
//	r.Success()
//
// It imports only the standard library.
package revert
