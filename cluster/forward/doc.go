// Package forward makes one cluster of members look like one server: a
// request meant for another member (?target=<member>, or an object that
// lives there according to a registered owner resolver) is proxied to it
// byte for byte (status, headers, chunked bodies, 202s with Location,
// websocket upgrades), authenticated with the cluster certificate and
// marked so that it is never forwarded again. It also builds clients for
// member-to-member calls.
//
// Hooks for services:
//   - Resolvers.Register(pattern, fn): fn(r, params) names the member owning
//     the object of a route such as "/1.0/instances/{name}" (a trailing "/*"
//     matches any deeper path). The daemon's forwarding middleware calls it
//     for requests without ?target=.
//   - Resolvers.TargetIsParameter(method, pattern): routes where ?target= is
//     an argument (pending pool/network definitions) and must not forward.
//   - Forwarder.ToMember(w, r, address) and Forwarder.Client(ctx, name).
//
// It imports cluster/db, shared/client, shared/api and shared/tlsutil.
package forward
