// Package events is the daemon's in-process publish/subscribe hub for
// lifecycle, operation and logging events. daemon/api streams subscriptions
// over websockets; cluster/eventsync republishes peers' events into it.
//
// Publish never blocks: a subscriber that falls behind loses its oldest
// events, and the loss is counted and logged.
//
// It imports shared/* only.
package events
