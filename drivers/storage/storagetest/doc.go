// Package storagetest is the conformance suite every storage.Driver passes
// (the containerd testsuite pattern): drivers' integration tests call Run
// with a constructor and a pool factory, and the suite drives pools and
// volumes through the interface only, checking content on disk through
// MountVolume.
//
// It imports drivers/storage, shared/api and the standard library.
package storagetest
