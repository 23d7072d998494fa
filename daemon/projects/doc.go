// Package projects is the project service: project records, their config
// keys and features, used_by and resource usage.
//
// It imports cluster/db and shared/*.
package projects
