//go:build integration

package api_test

import "testing"

// The per-instance I/O scenarios, run against our daemon's real instance
// service (the instio tests run them on an adapter harness and on LXD).
func TestServiceInstanceExec(t *testing.T)       { scenarioExec(t, oursTarget(t)) }
func TestServiceInstanceExecRecord(t *testing.T) { scenarioExecRecord(t, oursTarget(t)) }
func TestServiceInstanceExecSignal(t *testing.T) { scenarioExecSignal(t, oursTarget(t)) }
func TestServiceInstanceExecPty(t *testing.T)    { scenarioExecInteractive(t, oursTarget(t)) }
func TestServiceInstanceConsole(t *testing.T)    { scenarioConsole(t, oursTarget(t)) }
func TestServiceInstanceFiles(t *testing.T)      { scenarioFiles(t, oursTarget(t)) }
func TestServiceInstanceFilesStopped(t *testing.T) {
	scenarioFilesStopped(t, oursTarget(t))
}
func TestServiceInstanceMetadata(t *testing.T) { scenarioMetadata(t, oursTarget(t)) }
func TestServiceInstanceLogNames(t *testing.T) { scenarioLogNames(t, oursTarget(t)) }
func TestServiceDevlxd(t *testing.T)           { scenarioDevlxd(t, oursTarget(t)) }
func TestServiceInstanceGoClient(t *testing.T) { scenarioGoClient(t, oursTarget(t)) }
