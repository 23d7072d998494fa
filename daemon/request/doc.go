// Package request carries who is calling (the Requestor) through a request's
// context: trusted or not, by which protocol, and which projects a
// restricted certificate may reach. Services read it to enforce project
// restrictions and to stamp lifecycle events.
//
// It imports shared/* only.
package request
