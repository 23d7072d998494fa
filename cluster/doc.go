// Package cluster owns membership: the database transport over the
// members' HTTPS listeners (Transport: `GET /internal/database` with
// `Upgrade: dqlite`, TLS with the cluster certificate both ways), the
// database node options (voters, stand-bys, role refresh), bootstrap of a
// standalone server (its dqlite node moves from a private socket to the
// cluster address, keeping the data), accepting and joining (Accept, Join:
// the joiner's database is replaced by the cluster's), member records and
// their rendering (status from heartbeats, roles from the raft
// configuration), removal (object checks, keeping a voter), heartbeats
// (the database leader calls every member; members.heartbeat), the version
// gate (CheckVersions), and a Notifier for member-to-member fan-out.
//
// Hooks for services (the daemon exposes them as clustering.hooks,
// .owners, .notifier and .fwd):
//
//   - Hooks.AddMemberConfig(MemberConfigProvider): contribute the
//     member-specific keys listed by GET /1.0/cluster "member_config"
//     (storage pool source/size, network parent...) and receive a joiner's
//     values once it has joined (ApplyMemberConfig(ctx, memberID, keys)).
//     With none registered member_config is [].
//   - Hooks.AddObjectHolder(ObjectHolder): say which objects a member holds
//     (in words, "instances c1, c2"). A member holding anything is not
//     removed without force; a server holding anything can't join. The
//     built-in check covers instances and custom volumes (images are
//     replicated copies: one only that member held goes with it).
//   - Hooks.OnJoined(func(ctx, self db.Member)): run after this server
//     joined (its member id changed: the cluster database is now used).
//   - forward.Resolvers.Register(pattern, Resolver): route requests for an
//     object living on another member there (e.g. "/1.0/instances/{name}"
//     and "/1.0/instances/{name}/*"); TargetIsParameter(method, pattern) for
//     routes where ?target= is an argument, not a destination.
//   - forward.Forwarder.ToMember(w, r, name, address) and Client(ctx, name)
//     for a service's own forwarding and internal calls.
//   - Notifier.NotifyOnline / NotifyAll(ctx, method, path, body): call the
//     same endpoint on the other members (e.g. "create this pool here");
//     peers handle cluster-certificate requests locally, never forwarding.
//
// Config: cluster.offline_threshold (read live), cluster.max_voters and
// cluster.max_standby (read when the database node starts: a change applies
// at each member's next restart), cluster.join_token_expiry. The heartbeat
// interval is 10s; the hidden environment variable
// LXD_CLUSTER_HEARTBEAT_INTERVAL (a Go duration) shortens it for tests.
//
// It imports cluster/db, cluster/forward and shared/*; never daemon or
// drivers.
package cluster
