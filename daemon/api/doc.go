// Package api is the REST front of the daemon: the chi router, middleware
// (request id, logging, authentication, forwarding hook), response rendering
// in LXD's envelope, and one file per resource whose handlers decode the
// request, call a service and render the answer.
//
// Handlers depend on narrow interfaces declared here (consumer-side), filled
// by the composition root in package daemon. It imports daemon/<service>,
// daemon/{operations,events,request,trust,config} and shared/*.
package api
