// Package eventsync makes every member's /1.0/events show the whole
// cluster: a Syncer follows each peer's event stream (all projects; the
// peer sends only its own events to cluster peers, so nothing echoes) and
// republishes every event through a Publisher, keeping its location.
// Followers reconnect with backoff and are started and stopped as members
// come and go (Syncer.Update).
//
// It imports shared/api and shared/client only; the daemon supplies the
// client factory (cluster certificate) and the Publisher (its event hub).
package eventsync
